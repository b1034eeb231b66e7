// Implementation updates in the ledger, on SQLite and PostgreSQL: each is a chain entry that
// `ledger verify` checks (a changed copy or a changed entry is found); only a winning project of a
// published cycle gets one; the results page, the open data and the gateways' feed show them.
import type { Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { createLedgerApp } from '../src/http/ledger-app.ts';
import { verifyChain } from '../ledger/verify.ts';
import { parseImplementationOptions } from '../src/cli/implementation.ts';
import { implementationPayload, type ImplementationPayload } from '../src/domain/implementation.ts';
import { appendLedgerEntry } from '../ledger/publication.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { type Backend, ledgerBackends, refusal } from './helpers/ledger.ts';
import { closedCycleLedger, LATER } from './helpers/closed-cycle.ts';

const BACKENDS = await ledgerBackends();

const MILESTONE = { en: 'Drilling started', sw: 'Uchimbaji umeanza', fr: 'Forage commencé' };
const REASON = { en: 'Ground water too deep', sw: 'Maji ya ardhini ni ya kina kirefu mno', fr: 'Nappe trop profonde' };

/** Chains an update as a ledger from before reasons had languages did: its reason one string, in the chain and its copy. */
async function chainOldCancellation(ledger: Ledger, p: ImplementationPayload) {
  await ledger.conn.db.transaction().execute(async (trx) => {
    const at = ledger.now().toISOString();
    const seq = await appendLedgerEntry(trx, {
      type: 'implementation.updated',
      cycleId: 'c-open',
      key: `implementation/c-open/${p.code}/1`,
      at,
      payload: implementationPayload(p),
    });
    await trx
      .insertInto('ledger_implementation')
      .values({
        entry_seq: seq,
        cycle_id: 'c-open',
        code: p.code,
        status: p.status,
        progress: p.progress,
        milestone_date: p.date,
        milestone: '{}',
        reason: p.reason as string,
        photo_sha256: null,
        recorded_at: at,
      })
      .execute();
  });
}

/** A ledger whose cycle c-open closed with project 7 among the winners, served over HTTP. */
async function setup(backend: Backend, publish = true) {
  const { ledger, result, setNow } = await closedCycleLedger(backend, publish);
  // Months after the vote: the updates below are dated 2027, and a day after today is refused.
  setNow(LATER);
  const app = createLedgerApp(ledger, createLogger('silent'));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const get = async (path: string) => {
    const res = await fetch(base + path);
    return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
  };
  const close = async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await ledger.close();
  };
  const winners = result ? result.wards.flatMap((w) => w.projects.filter((p) => p.selected).map((p) => p.code)) : [];
  const losers = result ? result.wards.flatMap((w) => w.projects.filter((p) => !p.selected).map((p) => p.code)) : [];
  return { ledger, get, close, winners, losers, setNow };
}

describe.each(BACKENDS)('implementation updates on %s', (backend) => {
  it('chains each update; verify checks the chain and every stored copy, and finds a tampered one', async () => {
    const { ledger, close, winners } = await setup(backend);
    try {
      expect(winners).toContain(7);
      const first = await ledger.recordImplementation('c-open', { code: 7, status: 'in-progress', progress: 40, milestone: MILESTONE, date: '2027-03-01' });
      expect(first).toMatchObject({
        code: 7,
        status: 'in-progress',
        progress: 40,
        date: '2027-03-01',
        milestone: MILESTONE,
        reason: null,
        photo: null,
        cycleId: 'c-open',
      });
      // Left out: the last status and progress stay; completed means 100.
      const second = await ledger.recordImplementation('c-open', { code: 7, date: '2027-04-01' });
      expect(second).toMatchObject({ status: 'in-progress', progress: 40, milestone: {} });
      const third = await ledger.recordImplementation('c-open', {
        code: 7,
        status: 'completed',
        date: '2027-05-02',
        milestone: { en: 'Roof done', sw: 'Paa limekamilika', fr: 'Toit terminé' },
      });
      expect(third.progress).toBe(100);
      const entries = await ledger.conn.db
        .selectFrom('ledger_events')
        .select(['seq', 'type', 'gateway_id', 'payload'])
        .where('type', '=', 'implementation.updated')
        .orderBy('seq')
        .execute();
      expect(entries.map((e) => e.seq)).toEqual([first.seq, second.seq, third.seq]);
      expect(entries.every((e) => e.gateway_id === '@ledger')).toBe(true);
      expect(JSON.parse(entries[0]!.payload)).toEqual({
        code: 7,
        status: 'in-progress',
        progress: 40,
        date: '2027-03-01',
        milestone: MILESTONE,
        reason: null,
        photo: null,
      });
      const ok = await verifyChain(ledger.conn.db);
      expect(ok.ok).toBe(true);
      expect((await ledger.implementation('c-open')).map((u) => u.seq)).toEqual([first.seq, second.seq, third.seq]);

      // The stored copy changed (progress raised by hand): verify names the entry.
      await ledger.conn.db.updateTable('ledger_implementation').set({ progress: 90 }).where('entry_seq', '=', first.seq).execute();
      const copy = await verifyChain(ledger.conn.db);
      expect(copy).toMatchObject({ ok: false, seq: first.seq });
      expect(!copy.ok && copy.problem).toMatch(/implementation update of project 7 in c-open is not the one this chain entry recorded/);
      await ledger.conn.db.updateTable('ledger_implementation').set({ progress: 40 }).where('entry_seq', '=', first.seq).execute();
      expect((await verifyChain(ledger.conn.db)).ok).toBe(true);

      // The chain entry changed with its copy: the chain itself breaks there.
      const forged = entries[1]!.payload.replace('"progress":40', '"progress":80');
      await ledger.conn.db.updateTable('ledger_events').set({ payload: forged }).where('seq', '=', second.seq).execute();
      await ledger.conn.db.updateTable('ledger_implementation').set({ progress: 80 }).where('entry_seq', '=', second.seq).execute();
      expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: false, seq: second.seq, problem: expect.stringMatching(/contents do not match its hash/) });
      await ledger.conn.db.updateTable('ledger_events').set({ payload: entries[1]!.payload }).where('seq', '=', second.seq).execute();
      await ledger.conn.db.updateTable('ledger_implementation').set({ progress: 40 }).where('entry_seq', '=', second.seq).execute();

      // A copy deleted: the entry is found without it.
      await ledger.conn.db.deleteFrom('ledger_implementation').where('entry_seq', '=', third.seq).execute();
      expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: false, seq: third.seq, problem: expect.stringMatching(/stored copy is missing/) });
    } finally {
      await close();
    }
  });

  it('refuses a project that did not win, a cycle not published, and bad input, naming why; nothing is chained', async () => {
    const unpublished = await setup(backend, false);
    try {
      const e = await refusal(unpublished.ledger.recordImplementation('c-open', { code: 7, status: 'studying' }));
      expect(e.code).toBe('implementation.not_published');
      expect(e.message).toMatch(/results of c-open are not published/);
    } finally {
      await unpublished.close();
    }
    const { ledger, close, losers } = await setup(backend);
    try {
      const before = await verifyChain(ledger.conn.db);
      const loser = losers[0]!;
      const e = await refusal(ledger.recordImplementation('c-open', { code: loser, status: 'studying' }));
      expect(e.code).toBe('implementation.not_a_winner');
      expect(e.message).toMatch(new RegExp(`project ${loser} did not win in c-open`));
      expect((await refusal(ledger.recordImplementation('c-open', { code: 55, status: 'studying' }))).code).toBe('implementation.unknown_project');
      expect((await refusal(ledger.recordImplementation('c-nope', { code: 7, status: 'studying' }))).code).toBe('implementation.unknown_cycle');
      expect((await refusal(ledger.recordImplementation('c-open', { code: 7 }))).message).toMatch(/--status is needed/);
      expect((await refusal(ledger.recordImplementation('c-open', { code: 7, status: 'cancelled' }))).message).toMatch(
        /^--status cancelled needs --reason in every language \("en=…" "sw=…" "fr=…"\)/,
      );
      // A reason, like a milestone, is needed in every language of the deployment.
      expect((await refusal(ledger.recordImplementation('c-open', { code: 7, status: 'cancelled', reason: { en: 'The site flooded' } }))).message).toBe(
        '--reason needs a text in every language of the deployment: missing "sw=…", "fr=…"',
      );
      expect((await refusal(ledger.recordImplementation('c-open', { code: 7, status: 'cancelled', reason: { ...REASON, de: 'Zu tief' } }))).code).toBe(
        'implementation.bad_reason',
      );
      expect((await refusal(ledger.recordImplementation('c-open', { code: 7, status: 'studying', milestone: { en: 'Only English' } }))).message).toMatch(
        /missing "sw=…", "fr=…"/,
      );
      expect((await refusal(ledger.recordImplementation('c-open', { code: 7, status: 'completed', progress: 50 }))).message).toMatch(/--progress is 50/);
      // A cycle counted before this ledger (declared in the deployment file) takes updates for its declared winners.
      expect((await ledger.recordImplementation('c-past', { code: 31, status: 'completed' })).progress).toBe(100);
      expect((await refusal(ledger.recordImplementation('c-past', { code: 32, status: 'studying' }))).code).toBe('implementation.not_a_winner');
      const after = await verifyChain(ledger.conn.db);
      expect(after.ok && before.ok && after.checked).toBe(before.ok ? before.checked + 1 : -1);
    } finally {
      await close();
    }
  });

  it('shows on the results page in the reader’s language, in open data CSV and JSON, and in the signed feed', async () => {
    const { ledger, get, close, winners } = await setup(backend);
    try {
      await ledger.recordImplementation('c-open', { code: 7, status: 'in-progress', progress: 40, milestone: MILESTONE, date: '2027-03-01' });
      await ledger.recordImplementation('c-open', { code: 1, status: 'cancelled', reason: REASON, date: '2027-03-05' });
      // An update chained before reasons had languages: one string, shown as it is in every language.
      const old = winners.find((c) => c !== 7 && c !== 1)!;
      await chainOldCancellation(ledger, {
        code: old,
        status: 'cancelled',
        progress: 0,
        date: '2027-03-06',
        milestone: {},
        reason: '=Land dispute',
        photo: null,
      });
      expect((await verifyChain(ledger.conn.db)).ok).toBe(true);
      const sw = await get('/results/c-open?lang=sw');
      expect(sw.text).toContain('<h2 id="impl">Utekelezaji</h2>');
      expect(sw.text).toContain('<strong>Kazi inaendelea</strong> · 40% maendeleo');
      expect(sw.text).toContain('Uchimbaji umeanza');
      expect(sw.text).toContain('Imesitishwa, 0% (Sababu: Maji ya ardhini ni ya kina kirefu mno)');
      expect(sw.text).toContain('Imesitishwa, 0% (Sababu: =Land dispute)');
      const en = await get('/results/c-open');
      expect(en.text).toContain('<strong>In progress</strong> · 40% progress');
      expect(en.text).toMatch(/<time datetime="2027-03-01">1 Mar 2027<\/time>: In progress, 40% — Drilling started/);
      expect(en.text).toContain('href="/results/c-open/implementation.csv"');
      expect(en.text).toContain('Cancelled, 0% (Reason: Ground water too deep)');
      expect(en.text).toContain('Cancelled, 0% (Reason: =Land dispute)');

      const csv = await get('/results/c-open/implementation.csv');
      expect(csv.status).toBe(200);
      const lines = csv.text.trim().split('\n');
      expect(lines[0]).toBe(
        'cycle,project,entry,recorded_at,date,status,progress,milestone_en,milestone_sw,milestone_fr,reason_en,reason_sw,reason_fr,photo_sha256',
      );
      expect(lines[1]).toMatch(/^c-open,7,\d+,2027-10-01T09:00:00.000Z,2027-03-01,in-progress,40,Drilling started,Uchimbaji umeanza,Forage commencé,,,,$/);
      expect(lines[2]).toMatch(/^c-open,1,\d+,.*,cancelled,0,,,,Ground water too deep,Maji ya ardhini ni ya kina kirefu mno,Nappe trop profonde,$/);
      // The older single reason in every language's column, neutralised as a formula would be.
      expect(lines[3]).toMatch(new RegExp(`^c-open,${old},\\d+,`));
      expect(lines[3]).toMatch(/.*,cancelled,0,,,,'=Land dispute,'=Land dispute,'=Land dispute,$/);
      const json = JSON.parse((await get('/results/c-open/implementation.json')).text);
      expect(json.projects.map((p: { code: number; status: string }) => [p.code, p.status])).toEqual(
        [
          [1, 'cancelled'],
          [old, 'cancelled'],
          [7, 'in-progress'],
        ].sort((a, b) => (a[0] as number) - (b[0] as number)),
      );
      const reasonOf = (code: number) => json.projects.find((p: { code: number }) => p.code === code).timeline[0].reason;
      expect(reasonOf(1)).toEqual(REASON);
      expect(reasonOf(old)).toEqual({ en: '=Land dispute', sw: '=Land dispute', fr: '=Land dispute' });
      expect(reasonOf(7)).toBeNull();
      // Nothing personal: no voter key, gateway or phone anywhere in these files.
      expect(csv.text + JSON.stringify(json)).not.toMatch(/\+254|gw-a|voter/);

      const feed = JSON.parse((await get('/v1/implementation?after=0')).text);
      expect(feed.more).toBe(false);
      expect(feed.updates.map((u: { code: number }) => u.code)).toEqual([7, 1, old]);
      expect(feed.updates.map((u: { reason: unknown }) => u.reason)).toEqual([null, REASON, '=Land dispute']);
      const later = JSON.parse((await get(`/v1/implementation?after=${feed.updates[0].seq}`)).text);
      expect(later.updates.map((u: { code: number }) => u.code)).toEqual([1, old]);
      expect((await get('/v1/implementation?after=-1')).status).toBe(400);
    } finally {
      await close();
    }
  });
});

describe('sauti ledger implementation options', () => {
  it('names the bad option in one line', () => {
    const bad = (code: string, o: Parameters<typeof parseImplementationOptions>[1]) => {
      try {
        parseImplementationOptions(code, o, '2027-12-01');
        return 'accepted';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(bad('7', { progress: '140' })).toBe("--progress must be a whole percentage from 0 to 100 (got '140')");
    expect(bad('7', { status: 'done' })).toMatch(/^--status must be one of studying, procurement, in-progress, completed, cancelled/);
    expect(bad('7', { date: '2027-02-30' })).toBe("--date must be a day as YYYY-MM-DD (got '2027-02-30')");
    expect(bad('7', { milestone: ['Drilling'] })).toMatch(/^--milestone must be "<language>=<text>"/);
    expect(bad('x', {})).toMatch(/^<code> must be a project code/);
    expect(
      parseImplementationOptions(
        '7',
        {
          status: 'in-progress',
          progress: '40',
          milestone: ['en=Drilling started', 'sw=Uchimbaji umeanza'],
          date: '2027-03-01',
        },
        '2027-12-01',
      ),
    ).toEqual({
      code: 7,
      status: 'in-progress',
      progress: 40,
      date: '2027-03-01',
      milestone: { en: 'Drilling started', sw: 'Uchimbaji umeanza' },
    });
  });
});
