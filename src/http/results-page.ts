// The public results page: plain server-rendered HTML with inline CSS and SVG, no script and no
// external files, so it works on a feature-phone browser over a slow link and in any reader.
// The stylesheet is the one inline element; the Content-Security-Policy allows it by its hash.
import { createHash } from 'node:crypto';
import { isBuiltInLang, type BuiltInLang, type Deployment, type Lang } from '../config/schema.ts';
import { formatDate, formatDateTime } from '../domain/format.ts';
import type { CycleResult, Turnout } from '../../ledger/results.ts';
import type { LateBallots } from '../../ledger/publication.ts';
import { selectedProjects } from '../domain/cycle.ts';
import type { ImplementationUpdate } from '../domain/implementation.ts';
import { implementationSection } from './implementation-section.ts';
import { STATUSES } from '../../console/proposals.ts';
import type { PublicIdeas } from '../../console/public-ideas.ts';

const LABELS = {
  en: {
    results: 'Results',
    turnout: 'Turnout',
    ballots: 'ballots',
    byWard: 'Ballots by ward',
    byChannel: 'Ballots by channel',
    project: 'Project',
    cost: 'Cost',
    votes: 'Votes',
    points: 'Points',
    selected: 'Selected',
    yes: 'Yes',
    no: 'No',
    budget: 'Budget',
    used: 'used',
    notYet: 'Results are published after voting closes on {date}. Counted so far:',
    rule: 'Counting rule',
    openData: 'Open data',
    provisional: 'Provisional',
    chart: 'Votes per project in {ward}; selected projects are dark.',
    ward: 'Ward',
    channel: 'Channel',
    cycles: 'Participatory budgeting cycles',
    share: 'Most a supporter paid',
    declared: 'Selected projects, published on {date} (counted before this ledger):',
    byAgeBand: 'Ballots by age band',
    byGender: 'Ballots by gender',
    ageBand: 'Age band',
    gender: 'Gender',
    notRecorded: 'Not recorded',
    notCollected: 'Not collected.',
    hidden:
      'Age band and gender come from the voter roll. Groups with fewer than {n} ballots show as “<{n}”, and so does one more group when a single hidden one could be worked out from the total, so that nobody can be picked out.',
    late: '{n} ballots arrived after the results were published and are not counted:',
    gateway: 'Gateway',
    captured: 'Captured',
    arrived: 'Arrived',
    forced: 'Published without waiting for every gateway. The reason given:',
    neverSynced: 'never synced',
    waiting: '{n} events waiting',
    lastSeen: 'last seen {date}',
    tooMany: 'Too many requests from this address. Please try again in a minute.',
    published: 'Published on {date}.',
    historical: 'Historical',
    historicalNote: 'This cycle was counted before this ledger existed: its ballots are not held here, so no turnout is shown.',
    upcoming: 'Upcoming',
    votingOpens: 'Voting opens on {date}.',
    ideasOpen: 'Ideas can be sent until {date}.',
    ideas: 'Ideas received',
    ideasNote:
      'The ideas residents sent for this cycle, per ward, and where their review stands. An idea’s title appears here once the PB team approves it for publication.',
    ideasCount: 'Ideas',
    review: 'Review',
    noIdeas: 'No idea received yet.',
    titles: 'Ideas published by the PB team',
    'status.received': 'received',
    'status.under-review': 'under review',
    'status.feasible': 'feasible',
    'status.not-feasible': 'not feasible',
    'channel.ussd': 'Phone menu (USSD)',
    'channel.sms': 'Text message (SMS)',
    'channel.voice': 'Voice call',
    'channel.field': 'Field officers',
    'channel.paper': 'Paper ballots',
    'channel.paper-tally': 'Meeting tally sheets',
  },
  sw: {
    results: 'Matokeo',
    turnout: 'Waliopiga kura',
    ballots: 'kura',
    byWard: 'Kura kwa wadi',
    byChannel: 'Kura kwa njia',
    project: 'Mradi',
    cost: 'Gharama',
    votes: 'Kura',
    points: 'Alama',
    selected: 'Umechaguliwa',
    yes: 'Ndiyo',
    no: 'Hapana',
    budget: 'Bajeti',
    used: 'imetumika',
    notYet: 'Matokeo yatatangazwa baada ya upigaji kura kufungwa tarehe {date}. Zilizohesabiwa hadi sasa:',
    rule: 'Kanuni ya kuhesabu',
    openData: 'Data huria',
    provisional: 'Ya muda',
    chart: 'Kura kwa kila mradi katika {ward}; miradi iliyochaguliwa ni ya rangi nzito.',
    ward: 'Wadi',
    channel: 'Njia',
    cycles: 'Mizunguko ya bajeti shirikishi',
    share: 'Kiasi cha juu alicholipa mfuasi',
    declared: 'Miradi iliyochaguliwa, iliyotangazwa tarehe {date} (ilihesabiwa kabla ya leja hii):',
    byAgeBand: 'Kura kwa kundi la umri',
    byGender: 'Kura kwa jinsia',
    ageBand: 'Kundi la umri',
    gender: 'Jinsia',
    notRecorded: 'Haijarekodiwa',
    notCollected: 'Haikukusanywa.',
    hidden:
      'Umri na jinsia vinatoka kwenye daftari la wapiga kura. Makundi yenye kura chini ya {n} yanaonyeshwa kama “<{n}”, vivyo hivyo kundi moja zaidi pale ambapo kundi moja lililofichwa lingeweza kukokotolewa kutoka jumla, ili mtu yeyote asiweze kutambuliwa.',
    late: 'Kura {n} zilifika baada ya matokeo kutangazwa na hazijahesabiwa:',
    gateway: 'Lango',
    captured: 'Zilipigwa',
    arrived: 'Zilifika',
    forced: 'Yalitangazwa bila kusubiri kila lango. Sababu iliyotolewa:',
    neverSynced: 'haijawahi kutuma data',
    waiting: 'matukio {n} yanasubiri',
    lastSeen: 'ilionekana mwisho {date}',
    tooMany: 'Maombi mengi mno kutoka anwani hii. Tafadhali jaribu tena baada ya dakika moja.',
    published: 'Yalitangazwa {date}.',
    historical: 'Kihistoria',
    historicalNote: 'Mzunguko huu ulihesabiwa kabla ya leja hii kuwepo: kura zake hazihifadhiwi hapa, kwa hivyo idadi ya waliopiga kura haionyeshwi.',
    upcoming: 'Ujao',
    votingOpens: 'Upigaji kura utafunguliwa tarehe {date}.',
    ideasOpen: 'Mawazo yanaweza kutumwa hadi tarehe {date}.',
    ideas: 'Mawazo yaliyopokelewa',
    ideasNote:
      'Mawazo ambayo wakazi wametuma kwa mzunguko huu, kwa kila wadi, na hatua ya ukaguzi wake. Jina la wazo linaonekana hapa baada ya timu ya bajeti shirikishi kuidhinisha lichapishwe.',
    ideasCount: 'Mawazo',
    review: 'Ukaguzi',
    noIdeas: 'Hakuna wazo lililopokelewa bado.',
    titles: 'Mawazo yaliyochapishwa na timu ya bajeti shirikishi',
    'status.received': 'yamepokelewa',
    'status.under-review': 'yanakaguliwa',
    'status.feasible': 'yanawezekana',
    'status.not-feasible': 'hayawezekani',
    'channel.ussd': 'Menyu ya simu (USSD)',
    'channel.sms': 'Ujumbe mfupi (SMS)',
    'channel.voice': 'Simu ya sauti',
    'channel.field': 'Maafisa wa nyanjani',
    'channel.paper': 'Kura za karatasi',
    'channel.paper-tally': 'Fomu za jumla za mikutano',
  },
  fr: {
    results: 'Résultats',
    turnout: 'Participation',
    ballots: 'bulletins',
    byWard: 'Bulletins par quartier',
    byChannel: 'Bulletins par canal',
    project: 'Projet',
    cost: 'Coût',
    votes: 'Voix',
    points: 'Points',
    selected: 'Retenu',
    yes: 'Oui',
    no: 'Non',
    budget: 'Budget',
    used: 'utilisé',
    notYet: 'Les résultats seront publiés après la clôture du vote le {date}. Décompte à ce jour :',
    rule: 'Règle de calcul',
    openData: 'Données ouvertes',
    provisional: 'Provisoire',
    chart: 'Voix par projet à {ward} ; les projets retenus sont en foncé.',
    ward: 'Quartier',
    channel: 'Canal',
    cycles: 'Cycles de budget participatif',
    share: 'Part maximale payée par un soutien',
    declared: 'Projets retenus, publiés le {date} (comptés avant ce registre) :',
    byAgeBand: 'Bulletins par tranche d’âge',
    byGender: 'Bulletins par genre',
    ageBand: 'Tranche d’âge',
    gender: 'Genre',
    notRecorded: 'Non renseigné',
    notCollected: 'Non collecté.',
    hidden:
      'La tranche d’âge et le genre viennent de la liste électorale. Les groupes de moins de {n} bulletins sont affichés « <{n} », de même qu’un autre groupe quand un seul groupe masqué pourrait se déduire du total, afin que personne ne puisse être identifié.',
    late: '{n} bulletins sont arrivés après la publication des résultats et ne sont pas comptés :',
    gateway: 'Passerelle',
    captured: 'Enregistrés',
    arrived: 'Arrivés',
    forced: 'Publiés sans attendre toutes les passerelles. Raison donnée :',
    neverSynced: 'jamais synchronisée',
    waiting: '{n} événements en attente',
    lastSeen: 'vue pour la dernière fois le {date}',
    tooMany: 'Trop de demandes depuis cette adresse. Veuillez réessayer dans une minute.',
    published: 'Publiés le {date}.',
    historical: 'Historique',
    historicalNote:
      'Ce cycle a été compté avant l’existence de ce registre : ses bulletins ne sont pas conservés ici, la participation n’est donc pas affichée.',
    upcoming: 'À venir',
    votingOpens: 'Le vote ouvrira le {date}.',
    ideasOpen: 'Les idées peuvent être envoyées jusqu’au {date}.',
    ideas: 'Idées reçues',
    ideasNote:
      'Les idées envoyées par les habitants pour ce cycle, par quartier, et l’état de leur examen. Le titre d’une idée paraît ici quand l’équipe du budget participatif l’approuve pour publication.',
    ideasCount: 'Idées',
    review: 'Examen',
    noIdeas: 'Aucune idée reçue pour l’instant.',
    titles: 'Idées publiées par l’équipe du budget participatif',
    'status.received': 'reçues',
    'status.under-review': 'en examen',
    'status.feasible': 'réalisables',
    'status.not-feasible': 'non réalisables',
    'channel.ussd': 'Menu du téléphone (USSD)',
    'channel.sms': 'Texto (SMS)',
    'channel.voice': 'Appel vocal',
    'channel.field': 'Agents de terrain',
    'channel.paper': 'Bulletins papier',
    'channel.paper-tally': 'Feuilles de dépouillement',
  },
} satisfies Record<BuiltInLang, Record<string, string>>;
type Labels = (typeof LABELS)['en'];
/** The page's labels in `lang`; English for a language a deployment added (its catalogue holds resident texts only). */
const labelsOf = (lang: Lang): Labels => (isBuiltInLang(lang) ? LABELS[lang] : LABELS.en);

/** Texts about paper: tally sheets are shown apart from individual ballots, and say whether the rule counted them. */
const PAPER = {
  en: {
    channels:
      'Paper ballots: individual paper ballots, each typed in by two officers. Meeting tally sheets: valid ballots counted from meetings’ tally sheets (totals per project, not individual ballots).',
    sheets: 'Paper tally sheets: {sheets} meetings, {valid} valid and {spoiled} spoiled of {issued} ballots issued.',
    counted: 'This rule counts their votes (column “{col}”) together with the individual ballots’ votes.',
    notCounted: 'This rule needs individual ballots: their votes are shown (column “{col}”) but not counted.',
    col: 'Tally sheet votes',
  },
  sw: {
    channels:
      'Kura za karatasi: kura za karatasi moja moja, kila moja imeingizwa na maafisa wawili. Fomu za jumla za mikutano: kura halali zilizohesabiwa kutoka fomu za jumla za mikutano (jumla kwa kila mradi, si kura moja moja).',
    sheets: 'Fomu za jumla za karatasi: mikutano {sheets}, halali {valid} na zilizoharibika {spoiled} kati ya {issued} zilizotolewa.',
    counted: 'Kanuni hii inahesabu kura zao (safu “{col}”) pamoja na kura moja moja.',
    notCounted: 'Kanuni hii inahitaji kura moja moja: kura zao zinaonyeshwa (safu “{col}”) lakini hazihesabiwi.',
    col: 'Kura za fomu za jumla',
  },
  fr: {
    channels:
      'Bulletins papier : bulletins individuels, chacun saisi par deux agents. Feuilles de dépouillement : bulletins valables comptés d’après les feuilles de dépouillement des réunions (totaux par projet, pas de bulletins individuels).',
    sheets: 'Feuilles de dépouillement : {sheets} réunions, {valid} bulletins valables et {spoiled} nuls sur {issued} remis.',
    counted: 'Cette règle compte leurs voix (colonne « {col} ») avec celles des bulletins individuels.',
    notCounted: 'Cette règle demande des bulletins individuels : leurs voix sont affichées (colonne « {col} ») mais pas comptées.',
    col: 'Voix des feuilles',
  },
} satisfies Record<BuiltInLang, Record<string, string>>;

/** The paper texts in `lang`; English for a language a deployment added. */
const paperTexts = (lang: Lang) => (isBuiltInLang(lang) ? PAPER[lang] : PAPER.en);

/** Each counting rule explained in the reader's language; the rule's Pabulib name follows in brackets. */
const RULE_TEXT = {
  en: {
    greedy: 'greedy: most votes first; a project that does not fit the money left is skipped',
    'greedy-no-skip': 'greedy, stopping at the first project that does not fit',
    'greedy-threshold': 'greedy among projects with enough votes',
    equalshares: 'Method of Equal Shares: each voter controls an equal part of the budget',
    'equalshares-comparison': 'Method of Equal Shares, compared with greedy',
    'equalshares/add1': 'Method of Equal Shares, with the per-voter budget raised while it fits',
    'equalshares/add1-comparison': 'Method of Equal Shares with add1, compared with greedy',
  },
  sw: {
    greedy: 'kura nyingi kwanza: miradi yenye kura nyingi zaidi inafadhiliwa kwanza; mradi usiotosha pesa zilizobaki unarukwa',
    'greedy-no-skip': 'kura nyingi kwanza, ukisimama kwenye mradi wa kwanza usiotosha pesa zilizobaki',
    'greedy-threshold': 'kura nyingi kwanza, kati ya miradi yenye kura za kutosha',
    equalshares: 'Mbinu ya Hisa Sawa: kila mpiga kura anadhibiti sehemu sawa ya bajeti',
    'equalshares-comparison': 'Mbinu ya Hisa Sawa, ikilinganishwa na kura nyingi kwanza',
    'equalshares/add1': 'Mbinu ya Hisa Sawa, na bajeti ya kila mpiga kura ikiongezwa maadamu inatosha',
    'equalshares/add1-comparison': 'Mbinu ya Hisa Sawa na add1, ikilinganishwa na kura nyingi kwanza',
  },
  fr: {
    greedy: 'glouton : les projets les plus votés d’abord ; un projet qui ne tient pas dans l’argent restant est sauté',
    'greedy-no-skip': 'glouton, arrêté au premier projet qui ne tient pas dans l’argent restant',
    'greedy-threshold': 'glouton parmi les projets ayant assez de voix',
    equalshares: 'Méthode des parts égales : chaque votant dispose d’une part égale du budget',
    'equalshares-comparison': 'Méthode des parts égales, comparée à la méthode gloutonne',
    'equalshares/add1': 'Méthode des parts égales, le budget par votant augmenté tant qu’il tient',
    'equalshares/add1-comparison': 'Méthode des parts égales avec add1, comparée à la méthode gloutonne',
  },
} satisfies Record<BuiltInLang, Record<string, string>>;
/** The rule in words: a language a deployment added reads English, as the rest of the page. */
const ruleText = (rule: string, lang: Lang): string => (RULE_TEXT[isBuiltInLang(lang) ? lang : 'en'] as Record<string, string>)[rule] ?? rule;
/** A channel's name in words ("Text message (SMS)"), its code for one the page does not know. */
const channelName = (channel: string, L: Labels): string => (L as Record<string, string>)[`channel.${channel}`] ?? channel;

const esc = (s: string | number) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fill = (text: string, values: Record<string, string>) => text.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? '');
const pick = (texts: Record<string, string>, lang: Lang) => texts[lang] ?? Object.values(texts)[0] ?? '';

// Fits a 360 px phone: long words (a rule's name, a file name) and table cells wrap rather than
// push the page sideways, but never inside a number; charts scale to the
// width (their tables hold the same numbers).
const STYLE = `
body{font:16px/1.4 system-ui,sans-serif;margin:0 auto;max-width:52rem;padding:0 .75rem;color:#111;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{border-bottom:1px solid #ccc;padding:.3rem;text-align:left;overflow-wrap:anywhere}
td.n,th.n{text-align:right}td.n,.ideas th{overflow-wrap:normal}tr.sel td{font-weight:600}.bar{fill:#9ab}.bar.sel{fill:#235}
nav a{margin-right:.75rem;display:inline-block}.note{color:#444}svg{max-width:100%;height:auto}
img.photo{display:block;width:100%;max-width:22.5rem;height:auto;margin:.25rem 0 .5rem}
@media (max-width:30rem){body{padding:0 .5rem}table{font-size:14px}th,td{padding:.25rem .15rem}h1{font-size:1.5rem}}
`;
/** SHA-256 (base64) of the page's inline stylesheet, for the Content-Security-Policy's style-src. */
export const RESULTS_STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

function page(title: string, lang: Lang, body: string): string {
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style></head><body>${body}</body></html>`;
}

/** What a reader of the results is told when their address has made too many requests this minute. */
export function tooManyRequests(lang: Lang): string {
  return labelsOf(lang).tooMany;
}

/** One bar: `text` replaces the number shown (a hidden small group: "<5", drawn without a bar). */
export interface Bar {
  label: string;
  value: number;
  text?: string;
  strong?: boolean;
}

/** A horizontal bar chart as SVG, labelled for screen readers; the table beside it holds the same numbers. */
export function barChart(id: string, title: string, bars: Bar[]): string {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const row = 22;
  const width = 600;
  const labelWidth = 220;
  const rows = bars
    .map((b, i) => {
      const w = Math.round(((width - labelWidth - 60) * b.value) / max);
      const y = i * row;
      return `<g><text x="0" y="${y + 15}" font-size="13">${esc(b.label)}</text><rect class="bar${b.strong ? ' sel' : ''}" x="${labelWidth}" y="${y + 3}" width="${w}" height="${row - 6}"/><text x="${labelWidth + w + 4}" y="${y + 15}" font-size="13">${esc(b.text ?? b.value)}</text></g>`;
    })
    .join('');
  return `<svg role="img" aria-labelledby="${id}" viewBox="0 0 ${width} ${bars.length * row}" width="${width}" height="${bars.length * row}"><title id="${id}">${esc(title)}</title>${rows}</svg>`;
}

/** Full amounts: the page has room, unlike USSD screens, which use formatMoney's compact "4.5M". */
function money(n: number, currency: string, lang: Lang): string {
  return `${currency} ${new Intl.NumberFormat(lang === 'sw' ? 'en' : lang).format(n)}`;
}

function languageLinks(d: Deployment, path: string): string {
  return `<nav>${d.languages.map((l) => `<a href="${esc(path)}?lang=${l.code}" lang="${l.code}">${esc(l.name)}</a>`).join('')}</nav>`;
}

/**
 * The list of cycles, newest first, each marked for what it is: historical (counted before this
 * ledger), upcoming (its vote not open yet at `now`) or provisional (not published yet).
 */
export function renderIndex(d: Deployment, lang: Lang, published: Set<string>, now: Date = new Date()): string {
  const L: Labels = labelsOf(lang);
  const mark = (c: Deployment['cycles'][number]) => {
    if (published.has(c.id)) return '';
    const word = c.results ? L.historical : now < c.phases.voting.opens ? L.upcoming : L.provisional;
    return ` <span class="note">(${esc(word)})</span>`;
  };
  const items = [...d.cycles]
    .sort((a, b) => b.phases.voting.opens.getTime() - a.phases.voting.opens.getTime())
    .map((c) => `<li><a href="/results/${esc(c.id)}?lang=${lang}">${esc(pick(c.name, lang))}</a>${mark(c)}</li>`)
    .join('');
  return page(
    `${d.deployment.name} — ${L.results}`,
    lang,
    `${languageLinks(d, '/results')}<h1>${esc(d.deployment.name)}</h1><h2>${esc(L.cycles)}</h2><ul>${items}</ul>`,
  );
}

/**
 * Before a cycle's vote: how many ideas each ward sent and where their review stands, and the
 * titles the PB team approved for publication (console/public-ideas.ts); nothing else of an idea.
 */
function ideasSection(d: Deployment, ideas: PublicIdeas, L: Labels, lang: Lang): string {
  const wardName = (id: string) => pick(d.wards.find((w) => w.id === id)?.name ?? { en: id }, lang);
  const total = ideas.byWard.reduce((n, w) => n + w.total, 0);
  const out = [`<section aria-labelledby="ideas"><h2 id="ideas">${esc(L.ideas)}</h2><p class="note">${esc(L.ideasNote)}</p>`];
  if (total === 0) return `${out.join('')}<p>${esc(L.noIdeas)}</p></section>`;
  const word = (s: string) => (L as Record<string, string>)[`status.${s}`] ?? s;
  const rows = ideas.byWard
    .map((w) => {
      const review = STATUSES.filter((s) => w.byStatus[s] > 0)
        .map((s) => `${w.byStatus[s]} ${esc(word(s))}`)
        .join(' · ');
      return `<tr><td>${esc(wardName(w.wardId))}</td><td class="n">${w.total}</td><td>${review}</td></tr>`;
    })
    .join('');
  out.push(
    `<table class="ideas"><thead><tr><th>${esc(L.ward)}</th><th class="n">${esc(L.ideasCount)}</th><th>${esc(L.review)}</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
  if (ideas.titles.length)
    out.push(
      `<h3>${esc(L.titles)}</h3><ul class="titles">${ideas.titles.map((i) => `<li>${esc(wardName(i.wardId))}: ${esc(i.title)} <span class="note">(${esc(word(i.status))})</span></li>`).join('')}</ul>`,
    );
  return `${out.join('')}</section>`;
}

/**
 * Turnout by age band and by gender, per cycle, as counted (small groups already hidden by the
 * ledger). "Not collected" when the deployment lists them but no ballot has them; nothing when
 * it does not list them.
 */
function demographicSections(d: Deployment, t: Turnout, L: Labels, section: (id: string, title: string, head: string, rows: Bar[]) => string): string[] {
  const out: string[] = [];
  for (const [id, title, head, b] of [
    ['t-age', L.byAgeBand, L.ageBand, t.byAgeBand],
    ['t-gender', L.byGender, L.gender, t.byGender],
  ] as const) {
    if (b) {
      const rows = b.cells.map((c): Bar => ({
        label: c.value ?? L.notRecorded,
        value: c.ballots ?? 0,
        ...(c.ballots === null ? { text: `<${b.minCell}` } : {}),
      }));
      out.push(section(id, title, head, rows));
    } else if (d.demographics) out.push(`<h3>${esc(title)}</h3><p class="note">${esc(L.notCollected)}</p>`);
  }
  const minCell = (t.byAgeBand ?? t.byGender)?.minCell;
  if (minCell) out.push(`<p class="note">${esc(fill(L.hidden, { n: String(minCell) }))}</p>`);
  return out;
}

/** What is public before publication: turnout only, never a running count per project. */
export type BeforePublication = Pick<CycleResult, 'cycleId' | 'name' | 'votingClosed' | 'turnout'> & { publishedAt: null };

/** Times to the minute in the deployment's time zone, as residents read them on USSD and SMS. */
type Minute = (iso: string) => string;
const span = (minute: Minute, first: string, last: string) => (minute(first) === minute(last) ? minute(first) : `${minute(first)} – ${minute(last)}`);

/** Why the PB team published before every gateway had delivered, and which gateways they were. */
function forcedNote(forced: NonNullable<CycleResult['forced']>, L: Labels, minute: Minute): string {
  const state = (g: (typeof forced.gateways)[number]) =>
    g.lastSeenAt === null
      ? L.neverSynced
      : [...((g.backlog ?? 0) > 0 ? [fill(L.waiting, { n: String(g.backlog) })] : []), fill(L.lastSeen, { date: minute(g.lastSeenAt) })].join(', ');
  const items = forced.gateways.map((g) => `<li>${esc(g.gatewayId)}: ${esc(state(g))}</li>`).join('');
  return `<p class="note"><strong>${esc(L.forced)}</strong> ${esc(forced.reason)}</p>${items ? `<ul>${items}</ul>` : ''}`;
}

/** Ballots that arrived after publication, per gateway: stored, not counted. */
function lateSection(late: LateBallots, L: Labels, minute: Minute): string {
  const rows = late.byGateway
    .map(
      (g) =>
        `<tr><td>${esc(g.gatewayId)}</td><td class="n">${g.ballots}</td><td>${esc(span(minute, g.capturedFirst, g.capturedLast))}</td><td>${esc(span(minute, g.arrivedFirst, g.arrivedLast))}</td></tr>`,
    )
    .join('');
  return `<p>${esc(fill(L.late, { n: String(late.total) }))}</p><table><thead><tr><th>${esc(L.gateway)}</th><th class="n">${esc(L.ballots)}</th><th>${esc(L.captured)}</th><th>${esc(L.arrived)}</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** What the page knows besides the count: the time, and a cycle's ideas before its vote. */
export interface CycleExtras {
  now?: Date;
  /** The cycle's ideas (console/public-ideas.ts), shown while its vote has not opened. */
  ideas?: PublicIdeas;
}

/**
 * One cycle, as what it is: before its vote, when it opens and the ideas received so far; during
 * and after the vote, turnout, then per-ward projects and winners once the results are published
 * (with the date and time), with the ballots that arrived after publication listed apart
 * (`late`); a historical cycle (counted before this ledger), its declared winners and no turnout.
 */
export function renderCycle(
  d: Deployment,
  r: CycleResult | BeforePublication,
  lang: Lang,
  late?: LateBallots,
  implementation: ImplementationUpdate[] = [],
  extras: CycleExtras = {},
): string {
  const L: Labels = labelsOf(lang);
  const now = extras.now ?? new Date();
  const name = pick(r.name, lang);
  const wardName = (id: string) => pick(d.wards.find((w) => w.id === id)?.name ?? { en: id }, lang);
  const tz = d.deployment.timezone;
  const day = (at: Date | string) => formatDate(new Date(at), lang, tz);
  const minute: Minute = (iso) => formatDateTime(new Date(iso), lang, tz);
  const parts: string[] = [languageLinks(d, `/results/${r.cycleId}`), `<h1>${esc(name)} — ${esc(L.results)}</h1>`];
  const cycle = d.cycles.find((c) => c.id === r.cycleId);
  // A cycle counted before this ledger existed: the deployment file declares its winners.
  const declared = cycle?.results;
  // Its ballots were never here: a turnout of 0 would read as nobody having voted.
  const historical = Boolean(!r.publishedAt && declared && r.turnout.total === 0);
  const beforeVote = Boolean(!r.publishedAt && !declared && cycle && now < cycle.phases.voting.opens);
  if (r.publishedAt) parts.push(`<p>${esc(fill(L.published, { date: minute(r.publishedAt) }))}</p>`);
  if (!r.publishedAt && declared && cycle) {
    parts.push(`<p>${esc(fill(L.declared, { date: day(declared.published) }))}</p>`);
    const items = d.wards.flatMap((w) =>
      selectedProjects(cycle, w.id).map(
        (p) => `<li>${esc(pick(w.name, lang))}: ${p.code} ${esc(pick(p.title, lang))} (${esc(money(p.cost, d.deployment.currency, lang))})</li>`,
      ),
    );
    parts.push(`<ul>${items.join('')}</ul>`);
    if (historical) parts.push(`<p class="note">${esc(L.historicalNote)}</p>`);
    parts.push(
      implementationSection(
        r.cycleId,
        d.wards.flatMap((w) => selectedProjects(cycle, w.id)),
        implementation,
        lang,
        false,
      ),
    );
  } else if (beforeVote && cycle) {
    parts.push(`<p>${esc(fill(L.votingOpens, { date: day(cycle.phases.voting.opens) }))}</p>`);
    const { proposals } = cycle.phases;
    if (now >= proposals.opens && now < proposals.closes) parts.push(`<p>${esc(fill(L.ideasOpen, { date: day(proposals.closes) }))}</p>`);
    if (extras.ideas) parts.push(ideasSection(d, extras.ideas, L, lang));
  } else if (!r.publishedAt) parts.push(`<p class="note">${esc(fill(L.notYet, { date: day(r.votingClosed) }))}</p>`);
  if ('forced' in r && r.forced) parts.push(forcedNote(r.forced, L, minute));

  if (!historical && !beforeVote) {
    parts.push(`<h2>${esc(L.turnout)}: ${r.turnout.total} ${esc(L.ballots)}</h2>`);
    const wardRows = Object.entries(r.turnout.byWard).map(([id, n]) => ({ label: wardName(id), value: n }));
    const channelRows = Object.entries(r.turnout.byChannel)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([c, n]) => ({ label: channelName(c, L), value: n }));
    const section = (id: string, title: string, head: string, rows: Bar[]) =>
      `<h3>${esc(title)}</h3>${barChart(id, title, rows)}<table><thead><tr><th>${esc(head)}</th><th class="n">${esc(L.ballots)}</th></tr></thead><tbody>${rows.map((x) => `<tr><td>${esc(x.label)}</td><td class="n">${esc(x.text ?? x.value)}</td></tr>`).join('')}</tbody></table>`;
    parts.push(section('t-ward', L.byWard, L.ward, wardRows), section('t-channel', L.byChannel, L.channel, channelRows));
    if (r.turnout.byChannel.paper || r.turnout.byChannel['paper-tally']) parts.push(`<p class="note">${esc(paperTexts(lang).channels)}</p>`);
    parts.push(...demographicSections(d, r.turnout, L, section));
  }
  const P = paperTexts(lang);

  if ('wards' in r && r.publishedAt) {
    parts.push(`<p>${esc(L.rule)}: ${esc(ruleText(r.rule, lang))} (<code>${esc(r.rule)}</code>)</p>`);
    const scoreHead = r.rankedBy === 'score' ? L.points : L.votes;
    const withShare = r.wards.some((w) => w.projects.some((p) => p.sharePaid));
    const t = r.paperTallies;
    if (t)
      parts.push(
        `<p>${esc(fill(P.sheets, { sheets: String(t.sheets), valid: String(t.valid), spoiled: String(t.spoiled), issued: String(t.issued) }))} ${esc(fill(t.counted ? P.counted : P.notCounted, { col: P.col }))}</p>`,
      );
    for (const w of r.wards) {
      const title = pick(w.name, lang);
      parts.push(`<section aria-labelledby="w-${esc(w.wardId)}"><h2 id="w-${esc(w.wardId)}">${esc(title)}</h2>`);
      parts.push(
        `<p>${esc(L.budget)} ${esc(money(w.budget, r.currency, lang))}; ${esc(money(w.used, r.currency, lang))} ${esc(L.used)} (${w.budget ? Math.round((100 * w.used) / w.budget) : 0}%). ${w.ballots} ${esc(L.ballots)}.</p>`,
      );
      const bars = w.projects.map((p) => ({
        label: `${p.code} ${pick(p.short, lang)}`,
        value: r.rankedBy === 'score' ? p.score : p.votes,
        strong: p.selected,
      }));
      parts.push(barChart(`c-${w.wardId}`, fill(L.chart, { ward: title }), bars));
      const rows = w.projects
        .map(
          (p) =>
            `<tr${p.selected ? ' class="sel"' : ''}><td>${p.code} ${esc(pick(p.title, lang))}</td><td class="n">${esc(money(p.cost, r.currency, lang))}</td><td class="n">${r.rankedBy === 'score' ? p.score : p.votes}</td>${t ? `<td class="n">${p.tallied ?? 0}</td>` : ''}<td>${p.selected ? `✔ ${esc(L.yes)}` : esc(L.no)}</td>${withShare ? `<td class="n">${p.sharePaid ?? ''}</td>` : ''}</tr>`,
        )
        .join('');
      parts.push(
        `<table><thead><tr><th>${esc(L.project)}</th><th class="n">${esc(L.cost)}</th><th class="n">${esc(scoreHead)}</th>${t ? `<th class="n">${esc(P.col)}</th>` : ''}<th>${esc(L.selected)}</th>${withShare ? `<th class="n">${esc(L.share)}</th>` : ''}</tr></thead><tbody>${rows}</tbody></table></section>`,
      );
    }
    const winners = r.wards.flatMap((w) => w.projects.filter((p) => p.selected));
    parts.push(implementationSection(r.cycleId, winners, implementation, lang, true));
    if (late && late.total > 0) parts.push(lateSection(late, L, minute));
    const base = `/results/${r.cycleId}`;
    const files = ['results.csv', 'results.json', 'turnout.csv', 'ballots.csv', 'ballots.json', ...r.wards.map((w) => `${w.wardId}.pb`), 'late.csv'];
    parts.push(`<h2>${esc(L.openData)}</h2><ul>${files.map((f) => `<li><a href="${esc(`${base}/${f}`)}">${esc(f)}</a></li>`).join('')}</ul>`);
  }
  return page(`${name} — ${L.results}`, lang, parts.join('\n'));
}
