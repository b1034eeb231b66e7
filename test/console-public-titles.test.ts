// A proposal's title on the public results page: never before a reviewer approves it in the
// console (reviewer or admin, with the CSRF token), each approval and withdrawal an audit entry
// in the chain, and `ledger verify` naming a title made public behind the console's back.
import type express from 'express';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { listAudit, verifyConsoleTrail } from '../console/audit.ts';
import { verifyChain } from '../ledger/verify.ts';
import { ledgerBackends, testLedger } from './helpers/ledger.ts';
import { testDeployment } from './helpers/deployment.ts';
import { seedProposals, seedTeam, sessionCsrf, signIn } from './helpers/console.ts';

const backends = await ledgerBackends();

describe.each(backends)('approving a proposal title for the public page (%s)', (backend) => {
  let ledger: Ledger;
  let app: express.Express;
  let ids: string[];

  beforeAll(async () => {
    // The open cycle's vote is months away: its results page shows the ideas received.
    const d = testDeployment((r) => {
      r.cycles[0].phases = {
        proposals: { opens: '2026-11-01T00:00:00+03:00', closes: '2027-05-31T00:00:00+03:00' },
        voting: { opens: '2027-10-01T06:00:00+03:00', closes: '2027-10-31T20:00:00+03:00' },
      };
    });
    ledger = await testLedger(backend, d, () => new Date('2026-11-22T10:00:00Z'));
    ids = await seedProposals(ledger, [
      { title: 'Borehole at Kiboko market', reference: 'KIBO-42' },
      { title: 'Fix the road by Otieno’s house', wardId: 'south', reference: 'ROAD-17' },
    ]);
    await seedTeam(ledger);
    app = createLedgerApp(ledger, createLogger('silent'));
    return () => ledger.close();
  });

  const as = async (name: string) => {
    const agent = request.agent(app);
    expect((await signIn(agent, name)).status).toBe(303);
    return { agent, csrf: await sessionCsrf(agent) };
  };
  const publicPage = async () => (await request(app).get('/results/c-open')).text;
  const titleEntries = async () => (await listAudit(ledger.conn.db, { limit: 100 })).filter((e) => e.subject.startsWith('title:'));

  it('before approval the page counts the ideas per ward without any title', async () => {
    const page = await publicPage();
    expect(page).toMatch(/<td>North Ward<\/td><td class="n">1<\/td><td>1 received<\/td>/);
    expect(page).toMatch(/<td>South Ward<\/td><td class="n">1<\/td><td>1 received<\/td>/);
    expect(page).not.toMatch(/Borehole at Kiboko|Otieno|KIBO-42|ROAD-17/);
  });

  it('an auditor or coordinator is offered no button and is refused; a post without the CSRF token is refused', async () => {
    for (const name of ['auditor', 'coordinator']) {
      const { agent, csrf } = await as(name);
      const page = await agent.get(`/console/proposals/${ids[0]}`);
      expect(page.text).toContain('Public results page');
      expect(page.text).not.toContain(`action="/console/proposals/${ids[0]}/public-title"`);
      expect((await agent.post(`/console/proposals/${ids[0]}/public-title`).type('form').send({ _csrf: csrf, publish: '1' })).status).toBe(403);
    }
    const { agent } = await as('reviewer');
    expect((await agent.post(`/console/proposals/${ids[0]}/public-title`).type('form').send({ publish: '1' })).status).toBe(403);
    expect(await request(app).post(`/console/proposals/${ids[0]}/public-title`).type('form').send({ publish: '1' })).toMatchObject({ status: 303 });
    expect(await titleEntries()).toEqual([]);
    expect(await publicPage()).not.toContain('Borehole at Kiboko');
  });

  it('a reviewer approves a title: an audit entry with the words approved, the title on the public page; withdrawing takes it off', async () => {
    const { agent, csrf } = await as('reviewer');
    const page = await agent.get(`/console/proposals/${ids[0]}`);
    expect(page.text).toContain('Approve title for publication');
    const approve = await agent.post(`/console/proposals/${ids[0]}/public-title`).type('form').send({ _csrf: csrf, publish: '1' });
    expect(approve.status).toBe(303);
    expect(approve.headers.location).toBe(`/console/proposals/${ids[0]}?notice=saved#public-title`);
    // Sent twice (a double click): nothing more in the chain.
    const again = await agent.post(`/console/proposals/${ids[0]}/public-title`).type('form').send({ _csrf: csrf, publish: '1' });
    expect(again.headers.location).toContain('notice=unchanged');
    expect(await titleEntries()).toMatchObject([
      { actor: 'reviewer', action: 'proposal.title-published', subject: `title:${ids[0]}`, before: null, after: { title: 'Borehole at Kiboko market' } },
    ]);
    const shown = await publicPage();
    expect(shown).toContain('North Ward: Borehole at Kiboko market');
    expect(shown).not.toContain('Otieno');
    expect((await agent.get(`/console/proposals/${ids[0]}`)).text).toContain('Withdraw title from publication');
    expect((await agent.post(`/console/proposals/${ids[0]}/public-title`).type('form').send({ _csrf: csrf, publish: 'yes' })).status).toBe(400);
    expect((await agent.post('/console/proposals/nope/public-title').type('form').send({ _csrf: csrf, publish: '1' })).status).toBe(404);
    expect(await verifyConsoleTrail(ledger.conn.db)).toBeNull();

    const admin = await as('admin');
    expect((await admin.agent.post(`/console/proposals/${ids[0]}/public-title`).type('form').send({ _csrf: admin.csrf, publish: '0' })).status).toBe(303);
    expect((await titleEntries()).map((e) => [e.actor, e.action, e.after])).toEqual([
      ['admin', 'proposal.title-withdrawn', null],
      ['reviewer', 'proposal.title-published', { title: 'Borehole at Kiboko market' }],
    ]);
    expect(await publicPage()).not.toContain('Borehole at Kiboko');
    expect(await verifyConsoleTrail(ledger.conn.db)).toBeNull();
    expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
  });

  it('ledger verify names a title made public behind the console, and an approved one deleted', async () => {
    const db = ledger.conn.db;
    await db.insertInto('console_public_titles').values({ event_id: ids[1]!, audit_seq: 1 }).execute();
    expect((await verifyConsoleTrail(db))?.problem).toMatch(`the public title of proposal ${ids[1]} names audit entry 1, but its last audit entry is none`);
    await db.deleteFrom('console_public_titles').where('event_id', '=', ids[1]!).execute();

    const { agent, csrf } = await as('reviewer');
    await agent.post(`/console/proposals/${ids[0]}/public-title`).type('form').send({ _csrf: csrf, publish: '1' });
    expect(await verifyConsoleTrail(db)).toBeNull();
    // The proposal's words changed after approval: what is public is not what was approved.
    await db.updateTable('console_proposals').set({ title: 'Something else' }).where('event_id', '=', ids[0]!).execute();
    expect((await verifyConsoleTrail(db))?.problem).toMatch(`the public title of proposal ${ids[0]} is not as its last audit entry approved it`);
    await db.updateTable('console_proposals').set({ title: 'Borehole at Kiboko market' }).where('event_id', '=', ids[0]!).execute();
    await db.deleteFrom('console_public_titles').where('event_id', '=', ids[0]!).execute();
    expect((await verifyConsoleTrail(db))?.problem).toMatch(`the public title of proposal ${ids[0]} was approved by audit entry`);
  });
});
