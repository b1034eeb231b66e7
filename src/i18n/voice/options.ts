// The language menu's clips, the same in every catalogue: each is said in its own language, since
// the menu speaks to a caller whose language is not known yet. The digit is the language's
// place in the deployment's list.
export const LANGUAGE_OPTIONS = {
  'voice.lang.en.1': 'For English, press 1.',
  'voice.lang.en.2': 'For English, press 2.',
  'voice.lang.en.3': 'For English, press 3.',
  'voice.lang.sw.1': 'Kwa Kiswahili, bonyeza 1.',
  'voice.lang.sw.2': 'Kwa Kiswahili, bonyeza 2.',
  'voice.lang.sw.3': 'Kwa Kiswahili, bonyeza 3.',
  'voice.lang.fr.1': 'Pour le français, appuyez sur 1.',
  'voice.lang.fr.2': 'Pour le français, appuyez sur 2.',
  'voice.lang.fr.3': 'Pour le français, appuyez sur 3.',
} as const;
