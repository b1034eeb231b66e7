// Open data: results and anonymised ballots as CSV, JSON and Pabulib .pb. A voter appears under
// an id made for this cycle alone (keyed with a secret that never leaves the ledger), so a
// ballot cannot be linked to a phone number, to a receipt, or to the same voter in another cycle.
// Rows are ordered by that id, not by time, so their order says nothing about when anyone voted.
import { createHmac } from 'node:crypto';
import type { Deployment } from '../src/config/schema.ts';
import { wardProjects } from '../src/domain/cycle.ts';
import { maxPerProject } from '../src/domain/ballot.ts';
import { toCsv as csv } from '../src/domain/csv.ts';
import { formatExclusive, writePb, type PbFile } from '../tally/pabulib.ts';
import { hasPoints } from '../tally/profile.ts';
import type { LateBallots } from './publication.ts';
import { cycleBallots, voteTypeOf, wardExclusive, weighBallot, type CycleResult } from './results.ts';
import type { LedgerDb } from './schema.ts';
import { reasonByLanguage, reasonIn, type ImplementationUpdate } from '../src/domain/implementation.ts';

export interface OpenBallot {
  voter: string;
  ward: string;
  /** Project codes in the order given (the ranking, for ranked ballots), each once. */
  picks: number[];
  /** Beside picks: the points of each place (ranked) or given to each project (cumulative). */
  points?: number[];
  channel: string;
}

async function exportKey(db: LedgerDb): Promise<string> {
  const row = await db.selectFrom('ledger_meta').select('value').where('key', '=', 'export_key').executeTakeFirstOrThrow();
  return row.value;
}

/** A voter's id in one cycle's open data: 12 characters, unlinkable across cycles. */
export function cycleVoterId(key: string, cycleId: string, voterKey: string): string {
  return createHmac('sha256', key).update(`${cycleId}\n${voterKey}`).digest('base64url').slice(0, 12);
}

/**
 * Every counted ballot of a cycle, anonymised, ordered by the per-cycle voter id. Once the cycle
 * is published, exactly the ballots its results counted, whatever arrived since.
 */
export async function openBallots(db: LedgerDb, deployment: Deployment, cycleId: string): Promise<OpenBallot[]> {
  const cycle = deployment.cycles.find((c) => c.id === cycleId)!;
  const type = voteTypeOf(cycle);
  const key = await exportKey(db);
  const published = await db.selectFrom('ledger_results').select('cycle_id').where('cycle_id', '=', cycleId).executeTakeFirst();
  const out: OpenBallot[] = [];
  for await (const b of cycleBallots(db, cycleId, published ? 'ledger_published_ballots' : 'ledger_ballots')) {
    const { codes, points } = weighBallot(type, b.picks);
    out.push({
      voter: cycleVoterId(key, cycleId, b.voterKey),
      ward: b.wardId,
      picks: codes,
      ...(points ? { points } : {}),
      channel: b.channel,
    });
  }
  return out.sort((a, b) => (a.voter < b.voter ? -1 : a.voter > b.voter ? 1 : 0));
}

export function ballotsCsv(ballots: OpenBallot[]): string {
  const withPoints = ballots.some((b) => b.points);
  return csv([
    ['voter', 'ward', 'picks', ...(withPoints ? ['points'] : []), 'channel'],
    ...ballots.map((b) => [b.voter, b.ward, b.picks.join(' '), ...(withPoints ? [b.points!.join(' ')] : []), b.channel]),
  ]);
}

/** One row per ward and project. `lang` picks the titles. */
export function resultsCsv(result: CycleResult, lang: string): string {
  const rows: (string | number)[][] = [
    ['cycle', 'ward', 'project', 'title', 'cost', 'votes', 'score', 'selected', 'funded_order', 'ward_budget', 'ward_budget_used', 'ward_ballots', 'rule'],
  ];
  for (const w of result.wards) {
    for (const p of w.projects) {
      rows.push([
        result.cycleId,
        w.wardId,
        p.code,
        p.title[lang] ?? Object.values(p.title)[0]!,
        p.cost,
        p.votes,
        p.score,
        p.selected ? 1 : 0,
        p.fundedOrder ?? '',
        w.budget,
        w.used,
        w.ballots,
        result.rule,
      ]);
    }
  }
  return csv(rows);
}

/**
 * Turnout as published: the total, then ballots by ward, by channel and (where collected) by age
 * band and by gender — per cycle only, hidden groups as "<minCell", ballots without a value under
 * an empty value. Ballots themselves never carry age band or gender (see openBallots).
 */
export function turnoutCsv(result: CycleResult): string {
  const t = result.turnout;
  const rows: (string | number)[][] = [
    ['cycle', 'breakdown', 'value', 'ballots'],
    [result.cycleId, 'total', '', t.total],
  ];
  for (const [id, n] of Object.entries(t.byWard)) rows.push([result.cycleId, 'ward', id, n]);
  for (const [channel, n] of Object.entries(t.byChannel).sort(([a], [b]) => a.localeCompare(b))) rows.push([result.cycleId, 'channel', channel, n]);
  for (const [name, b] of [
    ['age_band', t.byAgeBand],
    ['gender', t.byGender],
  ] as const) {
    for (const c of b?.cells ?? []) rows.push([result.cycleId, name, c.value ?? '', c.ballots ?? `<${b!.minCell}`]);
  }
  return csv(rows);
}

/** The published JSON: the results and, separately fetched, the ballots; why, when published early. */
export function resultsJson(result: CycleResult): object {
  const { cycleId, name, rule, options, rankedBy, currency, votingClosed, publishedAt, throughSeq, turnout, wards, forced, paperTallies } = result;
  return {
    cycleId,
    name,
    rule,
    options,
    rankedBy,
    currency,
    votingClosed,
    publishedAt,
    throughSeq,
    turnout,
    wards,
    ...(forced ? { forced } : {}),
    ...(paperTallies ? { paperTallies } : {}),
  };
}

/**
 * Ballots that arrived after publication, per gateway: how many, captured and arrived when.
 * The one open data file that grows; never the ballots themselves, which were not counted.
 */
export function lateCsv(cycleId: string, late: LateBallots): string {
  return csv([
    ['cycle', 'gateway', 'ballots', 'captured_first', 'captured_last', 'arrived_first', 'arrived_last'],
    ...late.byGateway.map((g) => [cycleId, g.gatewayId, g.ballots, g.capturedFirst, g.capturedLast, g.arrivedFirst, g.arrivedLast]),
  ]);
}

const country = (code: string) => new Intl.DisplayNames(['en'], { type: 'region' }).of(code) ?? code;
const pbDate = (d: Date, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, day: '2-digit', month: '2-digit', year: 'numeric' }).format(d).replace(/\//g, '.');

/** One Pabulib file per ward: META, PROJECTS (votes, score, selected), VOTES (voting_method = channel). */
export function pabulibFiles(deployment: Deployment, result: CycleResult, ballots: OpenBallot[], lang: string): { ward: string; name: string; text: string }[] {
  const cycle = deployment.cycles.find((c) => c.id === result.cycleId)!;
  const { voteType } = voteTypeOf(cycle);
  const withPoints = hasPoints(voteType);
  const tz = deployment.deployment.timezone;
  const b = cycle.ballot;
  const lengths: [string, string][] =
    b.rule === 'approval'
      ? [
          ['min_length', String(b.min)],
          ['max_length', String(b.max)],
        ]
      : b.rule === 'ranking'
        ? [
            ['min_length', String(b.min)],
            ['max_length', String(b.k)],
          ]
        : b.rule === 'choose-1'
          ? [
              ['min_length', '1'],
              ['max_length', '1'],
            ]
          : [['min_length', String(b.min)]];
  // Cumulative, in Pabulib's terms: each listed project gets 1 to max_points, all of them at most max_sum_points.
  const points: [string, string][] =
    b.rule === 'cumulative'
      ? [
          ['min_points', '1'],
          ['max_points', String(maxPerProject(b))],
          ['max_sum_points', String(b.points)],
        ]
      : [];
  return result.wards.map((w) => {
    const wardBallots = ballots.filter((x) => x.ward === w.wardId);
    const wardName = w.name[lang] ?? Object.values(w.name)[0]!;
    const projects = wardProjects(cycle, w.wardId);
    const exclusive = wardExclusive(cycle, projects);
    const ranked = new Map(w.projects.map((p) => [p.code, p]));
    const pb: PbFile = {
      meta: [
        ['description', `${deployment.deployment.name}, ${cycle.name[lang] ?? cycle.id}, ${wardName}`],
        ['country', country(deployment.deployment.country)],
        ['unit', deployment.deployment.name],
        ['subunit', wardName],
        ['instance', cycle.id],
        ['num_projects', String(projects.length)],
        ['num_votes', String(wardBallots.length)],
        ['budget', String(w.budget)],
        ['vote_type', voteType],
        // Our greedy never funds a project without votes: in Pabulib's terms that is greedy-threshold;
        // with exclusive projects, Pabulib's label is greedy-exclusive (the threshold stays in its key).
        [
          'rule',
          exclusive && (result.rule === 'greedy' || result.rule === 'greedy-threshold')
            ? 'greedy-exclusive'
            : result.rule === 'greedy'
              ? 'greedy-threshold'
              : result.rule,
        ],
        ['date_begin', pbDate(cycle.phases.voting.opens, tz)],
        ['date_end', pbDate(cycle.phases.voting.closes, tz)],
        ...lengths,
        ...(b.rule === 'knapsack' ? ([['max_sum_cost', String(w.budget)]] as [string, string][]) : []),
        ...points,
        ...(result.rule.startsWith('greedy') && result.options.threshold !== undefined
          ? ([['min_project_score_threshold', String(result.options.threshold)]] as [string, string][])
          : []),
        ['language', lang],
        ['currency', deployment.deployment.currency],
        // Pabulib's format has no field for exclusive projects: Sauti's own META key (the README says so).
        ...(exclusive ? ([['exclusive_projects', formatExclusive(exclusive.map((g) => g.map((i) => String(projects[i]!.code))))]] as [string, string][]) : []),
        // Tally sheets are totals, not ballots: VOTES cannot hold them, so the file says what else was counted.
        ...(w.tallied ? ([['comment', talliedComment(w.tallied, result.paperTallies?.counted ?? false)]] as [string, string][]) : []),
      ],
      // Listed in code order: Pabulib breaks greedy ties by listing order, and so do we.
      projectColumns: [
        'project_id',
        'cost',
        'votes',
        ...(withPoints ? ['score'] : []),
        'name',
        ...(projects.some((p) => p.category) ? ['category'] : []),
        'selected',
      ],
      projects: projects.map((p) => {
        const r = ranked.get(p.code)!;
        return {
          project_id: String(p.code),
          cost: String(p.cost),
          votes: String(r.votes),
          score: String(r.score),
          name: p.title[lang] ?? Object.values(p.title)[0]!,
          category: p.category ?? '',
          selected: r.selected ? '1' : '0',
        };
      }),
      voteColumns: ['voter_id', 'vote', ...(withPoints ? ['points'] : []), 'voting_method'],
      votes: wardBallots.map((x) => ({ voter_id: x.voter, vote: x.picks.join(','), points: x.points?.join(',') ?? '', voting_method: x.channel })),
    };
    return { ward: w.wardId, name: `${cycle.id}_${w.wardId}.pb`, text: writePb(pb) };
  });
}

/** The .pb note for a ward with paper tally sheets: their totals, and whether `selected` counted their votes. */
function talliedComment(t: NonNullable<CycleResult['wards'][number]['tallied']>, counted: boolean): string {
  // No semicolon: it is the .pb field separator, and a quoted value is harder for tools to read.
  const what = `${t.valid} valid paper ballots from ${t.sheets} meeting tally sheets are not in VOTES (per-project totals only, in results.json)`;
  return counted
    ? `${what}, and selected counts their votes too: VOTES alone may not give it`
    : `${what}, and this rule needs individual ballots: selected does not count them`;
}

/**
 * One open data file as downloaded: its name under /results/<cycle>/, its content type and
 * text. `lang` is the language its titles are in, '' when it reads the same in every language.
 */
export interface OpenDataFile {
  name: string;
  lang: string;
  type: string;
  body: string;
}

const CSV_TYPE = 'text/csv; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const SAME_IN_EVERY_LANGUAGE = ['results.json', 'turnout.csv', 'ballots.csv', 'ballots.json'];

/** Every open data file name a cycle of this deployment can have, in the order the page lists them. */
export function openDataNames(deployment: Deployment): string[] {
  return ['results.csv', 'results.json', 'turnout.csv', 'ballots.csv', 'ballots.json', ...deployment.wards.map((w) => `${w.id}.pb`), 'late.csv'];
}

/** Whether `name` is an open data file of this deployment: answerable without asking the ledger anything. */
export function isOpenDataFile(deployment: Deployment, name: string): boolean {
  return openDataNames(deployment).includes(name);
}

/** The file name an export or a download gets: `<cycle>_<ward>.pb`, `<cycle>-<name>` when `prefixed`, else the name. */
export function fileNameOf(cycleId: string, name: string, prefixed: boolean): string {
  if (name.endsWith('.pb')) return `${cycleId}_${name}`;
  return prefixed ? `${cycleId}-${name}` : name;
}

/** A cycle's open data in one language, except late.csv (which grows): what publication freezes. */
export function openDataFiles(deployment: Deployment, result: CycleResult, ballots: OpenBallot[], lang: string): OpenDataFile[] {
  const files: OpenDataFile[] = [
    { name: 'results.csv', lang, type: CSV_TYPE, body: resultsCsv(result, lang) },
    { name: 'results.json', lang, type: JSON_TYPE, body: JSON.stringify(resultsJson(result), null, 2) + '\n' },
    { name: 'turnout.csv', lang, type: CSV_TYPE, body: turnoutCsv(result) },
    { name: 'ballots.csv', lang, type: CSV_TYPE, body: ballotsCsv(ballots) },
    { name: 'ballots.json', lang, type: JSON_TYPE, body: JSON.stringify({ cycleId: result.cycleId, ballots }) + '\n' },
    ...pabulibFiles(deployment, result, ballots, lang).map((f) => ({ name: `${f.ward}.pb`, lang, type: 'text/plain; charset=utf-8', body: f.text })),
  ];
  return files.map((f) => (SAME_IN_EVERY_LANGUAGE.includes(f.name) ? { ...f, lang: '' } : f));
}

/** The open data files of a cycle's implementation updates (not frozen: they grow with each update). */
export const IMPLEMENTATION_FILES = ['implementation.csv', 'implementation.json'] as const;

/**
 * Implementation updates as CSV: one row per update, oldest first, the milestone and a
 * cancellation's reason in every language of the deployment (a column each). No person: who recorded an update is not stored.
 */
export function implementationCsv(deployment: Deployment, updates: ImplementationUpdate[]): string {
  const langs = deployment.languages.map((l) => l.code);
  return csv([
    [
      'cycle',
      'project',
      'entry',
      'recorded_at',
      'date',
      'status',
      'progress',
      ...langs.map((l) => `milestone_${l}`),
      ...langs.map((l) => `reason_${l}`),
      'photo_sha256',
    ],
    ...updates.map((u) => [
      u.cycleId,
      u.code,
      u.seq,
      u.recordedAt,
      u.date,
      u.status,
      u.progress,
      ...langs.map((l) => u.milestone[l] ?? ''),
      // An older update's single reason is in every language's column: that is all there is.
      ...langs.map((l) => reasonIn(u.reason, l) ?? ''),
      u.photo ?? '',
    ]),
  ]);
}

/** Implementation updates as JSON: per winning project, its latest state and its timeline. */
export function implementationJson(cycleId: string, updates: ImplementationUpdate[], langs: readonly string[]): object {
  const projects = new Map<number, ImplementationUpdate[]>();
  for (const u of updates) projects.set(u.code, [...(projects.get(u.code) ?? []), u]);
  return {
    cycleId,
    projects: [...projects.entries()]
      .sort(([a], [b]) => a - b)
      .map(([code, list]) => ({
        code,
        status: list.at(-1)!.status,
        progress: list.at(-1)!.progress,
        timeline: list.map((u) => ({
          entry: u.seq,
          recordedAt: u.recordedAt,
          date: u.date,
          status: u.status,
          progress: u.progress,
          milestone: u.milestone,
          // By language, as the milestone; an older update's single reason in every language.
          reason: reasonByLanguage(u.reason, langs),
          photo: u.photo,
        })),
      })),
  };
}
