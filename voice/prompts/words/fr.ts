// French texts of the clips numbers, amounts and codes are spoken with (soixante-dix, quatre-vingts: France and West Africa).
export const words: Record<string, string> = {
  'num-0': 'zéro', 'num-1': 'un', 'num-2': 'deux', 'num-3': 'trois', 'num-4': 'quatre',
  'num-5': 'cinq', 'num-6': 'six', 'num-7': 'sept', 'num-8': 'huit', 'num-9': 'neuf',
  'num-10': 'dix', 'num-11': 'onze', 'num-12': 'douze', 'num-13': 'treize', 'num-14': 'quatorze',
  'num-15': 'quinze', 'num-16': 'seize',
  'num-20': 'vingt', 'num-30': 'trente', 'num-40': 'quarante', 'num-50': 'cinquante', 'num-60': 'soixante',
  // "quatre-vingts" ends a number; "quatre-vingt" is followed by more (quatre-vingt-un) or by mille.
  'num-80': 'quatre-vingt', 'num-80s': 'quatre-vingts',
  'num-hundred': 'cent', 'num-hundreds': 'cents', 'num-thousand': 'mille',
  'num-million': 'million', 'num-millions': 'millions', 'num-billion': 'milliard', 'num-billions': 'milliards',
  // Month names, for dates said as day, month and year.
  'month-1': 'janvier', 'month-2': 'février', 'month-3': 'mars', 'month-4': 'avril', 'month-5': 'mai', 'month-6': 'juin',
  'month-7': 'juillet', 'month-8': 'août', 'month-9': 'septembre', 'month-10': 'octobre', 'month-11': 'novembre', 'month-12': 'décembre',
  'num-and': 'et', 'num-point': 'virgule',
};

/** What the currency is called after an amount; an ISO code not listed is spelled out. */
export const currencies: Record<string, string> = {
  KES: 'shillings', TZS: 'shillings', UGX: 'shillings', SOS: 'shillings',
  USD: 'dollars', EUR: 'euros', GBP: 'livres sterling', NGN: 'nairas', GHS: 'cédis', ZAR: 'rands',
  RWF: 'francs rwandais', BIF: 'francs burundais', XOF: 'francs CFA', XAF: 'francs CFA', CDF: 'francs congolais', ETB: 'birrs', MWK: 'kwachas', ZMW: 'kwachas',
};

/** After million(s) and milliard(s) French says "de" (d' before a vowel): "deux millions de shillings", "un million d'euros". */
export const ofCurrency = (name: string): string => (/^[aeiouyéh]/i.test(name) ? `d'${name}` : `de ${name}`);
