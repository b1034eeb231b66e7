// Message catalogues and the one function that fills them in.
import type { Lang } from '../config/schema.ts';
import { en } from './en.ts';
import { fr } from './fr.ts';
import { sw } from './sw.ts';

/** Every resident-facing message key. en.ts is the reference catalogue. */
export type MessageKey = keyof typeof en;
/** A complete catalogue: the compiler rejects a language missing any key. */
export type Catalogue = Record<MessageKey, string>;

const catalogues: Record<Lang, Catalogue> = { en, sw, fr };

/** The message `key` in `lang` with `{param}` placeholders filled. */
export function t(lang: Lang, key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = catalogues[lang][key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
