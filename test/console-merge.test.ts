// Duplicate proposals merged and split in the console: every proposer stays attached, each step
// is an audit entry that ledger verify ties to console_merges; reviewers and admins only.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { verifyChain } from '../ledger/verify.ts';
import { listAudit, verifyConsoleTrail } from '../console/audit.ts';
import { listInbox } from '../console/proposals.ts';
import { mergeProposal, mergesOf, splitProposal } from '../console/merges.ts';
import { ledgerBackends, testLedger } from './helpers/ledger.ts';
import { testDeployment } from './helpers/deployment.ts';
import { seedProposals, seedTeam, sessionCsrf, signIn } from './helpers/console.ts';

const backends = await ledgerBackends();
const d = testDeployment();
const reviewer = { name: 'reviewer', role: 'reviewer' };

describe.each(backends)('merging duplicates (%s)', (backend) => {
  it('merges, refuses what would tangle, splits, and verify catches a link changed or deleted behind the console', async () => {
    const now = new Date('2026-11-22T10:00:00Z');
    const ledger = await testLedger(backend, d, () => now);
    try {
      const [a, b, c] = await seedProposals(ledger, [
        { title: 'Borehole at Kiboko', reference: 'KIBO-1', channel: 'sms' },
        { title: 'Kiboko borehole please', reference: 'KIBO-2', channel: 'ussd' },
        { title: 'Water at Kiboko market', reference: 'KIBO-3', channel: 'voice' },
      ]);
      await listInbox(ledger.conn.db, { page: 1 });
      expect(await mergeProposal(ledger.conn, reviewer, b!, 'kibo-1', now)).toBe('changed');
      expect(await mergeProposal(ledger.conn, reviewer, b!, 'KIBO-1', now)).toBe('unchanged');
      expect(await mergeProposal(ledger.conn, reviewer, c!, 'KIBO-1', now)).toBe('changed');
      const merged = await mergesOf(ledger.conn.db, a!);
      expect(merged.duplicates.map((r) => [r.reference, r.channel])).toEqual([
        ['KIBO-2', 'ussd'],
        ['KIBO-3', 'voice'],
      ]);
      expect((await mergesOf(ledger.conn.db, b!)).into?.event_id).toBe(a);
      // Refused: itself, an unknown reference, into a merged one, a proposal holding duplicates.
      await expect(mergeProposal(ledger.conn, reviewer, a!, 'KIBO-1', now)).rejects.toMatchObject({ key: 'mergeSelf' });
      await expect(mergeProposal(ledger.conn, reviewer, a!, 'NOPE-9', now)).rejects.toMatchObject({ key: 'mergeUnknown' });
      await expect(mergeProposal(ledger.conn, reviewer, a!, 'KIBO-2', now)).rejects.toMatchObject({ key: 'mergeChained' });
      await splitProposal(ledger.conn, reviewer, c!, now);
      await expect(splitProposal(ledger.conn, reviewer, c!, now)).rejects.toMatchObject({ key: 'notMerged' });
      await expect(mergeProposal(ledger.conn, reviewer, a!, 'KIBO-3', now)).rejects.toMatchObject({ key: 'mergeHasDuplicates' });
      // The inbox still lists all three: each proposer's idea stays.
      expect((await listInbox(ledger.conn.db, { page: 1 })).total).toBe(3);

      const trail = (await listAudit(ledger.conn.db, { limit: 20 })).filter((e) => e.subject.startsWith('merge:')).reverse();
      expect(trail.map((e) => [e.action, e.subject, e.before, e.after])).toEqual([
        ['proposal.merged', `merge:${b}`, null, { into: a }],
        ['proposal.merged', `merge:${c}`, null, { into: a }],
        ['proposal.split', `merge:${c}`, { into: a }, null],
      ]);
      expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
      expect(await verifyConsoleTrail(ledger.conn.db)).toBeNull();

      const db = ledger.conn.db;
      await db.updateTable('console_merges').set({ into_id: c! }).where('event_id', '=', b!).execute();
      expect((await verifyConsoleTrail(db))?.problem).toMatch(`the merge of proposal ${b} is not as its last audit entry recorded it`);
      await db.updateTable('console_merges').set({ into_id: a! }).where('event_id', '=', b!).execute();
      await db.deleteFrom('console_merges').where('event_id', '=', b!).execute();
      expect((await verifyConsoleTrail(db))?.problem).toMatch(`the merge of proposal ${b} was recorded by audit entry`);
    } finally {
      await ledger.close();
    }
  });
});

describe('merging over HTTP', () => {
  it('reviewers and admins merge and split from the proposal page; coordinators and auditors cannot; signed out, nothing', async () => {
    const ledger = await testLedger('sqlite', d, () => new Date('2026-11-22T10:00:00Z'));
    try {
      const [a, b] = await seedProposals(ledger, [
        { title: 'Borehole at Kiboko', reference: 'KIBO-1' },
        { title: 'Kiboko borehole please', reference: 'KIBO-2', channel: 'ussd' },
      ]);
      await seedTeam(ledger);
      const app = createLedgerApp(ledger, createLogger('silent'));
      expect(await request(app).post(`/console/proposals/${b}/merge`).type('form').send({ into: 'KIBO-1' })).toMatchObject({
        status: 303,
        headers: { location: '/console/sign-in' },
      });
      for (const role of ['coordinator', 'auditor']) {
        const agent = request.agent(app);
        await signIn(agent, role);
        const page = await agent.get(`/console/proposals/${b}`);
        expect(page.text).toContain('Duplicates');
        expect(page.text).not.toContain(`action="/console/proposals/${b}/merge"`);
        const csrf = await sessionCsrf(agent);
        expect((await agent.post(`/console/proposals/${b}/merge`).type('form').send({ _csrf: csrf, into: 'KIBO-1' })).status, role).toBe(403);
      }
      expect(await mergesOf(ledger.conn.db, a!)).toEqual({ duplicates: [] });

      const agent = request.agent(app);
      await signIn(agent, 'reviewer');
      const csrf = await sessionCsrf(agent);
      const bad = await agent.post(`/console/proposals/${b}/merge`).type('form').send({ _csrf: csrf, into: 'NOPE-1' });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('No proposal in this cycle has that reference.');
      const ok = await agent.post(`/console/proposals/${b}/merge`).type('form').send({ _csrf: csrf, into: 'KIBO-1' });
      expect(ok.status).toBe(303);
      expect((await agent.get(`/console/proposals/${a}`)).text).toMatch(
        /1 duplicate proposals merged into this one[^<]*<\/p><ul><li><a href="\/console\/proposals\/[^"]+">KIBO-2<\/a>/,
      );
      const merged = await agent.get(`/console/proposals/${b}`);
      expect(merged.text).toMatch(/Merged into <a href="\/console\/proposals\/[^"]+">KIBO-1<\/a>/);
      expect(merged.text).toContain('proposal.merged');
      expect((await agent.post(`/console/proposals/${b}/split`).type('form').send({ _csrf: csrf })).status).toBe(303);
      expect(await mergesOf(ledger.conn.db, a!)).toEqual({ duplicates: [] });
      expect(await verifyConsoleTrail(ledger.conn.db)).toBeNull();
    } finally {
      await ledger.close();
    }
  });
});
