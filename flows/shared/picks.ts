// How a ballot's picks read back to a resident, on any channel. Under a cumulative rule a
// repeated code is another point, so [3, 3, 7] reads "3 (2 points), 7 (1 point)".
import type { BallotRule, Cycle, Lang } from '../../src/config/schema.ts';
import { pointsByCode } from '../../src/domain/ballot.ts';
import { t } from '../../src/i18n/index.ts';

/** "1 point", "2 points", "alama 2". */
export function pointsLabel(lang: Lang, n: number): string {
  return t(lang, n === 1 ? 'pointOne' : 'pointMany', { n });
}

/**
 * Ways to write `picks`, longest first: the caller keeps the first that fits its screen or SMS.
 * With `title` (a project's short title, when every pick has one): "3 Maternity wing, 7 Clinic
 * roof repairs", or "3 Maternity wing (2 points), …" under a cumulative rule. Then the codes:
 * cumulative "3 (2 points), 7 (1 point)", then "3x2 7x1" (the short form SMS accepts too); other
 * rules the codes joined by `sep`, in the order given (the ranking, for ranked ballots).
 */
export function picksTexts(
  rule: BallotRule | undefined,
  picks: readonly number[],
  lang: Lang,
  sep: string,
  title?: (code: number) => string | undefined,
): string[] {
  const cumulative = rule?.rule === 'cumulative';
  const points = [...pointsByCode(picks)];
  const codes = cumulative
    ? [points.map(([code, n]) => `${code} (${pointsLabel(lang, n)})`).join(', '), points.map(([code, n]) => `${code}x${n}`).join(' ')]
    : [picks.join(sep)];
  if (!title || !picks.every((code) => title(code))) return codes;
  const titled = cumulative
    ? points.map(([code, n]) => `${code} ${title(code)} (${pointsLabel(lang, n)})`).join(', ')
    : picks.map((code) => `${code} ${title(code)}`).join(', ');
  return [titled, ...codes];
}

/** The short title of project `code` in `cycle`, in `lang` (what the menus list). */
export function shortTitle(cycle: Cycle | undefined, lang: Lang): (code: number) => string | undefined {
  return (code) => cycle?.projects.find((p) => p.code === code)?.short[lang];
}
