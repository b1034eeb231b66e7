// The app's state and what the officer can do: sign in with their link, fetch the forms (and
// so have them cached), save a filled form to the outbox, and send the outbox. The page shows
// this state; it holds no rule of its own.
import { reactive } from 'vue';
import { discard, enqueue, queued, readToken, sent, writeToken, type QueuedForm, type SentForm, type StoredPart } from './device-store.ts';
import { basePath, FORMS_CACHE, formList, formXml, get, GatewayError, mediaFiles, tokenFrom, type ListedForm, type MediaFile } from './openrosa-client.ts';
import { sendAll } from './sender.ts';

/** A form ready to fill: its XML and media, as last fetched (from the network or the service worker's cache). */
export interface LoadedForm extends ListedForm {
  xml: string;
  media: MediaFile[];
}

export const state = reactive({
  token: undefined as string | undefined,
  forms: [] as LoadedForm[],
  /** Why the form list could not be shown (no network and nothing cached yet, a revoked link). */
  formsProblem: undefined as string | undefined,
  /** The form being filled, by formId. */
  filling: undefined as string | undefined,
  outbox: [] as QueuedForm[],
  sent: [] as SentForm[],
  /** The last thing that happened, in one sentence. */
  notice: '',
  /** The service worker controls the page (its precache is complete) and the forms are in its cache: safe to go offline. */
  offlineReady: false,
  /** The form list, forms and media were fetched and kept (through the worker, or by the page before it took control). */
  formsKept: false,
  sending: false,
  /** The gateway answered 403 for this device's token. */
  revoked: false,
});

/** Forms waiting to be sent (not refused ones). */
export const waiting = (): number => state.outbox.filter((f) => f.state === 'waiting').length;

export async function start(): Promise<void> {
  const fromLink = tokenFrom(new URLSearchParams(location.hash.slice(1)).get('key') ?? '');
  if (fromLink) {
    await writeToken(fromLink);
    // The link's token leaves the address bar (it stays on the device, in IndexedDB only).
    history.replaceState(null, '', location.pathname);
  }
  state.token = await readToken();
  await refreshOutbox();
  if (state.token) await loadForms();
  void send();
}

export async function signIn(pasted: string): Promise<void> {
  const token = tokenFrom(pasted);
  if (!token) {
    state.notice = 'That is not a server link: paste the whole link the PB team gave you (it contains /openrosa/key/).';
    return;
  }
  await writeToken(token);
  state.token = token;
  state.revoked = false;
  state.notice = '';
  await loadForms();
}

/** Forgets the link on this device, and the forms fetched with it. Forms waiting keep their own token and are still sent. */
export async function signOut(): Promise<void> {
  const token = state.token;
  await writeToken(undefined);
  if (token && 'caches' in globalThis) {
    const cache = await caches.open(FORMS_CACHE);
    for (const request of await cache.keys()) if (new URL(request.url).pathname.startsWith(`${basePath(token)}/`)) await cache.delete(request);
  }
  state.token = undefined;
  state.forms = [];
  state.filling = undefined;
  state.formsKept = false;
  state.offlineReady = false;
}

/** Fetches the form list, every form and its media, so that each is in the service worker's cache. */
export async function loadForms(): Promise<void> {
  const token = state.token;
  if (!token) return;
  try {
    const listed = await formList(token);
    state.forms = await Promise.all(listed.map(async (f) => ({ ...f, xml: await formXml(f), media: await mediaFiles(f) })));
    // Media are fetched once here only to be kept; the form fetches them again when it needs them.
    await Promise.all(state.forms.flatMap((f) => f.media.map((m) => get(m.downloadPath).then((r) => r.blob()))));
    state.formsProblem = undefined;
    state.formsKept = true;
    workerReady();
  } catch (err) {
    if (err instanceof GatewayError && err.revoked) state.revoked = true;
    state.formsProblem =
      err instanceof GatewayError ? err.message : 'The forms could not be fetched and none are on this device yet: connect to the network once and reload.';
  }
}

/** Called when the service worker takes control of the page (after its precache), and after the forms are kept. */
export function workerReady(): void {
  if (state.formsKept && navigator.serviceWorker?.controller) state.offlineReady = true;
}

export async function refreshOutbox(): Promise<void> {
  [state.outbox, state.sent] = await Promise.all([queued(), sent()]);
}

/** Keeps a filled form (Web Forms' submission payload) in the outbox, then tries to send. */
export async function save(form: LoadedForm, data: FormData): Promise<void> {
  const parts: StoredPart[] = [];
  for (const [name, value] of data.entries()) {
    if (typeof value !== 'string') parts.push({ name, blob: value, filename: value.name });
  }
  const xml = parts.find((p) => p.name === 'xml_submission_file');
  const instanceId = xml && instanceIdOf(await xml.blob.text());
  if (!instanceId) throw new Error('The filled form has no instanceID: it cannot be saved.');
  await enqueue({ instanceId, formId: form.formId, formName: form.name, token: state.token!, savedAt: new Date().toISOString(), parts });
  await refreshOutbox();
  state.notice = `Saved on this device: ${form.name}. ${waiting()} waiting to send.`;
  void send();
}

function instanceIdOf(xml: string): string | undefined {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  return doc.getElementsByTagNameNS('*', 'instanceID')[0]?.textContent?.trim() || undefined;
}

let again = false;

/** Sends what waits; called on start, after a save, when the browser says it is online, and on a timer. */
export async function send(): Promise<void> {
  if (state.sending) {
    again = true;
    return;
  }
  state.sending = true;
  try {
    do {
      again = false;
      const report = await sendAll();
      // Only this device's current link: a form kept under an earlier officer's link waits apart.
      if (state.token && report.revoked.includes(state.token)) state.revoked = true;
      await refreshOutbox();
      if (report.sent > 0) state.notice = `Sent ${report.sent} to the gateway. ${waiting()} waiting.`;
      else if (report.stoppedBecause && waiting() > 0) state.notice = `${waiting()} waiting to send: ${report.stoppedBecause}`;
    } while (again);
  } finally {
    state.sending = false;
  }
}

/** The officer removes a refused form from the device. */
export async function remove(instanceId: string): Promise<void> {
  await discard(instanceId);
  await refreshOutbox();
}
