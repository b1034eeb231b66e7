// The ledger's retention rule for spoken ideas' and reports' recordings: erased `ledger.recordingRetentionDays`
// after the proposal is finished (reviewed not feasible, or its cycle's results published) or the
// report resolved,
// recorded in the chain, idempotent, on SQLite and PostgreSQL; the console's player then says the
// recording was erased instead of failing.
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { v7 as uuidv7 } from 'uuid';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readAttachment, storeAttachment } from '../ledger/attachments.ts';
import { RECORDINGS_ERASED, startRecordingRetention, verifyErasures, type ErasureOutcome } from '../ledger/recording-retention.ts';
import { verifyChain } from '../ledger/verify.ts';
import { verifyConsoleTrail } from '../console/audit.ts';
import { reviewProposal } from '../console/proposals.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { createLogger } from '../src/logging.ts';
import { decodeBatch, newKeyPair, sha256Hex } from '../src/domain/protocol.ts';
import { voterKey } from '../src/domain/voter.ts';
import type { EventRow } from '../src/store/gateway-store.ts';
import { buildBatch } from '../sync/batch.ts';
import type { GatewayIdentity } from '../sync/identity.ts';
import { handleReport } from '../console/reports.ts';
import { seedProposals, seedTeam, signIn } from './helpers/console.ts';
import { logSink } from './helpers/gateway.ts';
import { afterCloseDeployment, rawFixture, testDeployment } from './helpers/deployment.ts';
import { tempDir } from './helpers/tmp.ts';
import { freshStorage, ledgerBackends } from './helpers/ledger.ts';
import { openLedger } from '../ledger/connect.ts';
import { Ledger } from '../ledger/ledger.ts';

const backends = await ledgerBackends();

const DAY = 86_400_000;
const retention = (r: Record<string, any>) => (r.ledger = { recordingRetentionDays: 30 });
// Ideas come in while the cycle takes them; the results are published after its vote closed.
const during = testDeployment(retention);
const after = afterCloseDeployment(retention);
const reviewer = { name: 'reviewer', role: 'reviewer' };
const review = (status: string) => ({
  status,
  cost: status === 'feasible' ? '100000' : '',
  costNote: status === 'feasible' ? 'quote' : '',
  reason: (status === 'not-feasible' ? { en: 'Private land', sw: 'Ardhi binafsi', fr: 'Terrain privé' } : {}) as Record<string, string>,
});
const recording = (n: number) => Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(1500 + n, n)]);

describe.each(backends)('recording retention (%s)', (backend) => {
  it('erases a recording 30 days after its proposal is turned down, the rest once the cycle is published; once, in the chain; the console says so', async () => {
    let now = new Date('2026-11-22T10:00:00Z');
    let d = during;
    const ledger = new Ledger(
      await openLedger(freshStorage(backend)),
      () => d,
      () => now,
    );
    try {
      const audio = [recording(1), recording(2), recording(3)];
      const shas = audio.map((a) => sha256Hex(a));
      const ids = await seedProposals(
        ledger,
        shas.map((sha, i) => ({ title: `Spoken idea ${i}`, channel: 'voice' as const, audio: { sha256: sha, bytes: audio[i]!.length } })),
        'gw-voice',
      );
      for (const [i, id] of ids.entries()) {
        const stored = await storeAttachment(
          ledger.conn.db,
          { gatewayId: 'gw-voice', eventId: id, sha256: shas[i]!, contentType: 'audio/wav', audio: audio[i]! },
          1e6,
          now,
        );
        expect(stored).toMatchObject({ status: 'stored', duplicate: false });
      }
      // 0: turned down now; 1: feasible (not finished); 2: never reviewed.
      await reviewProposal(ledger.conn, d, reviewer, ids[0]!, review('not-feasible'), now);
      await reviewProposal(ledger.conn, d, reviewer, ids[1]!, review('feasible'), now);

      now = new Date(now.getTime() + 30 * DAY - 60_000);
      expect(await ledger.eraseRecordings()).toEqual({ erased: [], entrySeq: null });

      now = new Date(now.getTime() + 60_000);
      const first = await ledger.eraseRecordings();
      expect(first.erased).toEqual([{ sha256: shas[0], eventId: ids[0], finishedBy: 'not-feasible', finishedAt: '2026-11-22T10:00:00.000Z' }]);
      expect(first.entrySeq).toEqual(expect.any(Number));
      const gone = (await readAttachment(ledger.conn.db, shas[0]!))!;
      expect([gone.bytes, gone.audio.length, gone.erasedAt]).toEqual([audio[0]!.length, 0, now.toISOString()]);
      for (const i of [1, 2]) expect(Buffer.compare((await readAttachment(ledger.conn.db, shas[i]!))!.audio, audio[i]!)).toBe(0);

      // The chain entry names digests and events only: nothing of the voice, no number.
      const entry = await ledger.conn.db.selectFrom('ledger_events').selectAll().where('seq', '=', first.entrySeq!).executeTakeFirstOrThrow();
      expect(entry.type).toBe(RECORDINGS_ERASED);
      expect(JSON.parse(entry.payload)).toEqual({
        rule: 'ledger.recordingRetentionDays',
        days: 30,
        recordings: [{ sha256: shas[0], event: ids[0], finishedBy: 'not-feasible', finishedAt: '2026-11-22T10:00:00.000Z' }],
      });
      expect(entry.payload).not.toMatch(/\+2547/);

      // Idempotent: again, nothing; the gateway resending it is answered "already stored" and it stays erased.
      const head = (await ledger.conn.db.selectFrom('ledger_head').select('seq').executeTakeFirstOrThrow()).seq;
      expect(await ledger.eraseRecordings()).toEqual({ erased: [], entrySeq: null });
      expect((await ledger.conn.db.selectFrom('ledger_head').select('seq').executeTakeFirstOrThrow()).seq).toBe(head);
      expect(
        await storeAttachment(
          ledger.conn.db,
          { gatewayId: 'gw-voice', eventId: ids[0]!, sha256: shas[0]!, contentType: 'audio/wav', audio: audio[0]! },
          1e6,
          now,
        ),
      ).toMatchObject({ status: 'stored', duplicate: true });
      expect((await readAttachment(ledger.conn.db, shas[0]!))!.audio.length).toBe(0);

      // The console: the erased one is said to be erased (page and player), the others still play.
      await seedTeam(ledger);
      const agent = request.agent(createLedgerApp(ledger, createLogger('silent')));
      await signIn(agent, 'auditor');
      const page = await agent.get(`/console/proposals/${ids[0]}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('The recording was erased on');
      expect(page.text).not.toContain('<audio');
      const player = await agent.get(`/console/recordings/${shas[0]}`);
      expect(player.status).toBe(410);
      expect(player.text).toContain('The recording was erased on');
      expect((await agent.get(`/console/recordings/${shas[1]}`)).status).toBe(200);

      // The cycle's results published: 30 days later the other two go, as results-published.
      const published = new Date('2026-12-20T12:00:00Z');
      now = published;
      d = after;
      await ledger.publishResults('c-open', { force: { reason: 'test: the gateway is retired' } });
      now = new Date(published.getTime() + 29 * DAY);
      expect((await ledger.eraseRecordings()).erased).toEqual([]);
      now = new Date(published.getTime() + 30 * DAY);
      const second = await ledger.eraseRecordings();
      expect(second.erased.map((r) => [r.sha256, r.finishedBy, r.finishedAt])).toEqual(
        [shas[1], shas[2]].sort().map((sha) => [sha, 'results-published', published.toISOString()]),
      );
      for (const sha of shas) expect((await readAttachment(ledger.conn.db, sha))!.erasedAt).not.toBeNull();

      expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
      expect(await verifyConsoleTrail(ledger.conn.db)).toBeNull();
      expect(await verifyErasures(ledger.conn.db)).toBeNull();
      // ledger verify names a recording emptied or marked erased behind the rule's back.
      await ledger.conn.db.updateTable('ledger_attachments').set({ erased_seq: first.entrySeq }).where('sha256', '=', shas[1]!).execute();
      expect(await verifyErasures(ledger.conn.db)).toEqual({
        seq: first.entrySeq,
        problem: expect.stringContaining(`recording ${shas[1]} is marked erased, but chain entry`),
      });
    } finally {
      await ledger.close();
    }
  }, 60_000);
});

it('the ledger applies the rule at once and then on a timer, logging how many and the entry only; a failure is logged and retried', async () => {
  const logs = logSink();
  const outcomes: (ErasureOutcome | Error)[] = [
    { erased: [{ sha256: 'a'.repeat(64), eventId: 'e1', finishedBy: 'not-feasible', finishedAt: '2026-11-22T10:00:00.000Z' }], entrySeq: 41 },
    new Error('database is locked'),
    { erased: [], entrySeq: null },
  ];
  let calls = 0;
  const stop = startRecordingRetention(
    async () => {
      const o = outcomes[Math.min(calls++, outcomes.length - 1)]!;
      if (o instanceof Error) throw o;
      return o;
    },
    createLogger('info', logs.stream),
    20,
  );
  await new Promise((r) => setTimeout(r, 150));
  stop();
  const after = calls;
  await new Promise((r) => setTimeout(r, 60));
  expect(calls).toBe(after);
  expect(calls).toBeGreaterThanOrEqual(3);
  const lines = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines.filter((l) => l.msg === 'recordings erased by the retention rule').map((l) => [l.erased, l.entry])).toEqual([[1, 41]]);
  expect(lines.some((l) => String(l.msg).includes('failed; trying again later'))).toBe(true);
  expect(logs.text()).not.toContain('a'.repeat(64));
});

it('`sauti ledger erase-recordings` erases what is due, then finds nothing on a second run', async () => {
  const dir = tempDir('sauti-retention-cli-');
  const raw = rawFixture();
  raw.ledger = { recordingRetentionDays: 0 };
  const config = join(dir, 'deployment.yaml');
  writeFileSync(config, stringify(raw));
  const file = join(dir, 'ledger.db');
  const now = new Date('2026-11-22T10:00:00Z');
  const ledger = new Ledger(
    await openLedger({ kind: 'sqlite', file }),
    () => testDeployment((r) => (r.ledger = { recordingRetentionDays: 0 })),
    () => now,
  );
  const audio = recording(9);
  const sha = sha256Hex(audio);
  try {
    const [id] = await seedProposals(ledger, [{ title: 'Spoken idea', channel: 'voice', audio: { sha256: sha, bytes: audio.length } }], 'gw-voice');
    await storeAttachment(ledger.conn.db, { gatewayId: 'gw-voice', eventId: id!, sha256: sha, contentType: 'audio/wav', audio }, 1e6, now);
    await reviewProposal(ledger.conn, ledger.deployment(), reviewer, id!, review('not-feasible'), now);
  } finally {
    await ledger.close();
  }
  const cli = resolve(import.meta.dirname, '../src/cli/main.ts');
  const sauti = () =>
    spawnSync(process.execPath, ['--import', 'tsx', cli, 'ledger', 'erase-recordings'], {
      encoding: 'utf8',
      env: { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: '', SAUTI_CONFIG: config, SAUTI_LEDGER_DB: file },
    });
  const first = sauti();
  expect([first.status, first.stdout.trim()]).toEqual([
    0,
    expect.stringMatching(
      /^Erased 1 recording \(1 reviewed not feasible, 0 of cycles with published results, 0 days or more ago\); chain entry \d+ lists their digests\.$/,
    ),
  ]);
  const second = sauti();
  expect([second.status, second.stdout]).toEqual([0, expect.stringContaining('No recording is due')]);
}, 240_000);

describe.each(backends)('a spoken report’s recording (%s)', (backend) => {
  // That published results do not finish a report is checked end to end in test/voice-reports.test.ts.
  it('is kept while the report is new or acknowledged; erased 30 days after it is resolved, not if set back', async () => {
    let now = new Date('2026-12-02T09:00:00Z');
    const ledger = new Ledger(
      await openLedger(freshStorage(backend)),
      () => during,
      () => now,
    );
    try {
      const { privatePem, publicKey } = newKeyPair();
      const gw: GatewayIdentity = { gatewayId: 'gw-call', publicKey, privateKey: createPrivateKey(privatePem) };
      await ledger.addGateway('gw-call', publicKey);
      const audio = [recording(7), recording(8)];
      const shas = audio.map((a) => sha256Hex(a));
      const rows: EventRow[] = shas.map((sha, i) => ({
        seq: i + 1,
        id: uuidv7(),
        type: 'project.reported',
        cycle_id: 'c-open',
        voter_key: voterKey(`+25471100050${i}`, 'test-secret-0123456789'),
        channel: 'voice',
        gateway_id: 'gw-call',
        captured_at: '2026-12-02T08:00:00.000Z',
        source_ref: `test:gw-call:${i + 1}`,
        payload: JSON.stringify({
          wardId: 'north',
          code: 7,
          text: '',
          reference: `R-AAAA${i}-BBB`,
          lang: 'en',
          audio: { sha256: sha, bytes: audio[i]!.length },
        }),
        acked_at: null,
      }));
      const { header, lines } = decodeBatch(gunzipSync(buildBatch(gw, rows, 0, now).body).toString('utf8'));
      expect((await ledger.ingest(header, lines, 'push')).accepted).toHaveLength(2);
      for (const [i, row] of rows.entries()) {
        const stored = await storeAttachment(
          ledger.conn.db,
          { gatewayId: 'gw-call', eventId: row.id, sha256: shas[i]!, contentType: 'audio/mpeg', audio: audio[i]! },
          1e6,
          now,
        );
        expect(stored).toMatchObject({ status: 'stored', duplicate: false });
      }
      // Another gateway cannot put its audio behind these reports.
      expect(
        await storeAttachment(
          ledger.conn.db,
          { gatewayId: 'gw-other', eventId: rows[0]!.id, sha256: shas[0]!, contentType: 'audio/mpeg', audio: audio[0]! },
          1e6,
          now,
        ),
      ).toMatchObject({ status: 'refused', reason: 'unknown-event' });
      const d = ledger.deployment();
      const team = { name: 'reviewer', role: 'reviewer' };
      // 0: resolved now; 1: resolved, then set back to acknowledged.
      await handleReport(ledger.conn, d, team, rows[0]!.id, { status: 'resolved', answer: { en: 'Fixed.' } }, now);
      await handleReport(ledger.conn, d, team, rows[1]!.id, { status: 'resolved', answer: {} }, now);
      await handleReport(ledger.conn, d, team, rows[1]!.id, { status: 'acknowledged', answer: {} }, now);
      const resolvedAt = now.toISOString();

      now = new Date(now.getTime() + 30 * DAY - 60_000);
      expect(await ledger.eraseRecordings()).toEqual({ erased: [], entrySeq: null });
      now = new Date(now.getTime() + 60_000);
      const erased = await ledger.eraseRecordings();
      expect(erased.erased).toEqual([{ sha256: shas[0], eventId: rows[0]!.id, finishedBy: 'report-resolved', finishedAt: resolvedAt }]);
      expect((await readAttachment(ledger.conn.db, shas[0]!))!.audio.length).toBe(0);
      expect(Buffer.compare((await readAttachment(ledger.conn.db, shas[1]!))!.audio, audio[1]!)).toBe(0);
      expect(await verifyErasures(ledger.conn.db)).toBeNull();
      expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
    } finally {
      await ledger.close();
    }
  });
});
