// Pabulib's .pb format: META, PROJECTS and VOTES sections, `;`-separated with CSV quoting, lists
// comma-separated inside one field. Strict about what changes a count, tolerant about the rest:
// a file whose ballots, costs, budget or counts cannot be read for certain is refused with the
// line and field named, never half-read; the quirks of real published files (mixed line
// endings, stray quotes, a row with extra trailing fields, META that counting does not need)
// are read and reported as warnings with their line. Written so Pabulib's own checker accepts it.
import { readRecords, PbRecordError, WarningLog, type PbWarning } from './pb-records.ts';
import { ProfileBuilder, scoreProfile, type Instance, type TallyProject, type VoteType } from './profile.ts';
import { isRule, type RuleName } from './rules.ts';

export type { PbWarning } from './pb-records.ts';

export interface PbFile {
  meta: [key: string, value: string][];
  projectColumns: string[];
  projects: Record<string, string>[];
  voteColumns: string[];
  votes: Record<string, string>[];
  /** Source line of each PROJECTS and VOTES row, for error messages (absent on files built in code). */
  lines?: { projects: number[]; votes: number[] };
  /** Quirks read past, each with its line (0: the file as a whole). */
  warnings?: PbWarning[];
}

/** A .pb file that cannot be read: which line and which field. */
export class PbError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(line > 0 ? `line ${line}: ${message}` : message);
    this.name = 'PbError';
  }
}

const SECTIONS = ['meta', 'projects', 'votes'] as const;
/** META a count needs: refused without them. */
const COUNTING_META = ['num_projects', 'num_votes', 'budget', 'vote_type', 'rule'];
/** META the format requires but a count does not use: a warning without them. */
const DESCRIPTIVE_META = ['description', 'country', 'unit', 'instance', 'date_begin', 'date_end'];
const VOTE_TYPES: Record<string, VoteType> = { approval: 'approval', 'choose-1': 'choose-1', ordinal: 'ordinal', cumulative: 'cumulative', scoring: 'scoring' };

/** Reads the three sections; checks the shape (headers, ids, counts), not the votes' meaning. */
export function parsePb(text: string): PbFile {
  return scan(text);
}

/**
 * Reads and checks a file straight into its countable instance, as `pbInstance(parsePb(text))`
 * does, without keeping a row per ballot: the largest published files hold 130,000+ ballots, and
 * building and collecting an object for each costs about as much as reading them. Files whose
 * VOTES come before their PROJECTS (the format allows any order) are read the long way.
 */
export function readPb(text: string): PbInstance {
  let ballots: { header: Header; sink: Ballots } | undefined;
  const pb = scan(text, (pbSoFar, fields, line) => {
    if (!pbSoFar.projectColumns.length) return false;
    if (!ballots) {
      checkShape(pbSoFar);
      const header = readHeader(pbSoFar);
      ballots = { header, sink: new Ballots(header, pbSoFar.voteColumns) };
    }
    ballots.sink.add(fields, line);
    return true;
  });
  if (!ballots) return pbInstance(pb);
  return finish(pb, ballots.header, ballots.sink);
}

/**
 * The sections of a file. Each VOTES row is offered to `takeVote` first (with the file as read so
 * far); a row it does not take is kept in `pb.votes`.
 */
function scan(text: string, takeVote?: (pb: PbFile, fields: string[], line: number) => boolean): PbFile {
  const log = new WarningLog();
  const pb: PbFile = { meta: [], projectColumns: [], projects: [], voteColumns: [], votes: [], lines: { projects: [], votes: [] } };
  let section: (typeof SECTIONS)[number] | undefined;
  let header: string[] | undefined;
  const onRecord = (fields: string[], line: number) => {
    if (fields.length === 1 && (SECTIONS as readonly string[]).includes(fields[0]!.toLowerCase())) {
      section = fields[0]!.toLowerCase() as (typeof SECTIONS)[number];
      header = undefined;
      return;
    }
    if (!section) throw new PbError(line, 'the file must start with a META section');
    if (!header) {
      header = fields;
      if (section === 'projects') pb.projectColumns = header;
      if (section === 'votes') pb.voteColumns = header;
      return;
    }
    if (section === 'meta') {
      pb.meta.push([fields[0]!, fields.slice(1).join(';')]);
      return;
    }
    if (fields.length > header.length) extraFields(section, fields, header, line, log);
    if (section === 'votes' && takeVote?.(pb, fields, line)) return;
    const row: Record<string, string> = {};
    for (let i = 0; i < header.length; i++) row[header[i]!] = fields[i] ?? '';
    (section === 'projects' ? pb.projects : pb.votes).push(row);
    pb.lines![section].push(line);
  };
  try {
    readRecords(text, log, onRecord);
  } catch (err) {
    if (err instanceof PbRecordError) throw new PbError(err.line, `not readable as a .pb file (${err.message})`);
    throw err;
  }
  checkShape(pb);
  const meta = new Map(pb.meta);
  for (const key of DESCRIPTIVE_META) if (!meta.get(key)) log.add(`meta-${key}`, 0, `META ${key} is missing (not needed to count)`, '');
  pb.warnings = log.done();
  return pb;
}

/** What a count cannot do without: META's counting keys, and the id and cost/vote columns. */
function checkShape(pb: PbFile): void {
  const meta = new Map(pb.meta);
  for (const key of COUNTING_META) if (!meta.get(key)) throw new PbError(0, `META ${key} is missing`);
  if (pb.projectColumns[0] !== 'project_id' || !pb.projectColumns.includes('cost')) throw new PbError(0, 'PROJECTS needs project_id and cost columns');
  if (pb.voteColumns[0] !== 'voter_id' || !pb.voteColumns.includes('vote')) throw new PbError(0, 'VOTES needs voter_id and vote columns');
}

/**
 * A row longer than its header. Only empty extra fields (trailing `;`) are read past: a
 * non-empty one means a field was split somewhere (an unquoted `;` in a name, two rows run
 * together), and the columns after that split, which may be ones the count reads, would be
 * shifted without a trace.
 */
function extraFields(section: 'projects' | 'votes', fields: string[], header: string[], line: number, log: WarningLog): void {
  const extra = fields.slice(header.length);
  const what = `${section.toUpperCase()} row has ${fields.length} fields but the header has ${header.length}`;
  if (extra.some((f) => f !== '')) {
    throw new PbError(line, `${what}: a field was split or two rows run together, so which value is which column cannot be told`);
  }
  log.add(`extra-${section}`, line, `${what}; the ${extra.length} extra fields are empty and ignored`, `${section.toUpperCase()} rows with empty extra fields`);
}

export interface PbInstance {
  instance: Instance;
  meta: Map<string, string>;
  /** META rule when Sauti can count it; 'unknown' and other labels are null. */
  rule: RuleName | null;
  threshold?: number;
  /** META exclusive_projects (Sauti's key: Pabulib has none), as groups of project indices. */
  exclusive?: number[][];
  /** Project ids the file marks selected (`selected` = 1). */
  published: Set<string> | null;
  /** Where the PROJECTS votes/score columns differ from a recount of VOTES. */
  mismatches: string[];
  /** Quirks of the file that were read past (see parsePb). */
  warnings: PbWarning[];
}

/** The countable instance in a parsed file: every vote checked against the projects and META. */
export function pbInstance(pb: PbFile): PbInstance {
  const header = readHeader(pb);
  const ballots = new Ballots(header, pb.voteColumns);
  const columns = pb.voteColumns;
  pb.votes.forEach((row, i) =>
    ballots.add(
      columns.map((c) => row[c] ?? ''),
      pb.lines?.votes[i] ?? 0,
    ),
  );
  return finish(pb, header, ballots);
}

/** META and PROJECTS as a count needs them, checked before any ballot is read. */
interface Header {
  meta: Map<string, string>;
  voteType: VoteType;
  budget: number;
  projects: TallyProject[];
  index: Map<string, number>;
}

function readHeader(pb: PbFile): Header {
  const meta = new Map(pb.meta);
  const voteType = VOTE_TYPES[meta.get('vote_type')!];
  if (!voteType) throw new PbError(0, `META vote_type '${meta.get('vote_type')}' is not one of ${Object.keys(VOTE_TYPES).join(', ')}`);
  const budget = number(meta.get('budget')!, 0, 'META budget');
  const index = new Map<string, number>();
  const lineAt = (i: number) => pb.lines?.projects[i] ?? 0;
  const projects = pb.projects.map((row, i) => {
    const id = row.project_id!;
    if (!id) throw new PbError(lineAt(i), 'PROJECTS project_id is empty');
    if (index.has(id)) throw new PbError(lineAt(i), `PROJECTS project_id ${id} appears twice`);
    index.set(id, i);
    return { id, cost: number(row.cost!, lineAt(i), 'PROJECTS cost'), ...(row.name ? { name: row.name } : {}) };
  });
  const expectProjects = Number(meta.get('num_projects'));
  if (expectProjects !== projects.length) throw new PbError(0, `META num_projects is ${meta.get('num_projects')} but PROJECTS has ${projects.length} rows`);
  return { meta, voteType, budget, projects, index };
}

/** Project ids this small or smaller are looked up in a table rather than a Map (see Ballots). */
const MAX_TABLE_ID = 1 << 20;

/** Ballots checked one by one (projects listed, voters once, points) into a profile. */
class Ballots {
  readonly builder: ProfileBuilder;
  /** A voter listed twice would be counted twice: refused, naming both lines. */
  private readonly voterLine = new Map<string, number>();
  private readonly onBallot: Int32Array;
  readonly repeats: { line: number; project: number }[] = [];
  private picks: Int32Array;
  /**
   * Project index by id when every id is a plain number (as in every published file): a ballot's
   * `vote` field is then read digit by digit, without a string per pick or a hash per lookup.
   */
  private readonly byNumber: Int32Array | null;
  private readonly voterAt: number;
  private readonly voteAt: number;
  private readonly pointsAt: number;
  count = 0;

  constructor(
    private readonly header: Header,
    columns: string[],
  ) {
    this.builder = new ProfileBuilder(header.voteType);
    this.onBallot = new Int32Array(header.projects.length).fill(-1);
    this.picks = new Int32Array(Math.max(16, header.projects.length));
    this.voterAt = columns.indexOf('voter_id');
    this.voteAt = columns.indexOf('vote');
    this.pointsAt = columns.indexOf('points');
    const ids = header.projects.map((p) => (/^(0|[1-9]\d{0,6})$/.test(p.id) ? Number(p.id) : Infinity));
    const max = Math.max(0, ...ids);
    this.byNumber = max <= MAX_TABLE_ID ? new Int32Array(max + 1).fill(-1) : null;
    if (this.byNumber) for (let p = 0; p < ids.length; p++) this.byNumber[ids[p]!] = p;
  }

  add(fields: string[], line: number): void {
    const i = this.count++;
    const voter = fields[this.voterAt] ?? '';
    if (!voter) throw new PbError(line, 'VOTES voter_id is empty');
    const before = this.voterLine.get(voter);
    if (before !== undefined) throw new PbError(line, `VOTES voter_id ${voter} appears twice${before ? ` (also line ${before})` : ''}`);
    this.voterLine.set(voter, line);
    const vote = fields[this.voteAt] ?? '';
    let n = this.byNumber ? this.numbered(vote) : -1;
    if (n < 0) n = this.listed(vote, line);
    for (let k = 0; k < n; k++) {
      const p = this.picks[k]!;
      if (this.onBallot[p] === i) this.repeats.push({ line, project: p });
      this.onBallot[p] = i;
    }
    let points: number[] | undefined;
    if (this.pointsAt >= 0) {
      points = list(fields[this.pointsAt] ?? '', line, 'VOTES points').map((x) => number(x, line, 'VOTES points'));
      if (points.length !== n) throw new PbError(line, `VOTES points has ${points.length} values for ${n} projects`);
    }
    if (this.header.voteType === 'choose-1' && n > 1) throw new PbError(line, 'VOTES vote: a choose-1 ballot lists one project');
    this.builder.add(this.picks, points, n);
  }

  /**
   * Reads `vote` as comma-separated plain numbers into `picks`; -1 for anything else (spaces, a
   * leading zero, an empty item, an id no project has), which `listed` then reads or refuses.
   */
  private numbered(vote: string): number {
    const table = this.byNumber!;
    let n = 0;
    let id = 0;
    let digits = 0;
    for (let c = 0; c <= vote.length; c++) {
      const code = c < vote.length ? vote.charCodeAt(c) : 44;
      if (code === 44) {
        if (digits === 0 && vote.length > 0) return -1;
        if (digits === 0) return 0;
        const p = id < table.length ? table[id]! : -1;
        if (p < 0) return -1;
        this.room(n);
        this.picks[n++] = p;
        id = 0;
        digits = 0;
      } else if (code >= 48 && code <= 57 && !(digits === 1 && id === 0) && digits < 8) {
        id = id * 10 + (code - 48);
        digits++;
      } else return -1;
    }
    return n;
  }

  /** Reads `vote` item by item through the project ids, naming what is wrong. */
  private listed(vote: string, line: number): number {
    const ids = list(vote, line, 'VOTES vote');
    for (let k = 0; k < ids.length; k++) {
      const p = this.header.index.get(ids[k]!);
      if (p === undefined) throw new PbError(line, `VOTES vote: no project ${ids[k]} in PROJECTS`);
      this.room(k);
      this.picks[k] = p;
    }
    return ids.length;
  }

  private room(k: number): void {
    if (k < this.picks.length) return;
    const more = new Int32Array(this.picks.length * 2);
    more.set(this.picks);
    this.picks = more;
  }
}

/** The instance once every ballot is in: counts checked against META, scores, warnings. */
function finish(pb: PbFile, header: Header, ballots: Ballots): PbInstance {
  const { meta, projects, budget } = header;
  const expectVotes = Number(meta.get('num_votes'));
  if (expectVotes !== ballots.count) throw new PbError(0, `META num_votes is ${meta.get('num_votes')} but VOTES has ${ballots.count} rows`);
  const instance: Instance = { projects, budget, profile: ballots.builder.build() };
  const { votes, score } = scoreProfile(instance.profile, projects.length);
  const warnings = [...(pb.warnings ?? []), ...repeatWarnings(pb, ballots.repeats, votes, score)];
  const ruleName = meta.get('rule')!;
  const threshold = meta.get('min_project_score_threshold');
  const published = pb.projectColumns.includes('selected') ? new Set(pb.projects.filter((r) => Number(r.selected) === 1).map((r) => r.project_id!)) : null;
  const exclusive = meta.get('exclusive_projects') ? parseExclusive(meta.get('exclusive_projects')!, projects) : undefined;
  return {
    instance,
    meta,
    // Pabulib labels greedy with exclusive projects `greedy-exclusive`: greedy, with the groups.
    rule: ruleName === 'greedy-exclusive' ? 'greedy' : isRule(ruleName) ? ruleName : null,
    ...(exclusive ? { exclusive } : {}),
    ...(threshold ? { threshold: number(threshold, 0, 'META min_project_score_threshold') } : {}),
    published,
    mismatches: recountMismatches(pb, votes, score),
    warnings,
  };
}

/**
 * A project listed twice on one ballot counts twice (greedy ranks by listings) or once (Equal
 * Shares, a set of supporters): which the publisher meant changes the count. It is read as
 * listed only when the file's own PROJECTS votes (and score) columns show that is how it was
 * counted; without those columns, or when they disagree, the file is refused at the first repeat.
 */
function repeatWarnings(pb: PbFile, repeats: { line: number; project: number }[], votes: Float64Array, score: Float64Array): PbWarning[] {
  if (repeats.length === 0) return [];
  const confirms = (p: number) => {
    const row = pb.projects[p]!;
    if (row.votes === undefined || row.votes === '' || Number(row.votes) !== votes[p]) return false;
    return row.score === undefined || row.score === '' || Number(row.score) === score[p];
  };
  const log = new WarningLog();
  // One warning per ballot and project, however often it is repeated there.
  const times = new Map<string, { line: number; project: number; n: number }>();
  for (const { line, project } of repeats) {
    const key = `${line}:${project}`;
    const seen = times.get(key);
    if (seen) seen.n++;
    else times.set(key, { line, project, n: 2 });
  }
  for (const { line, project, n } of times.values()) {
    const id = pb.projects[project]!.project_id;
    const listed = `listed ${n === 2 ? 'twice' : `${n} times`}`;
    if (!confirms(project))
      throw new PbError(line, `VOTES vote: project ${id} is ${listed}, and the PROJECTS votes column does not show whether it counts once or as listed`);
    log.add(
      'repeat',
      line,
      `VOTES vote: project ${id} is ${listed}; counted as listed, as the file's PROJECTS votes column counts it`,
      'ballots listing a project more than once',
    );
  }
  return log.done();
}

/** Compares the PROJECTS votes/score columns with a recount; each difference is one message. */
function recountMismatches(pb: PbFile, votes: ArrayLike<number>, score: ArrayLike<number>): string[] {
  const out: string[] = [];
  pb.projects.forEach((row, i) => {
    for (const [column, counted] of [
      ['votes', votes[i]!],
      ['score', score[i]!],
    ] as const) {
      if (row[column] !== undefined && row[column] !== '' && Number(row[column]) !== counted) {
        out.push(`project ${row.project_id}: ${column} says ${row[column]}, the ballots give ${counted}`);
      }
    }
  });
  return out;
}

/** A comma-separated list; an empty field is an empty list, an empty item (`1,,2`) is refused. */
function list(field: string, line: number, name: string): string[] {
  if (field === '') return [];
  const items = field.split(',');
  for (let i = 0; i < items.length; i++) {
    items[i] = items[i]!.trim();
    if (items[i] === '') throw new PbError(line, `${name}: '${field}' has an empty item`);
  }
  return items;
}

function number(text: string, line: number, field: string): number {
  const value = Number(text.replace(',', '.'));
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw new PbError(line, `${field}: '${text}' is not a non-negative number`);
  return value;
}

/** Writes a .pb file; fields with `;`, quotes or line breaks are quoted. */
export function writePb(pb: PbFile): string {
  const field = (v: string) => (/[;"\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const line = (cells: string[]) => cells.map(field).join(';');
  const out = ['META', 'key;value', ...pb.meta.map(([k, v]) => line([k, v]))];
  out.push('PROJECTS', line(pb.projectColumns), ...pb.projects.map((r) => line(pb.projectColumns.map((c) => r[c] ?? ''))));
  out.push('VOTES', line(pb.voteColumns), ...pb.votes.map((r) => line(pb.voteColumns.map((c) => r[c] ?? ''))));
  return out.join('\n') + '\n';
}

/** The separator of groups in META exclusive_projects (`;` separates the .pb's fields, `,` a group's ids). */
export const EXCLUSIVE_SEPARATOR = '|';

/** META exclusive_projects, `3,7|5,12`: groups of project ids of which at most one is funded. */
export function formatExclusive(groups: readonly (readonly string[])[]): string {
  return groups.map((g) => g.join(',')).join(EXCLUSIVE_SEPARATOR);
}

function parseExclusive(value: string, projects: readonly { id: string }[]): number[][] {
  return value.split(EXCLUSIVE_SEPARATOR).map((group) => {
    const ids = group.split(',').map((id) => id.trim());
    if (ids.length < 2) throw new PbError(0, `META exclusive_projects: the group '${group}' needs two projects or more`);
    return ids.map((id) => {
      const i = projects.findIndex((p) => p.id === id);
      if (i < 0) throw new PbError(0, `META exclusive_projects names project '${id}', which PROJECTS does not list`);
      return i;
    });
  });
}
