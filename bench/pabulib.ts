// `npm run bench:pabulib -- DIR`: reads and counts the largest real Pabulib files, the work
// `sauti results --from FILE` does after start-up, with every rule Sauti counts. DIR is the
// pb_files folder of pabulib/pabulib_files (or PABULIB_DIR); without it the bench says so and
// skips. Each file × rule runs in its own process, so each peak RSS is that run's own. Time is
// given as wall time and as CPU time (process.cpuUsage): on a shared machine the CPU time is the
// one to compare with the target, under a second to read and count any file.
// PABULIB_LARGEST=… sets how many files (default 6, the largest by size); PABULIB_RULES=a,b only
// those rules; PABULIB_REPEAT=n runs each file × rule n times (a row each), for a noisy machine;
// PABULIB_SCALE=n counts those files with every ballot cast n times (bench/pabulib-scale.ts), as a
// stand-in for the corpus's largest files, which the stored snapshot leaves out.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readPb } from '../tally/pabulib.ts';
import { count, isRule, RULES, type RuleName } from '../tally/rules.ts';
import { peakRssMb } from './lib.ts';
import { scaledCopies } from './pabulib-scale.ts';

const TARGET_MS = 1000;

interface Figures {
  parseMs: number;
  parseCpuMs: number;
  countMs: number;
  countCpuMs: number;
  peakMb: number;
  voters: number;
  projects: number;
  selected: number;
  matches: boolean | null;
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

function child(file: string, rule: RuleName): void {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const pb = readPb(readFileSync(file, 'utf8'));
  const parseMs = performance.now() - t0;
  const parseCpuMs = cpuMs(process.cpuUsage(c0));
  const c1 = process.cpuUsage();
  const t1 = performance.now();
  const outcome = count(pb.instance, rule, { threshold: rule === 'greedy-threshold' ? (pb.threshold ?? 0) : pb.threshold });
  const countMs = performance.now() - t1;
  const countCpuMs = cpuMs(process.cpuUsage(c1));
  const ids = outcome.selected.map((p) => pb.instance.projects[p]!.id);
  const matches = pb.published && rule === pb.rule ? ids.length === pb.published.size && ids.every((id) => pb.published!.has(id)) : null;
  const figures: Figures = {
    parseMs,
    parseCpuMs,
    countMs,
    countCpuMs,
    peakMb: peakRssMb(process.pid),
    voters: pb.instance.profile.voters,
    projects: pb.instance.projects.length,
    selected: ids.length,
    matches,
  };
  console.log(JSON.stringify(figures));
}

function main(): void {
  const dir = process.argv[2] ?? process.env.PABULIB_DIR;
  if (!dir || !existsSync(dir)) {
    console.log(
      `bench:pabulib skipped: no Pabulib corpus ${dir ? `at ${dir}` : 'given'}. Pass the pb_files folder of github.com/pabulib/pabulib_files: npm run bench:pabulib -- path/to/pb_files (or set PABULIB_DIR).`,
    );
    return;
  }
  const largest = Number(process.env.PABULIB_LARGEST ?? 6);
  const rules = process.env.PABULIB_RULES ? process.env.PABULIB_RULES.split(',').filter(isRule) : [...RULES];
  const repeat = Math.max(1, Number(process.env.PABULIB_REPEAT ?? 1));
  const scale = Math.max(1, Number(process.env.PABULIB_SCALE ?? 1));
  const chosen = readdirSync(dir)
    .filter((f) => f.endsWith('.pb'))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size)
    .slice(0, largest);
  const files = (scale > 1 ? scaledCopies(chosen, scale) : chosen).map((path) => ({ path, bytes: statSync(path).size }));
  console.log(
    `bench:pabulib — the ${files.length} largest .pb files in ${dir}${scale > 1 ? `, each ballot cast ${scale} times` : ''}; node ${process.version}; target: read + count ≤ ${TARGET_MS} ms CPU`,
  );
  console.log(
    'file                                  MB  voters  rule                         parse ms (cpu)  count ms (cpu)  total cpu  peak RSS  selected  published',
  );
  for (const { path, bytes } of files) {
    const metaRule = readFileSync(path, 'utf8').match(/^rule;([^\r\n]*)/m)?.[1];
    for (const rule of rules.flatMap((r) => Array<RuleName>(repeat).fill(r))) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, 'child', path, rule], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      const r = JSON.parse(out.trim().split('\n').pop()!) as Figures;
      const total = r.parseCpuMs + r.countCpuMs;
      console.log(
        [
          basename(path).slice(0, 34).padEnd(34),
          (bytes / 1e6).toFixed(1).padStart(5),
          String(r.voters).padStart(7),
          ` ${rule === metaRule ? `${rule} (META)` : rule}`.padEnd(29),
          `${r.parseMs.toFixed(0)} (${r.parseCpuMs.toFixed(0)})`.padStart(14),
          `${r.countMs.toFixed(0)} (${r.countCpuMs.toFixed(0)})`.padStart(15),
          `${total.toFixed(0)} ${total <= TARGET_MS ? '✓' : '✗'}`.padStart(10),
          `${r.peakMb.toFixed(0)} MB`.padStart(9),
          String(r.selected).padStart(9),
          (r.matches === null ? '' : r.matches ? 'matches' : 'DIFFERS').padStart(10),
        ].join(' '),
      );
    }
  }
}

if (process.argv[2] === 'child') child(process.argv[3]!, process.argv[4] as RuleName);
else if (import.meta.url === `file://${process.argv[1]}`) main();
