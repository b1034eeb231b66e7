// The corpus's largest files (Warszawa 2020–2025, Kraków 2023 and 2025, Wrocław 2016: over 4 MiB
// each) are absent from the stored snapshot bench:pabulib reads, so `PABULIB_SCALE=n` counts
// real files grown n times instead: every ballot cast n times under new voter ids. Counts that
// depend on shares rather than headcounts stay the same — a replicated electorate with the same
// budget funds the same projects under greedy and Equal Shares — so the published selection
// still checks the count; the absolute vote threshold of `greedy-threshold` and the `votes` and
// `score` columns are scaled with it.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const SCALED_META = new Set(['num_votes', 'min_project_score_threshold']);
const SCALED_PROJECT_COLUMNS = new Set(['votes', 'score']);

/** The text of a `.pb` file whose electorate is `n` copies of the original's. */
export function scalePb(text: string, n: number): string {
  const lines = text.split(/\r?\n/);
  const out: string[] = [];
  let section = '';
  let header: string[] = [];
  for (const line of lines) {
    if (/^(META|PROJECTS|VOTES)$/.test(line.trim())) {
      section = line.trim();
      header = [];
      out.push(line);
      continue;
    }
    if (!header.length && section) {
      header = line.split(';');
      out.push(line);
      continue;
    }
    if (section === 'META') {
      const [key, ...value] = line.split(';');
      out.push(SCALED_META.has(key!) && /^\d+$/.test(value.join(';')) ? `${key};${Number(value.join(';')) * n}` : line);
    } else if (section === 'PROJECTS') {
      // Only the numeric columns before the first free-text one are safe to split on ';'.
      const cells = line.split(';');
      out.push(cells.map((c, i) => (SCALED_PROJECT_COLUMNS.has(header[i] ?? '') && /^\d+$/.test(c) ? String(Number(c) * n) : c)).join(';'));
    } else if (section === 'VOTES' && line) {
      for (let k = 0; k < n; k++) out.push(k === 0 ? line : line.replace(/^("?)/, `$1s${k}_`));
    } else out.push(line);
  }
  return out.join('\n');
}

/** Writes an n-times copy of each file to a new temporary folder; returns the copies' paths. */
export function scaledCopies(paths: string[], n: number): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'pabulib-scaled-'));
  return paths.map((path) => {
    const copy = join(dir, basename(path).replace(/\.pb$/, `_x${n}.pb`));
    writeFileSync(copy, scalePb(readFileSync(path, 'utf8'), n));
    return copy;
  });
}
