// How a ballot's picks read back to a resident, on any channel. Under a cumulative rule a
// repeated code is another point, so [3, 3, 7] reads "3 (2 points), 7 (1 point)".
import type { BallotRule, Lang } from '../../src/config/schema.ts';
import { pointsByCode } from '../../src/domain/ballot.ts';
import { t } from '../../src/i18n/index.ts';

/** "1 point", "2 points", "alama 2". */
export function pointsLabel(lang: Lang, n: number): string {
  return t(lang, n === 1 ? 'pointOne' : 'pointMany', { n });
}

/**
 * Ways to write `picks`, longest first: the caller keeps the first that fits its screen or SMS.
 * Cumulative: "3 (2 points), 7 (1 point)", then "3x2 7x1" (the short form SMS accepts too).
 * Other rules: the codes joined by `sep`, in the order given (the ranking, for ranked ballots).
 */
export function picksTexts(rule: BallotRule | undefined, picks: readonly number[], lang: Lang, sep: string): string[] {
  if (rule?.rule !== 'cumulative') return [picks.join(sep)];
  const points = [...pointsByCode(picks)];
  return [points.map(([code, n]) => `${code} (${pointsLabel(lang, n)})`).join(', '), points.map(([code, n]) => `${code}x${n}`).join(' ')];
}
