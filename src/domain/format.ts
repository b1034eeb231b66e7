// Money and dates as a resident reads them on a 182-character screen.
import type { BuiltInLang, Lang } from '../config/schema.ts';
import { languagePack } from '../i18n/languages.ts';

const LOCALES: Record<BuiltInLang, string> = { en: 'en-GB', sw: 'sw', fr: 'fr' };
/** The Intl locale of `lang`: an added language's catalogue names its own. */
const localeOf = (lang: Lang) => LOCALES[lang as BuiltInLang] ?? languagePack(lang)?.locale ?? 'en-GB';
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** "10 Dec 2026" / "10 Des 2026" / "10 déc. 2026" in the deployment's time zone. */
export function formatDate(d: Date, lang: Lang, timeZone: string): string {
  const key = `${lang}|${timeZone}`;
  let f = dateFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(localeOf(lang), { day: 'numeric', month: 'short', year: 'numeric', timeZone });
    dateFormats.set(key, f);
  }
  return f.format(d);
}

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

/** "22 Nov 2026, 12:00 GMT+3": a moment to the minute in the deployment's time zone, the zone named. */
export function formatDateTime(d: Date, lang: Lang, timeZone: string): string {
  const key = `${lang}|${timeZone}`;
  let f = dateTimeFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(localeOf(lang), {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone,
      timeZoneName: 'short',
    });
    dateTimeFormats.set(key, f);
  }
  return f.format(d);
}

/** Compact money: "KES 1.2M", "KES 850K", "KES 1,2M" in French. Exact below 10,000. */
export function formatMoney(amount: number, currency: string, lang: Lang): string {
  return `${currency} ${compactAmount(amount, lang)}`;
}

/** The amount of `formatMoney` without the currency, for lists that name it once: "1.2M", "850K". */
export function compactAmount(amount: number, lang: Lang): string {
  const sep = lang === 'fr' ? ',' : '.';
  const compact = (v: number, suffix: string) => {
    const rounded = v >= 100 ? Math.round(v).toString() : (Math.round(v * 10) / 10).toString();
    return rounded.replace('.', sep) + suffix;
  };
  if (amount >= 1_000_000_000) return compact(amount / 1_000_000_000, 'B');
  if (amount >= 1_000_000) return compact(amount / 1_000_000, 'M');
  if (amount >= 10_000) return compact(amount / 1_000, 'K');
  return String(amount);
}

/** Local time minus UTC at `at` in `timeZone`, in ms. */
export function zoneOffsetMs(at: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return local - Math.floor(at.getTime() / 1000) * 1000;
}

/** "sw or fr" / "sw au fr" / "sw ou fr": a choice among `items`, in `lang`'s words. */
export function formatChoice(items: readonly string[], lang: Lang): string {
  return new Intl.ListFormat(localeOf(lang), { type: 'disjunction' }).format(items);
}
