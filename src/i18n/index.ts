// Message catalogues and the one function that fills them in.
import { isBuiltInLang, type BuiltInLang, type Lang } from '../config/schema.ts';
import { en } from './en.ts';
import { fr } from './fr.ts';
import { languagePack } from './languages.ts';
import { sw } from './sw.ts';

/** Every resident-facing message key. en.ts is the reference catalogue. */
export type MessageKey = keyof typeof en;
/** A complete catalogue: the compiler rejects a language missing any key. */
export type Catalogue = Record<MessageKey, string>;

const catalogues: Record<BuiltInLang, Catalogue> = { en, sw, fr };

/**
 * The catalogue of `lang`: built in, or installed from a deployment's catalogue file (checked to
 * hold every key). English for a code with neither, which start-up never lets a deployment use.
 */
export function catalogue(lang: Lang): Catalogue {
  if (isBuiltInLang(lang)) return catalogues[lang];
  return (languagePack(lang)?.messages as Catalogue | undefined) ?? en;
}

/** The message `key` in `lang` with `{param}` placeholders filled. */
export function t(lang: Lang, key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = catalogue(lang)[key];
  // Most texts have no placeholder; every screen line goes through here.
  if (!template.includes('{')) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
