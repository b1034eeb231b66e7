// Which language to answer in when the caller has not chosen one.
import type { Deployment, Lang } from '../config/schema.ts';

/** The deployment's default language, or its first configured one. */
export function defaultLanguage(d: Deployment): Lang {
  return d.defaultLanguage ?? d.languages[0]!.code;
}
