// Pabulib's .pb format: META, PROJECTS and VOTES sections, `;`-separated with CSV quoting, lists
// comma-separated inside one field. Strict about what changes a count, tolerant about the rest:
// a file whose ballots, costs, budget or counts cannot be read for certain is refused with the
// line and field named, never half-read; the quirks of real published files (mixed line
// endings, stray quotes, a row with extra trailing fields, META that counting does not need)
// are read and reported as warnings with their line. Written so Pabulib's own checker accepts it.
import { readRecords, PbRecordError, WarningLog, type PbWarning } from './pb-records.ts';
import { ProfileBuilder, scoreProfile, type Instance, type VoteType } from './profile.ts';
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
  const meta = new Map(pb.meta);
  for (const key of COUNTING_META) if (!meta.get(key)) throw new PbError(0, `META ${key} is missing`);
  for (const key of DESCRIPTIVE_META) if (!meta.get(key)) log.add(`meta-${key}`, 0, `META ${key} is missing (not needed to count)`, '');
  if (pb.projectColumns[0] !== 'project_id' || !pb.projectColumns.includes('cost')) throw new PbError(0, 'PROJECTS needs project_id and cost columns');
  if (pb.voteColumns[0] !== 'voter_id' || !pb.voteColumns.includes('vote')) throw new PbError(0, 'VOTES needs voter_id and vote columns');
  pb.warnings = log.done();
  return pb;
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
  const meta = new Map(pb.meta);
  const voteType = VOTE_TYPES[meta.get('vote_type')!];
  if (!voteType) throw new PbError(0, `META vote_type '${meta.get('vote_type')}' is not one of ${Object.keys(VOTE_TYPES).join(', ')}`);
  const budget = number(meta.get('budget')!, 0, 'META budget');
  const index = new Map<string, number>();
  const lineAt = (section: 'projects' | 'votes', i: number) => pb.lines?.[section][i] ?? 0;
  const projects = pb.projects.map((row, i) => {
    const id = row.project_id!;
    if (!id) throw new PbError(lineAt('projects', i), 'PROJECTS project_id is empty');
    if (index.has(id)) throw new PbError(lineAt('projects', i), `PROJECTS project_id ${id} appears twice`);
    index.set(id, i);
    return { id, cost: number(row.cost!, lineAt('projects', i), 'PROJECTS cost'), ...(row.name ? { name: row.name } : {}) };
  });
  const expectProjects = Number(meta.get('num_projects'));
  if (expectProjects !== projects.length) throw new PbError(0, `META num_projects is ${meta.get('num_projects')} but PROJECTS has ${projects.length} rows`);
  const expectVotes = Number(meta.get('num_votes'));
  if (expectVotes !== pb.votes.length) throw new PbError(0, `META num_votes is ${meta.get('num_votes')} but VOTES has ${pb.votes.length} rows`);

  const withPoints = pb.voteColumns.includes('points');
  const builder = new ProfileBuilder(voteType);
  // A voter listed twice would be counted twice: refused, naming both lines.
  const voterLine = new Map<string, number>();
  const onBallot = new Int32Array(projects.length).fill(-1);
  const repeats: { line: number; project: number }[] = [];
  pb.votes.forEach((row, i) => {
    const line = lineAt('votes', i);
    const voter = row.voter_id!;
    if (!voter) throw new PbError(line, 'VOTES voter_id is empty');
    const before = voterLine.get(voter);
    if (before !== undefined) throw new PbError(line, `VOTES voter_id ${voter} appears twice${before ? ` (also line ${before})` : ''}`);
    voterLine.set(voter, line);
    const ids = list(row.vote!, line, 'VOTES vote');
    const picks = ids.map((id) => {
      const p = index.get(id);
      if (p === undefined) throw new PbError(line, `VOTES vote: no project ${id} in PROJECTS`);
      if (onBallot[p] === i) repeats.push({ line, project: p });
      onBallot[p] = i;
      return p;
    });
    let points: number[] | undefined;
    if (withPoints) {
      points = list(row.points!, line, 'VOTES points').map((x) => number(x, line, 'VOTES points'));
      if (points.length !== picks.length) throw new PbError(line, `VOTES points has ${points.length} values for ${picks.length} projects`);
    }
    if (voteType === 'choose-1' && picks.length > 1) throw new PbError(line, 'VOTES vote: a choose-1 ballot lists one project');
    builder.add(picks, points);
  });
  const instance: Instance = { projects, budget, profile: builder.build() };
  const { votes, score } = scoreProfile(instance.profile, projects.length);
  const warnings = [...(pb.warnings ?? []), ...repeatWarnings(pb, repeats, votes, score)];
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
