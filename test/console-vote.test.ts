// The console during the vote: live turnout by ward, channel and hour (read from an index, its
// SQLite plan shown), each gateway's health, and results published from the console by the
// admin alone, with the guards of `sauti results --publish` and an audit entry in the chain.
import { createPrivateKey } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { CompiledQuery } from 'kysely';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { decodeBatch, newKeyPair } from '../src/domain/protocol.ts';
import type { EventRow } from '../src/store/gateway-store.ts';
import { buildBatch } from '../sync/batch.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { verifyChain } from '../ledger/verify.ts';
import { listAudit, verifyConsoleTrail } from '../console/audit.ts';
import { liveTurnout, turnoutQuery } from '../console/turnout.ts';
import { eventFactory, ledgerBackends, testLedger } from './helpers/ledger.ts';
import { testDeployment } from './helpers/deployment.ts';
import { seedTeam, sessionCsrf, signIn } from './helpers/console.ts';

const backends = await ledgerBackends();
const CLOSES = '2026-12-01T17:00:00.000Z';
const d = testDeployment((r) => {
  r.cycles[0].phases.voting.closes = CLOSES;
  r.cycles[0].exclusive = [[1, 3]];
});

/** A registered gateway that pushes signed batches as sync does, reporting its backlog and clock. */
async function gateway(ledger: Ledger, gatewayId: string, clock: () => Date) {
  const { privatePem, publicKey } = newKeyPair();
  const gw = { gatewayId, publicKey, privateKey: createPrivateKey(privatePem) };
  await ledger.addGateway(gatewayId, publicKey);
  const f = eventFactory(gatewayId);
  const push = async (rows: EventRow[], backlog = 0, gatewayClock = clock()) => {
    const { header, lines } = decodeBatch(gunzipSync(buildBatch(gw, rows, backlog, gatewayClock).body).toString('utf8'));
    return ledger.ingest(header, lines, 'push');
  };
  return { f, push };
}

const vote = (f: ReturnType<typeof eventFactory>, i: number, at: string, wardId = 'north', channel = 'ussd'): EventRow => ({
  ...f.vote(`+2547220${String(i).padStart(5, '0')}`, wardId === 'north' ? [1] : [20], at, { wardId }),
  channel,
});

describe.each(backends)('live turnout (%s)', (backend) => {
  it('counts ballots by ward, channel and hour; a changed vote counts once, in its new hour', async () => {
    const now = new Date('2026-11-22T12:00:00Z');
    const ledger = await testLedger(backend, d, () => now);
    try {
      const { f, push } = await gateway(ledger, 'gw-a', () => now);
      const rows = [
        vote(f, 1, '2026-11-22T09:05:00.000Z'),
        vote(f, 2, '2026-11-22T09:55:00.000Z', 'south', 'sms'),
        vote(f, 3, '2026-11-22T10:10:00.000Z', 'north', 'sms'),
      ];
      expect((await push(rows)).rejected).toEqual([]);
      // Voter 1 votes again at 11:20 (revote: replace): one ballot, now in the 11 o'clock hour.
      expect((await push([vote(f, 1, '2026-11-22T11:20:00.000Z')])).rejected).toEqual([]);
      const t = await liveTurnout(ledger.conn.db, 'c-open', ['north', 'south']);
      expect(t).toEqual({
        total: 3,
        byWard: { north: 2, south: 1 },
        byChannel: { sms: 2, ussd: 1 },
        byHour: [
          { hour: '2026-11-22T09', ballots: 1 },
          { hour: '2026-11-22T10', ballots: 1 },
          { hour: '2026-11-22T11', ballots: 1 },
        ],
      });
      expect((await liveTurnout(ledger.conn.db, 'c-past', ['north', 'south'])).total).toBe(0);
    } finally {
      await ledger.close();
    }
  });
});

describe('the turnout query', () => {
  it('reads only the ledger_ballots_turnout index, in its order: no ballot rows, no temporary sort (SQLite query plan)', async () => {
    const ledger = await testLedger('sqlite', d);
    try {
      const applied = await ledger.conn.db
        .selectFrom('ledger_migrations' as never)
        .select('name' as never)
        .execute();
      expect(applied.map((r) => (r as { name: string }).name)).toContain('0016-console-vote');
      const compiled = turnoutQuery(ledger.conn.db, 'c-open').compile();
      const plan = await ledger.conn.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${compiled.sql}`, [...compiled.parameters]));
      const details = plan.rows.map((r) => r.detail).join(' | ');
      expect(details).toMatch(/SEARCH ledger_ballots USING COVERING INDEX ledger_ballots_turnout \(cycle_id=\?\)/);
      expect(details).not.toMatch(/TEMP B-TREE|SCAN ledger_ballots/);
    } finally {
      await ledger.close();
    }
  });
});

describe.each(backends)('the "During the vote" page and publishing from the console (%s)', (backend) => {
  it('shows turnout and gateway health to every role; only the admin publishes, with the CLI’s guards, audited in the chain', async () => {
    let now = new Date('2026-11-22T12:00:00Z');
    const ledger = await testLedger(backend, d, () => now);
    try {
      await seedTeam(ledger);
      const a = await gateway(ledger, 'gw-a', () => now);
      const b = await gateway(ledger, 'gw-b', () => now);
      expect((await a.push([vote(a.f, 1, '2026-11-22T09:05:00.000Z'), vote(a.f, 2, '2026-11-22T10:05:00.000Z', 'south', 'sms')], 4)).rejected).toEqual([]);
      // gw-b's clock runs 2 minutes fast, and it sends a vote for a ward the ballot does not have.
      const refused = await b.push([vote(b.f, 3, '2026-11-22T11:59:00.000Z', 'atlantis')], 0, new Date(now.getTime() + 120_000));
      expect(refused.rejected.length).toBe(1);
      const app = createLedgerApp(ledger, createLogger('silent'));

      // Signed out: nothing of it.
      for (const path of ['/console/vote', '/console/vote?cycle=c-open']) {
        const res = await request(app).get(path);
        expect(res.status).toBe(303);
        expect(res.headers.location).toBe('/console/sign-in');
      }
      expect(await request(app).post('/console/vote/c-open/publish').type('form').send({})).toMatchObject({
        status: 303,
        headers: { location: '/console/sign-in' },
      });

      const as = async (name: string) => {
        const agent = request.agent(app);
        expect((await signIn(agent, name)).status).toBe(303);
        return { agent, csrf: await sessionCsrf(agent, '/console/vote') };
      };
      for (const role of ['admin', 'reviewer', 'coordinator', 'auditor']) {
        const { agent } = await as(role);
        const page = await agent.get('/console/vote');
        expect(page.status, role).toBe(200);
        expect(page.text).toContain('<h1>During the vote</h1>');
        expect(page.text).toMatch(/<td>North Ward<\/td><td>1<\/td>/);
        expect(page.text).toMatch(/<td>South Ward<\/td><td>1<\/td>/);
        expect(page.text).toMatch(/<td>USSD menu<\/td><td>1<\/td>/);
        // Hours in the deployment's time zone (Nairobi, UTC+3): 09:05 UTC is the 12:00 hour.
        expect(page.text).toMatch(/12:00 [^<]*<\/td><td>1<\/td>/);
        // gw-a: 4 events waiting; gw-b: 120 s fast, one refused event with its reason.
        expect(page.text).toMatch(/<td>gw-a<\/td><td>[^<]+<\/td><td>4<\/td>/);
        expect(page.text).toMatch(/<td>gw-b<\/td>.*<td>120 s<\/td><td>0<\/td><td>1<br><span class="note">[^<]*: unknown-ward/s);
        // The publish form only for the admin.
        expect(page.text.includes('action="/console/vote/c-open/publish"'), role).toBe(role === 'admin');
        expect(page.text).toContain('href="/console/vote"');
        // The ballot's projects, each with those it cannot be funded with.
        expect(page.text).toMatch(/<td>1<\/td><td>Borehole<\/td><td>North Ward<\/td><td>KES 4500000<\/td><td>3<\/td>/);
        expect(page.text).toMatch(/<td>2<\/td><td>Lights<\/td><td>North Ward<\/td><td>KES 3200000<\/td><td>—<\/td>/);
        expect(page.text).toContain('Exclusive groups: 1 · 3');
      }

      // Reviewer, coordinator, auditor: refused by the server, nothing published, nothing audited.
      const audits = async () => (await listAudit(ledger.conn.db, { limit: 1000 })).filter((e) => e.action === 'results.published').length;
      now = new Date('2026-12-10T09:00:00Z');
      for (const role of ['reviewer', 'coordinator', 'auditor']) {
        const { agent, csrf } = await as(role);
        const res = await agent.post('/console/vote/c-open/publish').type('form').send({ _csrf: csrf, force: '1', reason: 'we are in a hurry' });
        expect(res.status, role).toBe(403);
      }
      expect(await ledger.publishedCycles()).toEqual([]);

      const { agent, csrf } = await as('admin');
      // Without the CSRF token: refused.
      expect((await agent.post('/console/vote/c-open/publish').type('form').send({ force: '1', reason: 'x' })).status).toBe(403);
      // Before voting closes: refused, whatever the reason.
      now = new Date('2026-11-30T09:00:00Z');
      let res = await agent.post('/console/vote/c-open/publish').type('form').send({ _csrf: csrf, force: '1', reason: 'early' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('Voting is still open');
      // After it closes, with gw-a's backlog and gw-b not seen since: refused, the gateways named.
      now = new Date('2026-12-10T09:00:00Z');
      res = await agent.post('/console/vote/c-open/publish').type('form').send({ _csrf: csrf });
      expect(res.status).toBe(400);
      expect(res.text).toContain('Not every gateway has delivered its votes');
      expect(res.text).toMatch(/gw-a: 4 events waiting/);
      // Forced without a reason: refused, the box stays ticked.
      res = await agent.post('/console/vote/c-open/publish').type('form').send({ _csrf: csrf, force: '1', reason: '  ' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('needs the reason');
      expect(res.text).toContain('name="force" value="1" checked');
      expect(await audits()).toBe(0);
      // In Kiswahili the refusal is in Kiswahili.
      await agent.post('/console/language').type('form').send({ _csrf: csrf, lang: 'sw', back: '/console/vote' });
      res = await agent.post('/console/vote/c-open/publish').type('form').send({ _csrf: csrf });
      expect(res.text).toContain('Si kila lango limetuma kura zake');
      await agent.post('/console/language').type('form').send({ _csrf: csrf, lang: 'en', back: '/console/vote' });

      // Forced with a reason: published, and the publication and the audit entry are in the chain.
      res = await agent
        .post('/console/vote/c-open/publish')
        .type('form')
        .send({ _csrf: csrf, force: '1', reason: 'gw-b was stolen; its votes are on its bundle' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/console/vote?cycle=c-open&notice=published#results');
      const published = await agent.get('/console/vote?cycle=c-open&notice=published');
      expect(published.text).toContain('Results published.');
      expect(published.text).toContain('Reason: gw-b was stolen; its votes are on its bundle');
      expect(published.text).not.toContain('action="/console/vote/c-open/publish"');
      const result = await ledger.results('c-open');
      expect(result.forced?.reason).toBe('gw-b was stolen; its votes are on its bundle');
      const entry = (await listAudit(ledger.conn.db, { limit: 100 })).find((e) => e.action === 'results.published')!;
      expect(entry).toMatchObject({
        actor: 'admin',
        subject: 'results:c-open',
        before: null,
        after: { cycleId: 'c-open', ballots: 2, forced: { reason: 'gw-b was stolen; its votes are on its bundle', gateways: ['gw-a', 'gw-b'] } },
      });
      // Once is all: a second publication is refused and nothing more is audited.
      res = await agent.post('/console/vote/c-open/publish').type('form').send({ _csrf: csrf });
      expect(res.status).toBe(409);
      expect(await audits()).toBe(1);
      expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
      expect(await verifyConsoleTrail(ledger.conn.db)).toBeNull();
    } finally {
      await ledger.close();
    }
  });
});

describe('a cycle whose results the deployment file declares, in the console', () => {
  it('shows the day they were published and where they come from, offers no publish form, and refuses a publish sent anyway', async () => {
    const ledger = await testLedger('sqlite', d, () => new Date('2026-11-22T12:00:00Z'));
    try {
      await seedTeam(ledger);
      const app = createLedgerApp(ledger, createLogger('silent'));
      const agent = request.agent(app);
      expect((await signIn(agent, 'admin')).status).toBe(303);
      const csrf = await sessionCsrf(agent, '/console/vote');
      const page = await agent.get('/console/vote?cycle=c-past');
      expect(page.status).toBe(200);
      expect(page.text).toContain('Published on 1 May 2019, before this ledger: the results come from the deployment file, and its ballots are not held here.');
      expect(page.text).not.toContain('action="/console/vote/c-past/publish"');
      const res = await agent.post('/console/vote/c-past/publish').type('form').send({ _csrf: csrf });
      expect(res.status).toBe(409);
      expect(res.text).toContain('This cycle’s results were published before this ledger and come from the deployment file: they are not published here.');
      expect(await ledger.publishedCycles()).toEqual([]);
      expect((await listAudit(ledger.conn.db, { limit: 100 })).filter((e) => e.action === 'results.published')).toEqual([]);
      expect(await ledger.conn.db.selectFrom('ledger_results').selectAll().execute()).toEqual([]);
    } finally {
      await ledger.close();
    }
  });
});
