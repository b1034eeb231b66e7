// Officer-facing texts of the generated forms and of the OpenRosa answers, per language. Kept
// apart from src/i18n (resident-facing, length-bound to USSD screens and SMS segments).
import type { Lang } from '../src/config/schema.ts';

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
} as const;

type Key = keyof typeof en;

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
};

const CATALOGUES: Record<Lang, Record<Key, string>> = { en, sw, fr };

/** An officer-facing text with its `{name}` parameters filled in. */
export function label(lang: Lang, key: Key, params: Record<string, string | number> = {}): string {
  return CATALOGUES[lang][key].replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}
