// A resident texting the gateway the way people text, through Africa's Talking's inbound form:
// the ballot paged by PROJECTS and MORE, "Kura 1 na 3", a slipped keyword asked about (never
// acted on), and loop protection that holds back a repeat but answers a different message.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { smsCost } from '../src/domain/sms-encoding.ts';
import { atSmsBody, testGateway, TOKEN } from './helpers/gateway.ts';

type Gw = ReturnType<typeof testGateway>;
let n = 0;
/** Texts `text` from one number; returns the reply queued for it, or null when none was. */
async function text(gw: Gw, body: string): Promise<string | null> {
  const before = gw.count('sms_outbound');
  const res = await request(gw.app)
    .post(`/africastalking/sms/${TOKEN}`)
    .type('form')
    .send(atSmsBody({ id: `ATXid_understood_${n++}`, text: body }));
  expect(res.status).toBe(200);
  return gw.count('sms_outbound') > before ? gw.sms.list(1)[0]!.body : null;
}
const ballots = (gw: Gw) => gw.db.prepare('SELECT picks FROM ballots').pluck().all();

describe('SMS as people type it, end to end', () => {
  it('pages the ballot with costs, takes "Kura 1 na 3", and asks about "vot 2" without voting', async () => {
    const gw = testGateway();
    expect(await text(gw, 'PROJECTS')).toBe('Projects of which ward? Reply with its number: 1 North Ward, 2 South Ward');
    const page1 = await text(gw, '1');
    expect(page1).toBe(
      'Projects in North Ward (KES) 1/3: 1 Market borehole 4.5M; 2 Station Rd lights 3.2M; 3 Maternity wing 2.9M. Send MORE for the next page.',
    );
    expect(await text(gw, 'MORE')).toMatch(/^Projects in North Ward \(KES\) 2\/3: 4 River footbridge 2\.6M;/);
    expect(await text(gw, 'zaidi')).toBe('Miradi ya Wadi ya Kaskazini (KES) 3/3: 7 Paa la zahanati 1.3M; 12 Kitalu cha miti 950K. Kupiga kura: KURA 1 2.');
    for (const row of gw.sms.list(4)) expect(smsCost(row.body), row.body).toMatchObject({ encoding: 'GSM-7', segments: 1 });

    expect(await text(gw, 'Kura 1 na 3')).toMatch(/^Kura yako ya Wadi ya Kaskazini imehifadhiwa: 1 Kisima sokoni, 3 Wodi ya wazazi\./);
    expect(ballots(gw)).toEqual(['[1,3]']);

    expect(await text(gw, 'vot 2')).toBe('Did you mean "VOTE 2"? If so, send your message again starting with VOTE.');
    expect(await text(gw, 'VOOT 1 2')).toBe('Did you mean "VOTE 1 2"? If so, send your message again starting with VOTE.');
    expect(ballots(gw)).toEqual(['[1,3]']);
    expect(gw.count('events')).toBe(1);
  });

  it('holds back an identical repeat of unmatched text, but answers a different one, in its language', async () => {
    const gw = testGateway();
    const sorry = 'Sorry, we did not understand. Send PROJECTS for the ballot, VOTE 3 7 to vote, IDEA and your idea to propose, or HELP.';
    for (let i = 0; i < 3; i++) expect(await text(gw, 'what is this')).toBe(sorry);
    // The fourth identical message in 30 minutes: a machine repeating itself gets no answer.
    expect(await text(gw, 'what is this')).toBeNull();
    // A person trying other words is answered, though the reply is the same text as before.
    expect(await text(gw, 'what do I send now')).toBe(sorry);
    expect(await text(gw, 'Bonjour, je ne comprends pas')).toMatch(/^Désolé, message non compris\. Envoyez PROJETS/);
    expect(await text(gw, 'Habari, sijui nini cha kutuma')).toMatch(/^Samahani, hatukuelewa\. Tuma MIRADI/);
    expect(await text(gw, 'what is this')).toBeNull();
    expect(gw.logs.text()).toContain('identical reply limit reached');
  });

  it('still stops a machine that varies its words, after three times sms.maxIdentical identical replies', async () => {
    const gw = testGateway();
    const answered = [];
    for (let i = 0; i < 12; i++) answered.push(await text(gw, `auto reply number ${i}`));
    expect(answered.filter((r) => r !== null)).toHaveLength(9);
    expect(answered.slice(9)).toEqual([null, null, null]);
  });
});
