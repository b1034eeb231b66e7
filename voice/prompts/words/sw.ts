// Kiswahili texts of the clips numbers, amounts and codes are spoken with (laki for hundreds of thousands, as East Africa says them).
export const words: Record<string, string> = {
  'num-0': 'sifuri', 'num-1': 'moja', 'num-2': 'mbili', 'num-3': 'tatu', 'num-4': 'nne',
  'num-5': 'tano', 'num-6': 'sita', 'num-7': 'saba', 'num-8': 'nane', 'num-9': 'tisa',
  'num-10': 'kumi', 'num-20': 'ishirini', 'num-30': 'thelathini', 'num-40': 'arobaini', 'num-50': 'hamsini',
  'num-60': 'sitini', 'num-70': 'sabini', 'num-80': 'themanini', 'num-90': 'tisini',
  'num-hundred': 'mia', 'num-thousand': 'elfu', 'num-lakh': 'laki', 'num-million': 'milioni', 'num-billion': 'bilioni',
  // Month names, for dates said as day, month and year.
  'month-1': 'Januari', 'month-2': 'Februari', 'month-3': 'Machi', 'month-4': 'Aprili', 'month-5': 'Mei', 'month-6': 'Juni',
  'month-7': 'Julai', 'month-8': 'Agosti', 'month-9': 'Septemba', 'month-10': 'Oktoba', 'month-11': 'Novemba', 'month-12': 'Desemba',
  'num-and': 'na', 'num-point': 'nukta',
};

/** What the currency is called before an amount ("shilingi elfu mbili"); an ISO code not listed is spelled out. */
export const currencies: Record<string, string> = {
  KES: 'shilingi', TZS: 'shilingi', UGX: 'shilingi', SOS: 'shilingi',
  USD: 'dola', EUR: 'yuro', GBP: 'pauni', NGN: 'naira', GHS: 'sedi', ZAR: 'randi',
  RWF: 'faranga', BIF: 'faranga', XOF: 'faranga za CFA', XAF: 'faranga za CFA', CDF: 'faranga', ETB: 'bir', MWK: 'kwacha', ZMW: 'kwacha',
};
