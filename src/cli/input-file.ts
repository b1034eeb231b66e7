// Reading a file an operator named on the command line: a missing or unreadable one is said in
// plain words with its path, never as Node's own error text.
import { readFileSync } from 'node:fs';
import { SautiError } from '../domain/errors.ts';

/** The text of `file`, or a SautiError(`code`) that names the file and why it cannot be read. */
export function readInputFile(file: string, code: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code;
    const reason = why === 'ENOENT' ? 'no such file' : why === 'EISDIR' ? 'it is a folder' : why === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new SautiError(code, `cannot read ${file}: ${reason}`);
  }
}
