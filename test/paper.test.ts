// Paper ballots over OpenRosa, end to end: officers' entries of one ballot (stored only when two
// officers agree), meetings' tally sheets (reconciled, or refused with the reason), and both
// carried to the ledger, its results, turnout by channel and Pabulib export. Real gateway
// (express, SQLite file), real ledger (SQLite, and PostgreSQL when it runs), real-shaped requests.
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { addOfficer } from '../src/engine/field-capture.ts';
import { printPaper } from '../src/cli/paper.ts';
import { renderCycle } from '../src/http/results-page.ts';
import { verifyChain } from '../ledger/verify.ts';
import { createLogger } from '../src/logging.ts';
import { FieldStore } from '../src/store/field-store.ts';
import { Relay } from '../sync/relay.ts';
import { ledgerTrust, trustLedger } from '../sync/ledger-trust.ts';
import { testGateway } from './helpers/gateway.ts';
import { ledgerBackends, testLedger } from './helpers/ledger.ts';
import { connectedRelay } from './helpers/ledger-server.ts';

const silent = createLogger('silent');
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  vi.restoreAllMocks();
});
const backends = await ledgerBackends();

const COLLECT = { 'X-OpenRosa-Version': '1.0', 'User-Agent': 'org.odk.collect.android/v2024.3.4' };
const END = '2026-11-22T11:55:40.004+03:00';
let n = 0;
const uuid = () => `uuid:00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

/** A filled paper-ballot entry form as Collect serialises it. */
function ballotXml(b: { instance?: string; serial?: string; picks: string; meeting?: string; day?: string }): string {
  return (
    `<?xml version='1.0' ?><data id="sauti-paper-c-open" version="v" xmlns:orx="http://openrosa.org/xforms"><start>${END}</start><end>${END}</end>` +
    `<meeting>${b.meeting ?? 'kib-07'}</meeting><day>${b.day ?? '2026-11-21'}</day><serial>${b.serial ?? 'A-000123'}</serial><ward>north</ward>` +
    `<w_north><picks>${b.picks}</picks></w_north><w_south><picks/></w_south><orx:meta><orx:instanceID>${b.instance ?? uuid()}</orx:instanceID></orx:meta></data>`
  );
}

/** A filled tally sheet (north ward's projects 1–7 and 12). */
function tallyXml(t: {
  instance?: string;
  meeting?: string;
  day?: string;
  issued: number;
  valid: number;
  spoiled: number;
  votes: Record<number, number | string>;
}): string {
  const counts = [1, 2, 3, 4, 5, 6, 7, 12].map((c) => `<p${c}>${t.votes[c] ?? 0}</p${c}>`).join('');
  return (
    `<?xml version='1.0' ?><data id="sauti-tally-c-open" version="v" xmlns:orx="http://openrosa.org/xforms"><start>${END}</start><end>${END}</end>` +
    `<meeting>${t.meeting ?? 'KIB-07'}</meeting><day>${t.day ?? '2026-11-21'}</day><ward>north</ward><issued>${t.issued}</issued><valid>${t.valid}</valid><spoiled>${t.spoiled}</spoiled>` +
    `<w_north>${counts}</w_north><w_south><p20>0</p20><p21>0</p21></w_south><orx:meta><orx:instanceID>${t.instance ?? uuid()}</orx:instanceID></orx:meta></data>`
  );
}

const message = (body: string) =>
  /<message nature="[a-z_]+">([^<]*)<\/message>/
    .exec(body)?.[1]
    ?.replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

function setup() {
  const gw = testGateway();
  closers.push(async () => void gw.db.close());
  const store = new FieldStore(gw.db);
  const officer = (name: string) => `/openrosa/key/${addOfficer(store, gw.deployment, name, null, new Date()).token}`;
  const send = async (base: string, xml: string) => {
    const res = await request(gw.app)
      .post(`${base}/submission`)
      .set(COLLECT)
      .attach('xml_submission_file', Buffer.from(xml), { filename: 'form.xml', contentType: 'text/xml' });
    return { status: res.status, message: message(res.text) };
  };
  const votes = () =>
    gw.db.prepare("SELECT channel, voter_key, captured_at, payload FROM events WHERE type = 'vote.cast'").all() as {
      channel: string;
      voter_key: string;
      captured_at: string;
      payload: string;
    }[];
  return { gw, officer, send, votes };
}

async function connect(gw: ReturnType<typeof testGateway>, backend: 'sqlite' | 'postgres', clock?: () => Date) {
  const ledger = await testLedger(backend, gw.deployment, clock);
  closers.push(() => ledger.close());
  const { relay, url, stop } = await connectedRelay(gw, ledger, 5000);
  closers.push(stop);
  return { ledger, relay, url };
}

/** What `sauti field paper` prints for this gateway's database. */
function paperReport(gw: ReturnType<typeof testGateway>): string {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
  printPaper(gw.settings);
  vi.mocked(console.log).mockRestore();
  return lines.join('\n');
}

describe('paper ballots entered twice', () => {
  it('two officers’ agreeing entries store one ballot (channel paper) that reaches the ledger, its turnout and its .pb as voting_method paper', async () => {
    const { gw, officer, send, votes } = setup();
    const amina = officer('Amina');
    const baraka = officer('Baraka');
    const first = ballotXml({ picks: '3 1' });
    expect(await send(amina, first)).toEqual({
      status: 201,
      message: 'Ballot A-000123: entry recorded. It is stored once another officer enters it the same way.',
    });
    expect(votes()).toEqual([]);
    const second = ballotXml({ picks: '1 3', serial: 'a-000123' });
    expect(await send(baraka, second)).toEqual({ status: 201, message: 'Ballot A-000123 stored: two officers’ entries agree.' });
    // Resubmissions (a lost answer) change nothing; other XML under a used instanceID is refused.
    const instance = /<orx:instanceID>([^<]+)</.exec(second)![1]!;
    expect(await send(baraka, second)).toEqual({ status: 201, message: 'Ballot A-000123 stored: two officers’ entries agree.' });
    expect((await send(baraka, ballotXml({ instance, picks: '1 4' }))).status).toBe(409);
    expect(await send(officer('Chege'), ballotXml({ picks: '3 1' }))).toMatchObject({
      status: 201,
      message: 'Ballot A-000123 was already stored; this entry agrees with it.',
    });

    const stored = votes();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ channel: 'paper', captured_at: '2026-11-21T09:00:00.000Z' }); // noon in Nairobi on the meeting day
    expect(JSON.parse(stored[0]!.payload)).toMatchObject({ wardId: 'north', picks: [1, 3], replaces: null });
    expect(gw.count('ballots')).toBe(1);
    expect(paperReport(gw)).toMatch(
      /Paper ballots stored: 1 .*\nWaiting for a second officer's entry: 0\nDisagreements, waiting for one more officer's entry: 0/,
    );

    const { ledger, relay } = await connect(gw, 'sqlite');
    expect(await relay.pushAll()).toMatchObject({ accepted: 1, rejected: 0, backlog: 0 });
    expect(await ledger.conn.db.selectFrom('ledger_ballots').select(['channel', 'picks']).execute()).toEqual([{ channel: 'paper', picks: '[1,3]' }]);
    const result = await ledger.results('c-open');
    expect(result.turnout.byChannel).toEqual({ paper: 1 });
    const pb = (await ledger.openData('c-open', 'en', result)).find((f) => f.name === 'north.pb')!.body;
    expect(pb).toMatch(/\nvoter_id;vote;voting_method\n[A-Za-z0-9_-]{12};1,3;paper\n/);
  });

  it('the same officer entering a ballot twice does not store it: it waits for another officer', async () => {
    const { gw, officer, send, votes } = setup();
    const amina = officer('Amina');
    expect((await send(amina, ballotXml({ picks: '1 3' }))).status).toBe(201);
    expect(await send(amina, ballotXml({ picks: '1 3' }))).toEqual({
      status: 201,
      message: 'Ballot A-000123: you entered it before; this entry replaces yours. Another officer must enter it too.',
    });
    expect(votes()).toEqual([]);
    expect(paperReport(gw)).toMatch(
      /Waiting for a second officer's entry: 1\n {2}c-open A-000123\n {4}Amina \(o-[0-9a-f]{8}\), .*: meeting KIB-07, 2026-11-21, ward north, picks 1 3 \(replaced by their later entry\)\n {4}Amina .*picks 1 3\nDisagreements, waiting for one more officer's entry: 0/,
    );
    expect((await send(officer('Baraka'), ballotXml({ picks: '1 3' }))).message).toBe('Ballot A-000123 stored: two officers’ entries agree.');
    expect(votes()).toHaveLength(1);
  });

  it('entries that disagree wait; a third officer’s entry that agrees with one settles the ballot', async () => {
    const { gw, officer, send, votes } = setup();
    expect((await send(officer('Amina'), ballotXml({ picks: '1 3' }))).status).toBe(201);
    expect(await send(officer('Baraka'), ballotXml({ picks: '1 4' }))).toEqual({
      status: 201,
      message: 'Ballot A-000123: entry recorded, but it differs from another officer’s. It waits for one more officer’s entry.',
    });
    // A different meeting id is a disagreement too: the entry names which box the paper came from.
    expect((await send(officer('Dida'), ballotXml({ picks: '1 3', meeting: 'KIB-08' }))).message).toMatch(/differs from another officer/);
    expect(votes()).toEqual([]);
    const report = paperReport(gw);
    expect(report).toMatch(/Disagreements, waiting for one more officer's entry: 1\n {2}c-open A-000123\n/);
    expect(report).toMatch(/Amina .*picks 1 3\n.*Baraka .*picks 1 4\n.*Dida .*meeting KIB-08/);
    expect(await send(officer('Chege'), ballotXml({ picks: '4 1' }))).toEqual({ status: 201, message: 'Ballot A-000123 stored: two officers’ entries agree.' });
    expect(votes().map((v) => JSON.parse(v.payload).picks)).toEqual([[1, 4]]);
    expect(paperReport(gw)).toMatch(/Disagreements, waiting for one more officer's entry: 0/);
  });

  it('an entry that breaks the ballot rule, or whose meeting day is outside voting, is refused and nothing is kept', async () => {
    const { gw, officer, send } = setup();
    const amina = officer('Amina');
    expect(await send(amina, ballotXml({ picks: '1 2 3 4' }))).toEqual({ status: 400, message: 'Too many projects: at most 3. Not recorded.' });
    expect(await send(amina, ballotXml({ picks: '1', day: '2019-06-01' }))).toMatchObject({
      status: 409,
      message: expect.stringMatching(/^The meeting day 2019-06-01 is outside voting \(2020-01-01 to 2099-12-31\)/),
    });
    expect(await send(amina, ballotXml({ picks: '1', serial: 'A 1' }))).toMatchObject({ status: 400, message: expect.stringMatching(/^serial|Serial 'A 1'/) });
    expect(await send(amina, ballotXml({ picks: '1', serial: '' }))).toEqual({
      status: 400,
      message: 'serial: missing: the serial number printed on the ballot',
    });
    expect(gw.count('paper_entries')).toBe(0);
  });

  it('a meeting day after today is a mistyped date: refused, ballot and tally sheet alike, and nothing is kept', async () => {
    const { gw, officer, send } = setup();
    const amina = officer('Amina');
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Nairobi', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    const future = /^The meeting day 2099-12-30 is after today \((\d{4}-\d{2}-\d{2})\): check the date on the box label\. Not recorded\.$/;
    const ballot = await send(amina, ballotXml({ picks: '1', day: '2099-12-30' }));
    expect(ballot).toMatchObject({ status: 400, message: expect.stringMatching(future) });
    expect(future.exec(ballot.message!)?.[1]).toBe(today);
    expect(await send(amina, tallyXml({ day: '2099-12-30', issued: 2, valid: 2, spoiled: 0, votes: { 1: 2 } }))).toMatchObject({
      status: 400,
      message: expect.stringMatching(future),
    });
    // Today itself is a meeting day like any other.
    expect((await send(amina, ballotXml({ picks: '1', day: today }))).status).toBe(201);
    expect(gw.count('paper_entries')).toBe(1);
    expect(gw.count('paper_tallies')).toBe(0);
  });

  it('the report marks an officer’s replaced entry, so a disagreement reads as one', async () => {
    const { gw, officer, send } = setup();
    const amina = officer('Amina');
    await send(amina, ballotXml({ picks: '1 2' }));
    expect((await send(amina, ballotXml({ picks: '1 3' }))).message).toMatch(/this entry replaces yours/);
    expect((await send(officer('Baraka'), ballotXml({ picks: '2 1' }))).message).toMatch(/differs from another officer/);
    expect(paperReport(gw)).toMatch(
      /Disagreements, waiting for one more officer's entry: 1\n {2}c-open A-000123\n {4}Amina .*picks 1 2 \(replaced by their later entry\)\n {4}Amina .*picks 1 3\n {4}Baraka .*picks 1 2$/,
    );
  });
});

describe('meeting tally sheets', () => {
  it('a sheet that does not reconcile is refused with the reason, and nothing is stored', async () => {
    const { gw, officer, send } = setup();
    const amina = officer('Amina');
    expect(await send(amina, tallyXml({ issued: 50, valid: 47, spoiled: 2, votes: { 1: 30, 3: 20 } }))).toEqual({
      status: 400,
      message: 'The tally sheet does not add up: ballots issued (50) must equal valid (47) + spoiled (2) = 49. Not recorded.',
    });
    // Approval, at most 3 picks each: 10 valid ballots hold at most 30 votes.
    expect((await send(amina, tallyXml({ issued: 12, valid: 10, spoiled: 2, votes: { 1: 10, 2: 10, 3: 10, 4: 1 } }))).message).toBe(
      "The tally sheet does not add up: the projects' votes add up to 31, more than the valid ballots allow (30). Not recorded.",
    );
    expect((await send(amina, tallyXml({ issued: 12, valid: 10, spoiled: 2, votes: { 1: 11 } }))).message).toMatch(
      /project 1 has 11 votes, more than the 10 valid ballots/,
    );
    // Every count is typed: an empty one is named, not read as 0; a sign is not a count.
    expect((await send(amina, tallyXml({ issued: 12, valid: 10, spoiled: 2, votes: { 1: 10, 4: '' } }))).message).toBe(
      "w_north/p4: missing: type the project's votes (0 if it had none)",
    );
    expect((await send(amina, tallyXml({ issued: 12, valid: 10, spoiled: 2, votes: { 1: 10, 4: '-1' } }))).message).toBe(
      'w_north/p4: must be a whole number, 0 or more (digits only)',
    );
    expect(gw.count('paper_tallies')).toBe(0);
    expect(gw.count('events')).toBe(0);
  });

  describe.each(backends)('on a %s ledger', (backend) => {
    it('a sheet that reconciles reaches the ledger and shows apart in results and in turnout by channel; greedy counts its votes, Equal Shares does not', async () => {
      const { gw, officer, send } = setup();
      const amina = officer('Amina');
      const sheet = tallyXml({ issued: 50, valid: 48, spoiled: 2, votes: { 1: 30, 5: 40, 12: 20 } });
      expect(await send(amina, sheet)).toEqual({ status: 201, message: 'Tally sheet of meeting KIB-07 stored: 48 valid, 2 spoiled of 50 issued.' });
      expect(await send(amina, sheet)).toMatchObject({ status: 201 });
      // The same figures typed again by another officer are the same sheet; other figures are refused.
      expect((await send(officer('Baraka'), tallyXml({ issued: 50, valid: 48, spoiled: 2, votes: { 1: 30, 5: 40, 12: 20 } }))).status).toBe(201);
      expect(await send(officer('Baraka'), tallyXml({ issued: 50, valid: 48, spoiled: 2, votes: { 1: 31, 5: 40, 12: 20 } }))).toMatchObject({
        status: 409,
        message: expect.stringMatching(/^Meeting KIB-07 already has a tally sheet/),
      });
      expect(gw.db.prepare('SELECT type, channel FROM events').all()).toEqual([{ type: 'paper.tally', channel: 'paper' }]);
      // And one individual paper ballot beside it.
      expect((await send(amina, ballotXml({ picks: '2' }))).status).toBe(201);
      expect((await send(officer('Chege'), ballotXml({ picks: '2' }))).status).toBe(201);

      let ledgerNow = new Date();
      const { ledger, relay, url } = await connect(gw, backend, () => ledgerNow);
      expect(await relay.pushAll()).toMatchObject({ accepted: 2, rejected: 0, backlog: 0 });
      expect(await ledger.turnout('c-open')).toMatchObject({ total: 49, byWard: { north: 49, south: 0 }, byChannel: { paper: 1, 'paper-tally': 48 } });
      const result = await ledger.results('c-open');
      expect(result.paperTallies).toEqual({ sheets: 1, issued: 50, valid: 48, spoiled: 2, counted: true });
      const north = result.wards.find((w) => w.wardId === 'north')!;
      expect(north).toMatchObject({ ballots: 1, tallied: { sheets: 1, issued: 50, valid: 48, spoiled: 2 } });
      // Greedy by votes: 5 (40), 1 (30), 12 (20), then 2 (1 ballot) — 1.9M + 4.5M + 0.95M + 3.2M = 10.55M > 10M, so 2 is skipped.
      expect(north.projects.filter((p) => p.selected).map((p) => [p.code, p.votes, p.tallied])).toEqual([
        [5, 0, 40],
        [1, 0, 30],
        [12, 0, 20],
      ]);
      expect(north.projects.find((p) => p.code === 2)).toMatchObject({ votes: 1, tallied: 0, selected: false });
      const equal = await ledger.results('c-open', 'equalshares');
      expect(equal.paperTallies?.counted).toBe(false);
      expect(
        equal.wards
          .find((w) => w.wardId === 'north')!
          .projects.filter((p) => p.selected)
          .map((p) => p.code),
      ).toEqual([2]);
      const files = await ledger.openData('c-open', 'en', result);
      expect(files.find((f) => f.name === 'turnout.csv')!.body).toContain('c-open,channel,paper-tally,48');
      expect(files.find((f) => f.name === 'north.pb')!.body).toMatch(/\ncomment;48 valid paper ballots from 1 meeting tally sheets are not in VOTES/);
      const page = await fetch(`${url}/results/c-open`).then((r) => r.text());
      expect(page).toMatch(/<td>Meeting tally sheets<\/td><td class="n">48<\/td>/);
      expect(page).toContain('Meeting tally sheets: valid ballots counted from meetings’ tally sheets');
      // Once published, the page shows the sheets' votes in a column of their own and says whether the rule counted them.
      const published = renderCycle(gw.deployment, { ...result, publishedAt: '2100-01-02T00:00:00.000Z' }, 'en');
      expect(published).toContain(
        'Paper tally sheets: 1 meetings, 48 valid and 2 spoiled of 50 ballots issued. This rule counts their votes (column “Tally sheet votes”)',
      );
      expect(published).toMatch(/<td>5 Stalls<\/td><td class="n">KES 1,900,000<\/td><td class="n">0<\/td><td class="n">40<\/td><td>✔ Yes<\/td>/);
      expect(renderCycle(gw.deployment, { ...equal, publishedAt: '2100-01-02T00:00:00.000Z' }, 'en')).toContain(
        'This rule needs individual ballots: their votes are shown (column “Tally sheet votes”) but not counted.',
      );

      // A sheet for the same meeting typed on another gateway is refused by the ledger: a meeting has one sheet.
      const gw2 = testGateway({ env: { SAUTI_GATEWAY_ID: 'gw-other' } });
      closers.push(async () => void gw2.db.close());
      const other = `/openrosa/key/${addOfficer(new FieldStore(gw2.db), gw2.deployment, 'Dida', null, new Date()).token}`;
      const res = await request(gw2.app)
        .post(`${other}/submission`)
        .set(COLLECT)
        .attach('xml_submission_file', Buffer.from(tallyXml({ issued: 60, valid: 60, spoiled: 0, votes: { 1: 60 } })), {
          filename: 'form.xml',
          contentType: 'text/xml',
        });
      expect(res.status).toBe(201);
      await ledger.addGateway(gw2.gatewayId, gw2.identity.publicKey);
      trustLedger(gw2.outbox, (await ledger.identity()).publicKey);
      const relay2 = new Relay({
        outbox: gw2.outbox,
        identity: gw2.identity,
        ledgerUrl: url,
        batchSize: 100,
        logger: silent,
        timeoutMs: 5000,
        trust: () => ledgerTrust(gw2.outbox, {}),
      });
      expect(await relay2.pushAll()).toMatchObject({ accepted: 0, rejected: 1 });
      expect(await ledger.conn.db.selectFrom('ledger_rejections').select(['reason', 'detail']).execute()).toEqual([
        { reason: 'tally-conflict', detail: expect.stringMatching(/^the ledger already holds the tally sheet of meeting KIB-07 in cycle c-open/) },
      ]);
      expect((await ledger.turnout('c-open')).byChannel['paper-tally']).toBe(48);

      // Publication freezes the sheets with the ballots: one arriving later is stored, never counted.
      ledgerNow = new Date('2100-01-02T00:00:00Z');
      const frozen = await ledger.publishResults('c-open', { force: { reason: 'test: publish without waiting' } });
      expect(frozen.paperTallies).toEqual({ sheets: 1, issued: 50, valid: 48, spoiled: 2, counted: true });
      expect((await send(amina, tallyXml({ meeting: 'KIB-09', issued: 10, valid: 10, spoiled: 0, votes: { 2: 10 } }))).status).toBe(201);
      expect(await relay.pushAll()).toMatchObject({ accepted: 1, rejected: 0 });
      expect((await ledger.results('c-open')).paperTallies?.sheets).toBe(1);
      const recount = await ledger.results('c-open', 'greedy-no-skip');
      expect(recount.paperTallies).toEqual({ sheets: 1, issued: 50, valid: 48, spoiled: 2, counted: true });
      expect(recount.wards.find((w) => w.wardId === 'north')!.projects.find((p) => p.code === 2)!.tallied).toBe(0);
      // Sheets are chained like every event: the chain still verifies, publication entry included.
      expect(await verifyChain(ledger.conn.db)).toMatchObject({ ok: true });
    });
  });
});
