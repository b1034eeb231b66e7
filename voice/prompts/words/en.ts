// English texts of the clips numbers, amounts and codes are spoken with (British usage, as dates are).
export const words: Record<string, string> = {
  'num-0': 'zero', 'num-1': 'one', 'num-2': 'two', 'num-3': 'three', 'num-4': 'four',
  'num-5': 'five', 'num-6': 'six', 'num-7': 'seven', 'num-8': 'eight', 'num-9': 'nine',
  'num-10': 'ten', 'num-11': 'eleven', 'num-12': 'twelve', 'num-13': 'thirteen', 'num-14': 'fourteen',
  'num-15': 'fifteen', 'num-16': 'sixteen', 'num-17': 'seventeen', 'num-18': 'eighteen', 'num-19': 'nineteen',
  'num-20': 'twenty', 'num-30': 'thirty', 'num-40': 'forty', 'num-50': 'fifty',
  'num-60': 'sixty', 'num-70': 'seventy', 'num-80': 'eighty', 'num-90': 'ninety',
  'num-hundred': 'hundred', 'num-thousand': 'thousand', 'num-million': 'million', 'num-billion': 'billion',
  // Month names, for dates said as day, month and year.
  'month-1': 'January', 'month-2': 'February', 'month-3': 'March', 'month-4': 'April', 'month-5': 'May', 'month-6': 'June',
  'month-7': 'July', 'month-8': 'August', 'month-9': 'September', 'month-10': 'October', 'month-11': 'November', 'month-12': 'December',
  'num-and': 'and', 'num-point': 'point',
};

/** What the currency is called after an amount; an ISO code not listed is spelled out. */
export const currencies: Record<string, string> = {
  KES: 'shillings', TZS: 'shillings', UGX: 'shillings', SOS: 'shillings',
  USD: 'dollars', EUR: 'euros', GBP: 'pounds', NGN: 'naira', GHS: 'cedis', ZAR: 'rand',
  RWF: 'francs', BIF: 'francs', XOF: 'CFA francs', XAF: 'CFA francs', CDF: 'francs', ETB: 'birr', MWK: 'kwacha', ZMW: 'kwacha',
};
