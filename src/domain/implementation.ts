// After the vote: a winning project's implementation. Each update the PB team records is one
// entry the ledger writes itself into its hash chain (type `implementation.updated`, gateway
// `@ledger`), with the payload defined here; gateways download the updates as a feed and tell
// residents. No person is named in an update: it is open data.
import { z } from 'zod';

/** Where a winning project stands, in the order a project usually moves through them. */
export const IMPLEMENTATION_STATUSES = ['studying', 'procurement', 'in-progress', 'completed', 'cancelled'] as const;
export type ImplementationStatus = (typeof IMPLEMENTATION_STATUSES)[number];

/** The chain entry type of an implementation update. */
export const IMPLEMENTATION_UPDATED = 'implementation.updated';

/** Longest milestone text per language, and longest reason (a cancellation's). */
export const MAX_MILESTONE = 300;
export const MAX_IMPLEMENTATION_REASON = 500;

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

/** `2026-12-05`: the day it is at `now` in the deployment's time zone (`deployment.timezone`), the day the PB team and residents know. */
export function localToday(now: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/**
 * The one check of an update's day, made by the command line, the console and the ledger itself:
 * why `date` cannot be one (a sentence starting with `field`, e.g. `--date`), or null. It must be
 * a day of the calendar as YYYY-MM-DD (2026-02-30 is none, though Date.parse rolls it to 2 March)
 * and not after `today` (localToday): an update tells residents what has happened, as fact.
 */
export function implementationDayProblem(field: string, date: string, today: string): string | null {
  const at = /^\d{4}-\d{2}-\d{2}$/.test(date) ? new Date(`${date}T00:00:00Z`) : null;
  if (!at || Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== date) return `${field} must be a day as YYYY-MM-DD (got '${date.slice(0, 40)}')`;
  if (date > today) return `${field} ${date} is after today (${today}): an update records what has already happened`;
  return null;
}

const langCode = z.string().regex(/^[a-z]{2,3}$/);

/**
 * A cancellation's reason: a text per language of the deployment, as a milestone has. An update
 * chained before reasons had languages holds one string, which every language shows as it is.
 */
export const implementationReasonSchema = z.union([
  z.string().min(1).max(MAX_IMPLEMENTATION_REASON),
  z.record(langCode, z.string().min(1).max(MAX_IMPLEMENTATION_REASON)).refine((r) => Object.keys(r).length > 0, 'a text in every language'),
]);
export type ImplementationReason = z.infer<typeof implementationReasonSchema>;

/** The reason in `lang`: its text in that language, else the first given; an older update's single string as it is. */
export function reasonIn(reason: ImplementationReason | null, lang: string): string | null {
  if (reason === null || typeof reason === 'string') return reason;
  return reason[lang] ?? Object.values(reason)[0] ?? null;
}

/** The reason in each of `langs` (open data): an older update's single string in every one, since that is all there is. */
export function reasonByLanguage(reason: ImplementationReason | null, langs: readonly string[]): Record<string, string> | null {
  return reason === null ? null : Object.fromEntries(langs.map((l) => [l, reasonIn(reason, l) ?? '']));
}

/** The reason as a stored copy keeps it in one text column: a single string as it is, texts per language as a JSON object. */
export function reasonToColumn(reason: ImplementationReason | null): string | null {
  return reason === null || typeof reason === 'string' ? reason : JSON.stringify(sortedTexts(reason));
}

/** Reads reasonToColumn back: a JSON object of texts by language code is per language; anything else is an older single string. */
export function reasonFromColumn(text: string | null): ImplementationReason | null {
  if (text === null || !text.startsWith('{')) return text;
  try {
    const parsed: unknown = JSON.parse(text);
    const byLang = implementationReasonSchema.safeParse(parsed);
    return byLang.success && typeof byLang.data === 'object' ? byLang.data : text;
  } catch {
    return text;
  }
}

const sortedTexts = (texts: Record<string, string>) => Object.fromEntries(Object.entries(texts).sort(([a], [b]) => a.localeCompare(b)));

/**
 * One update, as chained (the entry's payload is `JSON.stringify` of exactly this object, keys in
 * this order: see implementationPayload). `milestone` is empty or holds a text in every language
 * of the deployment; `photo` is left for a later attachment's SHA-256 (no upload exists yet).
 */
export const implementationPayloadSchema = z.strictObject({
  code: z.number().int().min(1).max(97),
  status: z.enum(IMPLEMENTATION_STATUSES),
  progress: z.number().int().min(0).max(100),
  date: day,
  milestone: z.record(langCode, z.string().min(1).max(MAX_MILESTONE)),
  reason: implementationReasonSchema.nullable(),
  photo: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
});
export type ImplementationPayload = z.infer<typeof implementationPayloadSchema>;

/** The payload's one spelling: fixed key order and milestone and reason languages sorted, so the chain and its copy compare as text. */
export function implementationPayload(p: ImplementationPayload): string {
  const milestone = sortedTexts(p.milestone);
  const reason = p.reason === null || typeof p.reason === 'string' ? p.reason : sortedTexts(p.reason);
  return JSON.stringify({ code: p.code, status: p.status, progress: p.progress, date: p.date, milestone, reason, photo: p.photo });
}

/** An update as the feed carries it: the payload with its cycle, chain entry and when it was recorded. */
export const implementationUpdateSchema = implementationPayloadSchema.extend({
  /** The ledger sequence number of its chain entry: the feed's cursor, and the update's identity. */
  seq: z.number().int().min(1),
  cycleId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/),
  recordedAt: z.iso.datetime(),
});
export type ImplementationUpdate = z.infer<typeof implementationUpdateSchema>;

/** Most updates in one feed answer (`GET /v1/implementation?after=<seq>`); `more` says to ask again. */
export const IMPLEMENTATION_PAGE = 500;

/** `GET /v1/implementation?after=<seq>`: updates after that entry, oldest first. */
export const implementationFeedSchema = z.object({ updates: z.array(implementationUpdateSchema).max(IMPLEMENTATION_PAGE), more: z.boolean() });
export type ImplementationFeed = z.infer<typeof implementationFeedSchema>;
