// Officer-facing texts of the generated forms and of the OpenRosa answers, per language. Kept
// apart from src/i18n (resident-facing, length-bound to USSD screens and SMS segments).
import { isBuiltInLang, type BuiltInLang, type Lang } from '../src/config/schema.ts';
import { languagePack } from '../src/i18n/languages.ts';

const en = {
  voteTitle: '{cycle}: vote',
  proposalTitle: '{cycle}: idea',
  voterId: 'Voter id (from the roll)',
  voterIdMsg: 'Type the voter id, at most 40 characters',
  ward: 'Ward',
  category: 'Category',
  ideaTitle: 'Title of the idea',
  ideaTitleMsg: 'At most 200 characters',
  description: 'Description',
  descriptionMsg: 'At most 2000 characters',
  projectsOf: '{ward}: projects (budget {budget})',
  pickApproval: 'Pick {min} to {max} projects',
  pickApprovalMsg: 'Pick at least {min} and at most {max} projects',
  pickChooseOne: 'Pick one project',
  pickKnapsack: 'Pick projects whose total cost is within {budget}',
  pickKnapsackMsg: 'The total is over the budget of {budget}, or fewer than {min} projects are picked',
  totalCost: 'Total cost',
  recorded: 'Vote recorded. Receipt: {receipt}',
  replaced: 'Vote recorded, replacing the earlier one. Receipt: {receipt}',
  ideaRecorded: 'Idea recorded. Reference: {reference}',
  again: 'Already received: {message}',
  closed: "Voting in {cycle} was not open when this vote was taken ({at}); it ran {opens} to {closes}. Not recorded.",
  ideasClosed: "Ideas for {cycle} were not being collected when this was taken ({at}). Not recorded.",
  clockAhead: "This device's clock is ahead of the server by {minutes} minutes: set its date and time, then send again.",
  notOnRoll: "Voter id '{voterId}' is not on the roll. Not recorded.",
  rollWard: "Voter id '{voterId}' is on the roll of ward {ward}, not {chosen}. Not recorded.",
  officerWard: "This phone is set up for ward {ward} only. Not recorded.",
  unknownWard: "Unknown ward '{ward}': download the forms again.",
  unknownCategory: "Unknown category '{category}': download the forms again.",
  alreadyVoted: "This voter already voted in {cycle}; a second vote is not allowed. Not recorded.",
  ruleTooMany: "Too many projects: at most {max}. Not recorded.",
  ruleTooFew: "Too few projects: at least {min}. Not recorded.",
  ruleOverBudget: "The projects cost more than the ward budget. Not recorded.",
  ruleUnknown: "Project {code} is not on the ballot of this ward. Not recorded.",
  ruleDuplicate: "Project {code} is picked twice. Not recorded.",
  conflict: "A different form with the same instanceID was already received. Not recorded.",
} as const;

type Key = keyof typeof en;

/** The English labels: what an added language's catalogue may translate (`field`). */
export const ENGLISH_LABELS: Readonly<Record<Key, string>> = en;

const sw: Record<Key, string> = {
  voteTitle: '{cycle}: kura',
  proposalTitle: '{cycle}: wazo',
  voterId: 'Namba ya mpiga kura (kwenye daftari)',
  voterIdMsg: 'Andika namba ya mpiga kura, herufi 40 au chini',
  ward: 'Wadi',
  category: 'Aina',
  ideaTitle: 'Kichwa cha wazo',
  ideaTitleMsg: 'Herufi 200 au chini',
  description: 'Maelezo',
  descriptionMsg: 'Herufi 2000 au chini',
  projectsOf: '{ward}: miradi (bajeti {budget})',
  pickApproval: 'Chagua miradi {min} hadi {max}',
  pickApprovalMsg: 'Chagua angalau miradi {min} na isiyozidi {max}',
  pickChooseOne: 'Chagua mradi mmoja',
  pickKnapsack: 'Chagua miradi ambayo gharama yake yote haizidi {budget}',
  pickKnapsackMsg: 'Jumla imezidi bajeti ya {budget}, au miradi iliyochaguliwa ni chini ya {min}',
  totalCost: 'Gharama yote',
  recorded: 'Kura imehifadhiwa. Risiti: {receipt}',
  replaced: 'Kura imehifadhiwa, badala ya ile ya awali. Risiti: {receipt}',
  ideaRecorded: 'Wazo limehifadhiwa. Kumbukumbu: {reference}',
  again: 'Tayari imepokelewa: {message}',
  closed: "Upigaji kura wa {cycle} haukuwa wazi kura hii ilipochukuliwa ({at}); ulikuwa {opens} hadi {closes}. Haijahifadhiwa.",
  ideasClosed: "Mawazo ya {cycle} hayakuwa yakikusanywa hili lilipochukuliwa ({at}). Halijahifadhiwa.",
  clockAhead: "Saa ya simu hii iko mbele ya seva kwa dakika {minutes}: rekebisha tarehe na saa, kisha tuma tena.",
  notOnRoll: "Namba ya mpiga kura '{voterId}' haipo kwenye daftari. Haijahifadhiwa.",
  rollWard: "Namba ya mpiga kura '{voterId}' iko kwenye daftari la wadi {ward}, si {chosen}. Haijahifadhiwa.",
  officerWard: "Simu hii imewekwa kwa wadi {ward} pekee. Haijahifadhiwa.",
  unknownWard: "Wadi '{ward}' haijulikani: pakua fomu tena.",
  unknownCategory: "Aina '{category}' haijulikani: pakua fomu tena.",
  alreadyVoted: "Mpiga kura huyu amekwisha piga kura katika {cycle}; kura ya pili hairuhusiwi. Haijahifadhiwa.",
  ruleTooMany: "Miradi mingi mno: isiyozidi {max}. Haijahifadhiwa.",
  ruleTooFew: "Miradi michache mno: angalau {min}. Haijahifadhiwa.",
  ruleOverBudget: "Gharama ya miradi inazidi bajeti ya wadi. Haijahifadhiwa.",
  ruleUnknown: "Mradi {code} haupo kwenye orodha ya wadi hii. Haijahifadhiwa.",
  ruleDuplicate: "Mradi {code} umechaguliwa mara mbili. Haijahifadhiwa.",
  conflict: "Fomu tofauti yenye instanceID hiyo hiyo ilikwisha pokelewa. Haijahifadhiwa.",
};

const fr: Record<Key, string> = {
  voteTitle: '{cycle} : vote',
  proposalTitle: '{cycle} : idée',
  voterId: "Numéro d'électeur (sur la liste)",
  voterIdMsg: "Saisissez le numéro d'électeur, 40 caractères au plus",
  ward: 'Quartier',
  category: 'Catégorie',
  ideaTitle: "Titre de l'idée",
  ideaTitleMsg: '200 caractères au plus',
  description: 'Description',
  descriptionMsg: '2000 caractères au plus',
  projectsOf: '{ward} : projets (budget {budget})',
  pickApproval: 'Choisissez de {min} à {max} projets',
  pickApprovalMsg: 'Choisissez au moins {min} et au plus {max} projets',
  pickChooseOne: 'Choisissez un projet',
  pickKnapsack: 'Choisissez des projets dont le coût total reste dans {budget}',
  pickKnapsackMsg: 'Le total dépasse le budget de {budget}, ou moins de {min} projets sont choisis',
  totalCost: 'Coût total',
  recorded: 'Vote enregistré. Reçu : {receipt}',
  replaced: 'Vote enregistré, il remplace le précédent. Reçu : {receipt}',
  ideaRecorded: 'Idée enregistrée. Référence : {reference}',
  again: 'Déjà reçu : {message}',
  closed: "Le vote de {cycle} n'était pas ouvert quand ce vote a été pris ({at}) ; il allait du {opens} au {closes}. Non enregistré.",
  ideasClosed: "Les idées de {cycle} n'étaient pas collectées quand celle-ci a été prise ({at}). Non enregistrée.",
  clockAhead: "L'horloge de cet appareil avance de {minutes} minutes sur le serveur : réglez la date et l'heure, puis renvoyez.",
  notOnRoll: "Le numéro d'électeur '{voterId}' n'est pas sur la liste. Non enregistré.",
  rollWard: "Le numéro d'électeur '{voterId}' est inscrit dans le quartier {ward}, pas {chosen}. Non enregistré.",
  officerWard: "Ce téléphone est configuré pour le quartier {ward} seulement. Non enregistré.",
  unknownWard: "Quartier '{ward}' inconnu : téléchargez à nouveau les formulaires.",
  unknownCategory: "Catégorie '{category}' inconnue : téléchargez à nouveau les formulaires.",
  alreadyVoted: "Cet électeur a déjà voté dans {cycle} ; un second vote n'est pas permis. Non enregistré.",
  ruleTooMany: "Trop de projets : {max} au plus. Non enregistré.",
  ruleTooFew: "Trop peu de projets : {min} au moins. Non enregistré.",
  ruleOverBudget: "Les projets coûtent plus que le budget du quartier. Non enregistré.",
  ruleUnknown: "Le projet {code} n'est pas sur le bulletin de ce quartier. Non enregistré.",
  ruleDuplicate: "Le projet {code} est choisi deux fois. Non enregistré.",
  conflict: "Un autre formulaire avec le même instanceID a déjà été reçu. Non enregistré.",
};

const CATALOGUES: Record<BuiltInLang, Record<Key, string>> = { en, sw, fr };

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',');

/**
 * What is wrong with an added language's field labels (its catalogue's optional `field` section):
 * keys that are not labels, and placeholders that differ from English. Labels it leaves out are
 * English.
 */
export function fieldLabelProblems(labels: Record<string, string>): string[] {
  return Object.entries(labels).flatMap(([key, text]) => {
    if (!Object.hasOwn(en, key)) return [`field.${key}: unknown key (field labels are: ${Object.keys(en).join(', ')})`];
    const want = placeholders(en[key as Key]);
    return placeholders(text) === want ? [] : [`field.${key}: use the placeholders of the English text (${want ? `{${want.split(',').join('}, {')}}` : 'none'})`];
  });
}

/** An officer-facing text with its `{name}` parameters filled in; English where an added language gives none. */
export function label(lang: Lang, key: Key, params: Record<string, string | number> = {}): string {
  const text = isBuiltInLang(lang) ? CATALOGUES[lang][key] : (languagePack(lang)?.field[key] ?? en[key]);
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}
