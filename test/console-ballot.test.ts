// The ballot kept in the ledger: versions edited by admins in the console, seeded from the
// deployment file, checked against the USSD screen and one SMS before publishing, guarded once
// voting opened, audited (verify finds a changed row), and served to gateways, which show it.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import request from 'supertest';
import type express from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { Ledger } from '../ledger/ledger.ts';
import { openLedger } from '../ledger/connect.ts';
import { sha256Hex } from '../src/domain/protocol.ts';
import { verifyChain } from '../ledger/verify.ts';
import {
  addDraft,
  BallotError,
  ballotVersions,
  editProject,
  publishBallot,
  removeProject,
  setBallotRule,
  setWardBudget,
  verifyBallotTrail,
} from '../console/ballot.ts';
import { listAudit } from '../console/audit.ts';
import { reviewProposal } from '../console/proposals.ts';
import { promoteProposal } from '../console/drafts.ts';
import { titleFitProblems } from '../flows/shared/title-fit.ts';
import { syncRound } from '../sync/sync-job.ts';
import { Relay } from '../sync/relay.ts';
import { ledgerTrust, trustLedger } from '../sync/ledger-trust.ts';
import { ledgerBackends, testLedger } from './helpers/ledger.ts';
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
/** Before the fixture's open cycle (c-open) opens its vote on 1 Jan 2020: its projects may still change. */
const BEFORE_VOTING = new Date('2019-12-01T09:00:00Z');
/** During its vote. */
const DURING_VOTING = new Date('2026-11-22T09:00:00Z');
const texts = (en: string, sw: string, fr: string) => ({ en, sw, fr });
const project1 = (short = texts('Market borehole', 'Kisima sokoni', 'Forage du marché'), cost = '4500000') => ({
  title: texts('Borehole', 'Kisima', 'Forage'),
  short,
  cost,
});

describe('every menu title of the fixture fits', () => {
  it('has no USSD or SMS problem in any language, and names one that does not', () => {
    expect(titleFitProblems(d)).toEqual([]);
    // "ɛ" is outside GSM-7: the PROJECTS reply in Kiswahili becomes UCS-2 (70 a segment) and overflows.
    const bad = testDeployment((r) => (r.cycles[0].projects[0].short.sw = 'Kisima cha ɛ'));
    expect(titleFitProblems(bad)).toEqual([expect.objectContaining({ cycleId: 'c-open', code: 1, lang: 'sw', where: 'sms' })]);
  });
});

describe.each(backends)('ballot versions in the ledger (%s)', (backend) => {
  let ledger: Ledger;
  let now: Date;
  beforeEach(async () => {
    now = BEFORE_VOTING;
    ledger = await testLedger(backend, d, () => now);
  });
  afterEach(() => ledger.close());

  it('seeds version 1 from the deployment file (published, what gateways already had); each change a new draft version; publishing serves it', async () => {
    const servedBefore = await ledger.publishedBallot();
    const { latest, published } = await ballotVersions(ledger.conn, d, now);
    expect(latest).toMatchObject({ version: 1 });
    expect(published?.version).toBe(1);
    // The seed is the file: the version gateways hold does not change.
    await ledger.refreshBallot();
    expect((await ledger.publishedBallot()).version).toBe(servedBefore.version);

    expect(await editProject(ledger.conn, d, admin, 'c-open', 1, project1(texts('Kiboko borehole', 'Kisima Kiboko', 'Forage Kiboko')), now)).toBe('changed');
    expect(await editProject(ledger.conn, d, admin, 'c-open', 1, project1(texts('Kiboko borehole', 'Kisima Kiboko', 'Forage Kiboko')), now)).toBe('unchanged');
    expect(await setWardBudget(ledger.conn, d, admin, 'north', '12000000', now)).toBe('changed');
    expect(await removeProject(ledger.conn, d, admin, 'c-open', 21, now)).toBe('changed');
    expect(await setBallotRule(ledger.conn, d, admin, 'c-open', { rule: 'approval', min: '1', max: '4' }, now)).toBe('changed');
    // A rule the deployment schema refuses is named, and makes no version.
    await expect(setBallotRule(ledger.conn, d, admin, 'c-open', { rule: 'approval', min: '5', max: '4' }, now)).rejects.toMatchObject({
      key: 'invalid',
      message: expect.stringContaining('min is above max'),
    });
    const after = await ballotVersions(ledger.conn, d, now);
    expect(after.latest.version).toBe(5);
    expect(after.published?.version).toBe(1);
    // Not yet published: gateways still get version 1.
    expect((await ledger.publishedBallot()).version).toBe(servedBefore.version);

    await expect(publishBallot(ledger.conn, d, admin, 4, titleFitProblems, now)).rejects.toMatchObject({ key: 'notLatest' });
    expect(await publishBallot(ledger.conn, d, admin, 5, titleFitProblems, now)).toBe('changed');
    expect(await publishBallot(ledger.conn, d, admin, 5, titleFitProblems, now)).toBe('unchanged');
    const served = await ledger.publishedBallot();
    expect(served.version).not.toBe(servedBefore.version);
    const open = served.ballot.cycles.find((c) => c.id === 'c-open')!;
    expect(open.projects.find((p) => p.code === 1)!.short.en).toBe('Kiboko borehole');
    expect(open.projects.some((p) => p.code === 21)).toBe(false);
    expect(open.ballot).toEqual({ rule: 'approval', min: 1, max: 4 });
    expect(served.ballot.wards.find((w) => w.id === 'north')!.budget).toBe(12_000_000);
    // The ledger counts with it too.
    expect(ledger.deployment().cycles[0]!.ballot).toEqual({ rule: 'approval', min: 1, max: 4 });

    // The publish entry: before and after, with what changed.
    const entry = (await listAudit(ledger.conn.db, { limit: 5 })).find((e) => e.action === 'ballot.published')!;
    expect(entry).toMatchObject({ actor: 'admin', subject: 'ballot:5', before: { version: 1 }, after: { version: 5 } });
    expect((entry.after as { changes: string[] }).changes).toEqual(
      expect.arrayContaining(['ward north budget 10000000 → 12000000', 'cycle c-open project 1 changed', 'cycle c-open project 21 removed']),
    );
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
    expect(await verifyBallotTrail(ledger.conn.db)).toBeNull();
  });

  it('refuses to publish a menu title that does not fit, naming the project and the language', async () => {
    await editProject(
      ledger.conn,
      d,
      admin,
      'c-open',
      3,
      { title: texts('Maternity', 'Wazazi', 'Maternité'), short: texts('Maternity wing', 'Wodi ya wazazi ɛ', 'Maternité'), cost: '2900000' },
      now,
    );
    const err = (await publishBallot(ledger.conn, d, admin, 2, titleFitProblems, now).catch((e: unknown) => e)) as BallotError;
    expect(err).toBeInstanceOf(BallotError);
    expect(err.key).toBe('doesNotFit');
    expect(err.fit).toEqual([expect.objectContaining({ cycleId: 'c-open', code: 3, lang: 'sw', where: 'sms' })]);
    expect(err.message).toContain('c-open project 3 (sw, sms)');
    expect((await ballotVersions(ledger.conn, d, now)).published?.version).toBe(1);
  });

  it('once voting opened: a title typo may be corrected and published; costs, projects, budgets and the rule may not change', async () => {
    await ballotVersions(ledger.conn, d, now);
    now = DURING_VOTING;
    const refused = (p: Promise<unknown>) => expect(p).rejects.toMatchObject({ key: 'votingOpened' });
    await refused(editProject(ledger.conn, d, admin, 'c-open', 1, project1(undefined, '5000000'), now));
    await refused(removeProject(ledger.conn, d, admin, 'c-open', 1, now));
    await refused(setWardBudget(ledger.conn, d, admin, 'north', '1', now));
    await refused(setBallotRule(ledger.conn, d, admin, 'c-open', { rule: 'approval', min: '1', max: '2' }, now));
    expect((await ballotVersions(ledger.conn, d, now)).latest.version).toBe(1);
    expect(await editProject(ledger.conn, d, admin, 'c-open', 1, project1(texts('Market borehole', 'Kisima sokoni', 'Forage du marche')), now)).toBe('changed');
    expect(await publishBallot(ledger.conn, d, admin, 2, titleFitProblems, now)).toBe('changed');
    expect((await ledger.publishedBallot()).ballot.cycles[0]!.projects[0]!.short.fr).toBe('Forage du marche');
  });

  it('a version drafted before voting opened cannot be published after, if it changes more than titles', async () => {
    await removeProject(ledger.conn, d, admin, 'c-open', 21, now);
    now = DURING_VOTING;
    await expect(publishBallot(ledger.conn, d, admin, 2, titleFitProblems, now)).rejects.toMatchObject({ key: 'votingOpened' });
  });

  it('a feasible proposal promoted to a draft is added to the next version with the lowest free code', async () => {
    now = new Date('2026-11-22T10:00:00Z');
    const [id] = await seedProposals(ledger, [{ title: 'Footpath to the school' }]);
    now = BEFORE_VOTING;
    await reviewProposal(
      ledger.conn,
      d,
      { name: 'reviewer', role: 'reviewer' },
      id!,
      { status: 'feasible', cost: '700000', costNote: 'Roads office', reason: {} },
      now,
    );
    await promoteProposal(
      ledger.conn,
      d,
      admin,
      id!,
      { title: texts('School footpath', 'Njia ya shule', 'Sentier de l’école'), short: texts('School footpath', 'Njia ya shule', 'Sentier école') },
      now,
    );
    expect(await addDraft(ledger.conn, d, admin, id!, now)).toBe('changed');
    const doc = JSON.parse((await ballotVersions(ledger.conn, d, now)).latest.ballot) as {
      cycles: { id: string; projects: { code: number; short: { en: string }; cost: number; ward: string }[] }[];
    };
    const added = doc.cycles[0]!.projects.find((p) => p.short.en === 'School footpath')!;
    expect(added).toMatchObject({ code: 8, cost: 700000, ward: 'north' });
    await expect(addDraft(ledger.conn, d, admin, 'no-such-draft', now)).rejects.toMatchObject({ key: 'noDraft' });
  });

  it('ledger verify finds a ballot version changed, marked published, or deleted behind the console', async () => {
    await editProject(ledger.conn, d, admin, 'c-open', 1, project1(texts('Kiboko borehole', 'Kisima Kiboko', 'Forage Kiboko')), now);
    await publishBallot(ledger.conn, d, admin, 2, titleFitProblems, now);
    await editProject(
      ledger.conn,
      d,
      admin,
      'c-open',
      2,
      { title: texts('Lights', 'Taa', 'Lampes'), short: texts('Station lights', 'Taa za Stesheni', 'Lampadaires gare'), cost: '3200000' },
      now,
    );
    expect(await verifyBallotTrail(ledger.conn.db)).toBeNull();
    const db = ledger.conn.db;
    const row = await db.selectFrom('console_ballots').selectAll().where('version', '=', 2).executeTakeFirstOrThrow();
    // A published cost raised in the row, its hash recomputed to match: the chain's hash does not.
    const tampered = row.ballot.replace('"cost":4500000', '"cost":9500000');
    expect(tampered).not.toBe(row.ballot);
    await db
      .updateTable('console_ballots')
      .set({ ballot: tampered, sha256: sha256Hex(tampered) })
      .where('version', '=', 2)
      .execute();
    expect(await verifyBallotTrail(db)).toMatchObject({ problem: expect.stringContaining('ballot version 2 is not as its audit entry recorded it') });
    await db.updateTable('console_ballots').set({ ballot: row.ballot, sha256: row.sha256 }).where('version', '=', 2).execute();
    expect(await verifyBallotTrail(db)).toBeNull();
    // The unpublished draft marked published by hand.
    await db.updateTable('console_ballots').set({ published_seq: row.published_seq, published_at: row.published_at }).where('version', '=', 3).execute();
    expect(await verifyBallotTrail(db)).toMatchObject({
      problem: expect.stringContaining('ballot version 3 is marked published, but the chain never published it'),
    });
    await db.updateTable('console_ballots').set({ published_seq: null, published_at: null }).where('version', '=', 3).execute();
    await db.deleteFrom('console_ballots').where('version', '=', 3).execute();
    expect(await verifyBallotTrail(db)).toMatchObject({ problem: expect.stringContaining('ballot version 3 was recorded by audit entry') });
  });
});

describe('the ballot page over HTTP', () => {
  let ledger: Ledger;
  let app: express.Express;
  let now: Date;
  beforeEach(async () => {
    now = BEFORE_VOTING;
    ledger = await testLedger('sqlite', d, () => now);
    await seedTeam(ledger);
    app = createLedgerApp(ledger, silent);
  });
  afterEach(() => ledger.close());
  const versionCount = async () =>
    (
      await ledger.conn.db
        .selectFrom('console_ballots')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n;
  const projectForm = (csrf: string, short: { en: string; sw: string; fr: string }) => ({
    _csrf: csrf,
    cycle: 'c-open',
    code: '1',
    'title.en': 'Borehole',
    'title.sw': 'Kisima',
    'title.fr': 'Forage',
    'short.en': short.en,
    'short.sw': short.sw,
    'short.fr': short.fr,
    cost: '4500000',
  });

  it('a signed-out visitor sees nothing of it and changes nothing', async () => {
    const page = await request(app).get('/console/ballot');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/console/sign-in');
    expect(page.text).not.toContain('borehole');
    const post = await request(app).post('/console/ballot/publish').type('form').send({ version: '1' });
    expect(post.status).toBe(303);
    expect(await ledger.conn.db.selectFrom('console_ballots').selectAll().execute()).toEqual([]);
  });

  it.each(['reviewer', 'coordinator', 'auditor'])('the %s role reads the ballot but cannot edit or publish it', async (role) => {
    const agent = request.agent(app);
    await signIn(agent, role);
    const page = await agent.get('/console/ballot');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Market borehole');
    expect(page.text).not.toContain('action="/console/ballot/publish"');
    expect(page.text).not.toContain('action="/console/ballot/projects"');
    const csrf = csrfOf(page.text);
    const before = await versionCount();
    for (const [path, form] of [
      ['/console/ballot/projects', projectForm(csrf, texts('Changed', 'Changed', 'Changed'))],
      ['/console/ballot/projects/remove', { _csrf: csrf, cycle: 'c-open', code: '1' }],
      ['/console/ballot/budgets', { _csrf: csrf, ward: 'north', budget: '1' }],
      ['/console/ballot/rule', { _csrf: csrf, cycle: 'c-open', rule: 'choose-1' }],
      ['/console/ballot/publish', { _csrf: csrf, version: '1' }],
      ['/console/drafts/anything/add', { _csrf: csrf }],
    ] as const) {
      const res = await agent.post(path).type('form').send(form);
      expect(res.status, path).toBe(403);
    }
    expect(await versionCount()).toBe(before);
  });

  it('an admin edits without CSRF refused, and a publish with a title that does not fit names the project and language', async () => {
    const agent = request.agent(app);
    await signIn(agent, 'admin');
    const csrf = await sessionCsrf(agent, '/console/ballot');
    expect(
      (
        await agent
          .post('/console/ballot/projects')
          .type('form')
          .send({ ...projectForm('wrong', texts('A', 'B', 'C')) })
      ).status,
    ).toBe(403);
    const saved = await agent
      .post('/console/ballot/projects')
      .type('form')
      .send(projectForm(csrf, texts('Market borehole', 'Kisima sokoni ɛ', 'Forage du marché')));
    expect(saved.status).toBe(303);
    const page = await agent.get('/console/ballot');
    expect(page.text).toContain('Project 1 (Kiswahili): too long for one SMS');
    const refused = await agent.post('/console/ballot/publish').type('form').send({ _csrf: csrf, version: '2' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Not published: these menu titles do not fit.');
    expect(refused.text).toContain('c-open: Project 1 (Kiswahili): too long for one SMS');
    // In French, the operator reads it in French.
    await agent.post('/console/language').type('form').send({ _csrf: csrf, lang: 'fr', back: '/console/ballot' });
    const fr = await agent.post('/console/ballot/publish').type('form').send({ _csrf: csrf, version: '2' });
    expect(fr.text).toContain('Projet 1 (Kiswahili) : trop long pour un SMS');
    expect((await ballotVersions(ledger.conn, d, now)).published?.version).toBe(1);
  });

  it('a form that sends a field twice is refused naming it, and changes nothing', async () => {
    const agent = request.agent(app);
    await signIn(agent, 'admin');
    const csrf = await sessionCsrf(agent, '/console/ballot');
    const before = await versionCount();
    for (const [path, body] of [
      ['/console/ballot/rule', `_csrf=${csrf}&cycle=c-open&rule=approval&min=1&min=2`],
      ['/console/ballot/phases', `_csrf=${csrf}&cycle=c-open&proposals.opens=a&proposals.opens=b`],
    ] as const) {
      const res = await agent.post(path).type('form').send(body);
      expect(res.status, path).toBe(400);
      expect(res.text).toMatch(/The form sent &#39;(min|proposals\.opens)&#39; more than once/);
    }
    expect(await versionCount()).toBe(before);
  });
});

describe('a published ballot reaches a gateway', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  it('an admin adds a project and publishes it; the gateway downloads it and USSD shows it', async () => {
    const gw = testGateway();
    closers.push(async () => void gw.db.close());
    // The ledger's clock is before the vote opens (projects may change); the gateway's is during it.
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

    // Through the console: a proposal reviewed feasible, promoted, added to the ballot, published.
    const [id] = await seedProposals(ledger, [{ title: 'Footpath to the school' }]);
    const agent = request.agent(createLedgerApp(ledger, silent));
    await signIn(agent, 'admin');
    const csrf = await sessionCsrf(agent);
    expect(
      (await agent.post(`/console/proposals/${id}/review`).type('form').send({ _csrf: csrf, status: 'feasible', cost: '700000', costNote: 'Roads office' }))
        .status,
    ).toBe(303);
    const names = {
      'title.en': 'School footpath',
      'title.sw': 'Njia ya shule',
      'title.fr': 'Sentier de l’école',
      'short.en': 'School footpath',
      'short.sw': 'Njia ya shule',
      'short.fr': 'Sentier école',
    };
    expect(
      (
        await agent
          .post(`/console/proposals/${id}/promote`)
          .type('form')
          .send({ _csrf: csrf, ...names })
      ).status,
    ).toBe(303);
    expect((await agent.get('/console/drafts')).text).toContain(`action="/console/drafts/${id}/add"`);
    expect((await agent.post(`/console/drafts/${id}/add`).type('form').send({ _csrf: csrf })).headers.location).toBe('/console/ballot?notice=saved');
    const page = await agent.get('/console/ballot');
    expect(page.text).toContain('Publish version 2');
    // Not published yet: the gateway has nothing new.
    expect((await syncRound(relay, gw.ballots, silent)).ballot).toBe('unchanged');
    const published = await agent.post('/console/ballot/publish').type('form').send({ _csrf: csrf, version: '2' });
    expect(published.headers.location).toBe('/console/ballot?notice=published');

    expect((await syncRound(relay, gw.ballots, silent)).ballot).toBe('updated');
    expect(gw.ballots.current().cycles[0]!.projects.find((p) => p.code === 8)).toMatchObject({ cost: 700000, short: { en: 'School footpath' } });
    // North ward's pick screen, second page: project 8 is there with its menu title.
    const menu = await request(gw.app)
      .post(`/africastalking/ussd/${TOKEN}`)
      .type('form')
      .send(ussdBody({ sessionId: 'menu-ballot', text: '1*1*1*98' }));
    expect(menu.text).toContain('8 School footpath');
  });
});

describe('sauti ledger verify', () => {
  it('fails, naming the version, when the published ballot row was changed in the database', async () => {
    const file = join(tempDir('sauti-ballot-cli-'), 'ledger.db');
    const ledger = new Ledger(
      await openLedger({ kind: 'sqlite', file }),
      () => d,
      () => BEFORE_VOTING,
    );
    await editProject(ledger.conn, d, admin, 'c-open', 1, project1(undefined, '4600000'), BEFORE_VOTING);
    await publishBallot(ledger.conn, d, admin, 2, titleFitProblems, BEFORE_VOTING);
    await ledger.close();
    const env = { ...process.env, DATABASE_URL: '', SAUTI_CONFIG: FIXTURE, SAUTI_LEDGER_DB: file };
    const verify = () => spawnSync(process.execPath, ['--import', 'tsx', CLI, 'ledger', 'verify'], { encoding: 'utf8', env });
    expect(verify().stdout).toContain('Ledger intact');
    // The published cost lowered by hand, its stored hash recomputed: the chain still has the old one.
    const db = new Database(file);
    const row = db.prepare('SELECT ballot FROM console_ballots WHERE version = 2').get() as { ballot: string };
    const tampered = row.ballot.replace('"cost":4600000', '"cost":100');
    db.prepare('UPDATE console_ballots SET ballot = ?, sha256 = ? WHERE version = 2').run(tampered, sha256Hex(tampered));
    db.close();
    const broken = verify();
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain('ballot version 2 is not as its audit entry recorded it');
  }, 60_000);
});
