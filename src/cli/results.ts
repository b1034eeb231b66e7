// `sauti results`: count a cycle from the ledger (or a Pabulib file), publish it, export open data.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '../config/env.ts';
import { loadDeployment } from '../config/load.ts';
import type { Cycle, Deployment, Lang } from '../config/schema.ts';
import { declaredDay, declaredResultsNote, selectedProjects } from '../domain/cycle.ts';
import { readInputFile } from './input-file.ts';
import { SautiError } from '../domain/errors.ts';
import { openLedger } from '../../ledger/connect.ts';
import { Ledger } from '../../ledger/ledger.ts';
import { fileNameOf, lateCsv, resultsJson } from '../../ledger/open-data.ts';
import { describeBehind, type LateBallots } from '../../ledger/publication.ts';
import type { CycleResult, Turnout } from '../../ledger/results.ts';
import { PbError, readPb } from '../../tally/pabulib.ts';
import { count, isRule, RULES, type RuleName } from '../../tally/rules.ts';

export interface ResultsOptions {
  from?: string;
  rule?: string;
  json?: boolean;
  publish?: boolean;
  force?: boolean;
  reason?: string;
  export?: string;
  lang?: string;
}

/** Left-aligned text and right-aligned numbers, in columns. */
export function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  // "<5" is a hidden small count: still a number column.
  const numeric = head.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === '' || /^<\d+$/.test(String(r[i]))));
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(cells[0]!), line(widths.map((w) => '─'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

function ruleOf(name: string | undefined): RuleName | undefined {
  if (name === undefined) return undefined;
  if (!isRule(name)) throw new SautiError('results.unknown_rule', `--rule ${name} is not a rule Sauti counts; use one of ${RULES.join(', ')}`);
  return name;
}

const fmt = (n: number) => new Intl.NumberFormat('en').format(n);

/**
 * Counts a .pb file with its META rule (or --rule) and compares with its published selection.
 * False when the count differs from it, so the command exits non-zero (a script checking a file
 * must not read a mismatch as success).
 */
export function resultsFromFile(file: string, opts: ResultsOptions): boolean {
  const text = readInputFile(file, 'results.no_file');
  let pb;
  try {
    pb = readPb(text);
  } catch (err) {
    if (err instanceof PbError) throw new SautiError('results.bad_pb', `${file}: ${err.message}`);
    throw err;
  }
  // Quirks read past go to stderr, so --json output stays parseable and a script sees them apart.
  for (const w of pb.warnings) console.error(`warning: ${file}: ${w.line > 0 ? `line ${w.line}: ` : ''}${w.message}`);
  const metaRule = pb.meta.get('rule')!;
  const rule = ruleOf(opts.rule) ?? pb.rule ?? 'greedy';
  const outcome = count(pb.instance, rule, { threshold: pb.threshold, ...(pb.exclusive ? { exclusive: pb.exclusive } : {}) });
  const { projects } = pb.instance;
  const selected = outcome.selected.map((p) => projects[p]!.id);
  const matches = pb.published ? selected.length === pb.published.size && selected.every((id) => pb.published!.has(id)) : null;
  if (opts.json) {
    console.log(
      JSON.stringify(
        {
          file,
          rule,
          metaRule,
          budget: pb.instance.budget,
          budgetUsed: outcome.cost,
          selected,
          matchesPublished: matches,
          projects: projects.map((p, i) => ({
            id: p.id,
            cost: p.cost,
            votes: outcome.scores.votes[i],
            score: outcome.scores.score[i],
            selected: outcome.selected.includes(i),
          })),
          mismatches: pb.mismatches,
          warnings: pb.warnings,
        },
        null,
        2,
      ),
    );
    return matches !== false;
  }
  const notes: string[] = [];
  if (!pb.rule && !opts.rule) notes.push(`META rule is '${metaRule}', which Sauti does not count; counted with greedy (choose with --rule).`);
  const ranking = outcome.rankedBy === 'score' ? outcome.scores.score : outcome.scores.votes;
  const order = projects.map((_, i) => i).sort((a, b) => ranking[b]! - ranking[a]! || a - b);
  console.log(`${pb.meta.get('description')} — ${ballots(pb.instance.profile.voters)}, ${pb.meta.get('vote_type')}, rule ${rule}`);
  console.log(
    table(
      ['project', 'name', 'cost', outcome.rankedBy, 'selected', ...(pb.published ? ['published'] : [])],
      order.map((i) => [
        projects[i]!.id,
        clip(projects[i]!.name ?? '', 40),
        projects[i]!.cost,
        ranking[i]!,
        outcome.selected.includes(i) ? '✔' : '',
        ...(pb.published ? [pb.published.has(projects[i]!.id) ? '✔' : ''] : []),
      ]),
    ),
  );
  console.log(`Budget ${fmt(pb.instance.budget)}, used ${fmt(outcome.cost)}.`);
  if (matches !== null) console.log(matches ? 'Matches the published selection.' : 'DIFFERS from the published selection.');
  for (const m of pb.mismatches) notes.push(`the file's PROJECTS disagree with its VOTES: ${m}`);
  for (const n of notes) console.log(`Note: ${n}`);
  return matches !== false;
}

/** Age band and gender tables as published: per cycle, small groups hidden; "not collected" when the deployment lists them but no ballot has them. */
function printDemographics(t: Turnout, configured: boolean): void {
  for (const [head, b] of [
    ['age band', t.byAgeBand],
    ['gender', t.byGender],
  ] as const) {
    if (b)
      console.log(
        table(
          [head, 'ballots'],
          b.cells.map((c) => [c.value ?? 'not recorded', c.ballots ?? `<${b.minCell}`]),
        ),
      );
    else if (configured) console.log(`${head}: not collected`);
  }
  const minCell = (t.byAgeBand ?? t.byGender)?.minCell;
  if (minCell)
    console.log(`Groups with fewer than ${minCell} ballots show as <${minCell} (and one more when a single one could be worked out from the total).`);
}

/** Why a publication did not wait for every gateway, and the ballots that arrived after it. */
function printPublication(r: CycleResult, late: LateBallots | undefined): void {
  if (r.forced) {
    console.log(`\nPublished without waiting for every gateway. Reason: ${r.forced.reason}`);
    for (const g of r.forced.gateways) console.log(`  ${describeBehind(g, new Date(r.votingClosed))}`);
  }
  if (!late || late.total === 0) return;
  console.log(`\nArrived after publication, not counted: ${ballots(late.total)}`);
  console.log(
    table(
      ['gateway', 'ballots', 'captured from', 'captured to', 'arrived from', 'arrived to'],
      late.byGateway.map((g) => [g.gatewayId, g.ballots, g.capturedFirst, g.capturedLast, g.arrivedFirst, g.arrivedLast]),
    ),
  );
}

function printCycle(r: CycleResult, lang: Lang, demographicsConfigured: boolean, late?: LateBallots): void {
  const pickText = (t: Record<string, string>) => t[lang] ?? Object.values(t)[0] ?? '';
  const status = r.publishedAt ? `published ${r.publishedAt}` : 'PROVISIONAL: not published';
  console.log(`${pickText(r.name)} (${r.cycleId}) — rule ${r.rule}, ${status}, counted through ledger entry ${r.throughSeq}`);
  const t = r.paperTallies;
  if (t) {
    console.log(
      `Paper tally sheets (per-meeting totals, apart from individual ballots): ${t.sheets} sheets, ${t.valid} valid and ${t.spoiled} spoiled of ${t.issued} issued;`,
    );
    console.log(
      t.counted
        ? `  rule ${r.rule} counts their votes (column "tally votes") with the ballots' votes`
        : `  rule ${r.rule} needs individual ballots: their votes are shown, not counted`,
    );
  }
  for (const w of r.wards) {
    const tallied = w.tallied ? `, + ${w.tallied.valid} valid on ${w.tallied.sheets} tally sheets` : '';
    console.log(
      `\n${pickText(w.name)}: ${ballots(w.ballots)}${tallied}; budget ${fmt(w.budget)} ${r.currency}, used ${fmt(w.used)} (${w.budget ? Math.round((100 * w.used) / w.budget) : 0}%)`,
    );
    console.log(
      table(
        ['code', 'project', 'cost', 'votes', ...(t ? ['tally votes'] : []), ...(r.rankedBy === 'score' ? ['points'] : []), 'selected'],
        w.projects.map((p) => [
          p.code,
          clip(pickText(p.title), 40),
          p.cost,
          p.votes,
          ...(t ? [p.tallied ?? 0] : []),
          ...(r.rankedBy === 'score' ? [p.score] : []),
          p.selected ? `✔ ${p.fundedOrder}` : '',
        ]),
      ),
    );
  }
  console.log(`\nTurnout: ${ballots(r.turnout.total)}`);
  console.log(
    table(
      ['ward', 'ballots'],
      Object.entries(r.turnout.byWard).map(([k, v]) => [k, v]),
    ),
  );
  console.log(
    table(
      ['channel', 'ballots'],
      Object.entries(r.turnout.byChannel)
        .sort()
        .map(([k, v]) => [k, v]),
    ),
  );
  printDemographics(r.turnout, demographicsConfigured);
  printPublication(r, late);
}

/**
 * A cycle whose results the deployment file declares (counted before this ledger): the day they
 * were published and the winners per ward, and that its ballots are not held here (so no count
 * and no turnout, rather than a misleading 0).
 */
function printDeclared(d: Deployment, cycle: Cycle, lang: Lang, json: boolean): void {
  const pickText = (t: Record<string, string>) => t[lang] ?? Object.values(t)[0] ?? '';
  const results = cycle.results!;
  const wards = d.wards.filter((w) => cycle.projects.some((p) => p.ward === w.id)).map((w) => ({ ward: w, selected: selectedProjects(cycle, w.id) }));
  if (json) {
    console.log(
      JSON.stringify(
        {
          cycleId: cycle.id,
          name: cycle.name,
          publishedAt: results.published.toISOString(),
          source: 'deployment file',
          ballotsHeld: false,
          wards: wards.map(({ ward, selected }) => ({
            wardId: ward.id,
            selected: selected.map((p) => ({ code: p.code, title: p.title, cost: p.cost })),
          })),
        },
        null,
        2,
      ),
    );
    return;
  }
  console.log(
    `${pickText(cycle.name)} (${cycle.id}) — published ${declaredDay(d, results.published)}, before this ledger: its winners come from the deployment file (its \`results\`)`,
  );
  for (const { ward, selected } of wards) {
    const used = selected.reduce((sum, p) => sum + p.cost, 0);
    console.log(`\n${pickText(ward.name)}: ${selected.length} selected, ${fmt(used)} ${d.deployment.currency}`);
    if (selected.length)
      console.log(
        table(
          ['code', 'project', 'cost', 'selected'],
          selected.map((p) => [p.code, clip(pickText(p.title), 40), p.cost, '✔']),
        ),
      );
  }
  console.log(`\nIts ballots are not held here: no count, no turnout and no open data.`);
}

/** `sauti results <cycle>`: counts from the ledger; --publish freezes; --export writes open data. */
export async function resultsFromLedger(settings: Settings, cycleId: string | undefined, opts: ResultsOptions): Promise<void> {
  const deployment = loadDeployment(settings.configFile);
  const lang = (deployment.languages.find((l) => l.code === opts.lang)?.code ?? deployment.defaultLanguage ?? deployment.languages[0]!.code) as Lang;
  // Counting and publishing read stored keys only: no voter secret needed.
  const ledger = new Ledger(await openLedger(settings.ledgerStorage, { readOnlyVoters: true }), () => deployment);
  try {
    // The ballot the ledger counts with (the console's latest version, when there is one).
    await ledger.refreshBallot();
    const d = ledger.deployment();
    if (!cycleId) {
      const published = new Map((await ledger.publishedCycles()).map((c) => [c.cycleId, c.publishedAt]));
      console.log(
        table(
          ['cycle', 'voting closes', 'results'],
          d.cycles.map((c) => [
            c.id,
            c.phases.voting.closes.toISOString(),
            c.results ? `${c.results.published.toISOString()} (deployment file)` : (published.get(c.id) ?? 'not published'),
          ]),
        ),
      );
      return;
    }
    const cycle = d.cycles.find((c) => c.id === cycleId);
    if (!cycle) {
      throw new SautiError('results.unknown_cycle', `no cycle '${cycleId}' in ${settings.configFile} (cycles: ${d.cycles.map((c) => c.id).join(', ')})`);
    }
    if (opts.publish && opts.rule)
      throw new SautiError('results.rule_with_publish', 'results are published with the cycle’s own rule (selection.rule in the deployment file); drop --rule');
    if (opts.force && !opts.publish) throw new SautiError('results.force_without_publish', '--force only goes with --publish');
    if (opts.reason !== undefined && !opts.force)
      throw new SautiError('results.reason_without_force', '--reason goes with --force: a publication that waited for every gateway needs no reason');
    if (cycle.results) {
      // Counted before this ledger: its winners and the day, as the results page shows them; nothing to count, publish or export.
      const note = declaredResultsNote(d, cycle);
      if (opts.publish) throw new SautiError('results.historical', `${cycleId} is not published here: ${note}`);
      if (opts.export) throw new SautiError('results.historical', `${cycleId} has no open data here: ${note}, and its ballots are not held here`);
      if (opts.rule) throw new SautiError('results.historical', `${cycleId} is not counted here: ${note}, and its ballots are not held here`);
      printDeclared(d, cycle, lang, opts.json ?? false);
      return;
    }
    const force = opts.force ? { reason: opts.reason ?? '' } : undefined;
    const result = opts.publish ? await ledger.publishResults(cycleId, { force }) : await ledger.results(cycleId, ruleOf(opts.rule));
    const late = result.publishedAt ? await ledger.lateBallots(cycleId) : undefined;
    if (opts.export) {
      mkdirSync(opts.export, { recursive: true });
      const files: [string, string][] = [
        ...(await ledger.openData(cycleId, lang, result)).map((f): [string, string] => [fileNameOf(cycleId, f.name, false), f.body]),
        ...(late ? [['late.csv', lateCsv(cycleId, late)] as [string, string]] : []),
      ];
      for (const [name, text] of files) writeFileSync(join(opts.export, name), text);
      if (!opts.json) console.log(`Wrote ${files.map(([n]) => n).join(', ')} to ${opts.export}`);
    }
    if (opts.json) console.log(JSON.stringify({ ...resultsJson(result), ...(late ? { late } : {}) }, null, 2));
    else printCycle(result, lang, deployment.demographics !== undefined, late);
    if (opts.publish && !opts.json) console.log(`\nPublished. Gateways receive the winners at their next sync; the page is /results/${cycleId}.`);
  } finally {
    await ledger.close();
  }
}

/** "1 ballot", "2 ballots". */
const ballots = (n: number) => `${n} ballot${n === 1 ? '' : 's'}`;

/** `text` cut to `width` characters, with an ellipsis where it was cut, for a table column. */
const clip = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text);
