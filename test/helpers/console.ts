// The console under test: a ledger holding proposals from several channels, and browsers
// (supertest agents) that sign in as a person would, reading the CSRF token from the form.
import { createPrivateKey } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { v7 as uuidv7 } from 'uuid';
import type { Agent } from 'supertest';
import { decodeBatch, newKeyPair } from '../../src/domain/protocol.ts';
import { voterKey } from '../../src/domain/voter.ts';
import type { EventRow } from '../../src/store/gateway-store.ts';
import { buildBatch } from '../../sync/batch.ts';
import type { Ledger } from '../../ledger/ledger.ts';
import { addUser, COMMAND_LINE } from '../../console/accounts.ts';

/** A proposal as a gateway sends it. */
export interface SeedProposal {
  title: string;
  /** c-open when not given. */
  cycleId?: string;
  wardId?: string;
  category?: string;
  channel?: 'ussd' | 'sms' | 'voice' | 'field';
  reference?: string;
  audio?: { sha256: string; bytes: number };
  photo?: { sha256: string; bytes: number };
}

/** Registers a gateway and ingests its proposals in one batch; returns their event ids in order. */
export async function seedProposals(ledger: Ledger, proposals: SeedProposal[], gatewayId = 'gw-inbox'): Promise<string[]> {
  const { privatePem, publicKey } = newKeyPair();
  await ledger.addGateway(gatewayId, publicKey);
  const rows: EventRow[] = proposals.map((p, i) => ({
    seq: i + 1,
    id: uuidv7(),
    type: 'proposal.submitted',
    cycle_id: p.cycleId ?? 'c-open',
    voter_key: voterKey(`+25471100${String(i).padStart(4, '0')}`, 'test-secret-0123456789'),
    channel: p.channel ?? 'sms',
    gateway_id: gatewayId,
    captured_at: '2026-11-22T09:00:00.000Z',
    source_ref: `test:${gatewayId}:${i + 1}`,
    payload: JSON.stringify({
      wardId: p.wardId ?? 'north',
      category: p.category ?? 'water',
      title: p.title,
      description: `About: ${p.title}`,
      reference: p.reference ?? `IDEA-${i + 1}00`,
      ...(p.audio ? { audio: p.audio } : {}),
      ...(p.photo ? { photo: p.photo } : {}),
    }),
    acked_at: null,
  }));
  const gw = { gatewayId, publicKey, privateKey: createPrivateKey(privatePem) };
  const { header, lines } = decodeBatch(gunzipSync(buildBatch(gw, rows, 0, ledger.now()).body).toString('utf8'));
  const answer = await ledger.ingest(header, lines, 'push');
  if (answer.accepted.length !== rows.length) throw new Error(`seed: ${JSON.stringify(answer.rejected)}`);
  return rows.map((r) => r.id);
}

export const PASSWORD = 'correct horse battery staple';

/** One account of each role, each with PASSWORD. */
export async function seedTeam(ledger: Ledger): Promise<void> {
  for (const role of ['admin', 'reviewer', 'coordinator', 'auditor'])
    await addUser(ledger.conn, COMMAND_LINE, { name: role, role, password: PASSWORD }, ledger.now());
}

/** The hidden CSRF token of the first form on a page. */
export const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** Signs `agent` in; returns the sign-in answer (303 on success). */
export async function signIn(agent: Agent, name: string, password = PASSWORD) {
  const form = await agent.get('/console/sign-in');
  return agent
    .post('/console/sign-in')
    .type('form')
    .send({ _csrf: csrfOf(form.text), lang: 'en', name, password });
}

/** The CSRF token of the signed-in session (from the inbox page's forms). */
export async function sessionCsrf(agent: Agent, path = '/console'): Promise<string> {
  return csrfOf((await agent.get(path)).text);
}
