// `npm run bench:tally`: wall time and peak RSS of each counting rule, each in its own process
// (so each peak is that rule's own). The instances are seeded, so runs are comparable:
//   - 1,000,000 approval ballots (1–5 picks) over 150 projects: every rule but add1;
//   - 100,000 approval ballots (1–5 picks) over 160 projects: equalshares/add1 and its comparison.
// Popularity is skewed (a few projects draw most votes), as in real PB. Only the count is timed;
// building the ballots is reported apart. BALLOTS=… and ADD1_BALLOTS=… shrink it for a quick look.
import { execFileSync } from 'node:child_process';
import { ProfileBuilder, type Instance } from '../tally/profile.ts';
import { count, type RuleName } from '../tally/rules.ts';
import { peakRssMb } from './lib.ts';

const BALLOTS = Number(process.env.BALLOTS ?? 1_000_000);
const ADD1_BALLOTS = Number(process.env.ADD1_BALLOTS ?? 100_000);

/** mulberry32: a small seeded generator, so every run counts the same ballots. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ballots of 1–`maxPicks` distinct projects, drawn with Zipf-like popularity; budget a quarter of all costs. */
export function benchInstance(ballots: number, projectCount: number, maxPicks: number, seed = 7): Instance {
  const rand = random(seed);
  const projects = Array.from({ length: projectCount }, (_, i) => ({ id: String(i + 1), cost: 1000 * Math.round(100 + rand() * 1900) }));
  const weights = projects.map((_, i) => 1 / Math.pow(i + 1, 0.8));
  let sum = 0;
  const cumulative = weights.map((w) => (sum += w));
  const total = cumulative[cumulative.length - 1]!;
  const draw = () => {
    const x = rand() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const builder = new ProfileBuilder('approval');
  const picks: number[] = [];
  for (let v = 0; v < ballots; v++) {
    const k = 1 + Math.floor(rand() * maxPicks);
    picks.length = 0;
    while (picks.length < k) {
      const p = draw();
      if (!picks.includes(p)) picks.push(p);
    }
    builder.add(picks);
  }
  const budget = Math.round(projects.reduce((s, p) => s + p.cost, 0) / 4);
  return { projects, budget, profile: builder.build() };
}

const TARGETS: Partial<Record<RuleName, number>> = { greedy: 2, equalshares: 10, 'equalshares/add1': 30 };

function child(rule: RuleName, ballots: number, projects: number): void {
  const t0 = performance.now();
  const instance = benchInstance(ballots, projects, 5);
  const buildSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const outcome = count(instance, rule, { threshold: Math.round(ballots / 100) });
  const seconds = (performance.now() - t1) / 1000;
  console.log(
    JSON.stringify({
      seconds,
      buildSeconds,
      peakMb: peakRssMb(process.pid),
      selected: outcome.selected.length,
      cost: outcome.cost,
      budget: instance.budget,
      virtualBudget: outcome.equalShares?.virtualBudget?.toString(),
    }),
  );
}

function main(): void {
  const runs: [RuleName, number, number][] = [
    ['greedy', BALLOTS, 150],
    ['greedy-no-skip', BALLOTS, 150],
    ['greedy-threshold', BALLOTS, 150],
    ['equalshares', BALLOTS, 150],
    ['equalshares-comparison', BALLOTS, 150],
    ['equalshares/add1', ADD1_BALLOTS, 160],
    ['equalshares/add1-comparison', ADD1_BALLOTS, 160],
  ];
  console.log(`bench:tally — approval ballots with 1–5 picks, seeded; node ${process.version}`);
  console.log('rule                         ballots  projects  count s  target  build s  peak RSS  selected  spent/budget');
  for (const [rule, ballots, projects] of runs) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, 'child', rule, String(ballots), String(projects)], {
      encoding: 'utf8',
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      seconds: number;
      buildSeconds: number;
      peakMb: number;
      selected: number;
      cost: number;
      budget: number;
    };
    const target = TARGETS[rule];
    const verdict = target === undefined ? '—' : `≤${target}${r.seconds <= target ? ' ✓' : ' ✗'}`;
    console.log(
      [
        rule.padEnd(28),
        String(ballots).padStart(7),
        String(projects).padStart(9),
        r.seconds.toFixed(2).padStart(8),
        verdict.padStart(7),
        r.buildSeconds.toFixed(2).padStart(8),
        `${r.peakMb.toFixed(0)} MB`.padStart(9),
        String(r.selected).padStart(9),
        `${((100 * r.cost) / r.budget).toFixed(1)}%`.padStart(13),
      ].join(' '),
    );
  }
}

if (process.argv[2] === 'child') child(process.argv[3] as RuleName, Number(process.argv[4]), Number(process.argv[5]));
else if (import.meta.url === `file://${process.argv[1]}`) main();
