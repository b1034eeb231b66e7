// What the ledger's feeds to gateways share (the implementation updates, the notices): rows after
// a chain entry, oldest first, read one more than a page so the answer can say whether more follow.

/** A page of `rows` (read with `.limit(page + 1)`), mapped, and whether more follow. */
export function feedPage<R, T>(rows: readonly R[], page: number, map: (row: R) => T): { items: T[]; more: boolean } {
  return { items: rows.slice(0, page).map(map), more: rows.length > page };
}

/** The `after` query parameter of a feed, or null when it is not a chain entry number. */
export function feedCursor(raw: unknown): number | null {
  const after = String(raw ?? '0');
  return /^\d{1,15}$/.test(after) ? Number(after) : null;
}
