// Whether each project's menu title fits where residents read it, in every language of the
// deployment: the USSD pick screen (182 characters) with the project as its only line, the
// header of its ward's rule and the navigation line at their longest; and the SMS PROJECTS
// reply with the project as its only item in one segment. Built from the renderers' own pieces
// (pickHeader, pickItem, navLine, smsProjectItem), so what is checked is what is shown. The
// console refuses to publish a ballot version with a problem here (console/ballot.ts).
import type { Deployment } from '../../src/config/schema.ts';
import { smsCost, toGsmLookalikes } from '../../src/domain/sms-encoding.ts';
import { t } from '../../src/i18n/index.ts';
import { smsProjectItem } from '../sms/step.ts';
import { SCREEN_LIMIT } from '../ussd/layout.ts';
import { navLine, pickHeader, pickItem } from '../ussd/render.ts';

export interface TitleFitProblem {
  cycleId: string;
  code: number;
  lang: string;
  where: 'ussd' | 'sms';
  detail: string;
}

/** Every project of every cycle whose menu title overflows a USSD screen or an SMS segment, per language. */
export function titleFitProblems(d: Deployment): TitleFitProblem[] {
  const problems: TitleFitProblem[] = [];
  for (const cycle of d.cycles) {
    const rule = cycle.ballot;
    // The widest mark the line can carry: a rank of two digits, or 97 points.
    const mark = rule.rule === 'ranking' ? `#${rule.k} ` : rule.rule === 'cumulative' ? `+${rule.points} ` : '+';
    // The header at its longest: as many picks as the rule allows (picks change counts and what is left).
    const picks = Array.from(
      { length: rule.rule === 'approval' ? rule.max : rule.rule === 'cumulative' ? rule.points : rule.rule === 'ranking' ? rule.k : 0 },
      () => 0,
    );
    for (const p of cycle.projects) {
      for (const { code: lang } of d.languages) {
        const header = pickHeader(lang, d, cycle, p.ward, picks);
        const screen = [header, pickItem(p, lang, d, mark), navLine(lang, true, rule.rule !== 'choose-1')].join('\n');
        if (screen.length > SCREEN_LIMIT) {
          problems.push({
            cycleId: cycle.id,
            code: p.code,
            lang,
            where: 'ussd',
            detail: `the pick screen is ${screen.length} characters with this title, over ${SCREEN_LIMIT}: shorten the menu title`,
          });
        }
        const ward = d.wards.find((w) => w.id === p.ward)?.name[lang] ?? p.ward;
        const next = [t(lang, 'smsProjectsMore'), t(lang, 'smsProjectsVote', { example: '96 97' })].reduce((a, b) => (b.length > a.length ? b : a));
        const sms = toGsmLookalikes(t(lang, 'smsProjects', { ward, currency: d.deployment.currency, part: ' 9/9', items: smsProjectItem(p, lang), next }));
        const cost = smsCost(sms);
        if (cost.segments > 1) {
          const why =
            cost.encoding === 'UCS-2' ? `it has characters outside GSM-7, so a segment holds 70 (${cost.units} here)` : `${cost.units} characters, over 160`;
          problems.push({ cycleId: cycle.id, code: p.code, lang, where: 'sms', detail: `the PROJECTS reply is over one SMS segment: ${why}` });
        }
      }
    }
  }
  return problems;
}
