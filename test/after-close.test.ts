// After the vote closed, residents who voted are told what became of their vote, through the
// providers' real payloads: a real gateway (SQLite file, express app) that synced with a real
// ledger over HTTP, then a clock past the close, with the next cycle's vote still to open.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { voterKey } from '../src/domain/voter.ts';
import { smsCost, toGsmLookalikes } from '../src/domain/sms-encoding.ts';
import { Relay } from '../sync/relay.ts';
import { ledgerTrust, trustLedger } from '../sync/ledger-trust.ts';
import { rawFixture } from './helpers/deployment.ts';
import { SECRET, testGateway, TOKEN, ussdBody } from './helpers/gateway.ts';
import { testLedger } from './helpers/ledger.ts';
import { ledgerServer } from './helpers/ledger-server.ts';
import { tempDir } from './helpers/tmp.ts';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** The fixture (its open cycle's vote closes on 31 Dec 2099) with a next cycle voting in March 2100. */
function configFile(): string {
  const raw = rawFixture();
  raw.cycles.push({
    id: 'c-next',
    name: { en: 'Next cycle', sw: 'Mzunguko ujao', fr: 'Cycle suivant' },
    phases: {
      proposals: { opens: '2100-01-01T00:00:00+03:00', closes: '2100-02-01T00:00:00+03:00' },
      voting: { opens: '2100-03-01T06:00:00+03:00', closes: '2100-04-01T20:00:00+03:00' },
    },
    ballot: { rule: 'approval', max: 3 },
  });
  const file = join(tempDir('sauti-cfg-'), 'deployment.yaml');
  writeFileSync(file, stringify(raw));
  return file;
}

describe('replies after the vote closed, end to end', () => {
  it('My vote, RECEIPT, CHECK and VOTE: the closed cycle’s vote as the ledger last said, that voting closed, when results and the next vote come', async () => {
    let now: Date | undefined; // the real clock while voting, then a fixed instant after the close
    const gw = testGateway({ configFile: configFile(), clock: () => now ?? new Date() });
    closers.push(() => void gw.db.close());
    const ledger = await testLedger('sqlite', gw.deployment);
    closers.push(() => ledger.close());
    await ledger.addGateway(gw.gatewayId, gw.identity.publicKey);
    trustLedger(gw.outbox, (await ledger.identity()).publicKey);
    const server = await ledgerServer(ledger);
    closers.push(server.stop);
    const relay = new Relay({
      outbox: gw.outbox,
      identity: gw.identity,
      ledgerUrl: server.url,
      batchSize: 500,
      logger: createLogger('silent'),
      timeoutMs: 2000,
      trust: () => ledgerTrust(gw.outbox, {}),
    });
    closers.push(() => relay.close());

    let n = 0;
    const ussd = (phone: string, text: string, session = `s-${n++}`) =>
      request(gw.app)
        .post(`/africastalking/ussd/${TOKEN}`)
        .type('form')
        .send(ussdBody({ sessionId: session, phoneNumber: phone, text }))
        .then((r) => r.text);
    const smsIn = async (phone: string, text: string) => {
      await request(gw.app)
        .post(`/africastalking/sms/${TOKEN}`)
        .type('form')
        .send({ id: `m-${n++}`, from: phone, to: '22384', text, date: '2026-11-22 09:00:00' })
        .expect(200);
      return gw.db.prepare('SELECT body FROM sms_outbound WHERE voter_key = ? ORDER BY id DESC LIMIT 1').pluck().get(voterKey(phone, SECRET)) as string;
    };
    const receiptOf = (text: string) => text.match(/Receipt:? ([0-9A-Z]{5}-[0-9A-Z]{5})/)![1]!;

    // While voting: A votes by USSD (English, North Ward, project 3), B by SMS, both synced and counted.
    const A = '+254711000901',
      B = '+254711000902',
      C = '+254711000903';
    const receiptA = receiptOf(await ussd(A, '1*1*1*3*99*1'));
    const confirmB = await smsIn(B, 'VOTE 1 2');
    // The SMS confirmation reads the projects back by their short titles.
    expect(confirmB).toMatch(
      /^Vote recorded in North Ward: 1 Market borehole, 2 Station Rd lights\. Receipt [0-9A-Z]{5}-[0-9A-Z]{5}\. Send RECEIPT to check it\.$/,
    );
    const receiptB = receiptOf(confirmB);
    expect(await relay.pushAll()).toMatchObject({ accepted: 2, rejected: 0 });
    expect(await relay.refreshStandings()).toEqual({ asked: 2, changed: 2 });
    // C votes after that sync: the ledger has not seen it when voting closes.
    const receiptC = receiptOf(await ussd(C, '1*1*1*4*99*1'));

    now = new Date('2100-01-15T09:00:00Z');
    const closed = 'Open cycle: voting closed on 31 Dec 2099.';
    const myVote = (phone: string) => ussd(phone, '3');

    // USSD My vote: the vote (with titles), counted, voting closed, results to come. Never "not voted".
    const day = String.raw`\d{1,2} \w{3} \d{4}`; // the day they voted, by the real clock
    expect(await myVote(A)).toMatch(
      new RegExp(
        `^END Your vote in North Ward on ${day}: 3 Maternity wing\\. Receipt: ${receiptA}\\. It counts in the city ledger\\. ${closed} Results will be announced\\.$`,
      ),
    );
    // A vote the ledger has not acknowledged is never called counted.
    const mineC = await myVote(C);
    expect(mineC).toContain(`Receipt ${receiptC}. It reaches the city ledger at the next sync.`);
    expect(mineC).toMatch(/[Vv]oting closed on 31 Dec 2099\. Results will be announced\.$/);
    expect(mineC).not.toMatch(/counts|not voted/);

    // SMS RECEIPT, CHECK and VOTE, each one GSM-7 segment.
    const receipt = await smsIn(B, 'RECEIPT');
    expect(receipt).toMatch(
      new RegExp(
        `^(Your vote in North Ward on ${day}|Your Open cycle vote): 1 (Market borehole, 2 Station Rd lights|2)\\. Receipt ${receiptB}\\. It counts in the city ledger\\. (${closed}|Voting closed on 31 Dec 2099\\.) Results will be announced\\.$`,
      ),
    );
    expect(await smsIn(C, 'CHECK')).toBe(`Receipt ${receiptC} is recorded here and reaches the city ledger at the next sync.`);
    const vote = await smsIn(B, 'VOTE 3');
    expect(vote).toBe(`${closed} Results will be announced. The next vote opens on 1 Mar 2100.`);
    expect(await ussd(A, '1')).toBe(`END ${closed} Results will be announced. The next vote opens on 1 Mar 2100.`);
    for (const text of [receipt, vote]) expect(smsCost(toGsmLookalikes(text))).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(gw.db.prepare("SELECT count(*) FROM events WHERE type = 'vote.cast'").pluck().get()).toBe(3);

    // Once C's vote reaches the ledger, its reply follows the ledger. (Only the gateway's clock was
    // moved past the close; it pushes on the real one, so the ledger measures no skew.)
    now = undefined;
    expect(await relay.pushAll()).toMatchObject({ accepted: 1, rejected: 0 });
    now = new Date('2100-01-15T09:00:00Z');
    expect(await myVote(C)).toContain(`Receipt ${receiptC}. It reached the city ledger; the next sync confirms it counts.`);
    await relay.refreshStandings();
    expect(await myVote(C)).toMatch(/It counts in the city ledger\. (Open cycle: v|V)oting closed on 31 Dec 2099\./);
  });
});
