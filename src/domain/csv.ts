// The one CSV writer for everything Sauti exports. A text cell a spreadsheet would read as a
// formula (=, +, -, @, or a leading tab or carriage return) is neutralised with a leading
// apostrophe, as OWASP recommends for CSV injection: a project titled `=HYPERLINK(…)` stays text.
// Number cells are written as numbers, so a real negative number stays a number.

/** One cell: a number as it is, text neutralised and quoted when needed. */
export type CsvCell = string | number;

const FORMULA_START = /^[=+\-@\t\r]/;

/** A cell as written: text starting like a formula gets `'` in front; quotes, commas and line breaks are quoted. */
export function csvCell(v: CsvCell): string {
  if (typeof v === 'number') return String(v);
  const s = FORMULA_START.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as CSV text: comma-separated, one line each, ending with a newline. */
export function toCsv(rows: readonly (readonly CsvCell[])[]): string {
  return rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}
