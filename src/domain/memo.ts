// A bounded memo for pure string functions on the hot path (phone parsing, pseudonyms).

/**
 * Caches `fn` by argument; forgets everything at `max` entries (no LRU bookkeeping per hit). The
 * repeats worth caching are a session's own hops (a number is parsed and keyed on each), so a few
 * thousand entries serve every session in flight; more only held memory (bench:rss).
 */
export function memoize<T>(fn: (arg: string) => T, max = 4096): (arg: string) => T {
  const cache = new Map<string, T>();
  return (arg) => {
    let value = cache.get(arg);
    if (value === undefined && !cache.has(arg)) {
      if (cache.size >= max) cache.clear();
      value = fn(arg);
      cache.set(arg, value);
    }
    return value as T;
  };
}
