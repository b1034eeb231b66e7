// A cancellation's reason has a text per language of the deployment, as a milestone has: the
// command line takes `--reason "sw=…"` once per language, the console a field per language, and
// each is refused without every language, naming the field.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { parseImplementationOptions } from '../src/cli/implementation.ts';
import { ledgerBackends } from './helpers/ledger.ts';
import { closedCycleLedger, LATER } from './helpers/closed-cycle.ts';
import { seedTeam, sessionCsrf, signIn } from './helpers/console.ts';

const BACKENDS = await ledgerBackends();
const REASON = { en: 'The site flooded', sw: 'Eneo lilifurika', fr: 'Le site a été inondé' };

describe('sauti ledger implementation --reason', () => {
  it('takes one text per language, like --milestone, and names a bad one', () => {
    const parse = (reason: string[]) => parseImplementationOptions('25', { status: 'cancelled', reason }, '2027-12-01');
    expect(parse(['en=The site flooded', 'sw=Eneo lilifurika', 'fr=Le site a été inondé'])).toEqual({ code: 25, status: 'cancelled', reason: REASON });
    expect(() => parse(['The site flooded'])).toThrow(`--reason must be "<language>=<text>", e.g. "sw=Eneo lilifurika" (got 'The site flooded')`);
    expect(() => parse(['en=The site flooded', 'en=Again'])).toThrow('--reason gives "en=…" twice');
  });
});

describe.each(BACKENDS)('the console’s reason on %s', (backend) => {
  it('has a field per language; all are needed to cancel; each reader sees theirs', async () => {
    const { ledger, setNow } = await closedCycleLedger(backend);
    setNow(LATER);
    try {
      await seedTeam(ledger);
      const app = createLedgerApp(ledger, createLogger('silent'));
      const agent = request.agent(app);
      expect((await signIn(agent, 'reviewer')).status).toBe(303);
      const page = await agent.get('/console/implementation');
      for (const l of ['en', 'sw', 'fr']) expect(page.text).toContain(`name="reason.${l}" lang="${l}"`);
      const csrf = await sessionCsrf(agent, '/console/implementation');
      const post = (fields: Record<string, string>) => {
        let r = agent.post('/console/implementation/c-open/7').field('_csrf', csrf!).field('status', 'cancelled').field('date', '2027-09-01');
        for (const [k, v] of Object.entries(fields)) r = r.field(k, v);
        return r.attach('photo', Buffer.alloc(0), { filename: '' });
      };
      const onlyEnglish = await post({ 'reason.en': REASON.en });
      expect(onlyEnglish.status).toBe(400);
      expect(onlyEnglish.text).toContain(
        '<p class="err" role="alert">reason needs a text in every language of the deployment: missing &#34;sw=…&#34;, &#34;fr=…&#34;</p>',
      );
      // What was typed is kept in its field.
      expect(onlyEnglish.text).toMatch(/name="reason\.en" lang="en"[^>]*>The site flooded<\/textarea>/);
      expect(await ledger.implementation('c-open')).toEqual([]);

      const saved = await post({ 'reason.en': REASON.en, 'reason.sw': REASON.sw, 'reason.fr': REASON.fr });
      expect(saved.status).toBe(303);
      expect((await ledger.implementation('c-open')).map((u) => u.reason)).toEqual([REASON]);
      expect((await agent.get('/console/implementation')).text).toContain('(The site flooded)');
      expect((await request(app).get('/results/c-open?lang=fr')).text).toContain('(Raison: Le site a été inondé)');
    } finally {
      await ledger.close();
    }
  });
});
