// `sauti ledger import` of bundles an outside tester crafted, validly signed with the gateway's
// key: an import is all or nothing, a bundle id is one bundle, and the summary says what happened.
import { spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { bundleLine, newKeyPair, signBody, type BatchHeader } from '../src/domain/protocol.ts';
import { eventLine } from '../sync/batch.ts';
import type { GatewayIdentity } from '../sync/identity.ts';
import { importBundle } from '../ledger/bundle-import.ts';
import { openLedger } from '../ledger/connect.ts';
import { Ledger } from '../ledger/ledger.ts';
import { verifyChain } from '../ledger/verify.ts';
import type { EventRow } from '../src/store/gateway-store.ts';
import { type Backend, eventFactory, ledgerBackends, testLedger } from './helpers/ledger.ts';
import { FIXTURE, testDeployment } from './helpers/deployment.ts';
import { tempDir } from './helpers/tmp.ts';

const BACKENDS = await ledgerBackends();

function identity(gatewayId = 'gw-a'): GatewayIdentity {
  const { privatePem, publicKey } = newKeyPair();
  return { gatewayId, publicKey, privateKey: createPrivateKey(privatePem) };
}

const at = (min: number) => new Date(Date.UTC(2026, 10, 22, 9, min % 60, Math.floor(min / 60) % 60)).toISOString();

/** `n` votes of one gateway, sequence numbers from `from`. */
function votes(gatewayId: string, n: number, from = 1): EventRow[] {
  const f = eventFactory(gatewayId, from);
  return Array.from({ length: n }, (_, i) => f.vote(`+2547${String(from + i).padStart(8, '0')}`, [1], at(i)));
}

/**
 * A bundle as `sauti sync export` writes it (header member, members of 1,000 event lines, one
 * member per recording line), signed with the gateway's key, with whatever the test changes.
 */
function bundle(
  gw: GatewayIdentity,
  lines: string[],
  opts: { header?: Partial<BatchHeader>; headerLine?: string; recordings?: string[]; junk?: Buffer } = {},
): { file: string; batchId: string } {
  const recordings = opts.recordings ?? [];
  const header: BatchHeader = {
    protocol: 1,
    gatewayId: gw.gatewayId,
    batchId: uuidv7(),
    sentAt: new Date().toISOString(),
    backlog: 0,
    count: lines.length,
    ...(recordings.length > 0 ? { attachments: recordings.length } : {}),
    ...opts.header,
  };
  const members: Buffer[] = [gzipSync((opts.headerLine ?? JSON.stringify(header)) + '\n')];
  for (let i = 0; i < lines.length; i += 1000) members.push(gzipSync(lines.slice(i, i + 1000).join('\n') + '\n'));
  for (const r of recordings) members.push(gzipSync(r + '\n'));
  if (opts.junk) members.push(Buffer.from(opts.junk));
  const body = Buffer.concat(members);
  const file = join(tempDir('sauti-bundle-import-'), 'gw.bundle');
  writeFileSync(file, Buffer.concat([Buffer.from(bundleLine(gw.gatewayId, signBody(gw.privateKey, gw.gatewayId, body)), 'latin1'), body]));
  return { file, batchId: header.batchId };
}

function recordingLine(eventId: string): string {
  const data = Buffer.from('not really audio');
  const sha256 = createHash('sha256').update(data).digest('hex');
  return JSON.stringify({ attachment: { sha256, bytes: data.length, eventId, contentType: 'audio/mpeg', data: data.toString('base64') } });
}

async function setup(backend: Backend) {
  const ledger = await testLedger(backend, testDeployment());
  const gw = identity();
  await ledger.addGateway(gw.gatewayId, gw.publicKey);
  return { ledger, gw };
}

const stored = async (ledger: Ledger) => {
  const n = async (table: 'ledger_events' | 'ledger_ballots' | 'ledger_batches' | 'ledger_rejections') =>
    Number(
      (
        await ledger.conn.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const gateway = await ledger.conn.db.selectFrom('ledger_gateways').select(['max_seq', 'accepted_count']).executeTakeFirstOrThrow();
  return {
    events: await n('ledger_events'),
    ballots: await n('ledger_ballots'),
    batches: await n('ledger_batches'),
    rejections: await n('ledger_rejections'),
    maxSeq: Number(gateway.max_seq),
    accepted: Number(gateway.accepted_count),
  };
};
const NOTHING = { events: 0, ballots: 0, batches: 0, rejections: 0, maxSeq: 0, accepted: 0 };

describe.each(BACKENDS)('ledger import on %s', (backend) => {
  it('refuses a bundle whose header miscounts its events or recordings, storing nothing of it', async () => {
    const { ledger, gw } = await setup(backend);
    try {
      const lines = votes('gw-a', 3).map(eventLine);
      await expect(importBundle(ledger, bundle(gw, lines.slice(0, 2), { header: { count: 1_000_000_000 } }).file)).rejects.toThrow(
        'the bundle header says 1000000000 events; a bundle holds at most 2,000,000: nothing was imported',
      );
      await expect(importBundle(ledger, bundle(gw, lines.slice(0, 2), { header: { count: 5 } }).file)).rejects.toThrow(
        'the bundle header says 5 events but it holds 2: nothing was imported',
      );
      // Count 1 with 3 event lines: the two after it are not taken for recordings.
      await expect(importBundle(ledger, bundle(gw, lines, { header: { count: 1 } }).file)).rejects.toThrow(
        'the bundle header says 1 events but it holds 3: nothing was imported',
      );
      await expect(importBundle(ledger, bundle(gw, lines, { header: { attachments: 1 } }).file)).rejects.toThrow(
        'the bundle header says 1 recordings but it holds 0: nothing was imported',
      );
      expect(await stored(ledger)).toEqual(NOTHING);
      expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true, checked: 0 });
    } finally {
      await ledger.close();
    }
  });

  it('refuses a bundle with a sequence number or an event id twice, even chunks apart, storing nothing', async () => {
    const { ledger, gw } = await setup(backend);
    try {
      const rows = votes('gw-a', 4500);
      rows[2300]!.seq = rows[10]!.seq; // event 2301 reuses the seq of event 11
      await expect(importBundle(ledger, bundle(gw, rows.map(eventLine)).file)).rejects.toThrow(
        'event seq 11 appears twice in this bundle (event lines 11 and 2301): nothing was imported',
      );
      const few = votes('gw-a', 3);
      const again = { ...few[0]!, seq: 9 };
      await expect(importBundle(ledger, bundle(gw, [...few, again].map(eventLine)).file)).rejects.toThrow(
        `event ${few[0]!.id} appears twice in this bundle (event lines 1 and 4): nothing was imported`,
      );
      expect(await stored(ledger)).toEqual(NOTHING);
    } finally {
      await ledger.close();
    }
  });

  it('refuses a body damaged after thousands of events, and a header that is not JSON, storing nothing', async () => {
    const { ledger, gw } = await setup(backend);
    try {
      const lines = votes('gw-a', 4500).map(eventLine);
      await expect(importBundle(ledger, bundle(gw, lines, { junk: Buffer.from('signed junk after the gzip stream') }).file)).rejects.toThrow(
        /^the bundle body is damaged after \d+ events \(not valid gzip, or cut short\): nothing was imported$/,
      );
      await expect(importBundle(ledger, bundle(gw, lines.slice(0, 2), { headerLine: 'hello' }).file)).rejects.toThrow(
        'the bundle header (the first line of its body) is not JSON: nothing was imported',
      );
      expect(await stored(ledger)).toEqual(NOTHING);
    } finally {
      await ledger.close();
    }
  });

  it('a sequence number the ledger holds for another event, found chunks in, stores nothing of the bundle', async () => {
    const { ledger, gw } = await setup(backend);
    try {
      const held = votes('gw-a', 1, 4001);
      await importBundle(ledger, bundle(gw, held.map(eventLine)).file);
      const before = await stored(ledger);
      expect(before).toMatchObject({ events: 1, maxSeq: 4001 });
      // Seqs 1–4500 with new ids: the third chunk (events 4001–4500) meets seq 4001 in the ledger.
      await expect(importBundle(ledger, bundle(gw, votes('gw-a', 4500).map(eventLine)).file)).rejects.toThrow(
        /^sequence number 4001 of gw-a already belongs to event .* in the ledger; .*: nothing was imported$/,
      );
      expect(await stored(ledger)).toEqual(before);
      expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true, checked: 1 });
    } finally {
      await ledger.close();
    }
  });

  it('a different bundle under an imported bundle id is refused, not answered with the earlier acknowledgement; the same file replays byte for byte', async () => {
    const { ledger, gw } = await setup(backend);
    try {
      const first = bundle(gw, votes('gw-a', 3).map(eventLine));
      const imported = await importBundle(ledger, first.file);
      expect(imported.ack.accepted).toHaveLength(3);
      const other = bundle(gw, votes('gw-a', 3, 4).map(eventLine), { header: { batchId: first.batchId } });
      await expect(importBundle(ledger, other.file)).rejects.toThrow(
        new RegExp(`^bundle ${first.batchId} was imported on .* with other contents \\(this file is not that bundle\\): nothing was imported$`),
      );
      expect(await stored(ledger)).toMatchObject({ events: 3, maxSeq: 3 });
      const again = await importBundle(ledger, first.file, undefined, () => new Date(Date.now() + 3_600_000));
      expect(again.alreadyImported).toBe(true);
      expect(again.file.equals(imported.file)).toBe(true);

      // Chunks stored by an import before bundles kept their digest: told apart by their event ids.
      const rows = await ledger.conn.db.selectFrom('ledger_batches').select(['batch_id', 'answer']).execute();
      for (const r of rows) {
        const { bundleSha256, ...answer } = JSON.parse(r.answer!) as { bundleSha256?: string };
        expect(bundleSha256).toMatch(/^[0-9a-f]{64}$/);
        await ledger.conn.db
          .updateTable('ledger_batches')
          .set({ answer: JSON.stringify(answer) })
          .where('batch_id', '=', r.batch_id)
          .execute();
      }
      expect((await importBundle(ledger, first.file)).file.equals(imported.file)).toBe(true);
      await expect(importBundle(ledger, other.file)).rejects.toThrow(/with other contents/);
      expect(await stored(ledger)).toMatchObject({ events: 3, maxSeq: 3 });
    } finally {
      await ledger.close();
    }
  });

  it('names the sequence gap a bundle leaves and the event line of a malformed event', async () => {
    const { ledger, gw } = await setup(backend);
    try {
      const lines = [...votes('gw-a', 8), ...votes('gw-a', 2, 151)].map(eventLine);
      lines.splice(2, 0, JSON.stringify({ seq: 9000, type: 'vote.cast' })); // no id: event line 3
      const result = await importBundle(ledger, bundle(gw, lines).file);
      expect(result.ack.accepted).toHaveLength(10);
      expect(result.gaps).toEqual([{ from: 9, to: 150 }]);
      expect(result.ack.rejected).toMatchObject([{ id: '', seq: 9000, reason: 'malformed' }]);
      expect(result.rejectedLines).toEqual([3]);
    } finally {
      await ledger.close();
    }
  });
});

describe('sauti ledger import, as an operator runs it', () => {
  const CLI = resolve(import.meta.dirname, '../src/cli/main.ts');
  // LOG_LEVEL as an operator has it (info): what the ledger would log must not reach the output as JSON.
  const sauti = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'info', DATABASE_URL: '', ...env } });

  it('says what it did in plain lines, names gaps and malformed lines, and refuses files it cannot read or places it cannot write before storing anything', async () => {
    const dir = tempDir('sauti-import-cli-');
    const ledgerFile = join(dir, 'ledger.db');
    const gw = identity();
    const setupLedger = new Ledger(await openLedger({ kind: 'sqlite', file: ledgerFile }), () => testDeployment());
    await setupLedger.addGateway(gw.gatewayId, gw.publicKey);
    await setupLedger.close();
    const env = { SAUTI_CONFIG: FIXTURE, SAUTI_LEDGER_DB: ledgerFile };

    const missing = sauti(['ledger', 'import', join(dir, 'nonexist.bundle')], env);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`sauti: ${join(dir, 'nonexist.bundle')} cannot be read (no such file): nothing was imported`);

    const lines = [...votes('gw-a', 8), ...votes('gw-a', 2, 151)].map(eventLine);
    lines.splice(2, 0, JSON.stringify({ seq: 9000, type: 'vote.cast' }));
    const { file } = bundle(gw, lines, { recordings: [recordingLine(randomUUID())] });

    const nowhere = sauti(['ledger', 'import', file, '--ack-out', join(dir, 'no', 'such', 'dir', 'x.ack')], env);
    expect(nowhere.status).toBe(2);
    expect(nowhere.stderr).toContain(`the acknowledgement cannot be written to ${join(dir, 'no', 'such', 'dir', 'x.ack')} (ENOENT): nothing was imported`);
    const check = new Ledger(await openLedger({ kind: 'sqlite', file: ledgerFile }), () => testDeployment());
    expect(await stored(check)).toEqual(NOTHING);
    await check.close();

    const ack = join(dir, 'gw.ack');
    const first = sauti(['ledger', 'import', file, '--ack-out', ack], env);
    expect(first.status).toBe(0);
    expect(first.stdout).not.toMatch(/^\{/m); // no JSON log lines
    expect(first.stdout).toContain(': 10 accepted, 0 already in the ledger, 1 rejected.');
    expect(first.stdout).toContain('  rejected event line 3: malformed: id: ');
    expect(first.stdout).toMatch(/Recordings: 0 stored, 1 refused\.\n {2}recording [0-9a-f]{64} refused: unknown-event: /);
    expect(first.stdout).toContain("Sequence gaps: the ledger has not received 9-150 of gw-a's sequence numbers");
    expect(existsSync(ack) && !existsSync(`${ack}.partial`)).toBe(true);

    const second = sauti(['ledger', 'import', file, '--ack-out', join(dir, 'again.ack')], env);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(
      /^Already imported on \d{4}-\d\d-\d\dT[\d:.]+Z: nothing changed\. Bundle \S+ from gw-a had 10 accepted, 0 already in the ledger, 1 rejected\./,
    );
    expect(readFileSync(join(dir, 'again.ack')).equals(readFileSync(ack))).toBe(true);

    // Found only after the import (a directory where the file should go): the events are stored, and the message says so.
    const late = sauti(['ledger', 'import', file, '--ack-out', dir], env);
    expect(late.status).toBe(2);
    expect(late.stderr).toMatch(
      /bundle \S+ IS imported \(its events are stored\), but the acknowledgement could not be written to .* import the same bundle again/,
    );
    expect(existsSync(`${dir}.partial`)).toBe(false);
  }, 60_000);
});
