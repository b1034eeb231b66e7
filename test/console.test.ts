// The PB team's console: role boundaries, CSRF, sessions that end, a rate-limited sign-in, the
// feasibility review's lifecycle, and the audit trail in the ledger's chain that `ledger verify`
// checks — on SQLite and PostgreSQL for what is stored, over HTTP for what a browser sees.
import { CompiledQuery, sql } from 'kysely';
import request from 'supertest';
import type express from 'express';
import { beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { verifyChain } from '../ledger/verify.ts';
import { addUser, checkPassword, COMMAND_LINE, IDLE_MS, setRole } from '../console/accounts.ts';
import { auditQuery, listAudit, verifyConsoleTrail } from '../console/audit.ts';
import { listInbox, reviewProposal, ReviewError } from '../console/proposals.ts';
import { CONSOLE_STYLE_HASH } from '../console/style.ts';
import { DraftError, draftsYaml, listDrafts, promoteProposal } from '../console/drafts.ts';
import { parse } from 'yaml';
import { storeAttachment } from '../ledger/attachments.ts';
import { sha256Hex } from '../src/domain/protocol.ts';
import { ledgerBackends, testLedger } from './helpers/ledger.ts';
import { testDeployment } from './helpers/deployment.ts';
import { PASSWORD, seedProposals, seedTeam, sessionCsrf, signIn } from './helpers/console.ts';

const backends = await ledgerBackends();
const d = testDeployment();
const review = (status: string, extra: Partial<{ cost: string; costNote: string; reason: Record<string, string> }> = {}) => ({
  status,
  cost: '',
  costNote: '',
  reason: {},
  ...extra,
});
const reviewer = { name: 'reviewer', role: 'reviewer' };
/** An answer's Set-Cookie headers, as a list. */
const cookiesOf = (res: { headers: Record<string, unknown> }): string[] =>
  ([] as string[]).concat((res.headers['set-cookie'] as string[] | string | undefined) ?? []);

describe.each(backends)('the review lifecycle and its audit trail (%s)', (backend) => {
  it('received → under review → feasible (cost and why) → not feasible (reason in every language), each change one audited entry with before and after', async () => {
    let now = new Date('2026-11-22T10:00:00Z');
    const ledger = await testLedger(backend, d, () => now);
    try {
      const applied = await ledger.conn.db
        .selectFrom('ledger_migrations' as never)
        .select('name' as never)
        .execute();
      expect(applied.map((r) => (r as { name: string }).name)).toContain('0011-console');
      const [a, b] = await seedProposals(ledger, [
        { title: 'Fix the borehole at Kiboko', channel: 'sms' },
        { title: 'Footbridge', channel: 'ussd', wardId: 'south', category: 'roads' },
      ]);
      const inbox = await listInbox(ledger.conn.db, { page: 1 });
      expect(inbox.total).toBe(2);
      expect(inbox.rows.map((r) => r.status)).toEqual(['received', 'received']);
      expect((await listInbox(ledger.conn.db, { page: 1, ward: 'south', channel: 'ussd' })).rows.map((r) => r.event_id)).toEqual([b]);
      expect((await listInbox(ledger.conn.db, { page: 1, ward: 'south', channel: 'sms' })).total).toBe(0);

      expect(await reviewProposal(ledger.conn, d, reviewer, a!, review('under-review'), now)).toBe('changed');
      // A feasible proposal needs its cost and how it was estimated; the field is named.
      await expect(reviewProposal(ledger.conn, d, reviewer, a!, review('feasible'), now)).rejects.toMatchObject({ field: 'cost', key: 'costNeeded' });
      await expect(reviewProposal(ledger.conn, d, reviewer, a!, review('feasible', { cost: '450000' }), now)).rejects.toMatchObject({ field: 'costNote' });
      now = new Date('2026-11-23T10:00:00Z');
      await reviewProposal(ledger.conn, d, reviewer, a!, review('feasible', { cost: '450,000', costNote: 'County water office quote, 2026' }), now);
      // Not feasible: the reason in each language of the deployment, or refused naming the one missing.
      const err = await reviewProposal(
        ledger.conn,
        d,
        reviewer,
        a!,
        review('not-feasible', { reason: { en: 'Private land', sw: 'Ardhi binafsi' } }),
        now,
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ReviewError);
      expect((err as ReviewError).field).toBe('reason.fr');
      // The form sends every field, the cost estimate kept as it stood.
      const notFeasible = review('not-feasible', {
        cost: '450000',
        costNote: 'County water office quote, 2026',
        reason: { en: 'Private land', sw: 'Ardhi binafsi', fr: 'Terrain privé' },
      });
      await reviewProposal(ledger.conn, d, reviewer, a!, notFeasible, now);
      // The same review again is no change and no entry.
      expect(await reviewProposal(ledger.conn, d, reviewer, a!, notFeasible, now)).toBe('unchanged');

      const trail = (await listAudit(ledger.conn.db, { limit: 50 })).filter((e) => e.subject === `proposal:${a}`).reverse();
      expect(trail.map((e) => [e.actor, (e.after as { status: string }).status])).toEqual([
        ['reviewer', 'under-review'],
        ['reviewer', 'feasible'],
        ['reviewer', 'not-feasible'],
      ]);
      expect(trail[1]).toMatchObject({
        before: { status: 'under-review', cost: null },
        after: { status: 'feasible', cost: 450000, costNote: 'County water office quote, 2026' },
        at: '2026-11-23T10:00:00.000Z',
      });
      expect(trail[2]!.after).toEqual({
        status: 'not-feasible',
        reason: { en: 'Private land', sw: 'Ardhi binafsi', fr: 'Terrain privé' },
        cost: 450000,
        costNote: 'County water office quote, 2026',
      });
      expect((await listInbox(ledger.conn.db, { page: 1, status: 'not-feasible' })).rows.map((r) => r.event_id)).toEqual([a]);

      expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
      expect(await verifyConsoleTrail(ledger.conn.db)).toBeNull();
    } finally {
      await ledger.close();
    }
  });

  it('ledger verify finds a review or an account changed behind the console’s back, and an altered audit entry', async () => {
    const ledger = await testLedger(backend, d, () => new Date('2026-11-22T10:00:00Z'));
    try {
      const [a, b] = await seedProposals(ledger, [{ title: 'Borehole' }, { title: 'Clinic roof' }]);
      await seedTeam(ledger);
      await reviewProposal(ledger.conn, d, reviewer, a!, review('under-review'), ledger.now());
      await listInbox(ledger.conn.db, { page: 1 });
      expect(await verifyConsoleTrail(ledger.conn.db)).toBeNull();
      const db = ledger.conn.db;

      // A reviewed proposal edited in the database.
      await db.updateTable('console_proposals').set({ status: 'feasible' }).where('event_id', '=', a!).execute();
      expect((await verifyConsoleTrail(db))?.problem).toMatch(`the review of proposal ${a} is not as its last audit entry recorded it`);
      await db.updateTable('console_proposals').set({ status: 'under-review' }).where('event_id', '=', a!).execute();
      // A never-reviewed proposal given a status without an entry.
      await db.updateTable('console_proposals').set({ status: 'feasible', cost: 1 }).where('event_id', '=', b!).execute();
      expect((await verifyConsoleTrail(db))?.problem).toMatch(`proposal ${b} has a review that no audit entry recorded`);
      await db.updateTable('console_proposals').set({ status: 'received', cost: null }).where('event_id', '=', b!).execute();
      // An auditor made admin in the database, and an admin slipped in without the console.
      await db.updateTable('console_users').set({ role: 'admin' }).where('name', '=', 'auditor').execute();
      expect((await verifyConsoleTrail(db))?.problem).toMatch('account auditor is not as its last audit entry recorded it');
      await db.updateTable('console_users').set({ role: 'auditor' }).where('name', '=', 'auditor').execute();
      const admin = await db.selectFrom('console_users').selectAll().where('name', '=', 'admin').executeTakeFirstOrThrow();
      await db
        .insertInto('console_users')
        .values({ ...admin, name: 'intruder' })
        .execute();
      expect((await verifyConsoleTrail(db))?.problem).toMatch('account intruder is in the console’s tables but no audit entry created it'.replace('’', "'"));
      await db.deleteFrom('console_users').where('name', '=', 'intruder').execute();
      // A password hash swapped in the database.
      await db.updateTable('console_users').set({ password_hash: admin.password_hash }).where('name', '=', 'reviewer').execute();
      expect((await verifyConsoleTrail(db))?.problem).toMatch('account reviewer is not as its last audit entry recorded it');
      await ledger.conn.db.deleteFrom('console_users').where('name', '=', 'reviewer').execute();
      expect((await verifyConsoleTrail(db))?.problem).toMatch('user reviewer was recorded by audit entry');

      // The audit entry itself edited (who did it): the chain's link no longer holds.
      const entry = (await listAudit(db, { limit: 50 })).find((e) => e.subject === `proposal:${a}`)!;
      const row = await db.selectFrom('ledger_events').select('payload').where('seq', '=', entry.seq).executeTakeFirstOrThrow();
      await db
        .updateTable('ledger_events')
        .set({ payload: row.payload.replace('"actor":"reviewer"', '"actor":"admin"') })
        .where('seq', '=', entry.seq)
        .execute();
      expect(await verifyChain(db)).toMatchObject({ ok: false, seq: entry.seq, problem: expect.stringContaining('contents do not match its hash') });
    } finally {
      await ledger.close();
    }
  });
});

describe('over HTTP', () => {
  let now: Date;
  let ledger: Ledger;
  let app: express.Express;
  let ids: string[];
  const auditCount = async () => (await listAudit(ledger.conn.db, { limit: 1000 })).length;

  beforeEach(async () => {
    now = new Date('2026-11-22T10:00:00Z');
    ledger = await testLedger('sqlite', d, () => now);
    ids = await seedProposals(ledger, [
      { title: 'Fix the borehole at Kiboko', channel: 'sms' },
      { title: 'Footbridge over the river', channel: 'ussd', wardId: 'south', category: 'roads' },
      { title: 'Spoken idea', channel: 'voice', audio: { sha256: 'a'.repeat(64), bytes: 48000 } },
    ]);
    await seedTeam(ledger);
    app = createLedgerApp(ledger, createLogger('silent'), { console: { signInLimit: 3 } });
    return () => ledger.close();
  });

  it('a signed-out visitor sees nothing but the sign-in page, and changes nothing', async () => {
    for (const path of ['/console', '/console/audit', '/console/accounts', `/console/proposals/${ids[0]}`, '/console/password', '/console/nothing-here']) {
      const res = await request(app).get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.location).toBe('/console/sign-in');
      expect(res.text).not.toContain('borehole');
    }
    const before = await auditCount();
    const post = await request(app).post(`/console/proposals/${ids[0]}/review`).type('form').send({ status: 'feasible', cost: '1', costNote: 'x' });
    expect(post.status).toBe(303);
    expect(await request(app).post('/console/accounts').type('form').send({ name: 'eve', role: 'admin' })).toMatchObject({ status: 303 });
    expect(await auditCount()).toBe(before);
    expect((await listInbox(ledger.conn.db, { page: 1 })).rows.every((r) => r.status === 'received')).toBe(true);
    const page = await request(app).get('/console/sign-in').set('Cookie', 'other-app=%E0%A4%A; theme=dark');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<form method="post" action="/console/sign-in">');
    expect(page.text).not.toMatch(/borehole|Footbridge/);
  });

  it('role boundaries hold on the server: a reviewer cannot manage accounts, an auditor and a coordinator change nothing', async () => {
    const as = async (name: string) => {
      const agent = request.agent(app);
      expect((await signIn(agent, name)).status).toBe(303);
      return { agent, csrf: await sessionCsrf(agent) };
    };
    const reviewerA = await as('reviewer');
    expect((await reviewerA.agent.get('/console/accounts')).status).toBe(403);
    expect((await reviewerA.agent.get('/console/audit')).status).toBe(403);
    expect((await reviewerA.agent.post('/console/accounts').type('form').send({ _csrf: reviewerA.csrf, name: 'eve', role: 'admin' })).status).toBe(403);
    expect((await reviewerA.agent.post('/console/accounts/reviewer/role').type('form').send({ _csrf: reviewerA.csrf, role: 'admin' })).status).toBe(403);
    expect((await ledger.conn.db.selectFrom('console_users').select('role').where('name', '=', 'reviewer').executeTakeFirstOrThrow()).role).toBe('reviewer');
    expect(await ledger.conn.db.selectFrom('console_users').select('name').where('name', '=', 'eve').executeTakeFirst()).toBeUndefined();

    for (const name of ['auditor', 'coordinator']) {
      const { agent, csrf } = await as(name);
      const before = await auditCount();
      const page = await agent.get(`/console/proposals/${ids[0]}`);
      expect(page.status).toBe(200);
      expect(page.text).not.toContain(`action="/console/proposals/${ids[0]}/review"`);
      expect(
        (await agent.post(`/console/proposals/${ids[0]}/review`).type('form').send({ _csrf: csrf, status: 'under-review', cost: '', costNote: '' })).status,
      ).toBe(403);
      expect((await agent.post('/console/accounts/admin/disable').type('form').send({ _csrf: csrf })).status).toBe(403);
      expect((await agent.post('/console/accounts').type('form').send({ _csrf: csrf, name: 'eve', role: 'admin' })).status).toBe(403);
      expect(await auditCount()).toBe(before);
      expect((await agent.get('/console/audit')).status).toBe(name === 'auditor' ? 200 : 403);
    }
    expect((await listInbox(ledger.conn.db, { page: 1 })).rows.every((r) => r.status === 'received')).toBe(true);

    // Only an admin makes ballot drafts; everyone signed in reads them.
    expect(
      (await reviewerA.agent.post(`/console/proposals/${ids[0]}/promote`).type('form').send({ _csrf: reviewerA.csrf, 'title.en': 'x', 'short.en': 'x' }))
        .status,
    ).toBe(403);
    expect((await reviewerA.agent.get('/console/drafts')).status).toBe(200);
    // A refused review: the proposal's page again, the reason, and the form as typed; nothing stored.
    const refused = await reviewerA.agent
      .post(`/console/proposals/${ids[0]}/review`)
      .type('form')
      .send({ _csrf: reviewerA.csrf, status: 'feasible', cost: '', costNote: 'kept as typed' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('kept as typed');
    expect((await listInbox(ledger.conn.db, { page: 1 })).rows.every((r) => r.status === 'received')).toBe(true);
    // The reviewer reviews; the admin manages accounts and reads the audit trail.
    const res = await reviewerA.agent
      .post(`/console/proposals/${ids[0]}/review`)
      .type('form')
      .send({ _csrf: reviewerA.csrf, status: 'under-review', cost: '', costNote: '' });
    expect(res.status).toBe(303);
    const adminA = await as('admin');
    const added = await adminA.agent.post('/console/accounts').type('form').send({ _csrf: adminA.csrf, name: 'wanjiru', role: 'reviewer' });
    expect(added.status).toBe(200);
    const oneTime = /One-time password for wanjiru: ([a-z0-9]+)/.exec(added.text)![1]!;
    expect(await checkPassword(ledger.conn.db, 'wanjiru', oneTime)).toMatchObject({ must_change: 1 });
    const audit = await adminA.agent.get('/console/audit');
    expect(audit.text).toContain('user.added');
    expect(audit.text).toContain('proposal.reviewed');
    expect(audit.text).not.toContain(oneTime);
    expect(await verifyConsoleTrail(ledger.conn.db)).toBeNull();
  });

  it('refuses a form without the session’s CSRF token (and a sign-in form without its cookie)', async () => {
    const agent = request.agent(app);
    await signIn(agent, 'reviewer');
    const before = await auditCount();
    for (const token of [undefined, 'forged', (await sessionCsrf(agent)).slice(1)]) {
      const res = await agent
        .post(`/console/proposals/${ids[0]}/review`)
        .type('form')
        .send({ ...(token ? { _csrf: token } : {}), status: 'under-review', cost: '', costNote: '' });
      expect(res.status).toBe(403);
      expect(res.text).toContain('did not come from this console');
    }
    expect((await agent.post('/console/sign-out').type('form').send({})).status).toBe(403);
    expect(await auditCount()).toBe(before);
    // Another browser's token is not this session's.
    const other = request.agent(app);
    await signIn(other, 'admin');
    expect(
      (
        await agent
          .post(`/console/proposals/${ids[0]}/review`)
          .type('form')
          .send({ _csrf: await sessionCsrf(other), status: 'under-review', cost: '', costNote: '' })
      ).status,
    ).toBe(403);
    // Sign-in: the hidden token must match the cookie set with the form.
    const stranger = await request(app).post('/console/sign-in').type('form').send({ _csrf: 'x', name: 'admin', password: PASSWORD });
    expect(stranger.status).toBe(403);
    expect(cookiesOf(stranger).some((c) => c.startsWith('sauti-console='))).toBe(false);
  });

  it('ends a session after 30 idle minutes and after 12 hours however active; sign out everywhere ends every browser’s', async () => {
    const agent = request.agent(app);
    const res = await signIn(agent, 'reviewer');
    const cookie = cookiesOf(res).find((c) => c.startsWith('sauti-console='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Max-Age=43200/);
    expect(cookie).not.toMatch(/Secure/); // plain http (see the https case below)
    now = new Date(now.getTime() + IDLE_MS - 60_000);
    expect((await agent.get('/console')).status).toBe(200);
    now = new Date(now.getTime() + IDLE_MS + 1000);
    const expired = await agent.get('/console');
    expect(expired.status).toBe(303);
    expect(expired.headers.location).toBe('/console/sign-in?expired=1');
    expect((await agent.get('/console/sign-in?expired=1')).text).toContain('Your session has ended');

    await signIn(agent, 'reviewer');
    for (let i = 0; i < 12 * 3; i++) {
      now = new Date(now.getTime() + 20 * 60_000);
      const page = await agent.get('/console');
      if (i < 12 * 3 - 1) expect(page.status, `after ${(i + 1) * 20} minutes`).toBe(200);
      else expect(page.status).toBe(303);
    }

    const phone = request.agent(app);
    const laptop = request.agent(app);
    await signIn(phone, 'admin');
    await signIn(laptop, 'admin');
    expect((await phone.get('/console')).status).toBe(200);
    const out = await laptop
      .post('/console/sign-out')
      .type('form')
      .send({ _csrf: await sessionCsrf(laptop), everywhere: '1' });
    expect(out.status).toBe(303);
    expect((await phone.get('/console')).status).toBe(303);
    expect((await laptop.get('/console')).status).toBe(303);
    const actions = (await listAudit(ledger.conn.db, { limit: 5 })).map((e) => e.action);
    expect(actions[0]).toBe('signed-out-everywhere');
  });

  it('rate-limits failed sign-ins per address: past the limit even the right password is refused', async () => {
    const agent = request.agent(app);
    for (let i = 0; i < 3; i++) expect((await signIn(agent, 'admin', 'wrong password here')).status).toBe(401);
    const blocked = await signIn(agent, 'admin');
    expect(blocked.status).toBe(429);
    expect(blocked.text).toContain('Too many sign-in attempts');
    expect((await agent.get('/console')).status).toBe(303);
  });

  it('a one-time password must be replaced first; the change is audited without any password in the chain', async () => {
    const { oneTime } = await addUser(ledger.conn, COMMAND_LINE, { name: 'amina', role: 'reviewer' }, now);
    const agent = request.agent(app);
    const res = await signIn(agent, 'amina', oneTime!);
    expect(res.headers.location).toBe('/console/password');
    expect((await agent.get('/console')).headers.location).toBe('/console/password');
    const csrf = await sessionCsrf(agent, '/console/password');
    const short = await agent.post('/console/password').type('form').send({ _csrf: csrf, current: oneTime, next: 'short' });
    expect(short.status).toBe(400);
    expect(short.text).toContain('at least 12 characters');
    const changed = await agent.post('/console/password').type('form').send({ _csrf: csrf, current: oneTime, next: 'a long passphrase of mine' });
    expect(changed.headers.location).toBe('/console?notice=password');
    expect((await agent.get('/console')).status).toBe(200);
    const chain = await ledger.conn.db.selectFrom('ledger_events').select('payload').execute();
    expect(chain.some((r) => r.payload.includes(oneTime!) || r.payload.includes('a long passphrase') || r.payload.includes('$argon2'))).toBe(false);
    expect(await verifyConsoleTrail(ledger.conn.db)).toBeNull();
  });

  it('reviews through the form: errors name the field in the operator’s language, the values stay in the form', async () => {
    const agent = request.agent(app);
    await signIn(agent, 'reviewer');
    let csrf = await sessionCsrf(agent);
    // Back to the page the button was on (no Referer is sent), never to another site.
    const switched = await agent
      .post('/console/language')
      .type('form')
      .send({ _csrf: csrf, lang: 'sw', back: `/console/proposals/${ids[0]}` });
    expect([switched.status, switched.headers.location]).toEqual([303, `/console/proposals/${ids[0]}`]);
    expect((await agent.post('/console/language').type('form').send({ _csrf: csrf, lang: 'sw', back: 'https://evil.example/console' })).headers.location).toBe(
      '/console',
    );
    expect((await agent.post('/console/language').type('form').send({ _csrf: csrf, lang: 'sw', back: '//evil.example' })).headers.location).toBe('/console');
    const page = await agent.get(`/console/proposals/${ids[0]}`);
    expect(page.text).toContain('Tathmini ya uwezekano');
    csrf = await sessionCsrf(agent);
    const bad = await agent
      .post(`/console/proposals/${ids[0]}/review`)
      .type('form')
      .send({ _csrf: csrf, status: 'feasible', cost: '', costNote: 'Quote from the water office' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Pendekezo linalowezekana linahitaji makadirio ya gharama.');
    expect(bad.text).toContain('Quote from the water office');
    // Digits only but too many of them: the message says so, not just "digits only".
    const huge = await agent
      .post(`/console/proposals/${ids[0]}/review`)
      .type('form')
      .send({ _csrf: csrf, status: 'feasible', cost: '9'.repeat(23), costNote: '' });
    expect([huge.status, huge.text]).toEqual([400, expect.stringContaining('Gharama ni kiasi kamili, tarakimu tu, zisizozidi 13.')]);
    const ok = await agent
      .post(`/console/proposals/${ids[0]}/review`)
      .type('form')
      .send({ _csrf: csrf, status: 'feasible', cost: '450000', costNote: 'Quote from the water office' });
    expect(ok.headers.location).toBe(`/console/proposals/${ids[0]}?notice=saved`);
    const after = (await agent.get(ok.headers.location!)).text;
    expect(after).toContain('Imehifadhiwa.');
    // The proposal's own history: who changed it, when, to what (the other proposals' entries not).
    expect(after).toMatch(
      /<h2>Historia<\/h2><table class="list">.*<td>reviewer<\/td><td>proposal\.reviewed<\/td><td><span class="st st-feasible">Linawezekana<\/span>/s,
    );
    expect((await agent.get(`/console/proposals/${ids[1]}`)).text).not.toContain('Historia');
    const filtered = await agent.get('/console?status=feasible&channel=sms');
    expect(filtered.text).toContain('Fix the borehole at Kiboko');
    expect(filtered.text).not.toContain('Footbridge');
    // A spoken idea whose recording has not arrived: described, with its digest.
    expect((await agent.get(`/console/proposals/${ids[2]}`)).text).toContain('SHA-256 aaaaaaaaaaaa');
  });

  it('answers with helmet’s headers, the console stylesheet allowed by its hash, no caching, and Secure __Host- cookies over https', async () => {
    const res = await request(app).get('/console/sign-in');
    expect(res.headers['content-security-policy']).toContain(`'sha256-${CONSOLE_STYLE_HASH}'`);
    expect(res.headers['content-security-policy']).not.toMatch(/unsafe-inline/);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
    const behindTls = createLedgerApp(ledger, createLogger('silent'), { trustProxy: ['loopback'] });
    const agent = request.agent(behindTls);
    const form = await agent.get('/console/sign-in').set('X-Forwarded-Proto', 'https');
    expect(cookiesOf(form)[0]!).toMatch(/^__Host-sauti-console-signin=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=1800; Secure$/);
    const token = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
    const signedIn = await agent
      .post('/console/sign-in')
      .set('X-Forwarded-Proto', 'https')
      .set('Cookie', cookiesOf(form)[0]!.split(';')[0]!)
      .type('form')
      .send({ _csrf: token, name: 'admin', password: PASSWORD });
    expect(signedIn.status).toBe(303);
    expect(cookiesOf(signedIn).find((c) => c.startsWith('__Host-sauti-console='))).toMatch(/HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
  });

  it('plays a spoken idea’s recording to the team once the ledger holds it, and to nobody signed out', async () => {
    const audio = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(2000, 7)]);
    const sha = sha256Hex(audio);
    const [spoken] = await seedProposals(
      ledger,
      [{ title: 'Spoken idea with its recording', channel: 'voice', audio: { sha256: sha, bytes: audio.length } }],
      'gw-voice',
    );
    const agent = request.agent(app);
    await signIn(agent, 'auditor');
    // Not arrived yet: the page says so and offers no player.
    let page = await agent.get(`/console/proposals/${spoken}`);
    expect(page.text).toContain('has not reached the ledger yet');
    expect(page.text).not.toContain('<audio');
    expect(
      await storeAttachment(ledger.conn.db, { gatewayId: 'gw-voice', eventId: spoken!, sha256: sha, contentType: 'audio/wav', audio }, 1_000_000, now),
    ).toMatchObject({ status: 'stored' });
    page = await agent.get(`/console/proposals/${spoken}`);
    expect(page.text).toContain(`<audio controls preload="none" src="/console/recordings/${sha}"></audio>`);
    const played = await agent
      .get(`/console/recordings/${sha}`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(played.status).toBe(200);
    expect(played.headers['content-type']).toBe('audio/wav');
    expect(played.headers['cache-control']).toBe('no-store');
    expect(Buffer.compare(played.body as Buffer, audio)).toBe(0);
    expect((await agent.get(`/console/recordings/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await agent.get('/console/recordings/not-a-digest')).status).toBe(404);
    const stranger = await request(app).get(`/console/recordings/${sha}`);
    expect([stranger.status, stranger.headers.location]).toEqual([303, '/console/sign-in']);
  });

  it('reads the audit page by the (gateway, sequence) index, not by scanning every vote (SQLite query plan)', async () => {
    const compiled = auditQuery(ledger.conn.db, { below: 100, limit: 101 }).compile();
    const plan = await ledger.conn.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${compiled.sql}`, [...compiled.parameters]));
    const details = plan.rows.map((r) => r.detail).join(' | ');
    expect(details).toMatch(/SEARCH ledger_events USING INDEX sqlite_autoindex_ledger_events_\d+ \(gateway_id=\? AND gateway_seq<\?\)/);
    expect(details).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/);
  });

  it('keeps the last admin: an admin cannot demote or disable the only one', async () => {
    await expect(setRole(ledger.conn, { name: 'admin', role: 'admin' }, 'admin', 'auditor', now)).rejects.toMatchObject({ code: 'console.last_admin' });
    const tables = await sql<{ n: number }>`SELECT count(*) AS n FROM console_users WHERE role = 'admin'`.execute(ledger.conn.db);
    expect(Number(tables.rows[0]!.n)).toBe(1);
  });
});

describe.each(backends)('sessions and reviews over HTTP on %s', (backend) => {
  it('signs in, reviews, expires when idle, and signs out everywhere', async () => {
    let now = new Date('2026-11-22T10:00:00Z');
    const ledger = await testLedger(backend, d, () => now);
    try {
      const [id] = await seedProposals(ledger, [{ title: 'Borehole' }]);
      await seedTeam(ledger);
      const app = createLedgerApp(ledger, createLogger('silent'));
      const agent = request.agent(app);
      expect((await signIn(agent, 'reviewer')).status).toBe(303);
      const csrf = await sessionCsrf(agent);
      const saved = await agent
        .post(`/console/proposals/${id}/review`)
        .type('form')
        .send({ _csrf: csrf, status: 'feasible', cost: '120000', costNote: 'Two pumps' });
      expect(saved.status).toBe(303);
      expect((await listInbox(ledger.conn.db, { page: 1, status: 'feasible' })).total).toBe(1);
      now = new Date(now.getTime() + IDLE_MS + 1000);
      expect((await agent.get('/console')).headers.location).toBe('/console/sign-in?expired=1');
      const other = request.agent(app);
      await signIn(agent, 'reviewer');
      await signIn(other, 'reviewer');
      await agent
        .post('/console/sign-out')
        .type('form')
        .send({ _csrf: await sessionCsrf(agent), everywhere: '1' });
      expect((await other.get('/console')).status).toBe(303);
      expect(await ledger.conn.db.selectFrom('console_sessions').select('token_hash').execute()).toEqual([]);
      expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
      expect(await verifyConsoleTrail(ledger.conn.db)).toBeNull();
    } finally {
      await ledger.close();
    }
  });
});

describe.each(backends)('ballot drafts from feasible proposals (%s)', (backend) => {
  it('promotes only a feasible proposal with its cost, audits it, gives the YAML with the lowest free codes, and verify catches an edited draft', async () => {
    const ledger = await testLedger(backend, d, () => new Date('2026-11-24T10:00:00Z'));
    try {
      const [a, b] = await seedProposals(ledger, [{ title: 'Fix the borehole at Kiboko market' }, { title: 'A text idea', category: 'sms' }]);
      const admin = { name: 'admin', role: 'admin' };
      const names = (short: string) => ({
        title: { en: 'Kiboko borehole', sw: 'Kisima cha Kiboko', fr: 'Forage de Kiboko' },
        short: { en: short, sw: 'Kisima Kiboko', fr: 'Forage Kiboko' },
      });
      await expect(promoteProposal(ledger.conn, d, admin, a!, names('Kiboko borehole'), ledger.now())).rejects.toMatchObject({ key: 'notFeasible' });
      await reviewProposal(ledger.conn, d, reviewer, a!, review('feasible', { cost: '450000', costNote: 'Quote' }), ledger.now());
      await reviewProposal(ledger.conn, d, reviewer, b!, review('feasible', { cost: '90000', costNote: 'Estimate' }), ledger.now());
      const long = await promoteProposal(ledger.conn, d, admin, a!, names('A short title far too long'), ledger.now()).catch((e: unknown) => e);
      expect(long).toBeInstanceOf(DraftError);
      expect((long as DraftError).field).toBe('short.en');
      expect(await promoteProposal(ledger.conn, d, admin, a!, names('Kiboko borehole'), ledger.now())).toBe('changed');
      expect(await promoteProposal(ledger.conn, d, admin, a!, names('Kiboko borehole'), ledger.now())).toBe('unchanged');
      await promoteProposal(
        ledger.conn,
        d,
        admin,
        b!,
        { title: { en: 'Idea', sw: 'Wazo', fr: 'Idée' }, short: { en: 'Idea', sw: 'Wazo', fr: 'Idée' } },
        ledger.now(),
      );
      const drafts = await listDrafts(ledger.conn.db);
      expect(drafts.map((r) => r.reference)).toEqual(['IDEA-100', 'IDEA-200']);
      // c-open uses codes 1–7, 12, 20, 21: the drafts get 8 and 9; an SMS idea's 'sms' category is left out.
      const projects = parse(draftsYaml(d, 'c-open', drafts)) as Record<string, unknown>[];
      expect(projects).toEqual([
        {
          code: 8,
          ward: 'north',
          cost: 450000,
          category: 'water',
          title: names('').title,
          short: { en: 'Kiboko borehole', sw: 'Kisima Kiboko', fr: 'Forage Kiboko' },
        },
        { code: 9, ward: 'north', cost: 90000, title: { en: 'Idea', sw: 'Wazo', fr: 'Idée' }, short: { en: 'Idea', sw: 'Wazo', fr: 'Idée' } },
      ]);
      const entry = (await listAudit(ledger.conn.db, { limit: 10 })).find((e) => e.subject === `draft:${a}`)!;
      expect(entry).toMatchObject({ actor: 'admin', action: 'proposal.promoted', before: null, after: { cost: 450000, wardId: 'north' } });
      expect(await verifyConsoleTrail(ledger.conn.db)).toBeNull();
      await ledger.conn.db.updateTable('console_drafts').set({ cost: 1 }).where('event_id', '=', a!).execute();
      expect((await verifyConsoleTrail(ledger.conn.db))?.problem).toMatch(`the ballot draft of proposal ${a} is not as its last audit entry recorded it`);
    } finally {
      await ledger.close();
    }
  });
});

describe('ideas by SMS in the inbox', () => {
  it('show no category rather than the channel filed as one', async () => {
    const ledger = await testLedger('sqlite', d, () => new Date('2026-11-22T10:00:00Z'));
    try {
      const [id] = await seedProposals(ledger, [{ title: 'A text idea', category: 'sms' }]);
      await seedTeam(ledger);
      const agent = request.agent(createLedgerApp(ledger, createLogger('silent')));
      await signIn(agent, 'reviewer');
      const inbox = (await agent.get('/console')).text;
      expect(inbox).toContain('A text idea');
      expect(inbox).not.toContain('<td>sms</td>');
      expect((await agent.get(`/console/proposals/${id}`)).text).not.toMatch(/Category<\/t[hd]><td>sms/);
    } finally {
      await ledger.close();
    }
  });
});

describe('addresses the console does not have', () => {
  it('a file sent to an address that takes none is not found (or malformed), not a stale form; a malformed query is refused', async () => {
    const ledger = await testLedger('sqlite', d, () => new Date('2026-11-22T10:00:00Z'));
    try {
      await seedTeam(ledger);
      const app = createLedgerApp(ledger, createLogger('silent'));
      const agent = request.agent(app);
      expect((await signIn(agent, 'reviewer')).status).toBe(303);
      const csrf = await sessionCsrf(agent);
      const upload = (path: string) => agent.post(path).field('_csrf', csrf).field('status', 'studying').attach('photo', Buffer.alloc(0), { filename: '' });
      for (const path of ['/console/implementation/c-open/999', '/console/implementation/c-open/1x', '/console/implementation/c-nope/7']) {
        const res = await upload(path);
        expect([path, res.status, res.text]).toEqual([path, 404, expect.stringContaining('Not found.')]);
      }
      expect((await upload('/console/implementation/c-open/%E0')).status).toBe(400);
      // A form that never takes a file: a file sent there did not come from this console.
      expect((await upload('/console/proposals/1/review')).status).toBe(403);
      const query = await agent.get('/console/reports?cycle=%E0');
      expect([query.status, query.text]).toEqual([400, expect.stringMatching(/malformed percent-encoding/)]);
      expect((await agent.get('/console/broadcasts/preview?cycle=c-open&text.en=%E0')).status).toBe(400);
      // A plus is a space, and a well-formed %-sequence is read as before.
      expect((await agent.get('/console/reports?cycle=c%2Dopen&x=a+b')).status).toBe(200);
    } finally {
      await ledger.close();
    }
  });
});
