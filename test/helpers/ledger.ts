// Ledger test backends (SQLite file, PostgreSQL schema of its own) and event rows to feed them.
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { expect, inject } from 'vitest';
import type { Logger } from 'pino';
import type { Deployment } from '../../src/config/schema.ts';
import { voterKey } from '../../src/domain/voter.ts';
import { SautiError } from '../../src/domain/errors.ts';
import type { EventRow } from '../../src/store/gateway-store.ts';
import { openLedger, storedVoterMeta, type LedgerStorage } from '../../ledger/connect.ts';
import { Ledger } from '../../ledger/ledger.ts';
import { databaseUrl, requireService } from './services.ts';
import { tempDir } from './tmp.ts';

export const DATABASE_URL = databaseUrl();

/** Both storages the ledger supports; each call of freshStorage gives a fresh, empty one. */
export type Backend = 'sqlite' | 'postgres';

/**
 * The storages to test the ledger on: both, or SQLite alone with one line saying PostgreSQL is
 * missing (never under CI=true: see requireService). Call once per test file, at top level.
 */
export async function ledgerBackends(): Promise<Backend[]> {
  return (await requireService('postgres')).present ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** The ledger voter secret tests on PostgreSQL run with (SAUTI_LEDGER_VOTER_SECRET); SQLite keeps its own beside the file. */
export const TEST_LEDGER_VOTER_SECRET = 'test-ledger-voter-secret-0123456789abcdef';

export function freshStorage(backend: Backend): LedgerStorage {
  if (backend === 'sqlite') return { kind: 'sqlite', file: join(tempDir('sauti-ledger-'), 'ledger.db') };
  // Dropped with the run's others after the last file (test/global-setup.ts), never during the run.
  const schema = `${inject('schemaPrefix')}${randomBytes(6).toString('hex')}`;
  return { kind: 'postgres', url: DATABASE_URL, schema, voterSecret: TEST_LEDGER_VOTER_SECRET };
}

export async function testLedger(backend: Backend, ballot: Deployment, clock?: () => Date, logger?: Logger): Promise<Ledger> {
  return new Ledger(await openLedger(freshStorage(backend)), () => ballot, clock, logger);
}

/** Builds gateway event rows the way the gateway store holds them. */
export function eventFactory(gatewayId: string, startSeq = 1) {
  let seq = startSeq - 1;
  return {
    vote(
      phone: string,
      picks: number[],
      capturedAt: string,
      extra: Partial<{ cycleId: string; wardId: string; receipt: string; ageBand: string; gender: string }> = {},
    ): EventRow {
      seq += 1;
      const receipt = extra.receipt ?? randomBytes(5).toString('hex').toUpperCase();
      return {
        seq,
        id: uuidv7(),
        type: 'vote.cast',
        cycle_id: extra.cycleId ?? 'c-open',
        voter_key: voterKey(phone, 'test-secret-0123456789'),
        channel: 'ussd',
        gateway_id: gatewayId,
        captured_at: capturedAt,
        source_ref: `test:${gatewayId}:${seq}`,
        // As the gateway writes it: age band and gender only when the voter's roll entry has them.
        payload: JSON.stringify({
          wardId: extra.wardId ?? 'north',
          picks,
          receipt,
          replaces: null,
          ...(extra.ageBand ? { ageBand: extra.ageBand } : {}),
          ...(extra.gender ? { gender: extra.gender } : {}),
        }),
        acked_at: null,
      };
    },
  };
}

/** The key `ledger` stores for a gateway's voter key (re-keyed with its voter secret on ingest). */
export async function ledgerKeyFor(ledger: Ledger, gatewayKey: string): Promise<string> {
  const { check, layers } = await storedVoterMeta(ledger.conn.db);
  return ledger.conn.voterKeys.forCheck(check, layers).key(gatewayKey);
}

/** The SautiError `p` is refused with (the test fails when it is not refused, or with another error). */
export async function refusal(p: Promise<unknown>): Promise<SautiError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SautiError);
  return err as SautiError;
}
