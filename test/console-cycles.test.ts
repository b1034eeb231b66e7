// Cycles added and removed in the console as ballot versions: the new cycle's fields checked and
// named, its counting settings copied, removal refused with the reason once anything happened in
// the cycle, audit entries `sauti ledger verify` checks, and the role and CSRF boundaries.
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import request from 'supertest';
import type express from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { createLogger } from '../src/logging.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { decodeBatch, newKeyPair, sha256Hex } from '../src/domain/protocol.ts';
import { voterKey } from '../src/domain/voter.ts';
import { buildBatch } from '../sync/batch.ts';
import { Ledger } from '../ledger/ledger.ts';
import { openLedger } from '../ledger/connect.ts';
import { verifyChain } from '../ledger/verify.ts';
import { ballotVersions, publishBallot, verifyBallotTrail } from '../console/ballot.ts';
import { addCycle, removeCycle, type NewCycleInput } from '../console/ballot-cycles.ts';
import { listAudit } from '../console/audit.ts';
import { titleFitProblems } from '../flows/shared/title-fit.ts';
import { ledgerBackends, testLedger } from './helpers/ledger.ts';
import { FIXTURE, testDeployment } from './helpers/deployment.ts';
import { tempDir } from './helpers/tmp.ts';
import { csrfOf, seedTeam, sessionCsrf, signIn } from './helpers/console.ts';

const backends = await ledgerBackends();
const silent = createLogger('silent');
const CLI = resolve(import.meta.dirname, '../src/cli/main.ts');
// The open cycle chooses winners by Equal Shares and refuses a second vote: a copy takes both.
const d = testDeployment((r) => {
  r.cycles[0].selection = { rule: 'equalshares', completion: 'greedy' };
  r.cycles[0].revote = 'refuse';
});
const admin = { name: 'admin', role: 'admin' };
/** The fixture's open cycle runs to the end of 2099: a next cycle comes after. */
const NOW = new Date('2026-11-22T09:00:00Z');
const NEXT: NewCycleInput = {
  id: 'c-next',
  name: { en: 'Next cycle', sw: 'Mzunguko ujao', fr: 'Cycle suivant' },
  phases: {
    'proposals.opens': '2100-01-01T06:00:00+03:00',
    'proposals.closes': '2100-03-01T00:00:00+03:00',
    'voting.opens': '2100-04-01T06:00:00+03:00',
    'voting.closes': '2100-04-20T20:00:00+03:00',
  },
  rule: { rule: 'approval', min: '1', max: '2', k: '', points: '', maxPerProject: '' },
  copyFrom: 'c-open',
};
const form = (input: NewCycleInput) => ({
  id: input.id,
  copyFrom: input.copyFrom,
  ...Object.fromEntries(Object.entries(input.name).map(([l, v]) => [`name.${l}`, v])),
  ...input.phases,
  ...input.rule,
});
type Doc = { cycles: { id: string; ballot: unknown; selection: unknown; revote: string; projects: unknown[]; phases: unknown }[] };
const latestDoc = async (ledger: Ledger) => JSON.parse((await ballotVersions(ledger.conn, d, NOW)).latest.ballot) as Doc;

/** A gateway's idea of `cycleId` captured at `capturedAt`, ingested as a push. */
async function ingestIdea(ledger: Ledger, cycleId: string, capturedAt: string) {
  const { privatePem, publicKey } = newKeyPair();
  await ledger.addGateway('gw-early', publicKey);
  const row = {
    seq: 1,
    id: uuidv7(),
    type: 'proposal.submitted',
    cycle_id: cycleId,
    voter_key: voterKey('+254711000001', 'test-secret-0123456789'),
    channel: 'sms',
    gateway_id: 'gw-early',
    captured_at: capturedAt,
    source_ref: 'test:gw-early:1',
    payload: JSON.stringify({ wardId: 'north', category: 'water', title: 'Early idea', description: 'Early', reference: 'IDEA-900' }),
    acked_at: null,
  };
  const gw = { gatewayId: 'gw-early', publicKey, privateKey: createPrivateKey(privatePem) };
  const { header, lines } = decodeBatch(gunzipSync(buildBatch(gw, [row], 0, ledger.now()).body).toString('utf8'));
  return ledger.ingest(header, lines, 'push');
}

describe.each(backends)('cycles added and removed in the ledger (%s)', (backend) => {
  let ledger: Ledger;
  let now: Date;
  beforeEach(async () => {
    now = NOW;
    ledger = await testLedger(backend, d, () => now);
  });
  afterEach(() => ledger.close());

  it('adds a cycle as a new version with no projects, its selection and revote copied; the entry holds it', async () => {
    expect(await addCycle(ledger.conn, d, admin, NEXT, now)).toBe('changed');
    const added = (await latestDoc(ledger)).cycles.at(-1)!;
    expect(added).toMatchObject({
      id: 'c-next',
      ballot: { rule: 'approval', min: 1, max: 2 },
      selection: { rule: 'equalshares', completion: 'greedy' },
      revote: 'refuse',
      projects: [],
      phases: { proposals: { opens: '2100-01-01T03:00:00.000Z' } },
    });
    const entry = (await listAudit(ledger.conn.db, { limit: 1 }))[0]!;
    expect(entry).toMatchObject({ actor: 'admin', action: 'ballot.cycle-added', subject: 'ballot:2', before: { cycleId: 'c-next', cycle: null } });
    expect(entry.after).toMatchObject({ cycleId: 'c-next', copiedFrom: 'c-open', cycle: { id: 'c-next', name: NEXT.name } });
    // Without a cycle to copy from, the deployment's defaults.
    await addCycle(ledger.conn, d, admin, { ...NEXT, id: 'c-later', copyFrom: '', phases: later }, now);
    expect((await latestDoc(ledger)).cycles.at(-1)).toMatchObject({ id: 'c-later', selection: { rule: 'greedy' }, revote: 'replace' });
    expect(await verifyBallotTrail(ledger.conn.db)).toBeNull();
  });

  it('refuses a new cycle with a bad field, naming it, and saves nothing', async () => {
    const refused = (input: NewCycleInput, key: string, message: string) =>
      expect(addCycle(ledger.conn, d, admin, input, now)).rejects.toMatchObject({ key, message: expect.stringContaining(message) });
    await refused({ ...NEXT, id: 'Next Cycle' }, 'badId', 'id: 1-40 lower-case letters');
    await refused({ ...NEXT, id: 'c-open' }, 'invalid', "cycle 'c-open' is listed twice");
    await refused({ ...NEXT, name: { ...NEXT.name, fr: ' ' } }, 'textNeeded', 'name.fr: a cycle needs its name in every language');
    await refused({ ...NEXT, phases: { ...NEXT.phases, 'voting.closes': '2100-03-01' } }, 'badDate', 'voting.closes: a date and time with its offset');
    await refused(
      { ...NEXT, phases: { ...NEXT.phases, 'proposals.opens': '2099-06-01T00:00:00+03:00' } },
      'invalid',
      "overlaps the proposals window of cycle 'c-open'",
    );
    const past = { 'proposals.opens': '2026-01-01T00:00:00+03:00', 'proposals.closes': '2026-02-01T00:00:00+03:00' };
    await refused({ ...NEXT, phases: { ...NEXT.phases, ...past } }, 'phaseOrder', 'proposals.opens: a new cycle must open later than now');
    await refused({ ...NEXT, rule: { rule: 'approval', min: '3', max: '2' } }, 'invalid', 'min is above max');
    await refused({ ...NEXT, rule: { rule: 'approval' } }, 'invalid', 'max');
    await refused({ ...NEXT, copyFrom: 'c-none' }, 'noProject', 'copyFrom: there is no cycle c-none');
    expect((await ballotVersions(ledger.conn, d, now)).latest.version).toBe(1);
  });

  it('removes a cycle that has not opened; refuses, with the reason, one with results, one opened, one the chain holds entries of', async () => {
    const refused = (cycleId: string, message: string) =>
      expect(removeCycle(ledger.conn, d, admin, cycleId, now)).rejects.toMatchObject({ key: 'cycleInUse', message: expect.stringContaining(message) });
    await refused('c-past', 'c-past cannot be removed: c-past has results in the ballot');
    await refused('c-open', 'c-open opened on 2019-12-31T21:00:00.000Z: a gateway may hold ideas or votes of it');
    await expect(removeCycle(ledger.conn, d, admin, 'c-none', now)).rejects.toMatchObject({ message: 'there is no cycle c-none' });

    await addCycle(ledger.conn, d, admin, NEXT, now);
    expect(await removeCycle(ledger.conn, d, admin, 'c-next', now)).toBe('changed');
    expect((await latestDoc(ledger)).cycles.map((c) => c.id)).toEqual(['c-open', 'c-past']);
    expect((await listAudit(ledger.conn.db, { limit: 1 }))[0]).toMatchObject({
      action: 'ballot.cycle-removed',
      subject: 'ballot:3',
      before: { cycleId: 'c-next', cycle: { id: 'c-next' } },
      after: { cycleId: 'c-next', cycle: null },
    });

    // Added again and published; an idea captured a minute before its opening is within the
    // allowed clock skew, so the ledger holds it while the ledger's clock is still before the opening.
    await addCycle(ledger.conn, d, admin, NEXT, now);
    expect(await publishBallot(ledger.conn, d, admin, 4, titleFitProblems, now)).toBe('changed');
    now = new Date('2100-01-01T02:59:30Z');
    expect((await ingestIdea(ledger, 'c-next', '2100-01-01T02:59:00.000Z')).accepted).toHaveLength(1);
    await refused('c-next', 'c-next already has entries in the ledger (proposal.submitted)');
    expect((await ballotVersions(ledger.conn, d, now)).latest.version).toBe(4);
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
    expect(await verifyBallotTrail(ledger.conn.db)).toBeNull();
  });
});

const later = {
  'proposals.opens': '2101-01-01T06:00:00+03:00',
  'proposals.closes': '2101-03-01T00:00:00+03:00',
  'voting.opens': '2101-04-01T06:00:00+03:00',
  'voting.closes': '2101-04-20T20:00:00+03:00',
};

describe('the cycles page over HTTP', () => {
  let ledger: Ledger;
  let app: express.Express;
  beforeEach(async () => {
    ledger = await testLedger('sqlite', d, () => NOW);
    await seedTeam(ledger);
    app = createLedgerApp(ledger, silent);
  });
  afterEach(() => ledger.close());
  const versionCount = async () => (await ballotVersions(ledger.conn, d, NOW)).versions.length;

  it('a signed-out visitor sees nothing and changes nothing', async () => {
    const page = await request(app).get('/console/cycles');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/console/sign-in');
    for (const path of ['/console/cycles/add', '/console/cycles/remove'])
      expect(
        (
          await request(app)
            .post(path)
            .type('form')
            .send({ ...form(NEXT), cycle: 'c-next' })
        ).status,
      ).toBe(303);
    expect(await ledger.conn.db.selectFrom('console_ballots').selectAll().execute()).toEqual([]);
  });

  it.each(['reviewer', 'coordinator', 'auditor'])('the %s role reads the cycles but cannot add or remove one', async (role) => {
    await addCycle(ledger.conn, d, admin, NEXT, NOW);
    const agent = request.agent(app);
    await signIn(agent, role);
    const page = await agent.get('/console/cycles');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Next cycle');
    expect(page.text).not.toContain('action="/console/cycles/add"');
    expect(page.text).not.toContain('action="/console/cycles/remove"');
    const csrf = csrfOf(page.text);
    const before = await versionCount();
    expect(
      (
        await agent
          .post('/console/cycles/add')
          .type('form')
          .send({ _csrf: csrf, ...form({ ...NEXT, id: 'c-later', phases: later }) })
      ).status,
    ).toBe(403);
    expect((await agent.post('/console/cycles/remove').type('form').send({ _csrf: csrf, cycle: 'c-next' })).status).toBe(403);
    expect(await versionCount()).toBe(before);
  });

  it('an admin adds a cycle and removes it; a refusal keeps what was typed and names why; a wrong CSRF token is refused', async () => {
    const agent = request.agent(app);
    await signIn(agent, 'admin');
    const csrf = await sessionCsrf(agent, '/console/cycles');
    expect(
      (
        await agent
          .post('/console/cycles/add')
          .type('form')
          .send({ _csrf: 'wrong', ...form(NEXT) })
      ).status,
    ).toBe(403);
    expect(await versionCount()).toBe(1);

    const bad = await agent
      .post('/console/cycles/add')
      .type('form')
      .send({ _csrf: csrf, ...form({ ...NEXT, phases: { ...NEXT.phases, 'voting.opens': '2100-02-30' } }) });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('voting.opens: a date and time with its offset');
    expect(bad.text).toContain('value="Mzunguko ujao"');
    const added = await agent
      .post('/console/cycles/add')
      .type('form')
      .send({ _csrf: csrf, ...form(NEXT) });
    expect(added.headers.location).toBe('/console/cycles?notice=saved');
    const page = await agent.get('/console/cycles?notice=saved');
    expect(page.text).toContain('Next cycle');
    // Only the new cycle can go: the others opened.
    expect(page.text).toContain('Remove cycle c-next');
    expect(page.text).not.toContain('Remove cycle c-open');
    const refused = await agent.post('/console/cycles/remove').type('form').send({ _csrf: csrf, cycle: 'c-open' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('c-open cannot be removed: c-open opened on');
    expect((await agent.post('/console/cycles/remove').type('form').send({ _csrf: csrf, cycle: 'c-next' })).headers.location).toBe(
      '/console/cycles?notice=saved',
    );
    expect(await versionCount()).toBe(3);
    const audit = await agent.get('/console/audit');
    for (const action of ['ballot.cycle-added', 'ballot.cycle-removed']) expect(audit.text).toContain(action);
    // In Kiswahili, the page reads in Kiswahili.
    await agent.post('/console/language').type('form').send({ _csrf: csrf, lang: 'sw', back: '/console/cycles' });
    expect((await agent.get('/console/cycles')).text).toContain('Ongeza mzunguko');
  });
});

describe('sauti ledger verify over cycles added and removed', () => {
  it('is intact after a cycle is added, published and removed, and names the version when its cycle is changed by hand', async () => {
    const file = join(tempDir('sauti-cycles-cli-'), 'ledger.db');
    const ledger = new Ledger(
      await openLedger({ kind: 'sqlite', file }),
      () => d,
      () => NOW,
    );
    await addCycle(ledger.conn, d, admin, NEXT, NOW);
    await publishBallot(ledger.conn, d, admin, 2, titleFitProblems, NOW);
    await removeCycle(ledger.conn, d, admin, 'c-next', NOW);
    await ledger.close();
    const env = { ...process.env, DATABASE_URL: '', SAUTI_CONFIG: FIXTURE, SAUTI_LEDGER_DB: file };
    const verify = () => spawnSync(process.execPath, ['--import', 'tsx', CLI, 'ledger', 'verify'], { encoding: 'utf8', env });
    expect(verify().stdout).toContain('Ledger intact');
    // The added cycle's name changed behind the console: verify names the version.
    const db = new Database(file);
    const row = db.prepare('SELECT ballot FROM console_ballots WHERE version = 2').get() as { ballot: string };
    const tampered = row.ballot.replace('Next cycle', 'Renamed cycle');
    expect(tampered).not.toBe(row.ballot);
    db.prepare('UPDATE console_ballots SET ballot = ?, sha256 = ? WHERE version = 2').run(tampered, sha256Hex(tampered));
    db.close();
    const broken = verify();
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain('ballot version 2 is not as its audit entry recorded it');
  }, 60_000);
});
