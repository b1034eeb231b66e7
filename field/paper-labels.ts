// Officer-facing texts of the paper forms (ballot entry, tally sheet) and of their answers, per
// language. Apart from labels.ts so the paper forms can change without touching the others.
import { isBuiltInLang, type BuiltInLang, type Lang } from '../src/config/schema.ts';
import type { TallyProblem } from '../src/domain/paper.ts';
import { languagePack } from '../src/i18n/languages.ts';

const en = {
  ballotTitle: '{cycle}: paper ballot entry',
  tallyTitle: '{cycle}: meeting tally sheet',
  meeting: 'Meeting (batch) id, from the ballot box label',
  meetingMsg: 'Letters, digits and dashes, at most 40',
  day: 'Day of the meeting',
  dayMsg: 'A day of voting ({opens} to {closes}), not after today',
  serial: 'Serial number printed on the ballot',
  serialMsg: 'Letters, digits and dashes, at most 40',
  issued: 'Ballots issued',
  valid: 'Valid ballots',
  spoiled: 'Spoiled ballots',
  spoiledMsg: 'Issued must equal valid + spoiled',
  projectVotes: '{code} · {title}: votes',
  overValid: 'At most the number of valid ballots',
  sumTooMany: 'The votes add up to more than the valid ballots allow',
  sumTooFew: 'The votes add up to fewer than the valid ballots need',
  countTooFew: 'Every valid ballot has one pick: the votes must add up to the valid ballots',
  badSerial: "Serial '{serial}': letters, digits and dashes only, at most 40. Not recorded.",
  badMeeting: "Meeting id '{meeting}': letters, digits and dashes only, at most 40. Not recorded.",
  badDay: 'The meeting day {day} is outside voting ({opens} to {closes}). Not recorded.',
  futureDay: 'The meeting day {day} is after today ({today}): check the date on the box label. Not recorded.',
  firstEntry: 'Ballot {serial}: entry recorded. It is stored once another officer enters it the same way.',
  ownAgain: 'Ballot {serial}: you entered it before; this entry replaces yours. Another officer must enter it too.',
  disagree: 'Ballot {serial}: entry recorded, but it differs from another officer’s. It waits for one more officer’s entry.',
  settled: 'Ballot {serial} stored: two officers’ entries agree.',
  alreadyAgrees: 'Ballot {serial} was already stored; this entry agrees with it.',
  alreadyDiffers: 'Ballot {serial} was already stored from two agreeing entries, and this entry differs: check the paper with the PB team.',
  tallyStored: 'Tally sheet of meeting {meeting} stored: {valid} valid, {spoiled} spoiled of {issued} issued.',
  tallyHeld: 'Meeting {meeting} already has a tally sheet with other figures. Not recorded: ask the PB team.',
  tallyBad: 'The tally sheet does not add up: {reason}. Not recorded.',
  tallyRule: 'a {rule} ballot cannot be counted from per-project totals',
  tallyIssued: 'ballots issued ({issued}) must equal valid ({valid}) + spoiled ({spoiled}) = {sum}',
  tallyUnknown: 'project {code} is not on the ballot of this ward',
  tallyDuplicate: 'project {code} is counted twice',
  tallyOverValid: 'project {code} has {votes} votes, more than the {valid} valid ballots',
  tallyTooMany: "the projects' votes add up to {total}, more than the valid ballots allow ({limit})",
  tallyTooFew: "the projects' votes add up to {total}, fewer than the valid ballots need ({limit})",
  tallyOverBudget: "the votes' costs add up to {total}, more than the ward budget × valid ballots ({limit})",
};

type Key = keyof typeof en;

/** The English paper labels: the template of an added language's catalogue (its optional `paper` section). */
export const ENGLISH_PAPER_LABELS: Readonly<Record<Key, string>> = en;

const sw: Record<Key, string> = {
  ballotTitle: '{cycle}: kuingiza kura ya karatasi',
  tallyTitle: '{cycle}: fomu ya jumla ya mkutano',
  meeting: 'Namba ya mkutano (kundi), kutoka lebo ya sanduku la kura',
  meetingMsg: 'Herufi, tarakimu na vistari, 40 au chini',
  day: 'Siku ya mkutano',
  dayMsg: 'Siku ya upigaji kura ({opens} hadi {closes}), isiyo baada ya leo',
  serial: 'Namba ya mfululizo iliyochapishwa kwenye karatasi ya kura',
  serialMsg: 'Herufi, tarakimu na vistari, 40 au chini',
  issued: 'Karatasi za kura zilizotolewa',
  valid: 'Kura halali',
  spoiled: 'Kura zilizoharibika',
  spoiledMsg: 'Zilizotolewa lazima ziwe sawa na halali + zilizoharibika',
  projectVotes: '{code} · {title}: kura',
  overValid: 'Zisizozidi idadi ya kura halali',
  sumTooMany: 'Jumla ya kura inazidi kile kura halali zinaruhusu',
  sumTooFew: 'Jumla ya kura ni chini ya kile kura halali zinahitaji',
  countTooFew: 'Kila kura halali ina chaguo moja: jumla lazima iwe sawa na kura halali',
  badSerial: "Namba ya mfululizo '{serial}': herufi, tarakimu na vistari tu, 40 au chini. Haijahifadhiwa.",
  badMeeting: "Namba ya mkutano '{meeting}': herufi, tarakimu na vistari tu, 40 au chini. Haijahifadhiwa.",
  badDay: 'Siku ya mkutano {day} iko nje ya upigaji kura ({opens} hadi {closes}). Haijahifadhiwa.',
  futureDay: 'Siku ya mkutano {day} ni baada ya leo ({today}): kagua tarehe kwenye lebo ya sanduku. Haijahifadhiwa.',
  firstEntry: 'Kura {serial}: imeingizwa. Itahifadhiwa afisa mwingine akiiingiza vivyo hivyo.',
  ownAgain: 'Kura {serial}: uliiingiza awali; hii inachukua nafasi ya yako. Afisa mwingine lazima aiingize pia.',
  disagree: 'Kura {serial}: imeingizwa, lakini inatofautiana na ya afisa mwingine. Inasubiri afisa mmoja zaidi.',
  settled: 'Kura {serial} imehifadhiwa: maafisa wawili wamekubaliana.',
  alreadyAgrees: 'Kura {serial} ilikwisha hifadhiwa; hii inakubaliana nayo.',
  alreadyDiffers: 'Kura {serial} ilikwisha hifadhiwa kutoka maingizo mawili yanayokubaliana, na hii inatofautiana: kagua karatasi na timu ya PB.',
  tallyStored: 'Fomu ya jumla ya mkutano {meeting} imehifadhiwa: halali {valid}, zilizoharibika {spoiled} kati ya {issued}.',
  tallyHeld: 'Mkutano {meeting} tayari una fomu ya jumla yenye takwimu nyingine. Haijahifadhiwa: uliza timu ya PB.',
  tallyBad: 'Fomu ya jumla haiwiani: {reason}. Haijahifadhiwa.',
  tallyRule: 'kura ya aina {rule} haiwezi kuhesabiwa kutoka jumla za kila mradi',
  tallyIssued: 'karatasi zilizotolewa ({issued}) lazima ziwe sawa na halali ({valid}) + zilizoharibika ({spoiled}) = {sum}',
  tallyUnknown: 'mradi {code} haupo kwenye orodha ya wadi hii',
  tallyDuplicate: 'mradi {code} umehesabiwa mara mbili',
  tallyOverValid: 'mradi {code} una kura {votes}, zaidi ya kura halali {valid}',
  tallyTooMany: 'jumla ya kura za miradi ni {total}, zaidi ya kile kura halali zinaruhusu ({limit})',
  tallyTooFew: 'jumla ya kura za miradi ni {total}, chini ya kile kura halali zinahitaji ({limit})',
  tallyOverBudget: 'gharama za kura ni {total}, zaidi ya bajeti ya wadi × kura halali ({limit})',
};

const fr: Record<Key, string> = {
  ballotTitle: '{cycle} : saisie d’un bulletin papier',
  tallyTitle: '{cycle} : feuille de dépouillement d’une réunion',
  meeting: 'Identifiant de la réunion (lot), sur l’étiquette de l’urne',
  meetingMsg: 'Lettres, chiffres et tirets, 40 au plus',
  day: 'Jour de la réunion',
  dayMsg: 'Un jour du vote (du {opens} au {closes}), pas après aujourd’hui',
  serial: 'Numéro de série imprimé sur le bulletin',
  serialMsg: 'Lettres, chiffres et tirets, 40 au plus',
  issued: 'Bulletins remis',
  valid: 'Bulletins valables',
  spoiled: 'Bulletins nuls',
  spoiledMsg: 'Remis doit égaler valables + nuls',
  projectVotes: '{code} · {title} : voix',
  overValid: 'Au plus le nombre de bulletins valables',
  sumTooMany: 'Les voix dépassent ce que permettent les bulletins valables',
  sumTooFew: 'Les voix sont inférieures à ce que demandent les bulletins valables',
  countTooFew: 'Chaque bulletin valable a un choix : les voix doivent égaler les bulletins valables',
  badSerial: "Numéro de série '{serial}' : lettres, chiffres et tirets seulement, 40 au plus. Non enregistré.",
  badMeeting: "Identifiant de réunion '{meeting}' : lettres, chiffres et tirets seulement, 40 au plus. Non enregistré.",
  badDay: 'Le jour de la réunion {day} est hors du vote ({opens} au {closes}). Non enregistré.',
  futureDay: 'Le jour de la réunion {day} est après aujourd’hui ({today}) : vérifiez la date sur l’étiquette de l’urne. Non enregistré.',
  firstEntry: 'Bulletin {serial} : saisie enregistrée. Il sera stocké quand un autre agent l’aura saisi de la même façon.',
  ownAgain: 'Bulletin {serial} : vous l’aviez déjà saisi ; cette saisie remplace la vôtre. Un autre agent doit le saisir aussi.',
  disagree: 'Bulletin {serial} : saisie enregistrée, mais elle diffère de celle d’un autre agent. Il attend la saisie d’un agent de plus.',
  settled: 'Bulletin {serial} stocké : les saisies de deux agents concordent.',
  alreadyAgrees: 'Bulletin {serial} déjà stocké ; cette saisie concorde.',
  alreadyDiffers: 'Bulletin {serial} déjà stocké d’après deux saisies concordantes, et celle-ci diffère : vérifiez le papier avec l’équipe BP.',
  tallyStored: 'Feuille de la réunion {meeting} stockée : {valid} valables, {spoiled} nuls sur {issued} remis.',
  tallyHeld: 'La réunion {meeting} a déjà une feuille avec d’autres chiffres. Non enregistré : voyez l’équipe BP.',
  tallyBad: 'La feuille ne concorde pas : {reason}. Non enregistré.',
  tallyRule: 'un bulletin {rule} ne peut pas être compté à partir de totaux par projet',
  tallyIssued: 'les bulletins remis ({issued}) doivent égaler valables ({valid}) + nuls ({spoiled}) = {sum}',
  tallyUnknown: 'le projet {code} n’est pas sur le bulletin de ce quartier',
  tallyDuplicate: 'le projet {code} est compté deux fois',
  tallyOverValid: 'le projet {code} a {votes} voix, plus que les {valid} bulletins valables',
  tallyTooMany: 'les voix des projets font {total}, plus que ne le permettent les bulletins valables ({limit})',
  tallyTooFew: 'les voix des projets font {total}, moins que ne le demandent les bulletins valables ({limit})',
  tallyOverBudget: 'le coût des voix fait {total}, plus que le budget du quartier × les bulletins valables ({limit})',
};

const CATALOGUES: Record<BuiltInLang, Record<Key, string>> = { en, sw, fr };

/** Why a tally sheet does not add up, in the officer's language (the ledger's detail is describeTallyProblem's English). */
export function tallyProblemLabel(lang: Lang, p: TallyProblem): string {
  switch (p.kind) {
    case 'rule':
      return paperLabel(lang, 'tallyRule', { rule: p.rule });
    case 'issued':
      return paperLabel(lang, 'tallyIssued', { issued: p.issued, valid: p.valid, spoiled: p.spoiled, sum: p.valid + p.spoiled });
    case 'unknown-project':
      return paperLabel(lang, 'tallyUnknown', { code: p.code });
    case 'duplicate':
      return paperLabel(lang, 'tallyDuplicate', { code: p.code });
    case 'over-valid':
      return paperLabel(lang, 'tallyOverValid', { code: p.code, votes: p.votes, valid: p.valid });
    case 'too-many':
      return paperLabel(lang, 'tallyTooMany', { total: p.total, limit: p.most });
    case 'too-few':
      return paperLabel(lang, 'tallyTooFew', { total: p.total, limit: p.least });
    case 'over-budget':
      return paperLabel(lang, 'tallyOverBudget', { total: p.spent, limit: p.most });
  }
}

const placeholders = (text: string) =>
  [...text.matchAll(/\{(\w+)\}/g)]
    .map((m) => m[1])
    .sort()
    .join(',');

/**
 * What is wrong with an added language's paper labels (its catalogue's optional `paper` section):
 * keys that are not paper labels, and placeholders that differ from English.
 */
export function paperLabelProblems(labels: Record<string, string>): string[] {
  return Object.entries(labels).flatMap(([key, text]) => {
    if (!Object.hasOwn(en, key)) return [`paper.${key}: unknown key (paper labels are: ${Object.keys(en).join(', ')})`];
    const want = placeholders(en[key as Key]);
    return placeholders(text) === want
      ? []
      : [`paper.${key}: use the placeholders of the English text (${want ? `{${want.split(',').join('}, {')}}` : 'none'})`];
  });
}

/** A paper form's officer-facing text with its `{name}` parameters filled in; English where an added language gives none. */
export function paperLabel(lang: Lang, key: Key, params: Record<string, string | number> = {}): string {
  const text = isBuiltInLang(lang) ? CATALOGUES[lang][key] : (languagePack(lang)?.paper?.[key] ?? en[key]);
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}
