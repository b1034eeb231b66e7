// ODK Collect and KoboCollect over OpenRosa 1.0 (docs.getodk.org/openrosa-http): per-officer
// server URLs `/openrosa/key/<token>`, as ODK Central's app users. The form list, form download,
// HEAD and POST of submissions. Every answer carries X-OpenRosa-Version: 1.0; a submission is never
// answered 200 (a captive portal answers 200, so Collect would take it for success).
import busboy from 'busboy';
import type { Request, Response, Router } from 'express';
import type { Logger } from 'pino';
import { formListXml, manifestXml, openRosaResponse } from '../../field/openrosa.ts';
import type { FieldService, Officer } from '../../src/engine/field-capture.ts';
import { ATTACHMENT_NAME, MAX_FIELD_PHOTO_BYTES } from '../../src/domain/photo.ts';

/** Largest submission request Collect is told it may send (X-OpenRosa-Accept-Content-Length). */
export const MAX_SUBMISSION_BYTES = 10 * 1024 * 1024;
/** Largest xml_submission_file read: Sauti's forms make instances of a few kilobytes. */
const MAX_XML_BYTES = 256 * 1024;

type Authed = { officer: Officer; base: string };

function answer(res: Response, status: number, message: string, nature: 'submit_success' | 'error' = 'error'): void {
  res.status(status).set('X-OpenRosa-Version', '1.0').type('text/xml; charset=utf-8').send(openRosaResponse(message, nature));
}

/** Mounts the officer routes; `publicUrl` (SAUTI_PUBLIC_URL) makes the download URLs, else the request's host. */
export function mountOpenRosa(router: Router, field: FieldService, logger: Logger, publicUrl: string | undefined): void {
  const log = logger.child({ component: 'openrosa' });
  // The token is checked on every request and read from the store: a revoked one fails at once.
  const authed = (handler: (req: Request, res: Response, a: Authed) => Promise<void> | void) => async (req: Request, res: Response) => {
    const token = String(req.params.token ?? '');
    const officer = field.officer(token);
    if (!officer) {
      // Never log the token: it is the officer's password.
      log.warn({ method: req.method }, 'openrosa request with an unknown or revoked token');
      answer(res, 403, 'This server link is not valid or has been revoked: ask the PB team for a new QR code.');
      return;
    }
    const origin = publicUrl ?? `${req.protocol}://${req.get('host')}`;
    try {
      await handler(req, res, { officer, base: `${origin}/openrosa/key/${token}` });
    } catch (err) {
      log.error({ officer: officer.id, err: { message: (err as Error).message } }, 'openrosa request failed');
      if (!res.headersSent) answer(res, 500, 'The server could not answer: try again later.');
    }
  };

  router.get(
    '/openrosa/key/:token/formList',
    authed(async (_req, res, { officer, base }) => {
      await field.touch(officer);
      res
        .status(200)
        .set('X-OpenRosa-Version', '1.0')
        .type('text/xml; charset=utf-8')
        .send(formListXml(field.forms(officer), base));
    }),
  );

  router.get(
    '/openrosa/key/:token/forms/:file',
    authed((req, res, { officer }) => {
      const form = field.forms(officer).find((f) => `${f.formId}.xml` === req.params.file);
      if (!form) return answer(res, 404, 'No such form: refresh the form list.');
      res.status(200).set('X-OpenRosa-Version', '1.0').type('text/xml; charset=utf-8').send(form.xml);
    }),
  );

  // The manifest of a form with media (the vote form's eligibility digests on a roll deployment), then each file.
  router.get(
    '/openrosa/key/:token/forms/:formId/manifest',
    authed((req, res, { officer, base }) => {
      const form = field.forms(officer).find((f) => f.formId === req.params.formId);
      if (!form) return answer(res, 404, 'No such form: refresh the form list.');
      res.status(200).set('X-OpenRosa-Version', '1.0').type('text/xml; charset=utf-8').send(manifestXml(form, base));
    }),
  );

  router.get(
    '/openrosa/key/:token/forms/:formId/media/:file',
    authed((req, res, { officer }) => {
      const file = field.media(officer, String(req.params.formId), String(req.params.file));
      if (!file) return answer(res, 404, 'No such file: refresh the form list.');
      res.status(200).set({ 'X-OpenRosa-Version': '1.0', 'Content-Type': file.contentType }).send(file.body);
    }),
  );

  // Collect asks HEAD first to learn the size it may send; 204, never 200.
  router.head(
    '/openrosa/key/:token/submission',
    authed((_req, res) => {
      res
        .status(204)
        .set({ 'X-OpenRosa-Version': '1.0', 'X-OpenRosa-Accept-Content-Length': String(MAX_SUBMISSION_BYTES) })
        .end();
    }),
  );

  router.post(
    '/openrosa/key/:token/submission',
    authed(async (req, res, { officer }) => {
      const part = await xmlPart(req);
      if ('status' in part) {
        if (!req.complete) res.set('Connection', 'close');
        return answer(res, part.status, part.message);
      }
      const outcome = await field.submit(officer, part.xml, part.files);
      log.info({ officer: officer.id, status: outcome.status }, 'submission answered');
      answer(res, outcome.status, outcome.message, outcome.status === 201 ? 'submit_success' : 'error');
    }),
  );
}

/**
 * Streams the multipart body: `xml_submission_file`, and the other file parts (an idea's photo) by
 * file name, each kept up to one byte past MAX_FIELD_PHOTO_BYTES (the engine refuses it as too
 * large, naming the limit); the engine takes only the one the form's answer names.
 */
function xmlPart(req: Request): Promise<{ xml: string; files: Map<string, Uint8Array> } | { status: 400 | 413; message: string }> {
  // Collect sends the multipart body as it is; a coded one (gzip) would be read as its raw bytes.
  const coding = (req.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (coding !== 'identity')
    return Promise.resolve({ status: 400, message: `Content-Encoding '${coding.slice(0, 20)}' is not read here: send the form as it is. Not recorded.` });
  return new Promise((resolve) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: MAX_SUBMISSION_BYTES, files: 50, fields: 50, parts: 100 } });
    } catch {
      resolve({ status: 400, message: 'The submission must be multipart/form-data with an xml_submission_file part.' });
      return;
    }
    let xml: Buffer | undefined;
    const files = new Map<string, Uint8Array>();
    let problem: { status: 400 | 413; message: string } | undefined;
    bb.on('file', (name, stream, info) => {
      // A body cut off inside this part (Collect on a dropped connection) errors the part's stream
      // as well as busboy: unheard, that error would end the gateway. busboy's 'error' answers 400.
      stream.on('error', () => (problem ??= { status: 400, message: 'The multipart body ended before its last part did.' }));
      const filename = info.filename ?? '';
      if (name !== 'xml_submission_file' && ATTACHMENT_NAME.test(filename) && !files.has(filename)) {
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on('data', (c: Buffer) => {
          if (size <= MAX_FIELD_PHOTO_BYTES) chunks.push(c);
          size += c.length;
        });
        stream.on('limit', () => (problem ??= { status: 413, message: `The submission is larger than ${MAX_SUBMISSION_BYTES} bytes` }));
        stream.on('end', () => files.set(filename, Buffer.concat(chunks).subarray(0, MAX_FIELD_PHOTO_BYTES + 1)));
        return;
      }
      if (name !== 'xml_submission_file' || xml) {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_XML_BYTES) chunks.push(c);
        else problem ??= { status: 413, message: `xml_submission_file: larger than ${MAX_XML_BYTES} bytes` };
      });
      stream.on('limit', () => (problem ??= { status: 413, message: `The submission is larger than ${MAX_SUBMISSION_BYTES} bytes` }));
      stream.on('end', () => {
        if (!problem) xml = Buffer.concat(chunks);
      });
    });
    bb.on('error', () => resolve({ status: 400, message: 'The multipart body could not be read (it ended early or is malformed). Not recorded.' }));
    bb.on('close', () => {
      if (problem) resolve(problem);
      else if (!xml) resolve({ status: 400, message: 'xml_submission_file: missing' });
      else resolve({ xml: xml.toString('utf8'), files });
    });
    req.on('error', () => resolve({ status: 400, message: 'The request ended before its body was read.' }));
    req.pipe(bb);
  });
}
