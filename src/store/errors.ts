// Recognising SQLite constraint errors the core recovers from.

/** A UNIQUE violation on one of the given `table.column` names (a drawn code that already exists). */
export function isUniqueViolation(err: unknown, columns: string[]): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === 'SQLITE_CONSTRAINT_UNIQUE' && columns.some((c) => (e.message ?? '').includes(c));
}

/** Receipt and reference codes are drawn at random; a repeat is redrawn, never an error. */
export const CODE_COLUMNS = ['ballots.receipt', 'proposals.reference'];
