// Age band and gender where collected: from optional roll columns, onto the voter's vote.cast
// events (USSD and SMS alike), through the sync protocol, never asked of the resident.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import request from 'supertest';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { decodeBatch, parseEvent } from '../src/domain/protocol.ts';
import { buildBatch } from '../sync/batch.ts';
import { testLedger } from './helpers/ledger.ts';
import { rawFixture } from './helpers/deployment.ts';
import { SECRET, TOKEN, testGateway, ussdBody } from './helpers/gateway.ts';
import { phoneSeal } from '../src/domain/phone-seal.ts';
import { tempDir } from './helpers/tmp.ts';

const dir = tempDir();
const REGISTER = { en: 'Register at the ward office.', sw: 'Jisajili ofisi ya wadi.', fr: 'Inscrivez-vous au bureau.' };
const DEMOGRAPHICS = { ageBands: ['18-24', '25-34', '35-64', '65+'], genders: ['female', 'male', 'other'] };

/** A roll deployment file (with `demographics` unless told otherwise) and its roll CSV. */
function deploymentFile(name: string, roll: string, opts: { demographics?: boolean; mode?: 'roll' | 'open' } = {}): string {
  const raw = rawFixture();
  raw.eligibility = opts.mode === 'open' ? { mode: 'open' } : { mode: 'roll', rollFile: `${name}.csv`, registerHelp: REGISTER };
  if (opts.demographics !== false) raw.demographics = DEMOGRAPHICS;
  writeFileSync(join(dir, `${name}.csv`), roll);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(raw));
  return file;
}

const ROLL = 'voter_id,phone,ward,age_band,gender\nV-001,0711000001,north,25-34,female\nV-002,0722000002,south,,male\nV-003,0733000003,north,,\n';

async function ussdVote(gw: ReturnType<typeof testGateway>, phone: string) {
  // Roll voters skip the ward question: language, Vote, project 3, Done, Confirm.
  let res;
  for (const text of ['', '1', '1*1', '1*1*3', '1*1*3*99', '1*1*3*99*1']) {
    res = await request(gw.app)
      .post(`/africastalking/ussd/${TOKEN}`)
      .type('form')
      .send(ussdBody({ text, phoneNumber: phone, sessionId: `s${phone}` }));
  }
  expect(res!.text).toMatch(/^(CON|END) Thank you/);
}

const smsVote = (gw: ReturnType<typeof testGateway>, phone: string, text: string) =>
  request(gw.app)
    .post(`/africastalking/sms/${TOKEN}`)
    .type('form')
    .send({ id: `m-${phone}`, from: phone, to: '22384', text, date: '2026-11-22 09:00:00' });

const votePayloads = (gw: ReturnType<typeof testGateway>) =>
  (gw.db.prepare("SELECT payload FROM events WHERE type = 'vote.cast' ORDER BY seq").pluck().all() as string[]).map((p) => JSON.parse(p));

describe('demographics on the gateway', () => {
  it('a listed voter’s votes carry the roll’s age band and gender, by USSD and by SMS; only the values the roll holds', async () => {
    const gw = testGateway({ configFile: deploymentFile('roll', ROLL) });
    expect(gw.db.prepare('SELECT voter_id, age_band, gender FROM roll ORDER BY voter_id').all()).toEqual([
      { voter_id: 'V-001', age_band: '25-34', gender: 'female' },
      { voter_id: 'V-002', age_band: null, gender: 'male' },
      { voter_id: 'V-003', age_band: null, gender: null },
    ]);
    await ussdVote(gw, '+254711000001');
    expect((await smsVote(gw, '+254722000002', 'VOTE 20')).status).toBe(200);
    await ussdVote(gw, '+254733000003');
    const [first, second, third] = votePayloads(gw);
    expect(first).toMatchObject({ wardId: 'north', picks: [3], ageBand: '25-34', gender: 'female' });
    expect(second).toMatchObject({ wardId: 'south', picks: [20], gender: 'male' });
    expect(second).not.toHaveProperty('ageBand');
    expect(Object.keys(third)).toEqual(['wardId', 'picks', 'receipt', 'replaces']);
    // What goes to the ledger is valid under the sync protocol, line for line.
    for (const payload of [first, second, third]) {
      const line = {
        id: '0191e0b6-0000-7000-8000-000000000001',
        seq: 1,
        type: 'vote.cast',
        cycleId: 'c-open',
        voterKey: 'k'.repeat(43),
        channel: 'ussd',
        capturedAt: '2026-11-22T09:00:00.000Z',
        payload,
      };
      expect(parseEvent(line)).toMatchObject({ ok: true, event: { payload } });
    }
    // The resident was never asked: no screen or SMS reply mentions age or gender.
    const screens = (gw.db.prepare('SELECT last_reply FROM ussd_sessions').pluck().all() as string[]).map((v) => phoneSeal(SECRET).open(v));
    const replies = JSON.stringify([screens, gw.db.prepare('SELECT body FROM sms_outbound').pluck().all()]);
    // Receipt codes are random letters ("AGEB9-…"): take them out before looking for the words.
    expect(replies.replace(/\b[A-Z0-9]{5}-[A-Z0-9]{5}\b/g, 'RECEIPT')).not.toMatch(/\b(age|gender|25-34|female)\b/i);
    gw.db.close();
  });

  it('end to end: the gateway’s signed batch reaches the ledger, which stores the values and counts them per cycle', async () => {
    const gw = testGateway({ configFile: deploymentFile('e2e', ROLL) });
    await ussdVote(gw, '+254711000001');
    expect((await smsVote(gw, '+254722000002', 'VOTE 20')).status).toBe(200);
    await ussdVote(gw, '+254733000003');
    const ledger = await testLedger('sqlite', gw.deployment);
    await ledger.addGateway(gw.gatewayId, gw.identity.publicKey);
    const batch = buildBatch(gw.identity, gw.outbox.pending(10), 0, new Date());
    const { header, lines } = decodeBatch(gunzipSync(batch.body).toString('utf8'));
    expect((await ledger.ingest(header, lines, 'push')).accepted).toHaveLength(3);
    const rows = await ledger.conn.db.selectFrom('ledger_ballots').select(['ward_id', 'age_band', 'gender']).orderBy('ledger_seq').execute();
    expect(rows).toEqual([
      { ward_id: 'north', age_band: '25-34', gender: 'female' },
      { ward_id: 'south', age_band: null, gender: 'male' },
      { ward_id: 'north', age_band: null, gender: null },
    ]);
    const t = await ledger.turnout('c-open');
    // Three voters: every group under 5 is hidden.
    expect(t.byAgeBand?.cells.map((c) => c.ballots)).toEqual([0, null, 0, 0, null]);
    expect(t.byGender?.cells.map((c) => c.ballots)).toEqual([null, null, 0, null]);
    await ledger.close();
    gw.db.close();
  });

  it('nothing is attached without `demographics` in the deployment, or under open eligibility with an old roll still stored', async () => {
    const plain = testGateway({ configFile: deploymentFile('plain', 'voter_id,phone,ward\nV-001,0711000001,north\n', { demographics: false }) });
    await ussdVote(plain, '+254711000001');
    expect(Object.keys(votePayloads(plain)[0])).toEqual(['wardId', 'picks', 'receipt', 'replaces']);
    plain.db.close();

    // The same database, once a roll gateway with demographics, restarted with open eligibility.
    const rolled = testGateway({ configFile: deploymentFile('before', ROLL) });
    const dbFile = rolled.settings.dbFile;
    rolled.db.close();
    const open = testGateway({ configFile: deploymentFile('open', ROLL, { mode: 'open' }), env: { SAUTI_DB: dbFile } });
    expect(open.count('roll')).toBe(3);
    expect((await smsVote(open, '+254711000001', 'VOTE 3')).status).toBe(200);
    expect(votePayloads(open)[0]).not.toHaveProperty('gender');
    open.db.close();
  });

  it('refuses to start with a roll value outside the configured list, naming line and column; nothing is imported', () => {
    const file = deploymentFile('bad', 'voter_id,phone,ward,age_band,gender\nV-001,0711000001,north,25-34,female\nV-002,0722000002,south,16-17,male\n');
    expect(() => testGateway({ configFile: file })).toThrow(
      /bad\.csv is invalid:\n {2}- line 3: age_band: '16-17' is not one of demographics\.ageBands \(18-24, 25-34, 35-64, 65\+\)/,
    );
  });

  it('the protocol keeps accepting votes without the fields and refuses a value too long to be a label', () => {
    const line = (payload: Record<string, unknown>) => ({
      id: '0191e0b6-0000-7000-8000-000000000002',
      seq: 2,
      type: 'vote.cast',
      cycleId: 'c-open',
      voterKey: 'k'.repeat(43),
      channel: 'sms',
      capturedAt: '2026-11-22T09:00:00.000Z',
      payload,
    });
    const old = { wardId: 'north', picks: [1], receipt: 'P3HTS-QEME4', replaces: null };
    expect(parseEvent(line(old)).ok).toBe(true);
    expect(parseEvent(line({ ...old, gender: 'x'.repeat(33) }))).toMatchObject({
      ok: false,
      detail: 'payload.gender: Too big: expected string to have <=32 characters',
    });
    expect(parseEvent(line({ ...old, ageBand: '' }))).toMatchObject({ ok: false, detail: expect.stringMatching(/^payload\.ageBand: /) });
    expect(parseEvent(line({ ...old, ageBand: 25 }))).toMatchObject({ ok: false, detail: expect.stringMatching(/^payload\.ageBand: /) });
    expect(parseEvent(line({ ...old, age: '25-34' }))).toMatchObject({ ok: false, detail: expect.stringMatching(/^payload: Unrecognized key: "age"/) });
  });
});
