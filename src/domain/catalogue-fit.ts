// Whether a language's texts fit where residents read them, with the longest values a deployment
// allows filled in: a 182-character USSD screen for every text, and one GSM-7 SMS segment for
// every text whose English fits one (the texts SMS replies are made of) — but a list ({items}),
// which the SMS flow pages to fit the segment, dropping what leaves no room. Checked for an added
// language's catalogue at start-up and by `sauti check-config`; test/sms-segments.test.ts checks
// the built-in ones the same way.
import type { Deployment, Lang } from '../config/schema.ts';
import { catalogue, type MessageKey } from '../i18n/index.ts';
import { formatDate } from './format.ts';
import { smsCost, toGsmLookalikes } from './sms-encoding.ts';

/** Africa's Talking shows at most 182 characters per USSD screen. */
export const USSD_SCREEN = 182;

const fill = (text: string, values: Record<string, string | number>) => text.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? OTHER));

const CHANNEL_KEYS: MessageKey[] = ['channelUssd', 'channelSms', 'channelVoice', 'channelField', 'channelPaper', 'channelOther'];

/** A placeholder the worst-case table does not name is filled as long as a ward name. */
const OTHER = 'X'.repeat(30);

/**
 * The longest value each placeholder can take: a 30-character ward name (the schema's limit),
 * ten two-digit codes, the largest points and counts (97), the longest receipt and reference,
 * an amount as long as compact amounts get, the longest date of the language, its longest
 * channel name.
 */
export function worstCaseValues(lang: Lang, d: Deployment): Record<string, string | number> {
  const texts = catalogue(lang);
  const year = 2026;
  const dates = Array.from({ length: 12 }, (_, m) => formatDate(new Date(Date.UTC(year, m, 28, 12)), lang, d.deployment.timezone));
  const longest = (values: string[]) => values.reduce((a, b) => (b.length > a.length ? b : a), '');
  const amount = `${d.deployment.currency} 999.9M`;
  return {
    ward: 'W'.repeat(30),
    cycle: 'C'.repeat(30),
    codes: '12 34 56 78 90 11 22 33 44 55',
    code: 97,
    receipt: 'ABCDE-FGHJK',
    ref: 'P-ABCD-EFGH',
    date: longest(dates),
    example: '96 97',
    max: 97,
    min: 10,
    points: 97,
    n: 97,
    k: 10,
    left: amount,
    used: 97,
    total: amount,
    budget: amount,
    status: texts.statusSubmitted,
    channel: longest(CHANNEL_KEYS.map((k) => texts[k])),
    options: '1 Kiboko, 2 Milimani, 3 Pwani',
    keyword: 'PROPOSITION',
    text: 'PROPOSITION fix the borehole at Kiboko',
    token: '1234567890',
    phone: '+254 700 000 000 000',
    title: 'T'.repeat(40),
    currency: d.deployment.currency,
    part: ' 9/9',
    // One entry of a list the flow fits to the room (a code, a short title, its cost).
    items: `97 ${'T'.repeat(22)} 999.9M`,
    more: fill(texts.smsResultsMore, { next: 99 }),
    next: longest([texts.smsProjectsMore, fill(texts.smsProjectsVote, { example: '96 97' })]),
  };
}

const oneSegment = (text: string) => smsCost(toGsmLookalikes(text)).segments === 1;

/** Every text of `lang` that overflows, each as `messages.<key>: …`; [] when all fit. */
export function catalogueFitProblems(lang: Lang, d: Deployment): string[] {
  const english = catalogue('en');
  const own = catalogue(lang);
  const [enValues, values] = [worstCaseValues('en', d), worstCaseValues(lang, d)];
  const problems: string[] = [];
  for (const key of Object.keys(english) as MessageKey[]) {
    // A key the catalogue lacks is reported as missing, not measured.
    if (own[key] === undefined) continue;
    const text = fill(own[key], values);
    if (text.length > USSD_SCREEN) {
      problems.push(`messages.${key}: ${text.length} characters with the longest values, over a USSD screen (${USSD_SCREEN}): shorten it`);
    } else if (!english[key].includes('{items}') && oneSegment(fill(english[key], enValues)) && !oneSegment(text)) {
      const cost = smsCost(toGsmLookalikes(text));
      const why =
        cost.encoding === 'UCS-2'
          ? `has characters outside GSM-7, so a segment holds 70 (${cost.units} here)`
          : `${cost.units} characters with the longest values`;
      problems.push(`messages.${key}: over one SMS segment: ${why}; the English fits one: shorten it`);
    }
  }
  return problems;
}
