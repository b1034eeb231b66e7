// The web app speaks to the gateway exactly as ODK Collect does (OpenRosa 1.0), under the
// officer's server URL `/openrosa/key/<token>`: form list, form download, manifest and media,
// and multipart submissions. Every URL is fetched on this page's own origin, whatever host the
// form list names (SAUTI_PUBLIC_URL may differ from the address the officer opened).
import type { StoredPart } from './device-store.ts';

const OPENROSA = { 'X-OpenRosa-Version': '1.0' };

/** A form as the form list names it. */
export interface ListedForm {
  formId: string;
  name: string;
  version: string;
  hash: string;
  /** Same-origin path of the form's XML. */
  downloadPath: string;
  /** Same-origin path of its media manifest, when it has media. */
  manifestPath?: string;
}

/** A form's media file as its manifest names it. */
export interface MediaFile {
  filename: string;
  downloadPath: string;
}

/** The officer's OpenRosa base path on this origin. */
export const basePath = (token: string): string => `/openrosa/key/${encodeURIComponent(token)}`;

/** The token inside what an officer pastes: the server URL `sauti field add-officer` printed, or the token itself. */
export function tokenFrom(text: string): string | undefined {
  const t = text.trim();
  const inUrl = /\/openrosa\/key\/([A-Za-z0-9_-]+)/.exec(t)?.[1];
  const token = inUrl ?? t;
  return /^[A-Za-z0-9_-]{20,100}$/.test(token) ? token : undefined;
}

/** A refusal or failure the app shows; `revoked` when the gateway no longer knows the token (403). */
export class GatewayError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
  get revoked(): boolean {
    return this.status === 403;
  }
}

function pathOf(url: string): string {
  const u = new URL(url, location.href);
  return u.pathname + u.search;
}

/** The service worker's cache of OpenRosa GETs (its name is also in sw.ts, which cannot import this DOM code). */
export const FORMS_CACHE = 'sauti-field-forms';

/**
 * A GET under the officer's path. Through the service worker once it controls the page (it keeps
 * the answer); before that, on the very first load, the page puts the answer in the worker's cache
 * itself, so the forms need not be fetched a second time before the app works offline.
 */
export async function get(path: string): Promise<Response> {
  const direct = !navigator.serviceWorker?.controller;
  const res = await fetch(path, { headers: OPENROSA });
  if (direct && res.status === 200 && 'caches' in globalThis) await (await caches.open(FORMS_CACHE)).put(path, res.clone());
  return res;
}

const text = (parent: Element, tag: string): string => parent.getElementsByTagName(tag)[0]?.textContent?.trim() ?? '';

async function xml(path: string): Promise<Document> {
  const res = await get(path);
  const body = await res.text();
  if (res.status !== 200) throw new GatewayError(responseMessage(body) ?? `The gateway answered ${res.status}.`, res.status);
  const doc = new DOMParser().parseFromString(body, 'text/xml');
  if (doc.getElementsByTagName('parsererror').length > 0) throw new GatewayError('The gateway’s answer is not XML (a Wi-Fi login page?).', 0);
  return doc;
}

/** The officer's form list. Offline, the service worker answers with the last one fetched. */
export async function formList(token: string): Promise<ListedForm[]> {
  const doc = await xml(`${basePath(token)}/formList`);
  return [...doc.getElementsByTagName('xform')].map((x) => {
    const manifest = text(x, 'manifestUrl');
    return {
      formId: text(x, 'formID'),
      name: text(x, 'name'),
      version: text(x, 'version'),
      hash: text(x, 'hash'),
      downloadPath: pathOf(text(x, 'downloadUrl')),
      ...(manifest ? { manifestPath: pathOf(manifest) } : {}),
    };
  });
}

/** A form's XForm XML. */
export async function formXml(form: ListedForm): Promise<string> {
  const res = await get(form.downloadPath);
  if (res.status !== 200) throw new GatewayError(responseMessage(await res.text()) ?? `The form could not be downloaded (${res.status}).`, res.status);
  return res.text();
}

/** The media files a form's manifest lists. */
export async function mediaFiles(form: ListedForm): Promise<MediaFile[]> {
  if (!form.manifestPath) return [];
  const doc = await xml(form.manifestPath);
  return [...doc.getElementsByTagName('mediaFile')].map((m) => ({ filename: text(m, 'filename'), downloadPath: pathOf(text(m, 'downloadUrl')) }));
}

/** The message of an OpenRosaResponse (what Collect shows the officer). */
export function responseMessage(body: string): string | undefined {
  const doc = new DOMParser().parseFromString(body, 'text/xml');
  const m = doc.getElementsByTagName('message')[0]?.textContent?.trim();
  return m || undefined;
}

/** What a submission attempt came to. */
export type SendOutcome =
  /** 201: stored now, or stored before (the same instance sent again). */
  | { kind: 'stored'; message: string }
  /** 4xx other than 403: the gateway will never take it as it is. */
  | { kind: 'refused'; message: string }
  /** 403: the token is unknown or revoked; nothing can be sent under it. */
  | { kind: 'revoked'; message: string }
  /** No network, a 5xx, 429, or an answer that is not OpenRosa's (200 from a captive portal): try again later. */
  | { kind: 'retry'; message: string };

/** POSTs one kept form as ODK Collect does: multipart with `xml_submission_file` and its attachments. */
export async function submit(token: string, parts: readonly StoredPart[]): Promise<SendOutcome> {
  const body = new FormData();
  for (const p of parts) body.append(p.name, p.blob, p.filename);
  let res: Response;
  try {
    res = await fetch(`${basePath(token)}/submission`, { method: 'POST', headers: OPENROSA, body, cache: 'no-store' });
  } catch {
    return { kind: 'retry', message: 'No connection to the gateway.' };
  }
  const reply = await res.text().catch(() => '');
  const message = responseMessage(reply) ?? `The gateway answered ${res.status}.`;
  if (res.status === 201 && res.headers.get('X-OpenRosa-Version') === '1.0') return { kind: 'stored', message };
  if (res.status === 403) return { kind: 'revoked', message };
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) return { kind: 'refused', message };
  // OpenRosa never answers 200: a 200 (or a 201 without OpenRosa's header) is a portal or proxy, not the gateway.
  return { kind: 'retry', message: res.status < 300 ? 'The answer did not come from the gateway (a Wi-Fi login page?).' : message };
}
