// A field vote travels like any other: the gateway's outbox, a signed batch, the ledger's rules.
// On a roll, the officer's vote for a voter id and that voter's SMS vote are one ballot in the
// ledger too: the later one replaces the earlier, whichever channel each came through.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { addOfficer } from '../src/engine/field-capture.ts';
import { FieldStore } from '../src/store/field-store.ts';
import { rawFixture } from './helpers/deployment.ts';
import { TOKEN, atSmsBody, testGateway } from './helpers/gateway.ts';
import { testLedger } from './helpers/ledger.ts';
import { connectedRelay } from './helpers/ledger-server.ts';
import { tempDir } from './helpers/tmp.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

const dir = tempDir('sauti-field-sync-');
const raw = rawFixture();
raw.eligibility = {
  mode: 'roll',
  rollFile: 'roll.csv',
  registerHelp: { en: 'Register at the ward office.', sw: 'Jisajili ofisi ya wadi.', fr: 'Inscrivez-vous au bureau.' },
};
const configFile = join(dir, 'deployment.yaml');
writeFileSync(configFile, stringify(raw));
writeFileSync(join(dir, 'roll.csv'), 'voter_id,phone,ward\nV-002,+254722000002,north\n');

const fieldVote = (picks: string, end: string) =>
  `<?xml version='1.0' ?><data id="sauti-vote-c-open" version="v" xmlns:orx="http://openrosa.org/xforms"><start>${end}</start><end>${end}</end>` +
  `<consent>yes</consent><voter_id>V-002</voter_id><ward>north</ward><w_north><picks>${picks}</picks></w_north><w_south><picks/></w_south>` +
  `<orx:meta><orx:instanceID>uuid:${picks.replace(/ /g, '')}0000000-5b1a-4c55-9d1e-0a2b3c4d5e6f</orx:instanceID></orx:meta></data>`;

describe('field votes in the ledger', () => {
  it('are accepted with channel field at the device’s time, and replace the same voter’s SMS vote', async () => {
    const gw = testGateway({ configFile });
    closers.push(async () => void gw.db.close());
    const ledger = await testLedger('sqlite', gw.deployment);
    closers.push(() => ledger.close());
    const { relay, stop } = await connectedRelay(gw, ledger);
    closers.push(stop);

    const sms = await request(gw.app)
      .post(`/africastalking/sms/${TOKEN}`)
      .type('form')
      .send(atSmsBody({ id: 'ATXid_f1', from: '+254722000002', text: 'VOTE 1 3' }));
    expect(sms.status).toBe(200);
    const smsReceipt = gw.db.prepare('SELECT receipt FROM ballots').pluck().get() as string;
    const officer = addOfficer(new FieldStore(gw.db), gw.deployment, 'Amina', 'north', new Date());
    // Taken with the officer a minute after the SMS vote (device time).
    const end = new Date(Date.now() + 60_000).toISOString();
    const res = await request(gw.app)
      .post(`/openrosa/key/${officer.token}/submission`)
      .set('X-OpenRosa-Version', '1.0')
      .attach('xml_submission_file', Buffer.from(fieldVote('2 5', end)), { filename: 'vote.xml', contentType: 'text/xml' });
    expect(res.status).toBe(201);

    expect(await relay.pushAll()).toMatchObject({ accepted: 2, rejected: 0, backlog: 0 });
    const rows = await ledger.conn.db.selectFrom('ledger_events').select(['channel', 'captured_at', 'voter_key']).orderBy('seq').execute();
    expect(rows.map((r) => r.channel)).toEqual(['sms', 'field']);
    expect(rows[1]!.captured_at).toBe(end);
    expect(rows[1]!.voter_key).toBe(rows[0]!.voter_key);
    expect(await ledger.receipt(smsReceipt)).toMatchObject({ found: true, status: 'replaced', countedChannel: 'field' });
  });
});
