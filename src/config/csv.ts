// CSV files as operators save them from Excel or LibreOffice: a byte-order mark, CRLF, quoted
// cells holding commas or line breaks. Every record carries the line it starts on, so an error
// names the line the operator sees in an editor, blank lines and multi-line cells counted.
import { parse } from 'csv-parse/sync';

/** One CSV record and the file line it starts on (1-based). */
export interface CsvLine<R> {
  record: R;
  line: number;
}

/** Records keyed by the header row's names (the header is not returned). */
export function readCsvRecords(text: string): CsvLine<Record<string, string>>[] {
  return readWithLines<Record<string, string>>(text, true);
}

/** Records as arrays of cells, the header row (if any) included. */
export function readCsvRows(text: string): CsvLine<string[]>[] {
  return readWithLines<string[]>(text, false);
}

function readWithLines<R>(text: string, columns: boolean): CsvLine<R>[] {
  // csv-parse 5 counts a CR and its LF as two lines inside quoted cells and after mixed endings,
  // so line endings are made LF first (a line break inside a cell stays a line break).
  const lf = text.replace(/\r\n?/g, '\n');
  const rows = parse(lf, { columns, bom: true, skip_empty_lines: true, trim: true, relax_column_count: !columns, info: true, raw: true }) as {
    record: R;
    raw: string;
    info: { lines: number };
  }[];
  return rows.map(({ record, raw, info }) => {
    // `info.lines` is the line the record ends on; `raw` also holds the blank lines skipped before it.
    const body = raw.replace(/^(?:[ \t]*\n)+/, '').replace(/\n$/, '');
    return { record, line: info.lines - (body.match(/\n/g)?.length ?? 0) };
  });
}
