// An implementation update's day, checked once (src/domain/implementation.ts
// implementationDayProblem) by the command line, the console and the ledger itself: a day of the
// calendar (2026-02-30 is none) and not after today in the deployment's time zone (an update is
// texted to residents as what has happened). Refused before anything is chained.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { implementationDayProblem, localToday } from '../src/domain/implementation.ts';
import { parseImplementationOptions } from '../src/cli/implementation.ts';
import { type Backend, ledgerBackends, refusal } from './helpers/ledger.ts';
import { closedCycleLedger } from './helpers/closed-cycle.ts';
import { seedTeam, sessionCsrf, signIn } from './helpers/console.ts';

const BACKENDS = await ledgerBackends();

describe('the day of an implementation update', () => {
  it('is a day of the calendar, not after today; the command line says which option', () => {
    expect(implementationDayProblem('--date', '2026-03-02', '2026-12-05')).toBeNull();
    expect(implementationDayProblem('--date', '2026-12-05', '2026-12-05')).toBeNull();
    expect(implementationDayProblem('--date', '2026-02-30', '2026-12-05')).toBe("--date must be a day as YYYY-MM-DD (got '2026-02-30')");
    expect(implementationDayProblem('--date', '2026-13-01', '2026-12-05')).toMatch(/must be a day as YYYY-MM-DD/);
    expect(implementationDayProblem('--date', '2026-2-3', '2026-12-05')).toMatch(/must be a day as YYYY-MM-DD/);
    expect(implementationDayProblem('--date', '2026-12-06', '2026-12-05')).toBe(
      '--date 2026-12-06 is after today (2026-12-05): an update records what has already happened',
    );
    // Today is the deployment's: 22:30 UTC on 5 December is already the 6th in Nairobi.
    expect(localToday(new Date('2026-12-05T22:30:00Z'), 'Africa/Nairobi')).toBe('2026-12-06');
    expect(localToday(new Date('2026-12-06T02:00:00Z'), 'America/Bogota')).toBe('2026-12-05');

    const cli = (date: string) => {
      try {
        parseImplementationOptions('21', { progress: '40', date }, '2026-12-05');
        return 'accepted';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(cli('2026-02-30')).toBe("--date must be a day as YYYY-MM-DD (got '2026-02-30')");
    expect(cli('2030-01-01')).toBe('--date 2030-01-01 is after today (2026-12-05): an update records what has already happened');
    expect(cli('2026-12-05')).toBe('accepted');
  });
});

/** c-open closed and published, project 7 among the winners; the ledger's clock is `now`. */
async function setup(backend: Backend, now: Date) {
  const { ledger, setNow } = await closedCycleLedger(backend);
  setNow(now);
  return ledger;
}

describe.each(BACKENDS)('the ledger on %s', (backend) => {
  it('refuses an impossible day and a day after today in the deployment’s time zone; its default day is that today', async () => {
    // 22:30 UTC on 5 December 2026: the 6th in Nairobi (the fixture's time zone).
    const ledger = await setup(backend, new Date('2026-12-05T22:30:00Z'));
    try {
      const impossible = await refusal(ledger.recordImplementation('c-open', { code: 7, status: 'studying', date: '2026-02-30' }));
      expect(impossible.code).toBe('implementation.bad_date');
      expect(impossible.message).toBe("--date must be a day as YYYY-MM-DD (got '2026-02-30')");
      const future = await refusal(ledger.recordImplementation('c-open', { code: 7, status: 'in-progress', progress: 40, date: '2030-01-01' }));
      expect(future.code).toBe('implementation.bad_date');
      expect(future.message).toBe('--date 2030-01-01 is after today (2026-12-06): an update records what has already happened');
      expect(await refusal(ledger.recordImplementation('c-open', { code: 7, status: 'studying', date: '2026-12-07' }))).toMatchObject({
        code: 'implementation.bad_date',
      });
      expect(await ledger.implementation('c-open')).toEqual([]);
      // The 6th is today in Nairobi though not yet in UTC; without a date, the update is dated that today.
      expect((await ledger.recordImplementation('c-open', { code: 7, status: 'studying', date: '2026-12-06' })).date).toBe('2026-12-06');
      expect((await ledger.recordImplementation('c-open', { code: 7, status: 'procurement' })).date).toBe('2026-12-06');
    } finally {
      await ledger.close();
    }
  });

  it('the console shows the refusal on the date field and records nothing', async () => {
    const ledger = await setup(backend, new Date('2026-12-05T09:00:00Z'));
    try {
      await seedTeam(ledger);
      const app = createLedgerApp(ledger, createLogger('silent'));
      const agent = request.agent(app);
      expect((await signIn(agent, 'reviewer')).status).toBe(303);
      const csrf = await sessionCsrf(agent, '/console/implementation');
      const post = (date: string) =>
        agent
          .post('/console/implementation/c-open/7')
          .field('_csrf', csrf!)
          .field('status', 'studying')
          .field('date', date)
          .attach('photo', Buffer.alloc(0), { filename: '' });
      const field = (html: string) => {
        const form = html.slice(html.indexOf('action="/console/implementation/c-open/7"'));
        return form.slice(form.indexOf('name="progress"'), form.indexOf('name="date"'));
      };
      const impossible = await post('2026-02-30');
      expect(impossible.status).toBe(400);
      // Next to the date field (between the progress and date inputs), the typed date kept.
      expect(field(impossible.text)).toContain('<p class="err" role="alert">the date must be a day as YYYY-MM-DD (got &#39;2026-02-30&#39;)</p>');
      expect(impossible.text).toContain('value="2026-02-30"');
      const future = await post('2030-01-01');
      expect(future.status).toBe(400);
      expect(field(future.text)).toContain(
        '<p class="err" role="alert">the date 2030-01-01 is after today (2026-12-05): an update records what has already happened</p>',
      );
      expect(await ledger.implementation('c-open')).toEqual([]);
      const today = await post('2026-12-05');
      expect(today.status).toBe(303);
      expect((await ledger.implementation('c-open')).map((u) => u.date)).toEqual(['2026-12-05']);
    } finally {
      await ledger.close();
    }
  });
});
