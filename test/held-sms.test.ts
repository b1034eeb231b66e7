// News from the PB team while no SMS provider is configured to send SMS (no credentials): an
// implementation update to a project's followers and a proposal's review to its proposer are both
// held (sealed), not queued to fail nor dropped, and queued once — under their usual names, in
// the resident's language — at the first round after a provider is configured; STOP forgets what
// was held. One path for both (src/engine/held-sms.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { syncRound } from '../sync/sync-job.ts';
import { listInbox, reviewProposal } from '../console/proposals.ts';
import { sendBroadcast } from '../console/broadcasts.ts';
import { testLedger } from './helpers/ledger.ts';
import { connectedRelay } from './helpers/ledger-server.ts';
import { testDeployment } from './helpers/deployment.ts';
import { testGateway, textGateway } from './helpers/gateway.ts';
import { LATER, publishedByFieldGateway } from './helpers/closed-cycle.ts';

const silent = createLogger('silent');
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** No provider's credentials: nothing can send SMS. */
const NO_SMS = { AT_API_KEY: '', TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '' };
const MILESTONE = { en: 'Drilling started', sw: 'Uchimbaji umeanza', fr: 'Forage commencé' };

/** A gateway (opened on `db` when given, e.g. again after a restart) syncing with `ledger`. */
async function gatewayOf(ledger: Awaited<ReturnType<typeof testLedger>>, env: Record<string, string>) {
  const gw = testGateway({ env });
  const { relay, stop } = await connectedRelay(gw, ledger);
  closers.push(async () => {
    await stop();
    gw.db.close();
  });
  const round = () => syncRound(relay, gw.ballots, silent, gw.implementation, gw.notices);
  const rows = (like: string) =>
    gw.db.prepare('SELECT provider, body, state, error, to_phone FROM sms_outbound WHERE source_ref LIKE ? ORDER BY id').all(like) as {
      provider: string;
      body: string;
      state: string;
      error: string | null;
      to_phone: string | null;
    }[];
  const held = () =>
    gw.db.prepare('SELECT source_ref, provider, to_phone FROM sms_held ORDER BY source_ref').all() as {
      source_ref: string;
      provider: string;
      to_phone: string;
    }[];
  return { gw, round, rows, held };
}

describe('news while no provider sends SMS', () => {
  it('an implementation update to a follower is held, then texted once a provider is configured', async () => {
    const { ledger, setNow } = await publishedByFieldGateway();
    closers.push(() => ledger.close());
    setNow(LATER);

    const first = await gatewayOf(ledger, NO_SMS);
    await first.round();
    await textGateway(first.gw, '+254711000301', 'FUATILIA 7', 'held-1');
    await textGateway(first.gw, '+254711000302', 'FOLLOW 7', 'held-2');
    await ledger.recordImplementation('c-open', { code: 7, status: 'in-progress', progress: 40, milestone: MILESTONE, date: '2027-03-01' });
    expect(await first.round()).toMatchObject({ implementation: { stored: 1, queued: 0 } });
    // Nothing queued to fail for want of a sender: held, the numbers sealed.
    expect(first.rows('implementation:%')).toEqual([]);
    const held = first.held();
    expect(held).toHaveLength(2);
    expect(held.every((h) => /^implementation:\d+:/.test(h.source_ref) && h.provider === 'africastalking' && /^s1:/.test(h.to_phone))).toBe(true);
    expect(JSON.stringify(held)).not.toContain('711000301');
    expect(first.gw.logs.text()).toMatch(/no SMS provider is configured to send SMS: messages to residents are held/);
    // The second follower sends STOP: what was held for them is forgotten.
    await textGateway(first.gw, '+254711000302', 'STOP', 'held-3');
    expect(first.held()).toHaveLength(1);
    // Another round without a provider holds nothing twice.
    await first.round();
    expect(first.held()).toHaveLength(1);

    // Restarted with Africa's Talking's credentials: the next round queues it, once, in Kiswahili.
    const settings = first.gw.settings;
    const second = await gatewayOf(ledger, { SAUTI_DB: settings.dbFile });
    expect(await second.round()).toMatchObject({ implementation: { stored: 0, queued: 1 } });
    expect(second.rows('implementation:%')).toEqual([
      {
        provider: 'africastalking',
        body: 'Habari za mradi 7 Paa la zahanati: kazi inaendelea, 40% (1 Mac 2027). Uchimbaji umeanza. ACHA kusitisha.',
        state: 'queued',
        error: null,
        to_phone: expect.stringMatching(/^s1:/),
      },
    ]);
    expect(second.held()).toEqual([]);
    await second.round();
    expect(second.rows('implementation:%')).toHaveLength(1);
  });

  it('a proposer’s review is held the same way, then texted once a provider is configured', async () => {
    const d = testDeployment();
    const ledger = await testLedger('sqlite', d);
    closers.push(() => ledger.close());
    const first = await gatewayOf(ledger, NO_SMS);
    await first.round();
    await textGateway(first.gw, '+254711000401', 'WAZO Wadi ya Kaskazini rekebisha kisima cha soko la Kiboko', 'idea-1');
    await first.round();
    const idea = (await listInbox(ledger.conn.db, { page: 1 })).rows[0]!;
    await reviewProposal(
      ledger.conn,
      d,
      { name: 'r', role: 'reviewer' },
      idea.event_id,
      { status: 'under-review', cost: '', costNote: '', reason: {} },
      ledger.now(),
    );
    expect(await first.round()).toMatchObject({ notices: { stored: 1, queued: 0 } });
    expect(first.rows('notice:%')).toEqual([]);
    expect(first.held().map((h) => h.source_ref)).toEqual([`notice:${(await ledger.noticesFeed(0)).items[0]!.seq}:${idea.reference}`]);

    const second = await gatewayOf(ledger, { SAUTI_DB: first.gw.settings.dbFile });
    // (The first feed's receiver of the round queues whatever is held: here the implementation feed's.)
    const r = await second.round();
    expect((r.implementation?.queued ?? 0) + (r.notices?.queued ?? 0)).toBe(1);
    expect(second.rows('notice:%').map((r) => [r.provider, r.body, r.state])).toEqual([
      ['africastalking', `Habari za wazo lako ${idea.reference}: linakaguliwa na timu ya jiji. ACHA kusitisha.`, 'queued'],
    ]);
    expect(second.held()).toEqual([]);
  });

  it('a broadcast from the console is held the same way, then texted once a provider is configured', async () => {
    const d = testDeployment();
    const ledger = await testLedger('sqlite', d);
    closers.push(() => ledger.close());
    const first = await gatewayOf(ledger, NO_SMS);
    await first.round();
    await textGateway(first.gw, '+254711000501', 'WAZO Wadi ya Kaskazini rekebisha kisima cha soko la Kiboko', 'bc-idea');
    await first.round();
    const text = { en: 'The ballot opens on 1 November.', sw: 'Kura itafunguliwa tarehe 1 Novemba.', fr: 'Le vote ouvre le 1er novembre.' };
    const { seq } = await sendBroadcast(
      ledger.conn,
      { name: 'c', role: 'coordinator' },
      { cycleId: 'c-open', audience: 'proposers', wardId: null, text },
      ledger.now(),
    );
    expect(await first.round()).toMatchObject({ notices: { stored: 1, queued: 0 } });
    expect(first.rows('broadcast:%')).toEqual([]);
    expect(first.held().map((h) => h.source_ref)).toEqual([expect.stringMatching(new RegExp(`^broadcast:notice-${seq}:`))]);
    expect(first.gw.logs.text()).toMatch(/no SMS provider is configured to send SMS: messages to residents are held/);

    const second = await gatewayOf(ledger, { SAUTI_DB: first.gw.settings.dbFile });
    await second.round();
    expect(second.rows('broadcast:%').map((r) => [r.provider, r.body, r.state])).toEqual([['africastalking', text.sw, 'queued']]);
    expect(second.held()).toEqual([]);
    await second.round();
    expect(second.rows('broadcast:%')).toHaveLength(1);
  });
});
