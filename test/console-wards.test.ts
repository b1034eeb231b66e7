// Phase dates, wards (names, population, need index) and budgets by formula edited in the console
// as ballot versions: ordered dates, the voting guard, audit entries verify checks, role and CSRF
// boundaries, "Who is heard" per 1,000 residents, and a gateway that follows a published edit.
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import request from 'supertest';
import type express from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { decodeBatch, newKeyPair, sha256Hex } from '../src/domain/protocol.ts';
import type { EventRow } from '../src/store/gateway-store.ts';
import { buildBatch } from '../sync/batch.ts';
import { Ledger } from '../ledger/ledger.ts';
import { openLedger } from '../ledger/connect.ts';
import { verifyChain } from '../ledger/verify.ts';
import { ballotVersions, publishBallot, setBallotRule, verifyBallotTrail } from '../console/ballot.ts';
import { addWard, applyBudgetFormula, editWard, isoInZone, setPhases } from '../console/ballot-wards.ts';
import { cycleEquity } from '../console/equity.ts';
import { listAudit } from '../console/audit.ts';
import { titleFitProblems } from '../flows/shared/title-fit.ts';
import { syncRound } from '../sync/sync-job.ts';
import { Relay } from '../sync/relay.ts';
import { ledgerTrust, trustLedger } from '../sync/ledger-trust.ts';
import { eventFactory, ledgerBackends, testLedger } from './helpers/ledger.ts';
import { FIXTURE, testDeployment } from './helpers/deployment.ts';
import { tempDir } from './helpers/tmp.ts';
import { testGateway, TOKEN, ussdBody } from './helpers/gateway.ts';
import { ledgerServer } from './helpers/ledger-server.ts';
import { csrfOf, seedProposals, seedTeam, sessionCsrf, signIn } from './helpers/console.ts';

const backends = await ledgerBackends();
const silent = createLogger('silent');
const CLI = resolve(import.meta.dirname, '../src/cli/main.ts');
const d = testDeployment();
const admin = { name: 'admin', role: 'admin' };
/** Before the fixture's open cycle (c-open) opens its vote on 1 Jan 2020. */
const BEFORE_VOTING = new Date('2019-12-01T09:00:00Z');
/** During its vote. */
const DURING_VOTING = new Date('2026-11-22T09:00:00Z');
const PHASES = {
  'proposals.opens': '2020-01-01T00:00:00+03:00',
  'proposals.closes': '2026-06-01T00:00:00+03:00',
  'voting.opens': '2026-12-01T06:00:00+03:00',
  'voting.closes': '2026-12-20T20:00:00+03:00',
};
const wardForm = (population: string, need: string, en = 'North Ward') => ({
  name: { en, sw: 'Wadi ya Kaskazini', fr: 'Quartier Nord' },
  population,
  need,
});
const southForm = (population: string, need: string) => ({ name: { en: 'South Ward', sw: 'Wadi ya Kusini', fr: 'Quartier Sud' }, population, need });
const latestDoc = async (ledger: Ledger, now: Date) =>
  JSON.parse((await ballotVersions(ledger.conn, d, now)).latest.ballot) as {
    wards: { id: string; budget: number; population?: number; need?: number; name: Record<string, string> }[];
    cycles: { id: string; phases: { voting: { opens: string; closes: string }; proposals: { opens: string; closes: string } } }[];
  };

describe('isoInZone', () => {
  it('writes an instant in the deployment’s zone with its offset, which reads back as the same instant', () => {
    const at = new Date('2026-12-01T03:00:00Z');
    expect(isoInZone(at, 'Africa/Nairobi')).toBe('2026-12-01T06:00:00+03:00');
    expect(isoInZone(at, 'UTC')).toBe('2026-12-01T03:00:00+00:00');
    expect(new Date(isoInZone(at, 'America/New_York')).getTime()).toBe(at.getTime());
  });
});

describe.each(backends)('phases, wards and budgets by formula in the ledger (%s)', (backend) => {
  let ledger: Ledger;
  let now: Date;
  beforeEach(async () => {
    now = BEFORE_VOTING;
    ledger = await testLedger(backend, d, () => now);
  });
  afterEach(() => ledger.close());

  it('sets a cycle’s phase dates as a new version, refusing dates out of order and naming the field', async () => {
    expect(await setPhases(ledger.conn, d, admin, 'c-open', PHASES, now)).toBe('changed');
    expect(await setPhases(ledger.conn, d, admin, 'c-open', PHASES, now)).toBe('unchanged');
    const doc = await latestDoc(ledger, now);
    expect(doc.cycles[0]!.phases.voting).toEqual({ opens: '2026-12-01T03:00:00.000Z', closes: '2026-12-20T17:00:00.000Z' });
    const refused = (fields: Record<string, string>, key: string, message: string) =>
      expect(setPhases(ledger.conn, d, admin, 'c-open', fields, now)).rejects.toMatchObject({ key, message: expect.stringContaining(message) });
    await refused({ ...PHASES, 'voting.closes': '2026-11-30T00:00:00+03:00' }, 'phaseOrder', 'voting.closes: must be after voting.opens');
    await refused({ ...PHASES, 'proposals.closes': '2019-12-31T00:00:00+03:00' }, 'phaseOrder', 'proposals.closes: must be after proposals.opens');
    await refused({ ...PHASES, 'voting.opens': '2019-12-31T00:00:00+03:00' }, 'phaseOrder', 'voting.opens: must not be before proposals.opens');
    await refused({ ...PHASES, 'proposals.closes': '2026-12-25T00:00:00+03:00' }, 'phaseOrder', 'proposals.closes: must not be after voting.closes');
    await refused({ ...PHASES, 'voting.opens': '2026-12-01 06:00' }, 'badDate', 'voting.opens: a date and time with its offset');
    // Overlapping another cycle's vote: the deployment schema names it.
    await refused({ ...PHASES, 'voting.opens': '2019-03-15T00:00:00+03:00', 'proposals.opens': '2019-01-01T00:00:00+03:00' }, 'invalid', 'overlaps');
    expect((await ballotVersions(ledger.conn, d, now)).latest.version).toBe(2);
    const entry = (await listAudit(ledger.conn.db, { limit: 1 }))[0]!;
    expect(entry).toMatchObject({ actor: 'admin', action: 'ballot.phases-changed', subject: 'ballot:2' });
    expect(entry.before).toMatchObject({ cycleId: 'c-open', phases: { voting: { opens: '2019-12-31T21:00:00.000Z' } } });
    expect(entry.after).toMatchObject({ cycleId: 'c-open', phases: { voting: { opens: '2026-12-01T03:00:00.000Z' } } });
  });

  it('once voting opened: dates, budgets and the formula are refused, naming why; ward names and population may change', async () => {
    await editWard(ledger.conn, d, admin, 'north', wardForm('3000', '2'), now);
    await editWard(ledger.conn, d, admin, 'south', southForm('1000', '1'), now);
    now = DURING_VOTING;
    const refused = (p: Promise<unknown>) =>
      expect(p).rejects.toMatchObject({ key: 'votingOpened', message: expect.stringContaining('voting in c-open has opened') });
    await refused(setPhases(ledger.conn, d, admin, 'c-open', { ...PHASES, 'voting.opens': '2020-01-01T00:00:00+03:00' }, now));
    await refused(applyBudgetFormula(ledger.conn, d, admin, { total: '18000000', population: '1', need: '0' }, now));
    await refused(setBallotRule(ledger.conn, d, admin, 'c-open', { rule: 'approval', min: '1', max: '2' }, now));
    // Not counting: a ward's name and population may be corrected during the vote.
    expect(await editWard(ledger.conn, d, admin, 'north', wardForm('3100', '2', 'North'), now)).toBe('changed');
    expect(await publishBallot(ledger.conn, d, admin, 4, titleFitProblems, now)).toBe('changed');
    expect((await ledger.publishedBallot()).ballot.wards[0]).toMatchObject({ name: { en: 'North' }, population: 3100, need: 2 });
  });

  it('edits a ward, refusing a bad population or need index, a missing name, or a name too long', async () => {
    expect(await editWard(ledger.conn, d, admin, 'north', wardForm('12 500', '1.25'), now)).toBe('changed');
    expect((await latestDoc(ledger, now)).wards[0]).toMatchObject({ population: 12500, need: 1.25, budget: 10_000_000 });
    const refused = (input: ReturnType<typeof wardForm>, message: string) =>
      expect(editWard(ledger.conn, d, admin, 'north', input, now)).rejects.toMatchObject({ message: expect.stringContaining(message) });
    await refused(wardForm('0', ''), 'population: a whole number of residents above zero');
    await refused(wardForm('12.5', ''), 'population:');
    await refused(wardForm('100', '-1'), 'need: a number from 0');
    await refused(wardForm('100', '1', ''), 'name.en: a ward needs its name in every language');
    await refused(wardForm('100', '1', 'N'.repeat(31)), 'name.en: at most 30 characters');
    await expect(editWard(ledger.conn, d, admin, 'east', wardForm('1', ''), now)).rejects.toMatchObject({ message: 'there is no ward east' });
    // Emptied: not known any more.
    expect(await editWard(ledger.conn, d, admin, 'north', wardForm('', ''), now)).toBe('changed');
    expect((await latestDoc(ledger, now)).wards[0]!.population).toBeUndefined();
    expect(await verifyBallotTrail(ledger.conn.db)).toBeNull();
  });

  it('adds a ward at the end before a vote opens; refused, naming why, during one or with a bad or taken id', async () => {
    const east = { id: 'east', budget: '3000000', name: { en: 'East Ward', sw: 'Wadi ya Mashariki', fr: 'Quartier Est' }, population: '2000', need: '' };
    expect(await addWard(ledger.conn, d, admin, east, now)).toBe('changed');
    expect((await latestDoc(ledger, now)).wards.map((w) => w.id)).toEqual(['north', 'south', 'east']);
    expect((await listAudit(ledger.conn.db, { limit: 1 }))[0]).toMatchObject({
      action: 'ballot.ward-added',
      before: { wardId: 'east', ward: null },
      after: { wardId: 'east', ward: { id: 'east', budget: 3_000_000, population: 2000 } },
    });
    await expect(addWard(ledger.conn, d, admin, east, now)).rejects.toMatchObject({
      key: 'invalid',
      message: expect.stringContaining("ward 'east' is listed twice"),
    });
    await expect(addWard(ledger.conn, d, admin, { ...east, id: 'West Side' }, now)).rejects.toMatchObject({
      key: 'invalid',
      message: expect.stringContaining('wards[3].id: use 1-40 lower-case'),
    });
    await expect(addWard(ledger.conn, d, admin, { ...east, id: 'west', budget: '0' }, now)).rejects.toMatchObject({ key: 'badCost' });
    now = DURING_VOTING;
    await expect(addWard(ledger.conn, d, admin, { ...east, id: 'west' }, now)).rejects.toMatchObject({ key: 'votingOpened' });
    expect(await verifyBallotTrail(ledger.conn.db)).toBeNull();
  });

  it('sets budgets by formula as one version, with the formula and its inputs in the chain; publishing serves them', async () => {
    await expect(applyBudgetFormula(ledger.conn, d, admin, { total: '18000000', population: '1', need: '0' }, now)).rejects.toMatchObject({
      key: 'badFormula',
      message: expect.stringContaining('population: ward north has no population'),
    });
    await expect(applyBudgetFormula(ledger.conn, d, admin, { total: '18,000,000.5', population: '1', need: '0' }, now)).rejects.toMatchObject({
      message: expect.stringContaining('total: a whole amount'),
    });
    await editWard(ledger.conn, d, admin, 'north', wardForm('3000', '1'), now);
    await editWard(ledger.conn, d, admin, 'south', southForm('1000', '2'), now);
    // 0.5·(3/4, 1/4) + 0.5·(1/3, 2/3) = 13/24, 11/24 of 10,000,001: 5,416,667.2 and 4,583,333.8 → .8 gets the unit.
    expect(await applyBudgetFormula(ledger.conn, d, admin, { total: '10000001', population: '0.5', need: '0.5' }, now)).toBe('changed');
    const wards = (await latestDoc(ledger, now)).wards;
    expect(wards.map((w) => w.budget)).toEqual([5_416_667, 4_583_334]);
    const entry = (await listAudit(ledger.conn.db, { limit: 1 }))[0]!;
    expect(entry).toMatchObject({
      action: 'ballot.budgets-by-formula',
      before: {
        budgets: [
          { wardId: 'north', budget: 10_000_000 },
          { wardId: 'south', budget: 8_000_000 },
        ],
      },
      after: {
        total: 10_000_001,
        weights: { population: 0.5, need: 0.5 },
        inputs: [
          { wardId: 'north', population: 3000, need: 1 },
          { wardId: 'south', population: 1000, need: 2 },
        ],
        budgets: [
          { wardId: 'north', budget: 5_416_667 },
          { wardId: 'south', budget: 4_583_334 },
        ],
      },
    });
    expect((entry.after as { formula: string }).formula).toContain('largest remainders');
    expect(await publishBallot(ledger.conn, d, admin, 4, titleFitProblems, now)).toBe('changed');
    const published = (await listAudit(ledger.conn.db, { limit: 1 }))[0]!;
    expect((published.after as { changes: string[] }).changes).toEqual(
      expect.arrayContaining(['ward north budget 10000000 → 5416667', 'ward south budget 8000000 → 4583334', 'ward north population — → 3000']),
    );
    expect((await ledger.publishedBallot()).ballot.wards.map((w) => w.budget)).toEqual([5_416_667, 4_583_334]);
    expect(ledger.deployment().wards[1]).toMatchObject({ budget: 4_583_334, population: 1000, need: 2 });
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
    expect(await verifyBallotTrail(ledger.conn.db)).toBeNull();
  });

  it('shows ideas, ballots and money funded per ward and per 1,000 residents', async () => {
    const closes = new Date('2026-11-30T00:00:00Z');
    const withClose = testDeployment((r) => {
      r.cycles[0].phases.voting.closes = closes.toISOString();
      r.wards[0].population = 4000;
      r.wards[0].need = 2;
      r.wards[1].population = 500;
    });
    await ledger.close();
    now = DURING_VOTING;
    ledger = await testLedger(backend, withClose, () => now);
    await seedProposals(ledger, [{ title: 'Borehole' }, { title: 'Clinic' }, { title: 'Bridge', wardId: 'south' }]);
    const { privatePem, publicKey } = newKeyPair();
    await ledger.addGateway('gw-votes', publicKey);
    const f = eventFactory('gw-votes');
    const rows: EventRow[] = [
      f.vote('+254722000001', [1], '2026-11-22T08:00:00.000Z'),
      f.vote('+254722000002', [1], '2026-11-22T08:10:00.000Z'),
      f.vote('+254722000003', [20], '2026-11-22T08:20:00.000Z', { wardId: 'south' }),
    ];
    const gw = { gatewayId: 'gw-votes', publicKey, privateKey: createPrivateKey(privatePem) };
    const { header, lines } = decodeBatch(gunzipSync(buildBatch(gw, rows, 0, now).body).toString('utf8'));
    expect((await ledger.ingest(header, lines, 'push')).rejected).toEqual([]);

    const open = await cycleEquity(ledger.conn.db, withClose, withClose.cycles[0]!, undefined);
    expect(open.fundedFrom).toBeNull();
    expect(open.wards.map((w) => [w.wardId, w.ideas, w.ballots, w.funded, w.per1000])).toEqual([
      ['north', 2, 2, null, { ideas: 0.5, ballots: 0.5, funded: null }],
      ['south', 1, 1, null, { ideas: 2, ballots: 2, funded: null }],
    ]);
    expect(open.totals).toEqual({ population: 4500, ideas: 3, ballots: 3, funded: null });

    // Published: the money funded is the result's selected projects.
    now = new Date('2026-12-01T00:00:00Z');
    const result = await ledger.publishResults('c-open', { force: { reason: 'test: the gateways are not waited for' } });
    const eq = await cycleEquity(ledger.conn.db, withClose, withClose.cycles[0]!, result);
    expect(eq.fundedFrom).toBe('published');
    const north = eq.wards[0]!;
    const selectedCost = (ward: string) =>
      result.wards
        .find((w) => w.wardId === ward)!
        .projects.filter((p) => p.selected)
        .reduce((a, p) => a + p.cost, 0);
    expect(result.wards[0]!.projects.find((p) => p.code === 1)!.selected).toBe(true);
    expect(north.funded).toBe(selectedCost('north'));
    expect(north.funded).toBeGreaterThanOrEqual(4_500_000);
    expect(north.per1000!.funded).toBe(Math.round((north.funded! * 1000) / 4000));
    expect(eq.wards[1]!.per1000!.funded).toBe(Math.round((selectedCost('south') * 1000) / 500));

    // A cycle counted before the ledger: funded from the file's results (31 and 40), ballots not known.
    const past = await cycleEquity(ledger.conn.db, withClose, withClose.cycles[1]!, undefined);
    expect(past.fundedFrom).toBe('deployment');
    expect(past.wards.map((w) => [w.funded, w.ballots, w.ideas])).toEqual([
      [900_000, null, 0],
      [1_700_000, null, 0],
    ]);
  });
});

describe('the wards and equity pages over HTTP', () => {
  let ledger: Ledger;
  let app: express.Express;
  const now = BEFORE_VOTING;
  beforeEach(async () => {
    ledger = await testLedger('sqlite', d, () => now);
    await seedTeam(ledger);
    app = createLedgerApp(ledger, silent);
  });
  afterEach(() => ledger.close());
  const versionCount = async () => (await ballotVersions(ledger.conn, d, now)).versions.length;

  it('a signed-out visitor sees nothing and changes nothing', async () => {
    for (const path of ['/console/wards', '/console/equity', '/console/wards?total=100&population=1&need=0']) {
      const page = await request(app).get(path);
      expect(page.status, path).toBe(303);
      expect(page.headers.location).toBe('/console/sign-in');
      expect(page.text).not.toContain('North Ward');
    }
    for (const path of ['/console/wards/edit', '/console/wards/formula', '/console/wards/add', '/console/ballot/phases'])
      expect((await request(app).post(path).type('form').send({ ward: 'north', total: '1', population: '1', need: '0' })).status).toBe(303);
    expect(await ledger.conn.db.selectFrom('console_ballots').selectAll().execute()).toEqual([]);
  });

  it.each(['reviewer', 'coordinator', 'auditor'])('the %s role reads wards and Who is heard but cannot edit', async (role) => {
    const agent = request.agent(app);
    await signIn(agent, role);
    const wards = await agent.get('/console/wards');
    expect(wards.status).toBe(200);
    expect(wards.text).toContain('North Ward');
    expect(wards.text).not.toContain('action="/console/wards/edit"');
    expect(wards.text).not.toContain('Budgets by formula');
    // The preview is the admin's: others get the plain page.
    expect((await agent.get('/console/wards?total=100&population=1&need=0')).text).not.toContain('Apply as a new ballot version');
    const equity = await agent.get('/console/equity?cycle=c-open');
    expect(equity.status).toBe(200);
    expect(equity.text).toContain('Ideas per 1,000');
    expect((await agent.get('/console/ballot')).text).not.toContain('action="/console/ballot/phases"');
    const csrf = csrfOf(wards.text);
    const before = await versionCount();
    for (const [path, form] of [
      ['/console/wards/edit', { _csrf: csrf, ward: 'north', 'name.en': 'X', 'name.sw': 'X', 'name.fr': 'X', population: '5', need: '' }],
      ['/console/wards/formula', { _csrf: csrf, total: '100', population: '1', need: '0' }],
      ['/console/wards/add', { _csrf: csrf, id: 'east', budget: '100', 'name.en': 'E', 'name.sw': 'E', 'name.fr': 'E', population: '', need: '' }],
      ['/console/ballot/phases', { _csrf: csrf, cycle: 'c-open', ...PHASES }],
    ] as const) {
      const res = await agent.post(path).type('form').send(form);
      expect(res.status, path).toBe(403);
    }
    expect(await versionCount()).toBe(before);
  });

  it('an admin edits a ward and the phases, previews and applies the formula; a wrong CSRF token is refused; the audit page lists it', async () => {
    const agent = request.agent(app);
    await signIn(agent, 'admin');
    const csrf = await sessionCsrf(agent, '/console/wards');
    const north = { ward: 'north', 'name.en': 'North Ward', 'name.sw': 'Wadi ya Kaskazini', 'name.fr': 'Quartier Nord', population: '3000', need: '1' };
    expect(
      (
        await agent
          .post('/console/wards/edit')
          .type('form')
          .send({ _csrf: 'wrong', ...north })
      ).status,
    ).toBe(403);
    expect((await agent.post('/console/wards/formula').type('form').send({ _csrf: 'wrong', total: '100', population: '1', need: '0' })).status).toBe(403);
    expect(
      (
        await agent
          .post('/console/ballot/phases')
          .type('form')
          .send({ _csrf: 'wrong', cycle: 'c-open', ...PHASES })
      ).status,
    ).toBe(403);
    expect((await agent.post('/console/wards/add').type('form').send({ _csrf: 'wrong', id: 'east', budget: '1' })).status).toBe(403);
    expect(await versionCount()).toBe(1);

    expect(
      (
        await agent
          .post('/console/wards/edit')
          .type('form')
          .send({ _csrf: csrf, ...north })
      ).headers.location,
    ).toBe('/console/wards?notice=saved');
    const bad = await agent
      .post('/console/wards/edit')
      .type('form')
      .send({ _csrf: csrf, ...north, ward: 'south', 'name.en': 'South Ward', population: 'many' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('population: a whole number of residents above zero');
    // What was typed stays in the form.
    expect(bad.text).toContain('value="many"');
    await agent
      .post('/console/wards/edit')
      .type('form')
      .send({
        _csrf: csrf,
        ...north,
        ward: 'south',
        'name.en': 'South Ward',
        'name.sw': 'Wadi ya Kusini',
        'name.fr': 'Quartier Sud',
        population: '1000',
        need: '',
      });

    // The preview changes nothing; its apply form carries what was typed.
    const preview = await agent.get('/console/wards?total=8000000&population=1&need=0');
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('6\u202f000\u202f000');
    expect(preview.text).toContain('action="/console/wards/formula"');
    const missingNeed = await agent.get('/console/wards?total=8000000&population=1&need=1');
    expect(missingNeed.status).toBe(400);
    expect(missingNeed.text).toContain('need: ward south has no need index');
    expect(await versionCount()).toBe(3);
    const applied = await agent.post('/console/wards/formula').type('form').send({ _csrf: csrf, total: '8000000', population: '1', need: '0' });
    expect(applied.headers.location).toBe('/console/ballot?notice=saved');
    expect((await latestDoc(ledger, now)).wards.map((w) => w.budget)).toEqual([6_000_000, 2_000_000]);

    const ballot = await agent.get('/console/ballot');
    expect(ballot.text).toContain('action="/console/ballot/phases"');
    expect(ballot.text).toContain('value="2020-01-01T00:00:00+03:00"');
    const misordered = await agent
      .post('/console/ballot/phases')
      .type('form')
      .send({ _csrf: csrf, cycle: 'c-open', ...PHASES, 'voting.closes': '2026-11-01T00:00:00+03:00' });
    expect(misordered.status).toBe(400);
    expect(misordered.text).toContain('voting.closes: must be after voting.opens');
    expect(
      (
        await agent
          .post('/console/ballot/phases')
          .type('form')
          .send({ _csrf: csrf, cycle: 'c-open', ...PHASES })
      ).headers.location,
    ).toBe('/console/ballot?notice=saved');
    const audit = await agent.get('/console/audit');
    for (const action of ['ballot.ward-changed', 'ballot.budgets-by-formula', 'ballot.phases-changed']) expect(audit.text).toContain(action);
    // In Kiswahili, the wards page reads in Kiswahili.
    await agent.post('/console/language').type('form').send({ _csrf: csrf, lang: 'sw', back: '/console/wards' });
    expect((await agent.get('/console/wards')).text).toContain('Bajeti kwa fomula');
    expect((await agent.get('/console/equity')).text).toContain('Mawazo kwa kila 1,000');
    expect(await verifyBallotTrail(ledger.conn.db)).toBeNull();
  });
});

describe('a published phase or budget edit changes what a gateway does', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  it('budgets by formula and a knapsack rule reach the USSD pick screen; a later voting date closes the vote', async () => {
    const gw = testGateway({ clock: () => DURING_VOTING });
    closers.push(async () => void gw.db.close());
    // The ledger's clock is before the vote opens (everything may change); the gateway's is during it.
    const ledger = await testLedger('sqlite', gw.deployment, () => BEFORE_VOTING);
    closers.push(() => ledger.close());
    await ledger.addGateway(gw.gatewayId, gw.identity.publicKey);
    trustLedger(gw.outbox, (await ledger.identity()).publicKey);
    await seedTeam(ledger);
    const server = await ledgerServer(ledger, 0, '');
    closers.push(server.stop);
    const relay = new Relay({
      outbox: gw.outbox,
      identity: gw.identity,
      ledgerUrl: server.url,
      batchSize: 100,
      logger: silent,
      timeoutMs: 2000,
      trust: () => ledgerTrust(gw.outbox, {}),
    });
    expect((await syncRound(relay, gw.ballots, silent)).ballot).toBe('updated');
    const ussd = async (sessionId: string, text: string, phoneNumber = '+254711000001') =>
      (await request(gw.app).post(`/africastalking/ussd/${TOKEN}`).type('form').send(ussdBody({ sessionId, text, phoneNumber }))).text;
    const agent = request.agent(createLedgerApp(ledger, silent));
    await signIn(agent, 'admin');
    const csrf = await sessionCsrf(agent, '/console/wards');
    const ward = (id: string, en: string, sw: string, fr: string, population: string) =>
      agent.post('/console/wards/edit').type('form').send({ _csrf: csrf, ward: id, 'name.en': en, 'name.sw': sw, 'name.fr': fr, population, need: '' });
    await ward('north', 'North Ward', 'Wadi ya Kaskazini', 'Quartier Nord', '3000');
    await ward('south', 'South Ward', 'Wadi ya Kusini', 'Quartier Sud', '1000');
    await agent.post('/console/ballot/rule').type('form').send({ _csrf: csrf, cycle: 'c-open', rule: 'knapsack', min: '1' });
    await agent.post('/console/wards/formula').type('form').send({ _csrf: csrf, total: '8000000', population: '1', need: '0' });
    const version = (await ballotVersions(ledger.conn, gw.deployment, BEFORE_VOTING)).latest.version;
    expect(
      (
        await agent
          .post('/console/ballot/publish')
          .type('form')
          .send({ _csrf: csrf, version: String(version) })
      ).headers.location,
    ).toBe('/console/ballot?notice=published');
    expect((await syncRound(relay, gw.ballots, silent)).ballot).toBe('updated');
    expect(gw.ballots.current().wards.map((w) => [w.budget, w.population])).toEqual([
      [6_000_000, 3000],
      [2_000_000, 1000],
    ]);
    // North's pick screen counts down from the new budget (it was KES 10M).
    expect(await ussd('w-pick', '1*1*1')).toContain('North Ward: KES 6M left of KES 6M');
    expect(await ussd('w-pick', '1*1*1*1')).toContain('KES 1.5M left of KES 6M');
    // The borehole (4.5M) and the lights (3.2M) fitted the old budget; they do not fit the new one.
    expect(await ussd('w-pick', '1*1*1*1*2')).toContain('Too costly: KES 1.5M left.');
    expect(await ussd('w-south', '1*1*2', '+254711000002')).toContain('South Ward: KES 2M left of KES 2M');

    // The vote moved to December: the gateway, on 22 November, no longer takes votes (and says when it opens).
    expect(
      (
        await agent
          .post('/console/ballot/phases')
          .type('form')
          .send({ _csrf: csrf, cycle: 'c-open', ...PHASES })
      ).status,
    ).toBe(303);
    await agent
      .post('/console/ballot/publish')
      .type('form')
      .send({ _csrf: csrf, version: String(version + 1) });
    expect((await syncRound(relay, gw.ballots, silent)).ballot).toBe('updated');
    const closed = await ussd('w-closed', '1*1', '+254711000003');
    expect(closed).toMatch(/^END /);
    expect(closed).toContain('The next vote opens on 1 Dec 2026.');
  });
});

describe('sauti ledger verify over budgets by formula', () => {
  it('is intact after the formula is applied and published, and names the version when its budget is changed by hand', async () => {
    const file = join(tempDir('sauti-wards-cli-'), 'ledger.db');
    const ledger = new Ledger(
      await openLedger({ kind: 'sqlite', file }),
      () => d,
      () => BEFORE_VOTING,
    );
    await editWard(ledger.conn, d, admin, 'north', wardForm('3000', ''), BEFORE_VOTING);
    await editWard(ledger.conn, d, admin, 'south', southForm('1000', ''), BEFORE_VOTING);
    await applyBudgetFormula(ledger.conn, d, admin, { total: '8000000', population: '1', need: '0' }, BEFORE_VOTING);
    await publishBallot(ledger.conn, d, admin, 4, titleFitProblems, BEFORE_VOTING);
    await ledger.close();
    const env = { ...process.env, DATABASE_URL: '', SAUTI_CONFIG: FIXTURE, SAUTI_LEDGER_DB: file };
    const verify = () => spawnSync(process.execPath, ['--import', 'tsx', CLI, 'ledger', 'verify'], { encoding: 'utf8', env });
    expect(verify().stdout).toContain('Ledger intact');
    const db = new Database(file);
    const row = db.prepare('SELECT ballot FROM console_ballots WHERE version = 4').get() as { ballot: string };
    const tampered = row.ballot.replace('"budget":6000000', '"budget":7000000');
    expect(tampered).not.toBe(row.ballot);
    db.prepare('UPDATE console_ballots SET ballot = ?, sha256 = ? WHERE version = 4').run(tampered, sha256Hex(tampered));
    db.close();
    const broken = verify();
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain('ballot version 4 is not as its audit entry recorded it');
  }, 60_000);
});
