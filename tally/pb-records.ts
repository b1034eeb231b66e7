// The records of a .pb file: `;`-separated fields with CSV quoting, one record per line (a quoted
// field may span lines). Written for the files Pabulib publishes rather than for an ideal CSV:
//   - a line may end in CRLF, LF or CR, and one file may mix them (Pabulib's own tools read with
//     Python's universal newlines; a CSV parser that settles on CRLF glues an LF-ended line to
//     the next one and loses a META key or doubles a row);
//   - a quote inside an unquoted field is an ordinary character (`Konkurs " NA …`), and text
//     after a closing quote belongs to the field (`"Odkupmy" i my`), as Python's csv module
//     reads them.
// Each such quirk is reported as a warning with its line; what a field means is for the caller.
// A hand-written scanner rather than csv-parse: the largest files are 4 MB with 100,000+ ballot
// lines, and a line without a quote is split with `indexOf`/`split`, several times faster.

/** A tolerated irregularity: where, and what was done about it. */
export interface PbWarning {
  line: number;
  message: string;
}

/** A quoted field that never closes: the one quirk that cannot be read past. */
export class PbRecordError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

type Ending = 'CRLF' | 'LF' | 'CR';

/** Warnings of one kind beyond this many are summed up in one more line. */
const MAX_PER_KIND = 5;

/** Collects warnings, at most MAX_PER_KIND of each kind, then a count of the rest. */
export class WarningLog {
  readonly warnings: PbWarning[] = [];
  private readonly seen = new Map<string, { count: number; summary: string }>();

  add(kind: string, line: number, message: string, summary: string): void {
    const k = this.seen.get(kind) ?? { count: 0, summary };
    this.seen.set(kind, k);
    if (++k.count <= MAX_PER_KIND) this.warnings.push({ line, message });
  }

  /** The warnings, with one line per kind saying how many more were not listed. */
  done(): PbWarning[] {
    for (const { count, summary } of this.seen.values()) {
      if (count > MAX_PER_KIND) this.warnings.push({ line: 0, message: `${count - MAX_PER_KIND} more ${summary}` });
    }
    return this.warnings;
  }
}

/**
 * Hands each record to `onRecord` as it is read (no array of 100,000 records kept); skips blank
 * lines and a byte-order mark; fields are trimmed.
 */
export function readRecords(text: string, log: WarningLog, onRecord: (fields: string[], line: number) => void): void {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let firstEnding: Ending | undefined;
  const n = text.length;
  // Where the next CR and quote are, searched again only once passed (a file with one quote
  // near its end would otherwise be scanned to it from every line).
  let nextCr = -1;
  let nextQuote = -1;
  while (pos < n) {
    // Fast path: a line with no quote is split as it is.
    const lf = text.indexOf('\n', pos);
    let end = lf < 0 ? n : lf;
    if (nextCr < pos && nextCr !== n) nextCr = indexOr(text, '\r', pos, n);
    let cr = nextCr;
    if (cr < end - 1)
      end = cr; // a bare CR ends this line before the LF
    else cr = -1;
    if (nextQuote < pos && nextQuote !== n) nextQuote = indexOr(text, '"', pos, n);
    if (nextQuote >= end) {
      const hasCr = end > pos && text.charCodeAt(end - 1) === 13 && end === lf;
      const body = text.slice(pos, hasCr ? end - 1 : end);
      const ending: Ending | undefined = cr >= 0 ? 'CR' : lf < 0 ? undefined : hasCr ? 'CRLF' : 'LF';
      firstEnding = noteEnding(ending, firstEnding, line, log);
      if (body.trim() !== '') {
        const fields = body.split(';');
        for (let i = 0; i < fields.length; i++) fields[i] = fields[i]!.trim();
        onRecord(fields, line);
      }
      pos = ending === 'CR' ? end + 1 : lf < 0 ? n : lf + 1;
      line++;
      continue;
    }
    const start = line;
    const slow = quotedRecord(text, pos, line, log);
    for (const e of slow.endings) firstEnding = noteEnding(e.ending, firstEnding, e.line, log);
    pos = slow.next;
    line = slow.line;
    if (slow.fields.length > 1 || slow.fields[0] !== '' || slow.quoted) onRecord(slow.fields, start);
  }
}

/** text.indexOf(c, from), or `none` when it is not there. */
function indexOr(text: string, c: string, from: number, none: number): number {
  const i = text.indexOf(c, from);
  return i < 0 ? none : i;
}

/** Warns when a line ends differently from the file's first line. */
function noteEnding(ending: Ending | undefined, first: Ending | undefined, line: number, log: WarningLog): Ending | undefined {
  if (!ending) return first;
  if (!first) return ending;
  if (ending !== first) {
    log.add(
      `ending-${ending}`,
      line,
      `ends with ${ending} where line 1 ends with ${first}; read as the end of the line`,
      `lines end with ${ending} where line 1 ends with ${first}`,
    );
  }
  return first;
}

/**
 * One record that holds a quote, character by character, as Python's csv module reads it: a
 * field that starts with `"` runs to the next `"` not doubled, across line ends; characters
 * after its closing quote are kept; a `"` anywhere else is literal.
 */
function quotedRecord(text: string, pos: number, line: number, log: WarningLog) {
  const fields: string[] = [];
  const endings: { ending: Ending; line: number }[] = [];
  const startLine = line;
  let field = '';
  let quoted = false;
  let anyQuoted = false;
  for (;;) {
    // At the start of a field: skip blanks, then either a quoted or an unquoted field.
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t')) pos++;
    if (text[pos] === '"') {
      quoted = anyQuoted = true;
      pos++;
      const opened = line;
      for (;;) {
        if (pos >= text.length) throw new PbRecordError(opened, 'a quoted field is never closed');
        const c = text[pos]!;
        if (c === '"') {
          if (text[pos + 1] === '"') {
            field += '"';
            pos += 2;
            continue;
          }
          pos++;
          break;
        }
        if (c === '\n' || (c === '\r' && text[pos + 1] !== '\n')) line++;
        field += c;
        pos++;
      }
      // Text after the closing quote: kept, as Python's csv module keeps it.
      let after = pos;
      while (after < text.length && text[after] !== ';' && text[after] !== '\n' && text[after] !== '\r') after++;
      const trailing = text.slice(pos, after);
      if (trailing.trim() !== '') {
        log.add(
          'after-quote',
          line,
          `text after a closing quote ("${field}"${trailing.trimEnd()}); read as one field`,
          'fields with text after a closing quote',
        );
        field += trailing;
      }
      pos = after;
    } else {
      let after = pos;
      while (after < text.length && text[after] !== ';' && text[after] !== '\n' && text[after] !== '\r') after++;
      field = text.slice(pos, after);
      if (field.includes('"'))
        log.add('lone-quote', line, `a quote inside an unquoted field (${clip(field)}); read as a plain character`, 'quotes inside unquoted fields');
      pos = after;
    }
    fields.push(quoted ? field.trimEnd() : field.trim());
    field = '';
    quoted = false;
    if (text[pos] === ';') {
      pos++;
      continue;
    }
    // End of the record: a line end or the end of the text.
    let ending: Ending | undefined;
    if (text[pos] === '\r') ending = text[pos + 1] === '\n' ? 'CRLF' : 'CR';
    else if (text[pos] === '\n') ending = 'LF';
    if (ending) {
      endings.push({ ending, line });
      pos += ending === 'CRLF' ? 2 : 1;
    }
    return { fields, next: pos, line: line + 1, endings, quoted: anyQuoted, startLine };
  }
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}
