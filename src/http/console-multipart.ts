// The console's one multipart form (a milestone photo), read with busboy as it streams: the CSRF
// token must come first, as the form puts it, so no byte of a file is read for a request that
// is not the signed-in person's own; one file at most, of a bounded size; small fields only.
import busboy from 'busboy';
import type { Request } from 'express';
import { sameToken } from '../../console/accounts.ts';

/** Console POST paths (below /console) that take multipart/form-data; any other is refused. */
export const MULTIPART_PATHS = [/^\/implementation\/[a-z0-9][a-z0-9-]{0,39}\/\d{1,2}$/];

export type MultipartForm =
  { ok: true; fields: Record<string, string>; file?: Uint8Array } | { ok: false; status: 400 | 403 | 413; problem: 'csrf' | 'too-large' | 'malformed' };

/** Reads the form: its fields, and the bytes of the file part `fileField` (none when left empty). */
export function readMultipartForm(req: Request, o: { csrf: string; fileField: string; maxFileBytes: number }): Promise<MultipartForm> {
  return new Promise((resolve) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: o.maxFileBytes, files: 1, fields: 30, fieldSize: 8 * 1024, parts: 32 } });
    } catch {
      return resolve({ ok: false, status: 400, problem: 'malformed' });
    }
    const fields: Record<string, string> = {};
    let file: Uint8Array | undefined;
    let settled = false;
    const finish = (outcome: MultipartForm) => {
      if (settled) return;
      settled = true;
      // Refused part way: stop reading (the route answers with Connection: close).
      if (!outcome.ok) req.unpipe(bb);
      resolve(outcome);
    };
    const csrfOk = () => sameToken(fields._csrf, o.csrf);
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) return finish({ ok: false, status: 413, problem: 'too-large' });
      if (!(name in fields)) fields[name] = value;
    });
    bb.on('file', (name, stream, info) => {
      // A body cut off inside this part (a dropped connection) errors the part's stream as well as
      // busboy: unheard, that error would end the thread. busboy's own 'error' answers it.
      stream.on('error', () => finish({ ok: false, status: 400, problem: 'malformed' }));
      if (!csrfOk()) {
        stream.resume();
        return finish({ ok: false, status: 403, problem: 'csrf' });
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => finish({ ok: false, status: 413, problem: 'too-large' }));
      stream.on('end', () => {
        // An empty file input still sends its part, with no name and no bytes: no photo.
        if (name === o.fileField && info.filename && chunks.length > 0) file = Buffer.concat(chunks);
      });
    });
    bb.on('fieldsLimit', () => finish({ ok: false, status: 413, problem: 'too-large' }));
    bb.on('partsLimit', () => finish({ ok: false, status: 413, problem: 'too-large' }));
    bb.on('filesLimit', () => finish({ ok: false, status: 413, problem: 'too-large' }));
    bb.on('error', () => finish({ ok: false, status: 400, problem: 'malformed' }));
    bb.on('close', () => {
      if (!csrfOk()) return finish({ ok: false, status: 403, problem: 'csrf' });
      const { _csrf, ...rest } = fields;
      void _csrf;
      finish({ ok: true, fields: rest, ...(file ? { file } : {}) });
    });
    req.on('error', () => finish({ ok: false, status: 400, problem: 'malformed' }));
    req.pipe(bb);
  });
}
