// Pabulib's .pb format: META, PROJECTS and VOTES sections, `;`-separated with CSV quoting, lists
// comma-separated inside one field. Read strictly (a bad file is refused with its line and field
// named, never half-read), written so Pabulib's own checker accepts it.
import { parse } from 'csv-parse/sync';
import { ProfileBuilder, scoreProfile, type Instance, type VoteType } from './profile.ts';
import { isRule, type RuleName } from './rules.ts';

export interface PbFile {
  meta: [key: string, value: string][];
  projectColumns: string[];
  projects: Record<string, string>[];
  voteColumns: string[];
  votes: Record<string, string>[];
  /** Source line of each PROJECTS and VOTES row, for error messages (absent on files built in code). */
  lines?: { projects: number[]; votes: number[] };
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
const REQUIRED_META = ['description', 'country', 'unit', 'instance', 'num_projects', 'num_votes', 'budget', 'vote_type', 'rule', 'date_begin', 'date_end'];
const VOTE_TYPES: Record<string, VoteType> = { approval: 'approval', 'choose-1': 'choose-1', ordinal: 'ordinal', cumulative: 'cumulative', scoring: 'scoring' };

/** Reads the three sections; checks the shape (headers, ids, counts), not the votes' meaning. */
export function parsePb(text: string): PbFile {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, { delimiter: ';', bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true });
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw new PbError(e.lines ?? 0, `not readable as a .pb file (${e.message})`);
  }
  const pb: PbFile = { meta: [], projectColumns: [], projects: [], voteColumns: [], votes: [], lines: { projects: [], votes: [] } };
  let section: (typeof SECTIONS)[number] | undefined;
  let header: string[] | undefined;
  for (const { record, info } of rows) {
    const first = (record[0] ?? '').toLowerCase();
    if (record.length === 1 && (SECTIONS as readonly string[]).includes(first)) {
      section = first as (typeof SECTIONS)[number];
      header = undefined;
      continue;
    }
    if (!section) throw new PbError(info.lines, 'the file must start with a META section');
    if (!header) {
      header = record;
      if (section === 'projects') pb.projectColumns = header;
      if (section === 'votes') pb.voteColumns = header;
      continue;
    }
    if (section === 'meta') {
      pb.meta.push([record[0]!, record.slice(1).join(';')]);
      continue;
    }
    if (record.length > header.length) throw new PbError(info.lines, `${section.toUpperCase()} row has ${record.length} fields but the header has ${header.length}`);
    const row: Record<string, string> = {};
    header.forEach((h, i) => (row[h] = record[i] ?? ''));
    (section === 'projects' ? pb.projects : pb.votes).push(row);
    pb.lines![section].push(info.lines);
  }
  const meta = new Map(pb.meta);
  for (const key of REQUIRED_META) if (!meta.get(key)) throw new PbError(0, `META ${key} is missing`);
  if (pb.projectColumns[0] !== 'project_id' || !pb.projectColumns.includes('cost')) throw new PbError(0, 'PROJECTS needs project_id and cost columns');
  if (pb.voteColumns[0] !== 'voter_id' || !pb.voteColumns.includes('vote')) throw new PbError(0, 'VOTES needs voter_id and vote columns');
  return pb;
}


export interface PbInstance {
  instance: Instance;
  meta: Map<string, string>;
  /** META rule when Sauti can count it; 'unknown' and other labels are null. */
  rule: RuleName | null;
  threshold?: number;
  /** Project ids the file marks selected (`selected` = 1). */
  published: Set<string> | null;
  /** Where the PROJECTS votes/score columns differ from a recount of VOTES. */
  mismatches: string[];
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
  pb.votes.forEach((row, i) => {
    const line = lineAt('votes', i);
    const ids = list(row.vote!);
    const picks = ids.map((id) => {
      const p = index.get(id);
      if (p === undefined) throw new PbError(line, `VOTES vote: no project ${id} in PROJECTS`);
      return p;
    });
    let points: number[] | undefined;
    if (withPoints) {
      points = list(row.points!).map((x) => number(x, line, 'VOTES points'));
      if (points.length !== picks.length) throw new PbError(line, `VOTES points has ${points.length} values for ${picks.length} projects`);
    }
    if (voteType === 'choose-1' && picks.length > 1) throw new PbError(line, 'VOTES vote: a choose-1 ballot lists one project');
    builder.add(picks, points);
  });
  const instance: Instance = { projects, budget, profile: builder.build() };
  const { votes, score } = scoreProfile(instance.profile, projects.length);
  const ruleName = meta.get('rule')!;
  const threshold = meta.get('min_project_score_threshold');
  const published = pb.projectColumns.includes('selected') ? new Set(pb.projects.filter((r) => Number(r.selected) === 1).map((r) => r.project_id!)) : null;
  return {
    instance,
    meta,
    rule: isRule(ruleName) ? ruleName : null,
    ...(threshold ? { threshold: number(threshold, 0, 'META min_project_score_threshold') } : {}),
    published,
    mismatches: recountMismatches(pb, votes, score),
  };
}

/** Compares the PROJECTS votes/score columns with a recount; each difference is one message. */
function recountMismatches(pb: PbFile, votes: ArrayLike<number>, score: ArrayLike<number>): string[] {
  const out: string[] = [];
  pb.projects.forEach((row, i) => {
    for (const [column, counted] of [['votes', votes[i]!], ['score', score[i]!]] as const) {
      if (row[column] !== undefined && row[column] !== '' && Number(row[column]) !== counted) {
        out.push(`project ${row.project_id}: ${column} says ${row[column]}, the ballots give ${counted}`);
      }
    }
  });
  return out;
}

function list(field: string): string[] {
  return field
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
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
