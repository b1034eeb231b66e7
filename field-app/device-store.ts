// What the officer's device keeps, in IndexedDB (through idb): the sign-in token and the
// outbox of filled forms waiting to be sent. Nothing here leaves the device except by
// sender.ts, to the gateway's OpenRosa submission endpoint.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

/** One part of a multipart submission: `xml_submission_file` or an attachment. */
export interface StoredPart {
  name: string;
  blob: Blob;
  filename: string;
}

/** A filled form kept on the device until the gateway answers 201 for it. */
export interface QueuedForm {
  /** The form's `orx:meta/orx:instanceID`: the key, so saving the same instance twice keeps one. */
  instanceId: string;
  formId: string;
  formName: string;
  /** The officer token it was captured under: sent with it, even after another officer signs in. */
  token: string;
  savedAt: string;
  /** The exact bytes saved: a resend is identical, so the gateway answers 201 and stores once. */
  parts: StoredPart[];
  /** `refused`: the gateway answered 4xx with a reason; it is not sent again by itself. */
  state: 'waiting' | 'refused';
  /** The gateway's last message about it, or why the last attempt failed. */
  message?: string;
  attempts: number;
}

/** A form the gateway has stored, with its answer (a receipt or reference code). */
export interface SentForm {
  instanceId: string;
  formName: string;
  sentAt: string;
  message: string;
}

interface FieldDb extends DBSchema {
  device: { key: string; value: string };
  outbox: { key: string; value: QueuedForm; indexes: { savedAt: string } };
  sent: { key: string; value: SentForm; indexes: { sentAt: string } };
}

/** How many sent forms the device remembers (their receipt codes), newest first. */
const SENT_KEPT = 100;

let opened: Promise<IDBPDatabase<FieldDb>> | undefined;

function db(): Promise<IDBPDatabase<FieldDb>> {
  opened ??= openDB<FieldDb>('sauti-field', 1, {
    upgrade(d) {
      d.createObjectStore('device');
      d.createObjectStore('outbox', { keyPath: 'instanceId' }).createIndex('savedAt', 'savedAt');
      d.createObjectStore('sent', { keyPath: 'instanceId' }).createIndex('sentAt', 'sentAt');
    },
  });
  return opened;
}

export async function readToken(): Promise<string | undefined> {
  return (await db()).get('device', 'token');
}

export async function writeToken(token: string | undefined): Promise<void> {
  const d = await db();
  if (token === undefined) await d.delete('device', 'token');
  else await d.put('device', token, 'token');
}

/** Keeps a filled form; an instance already kept is left as it is (its first bytes are the ones sent). */
export async function enqueue(form: Omit<QueuedForm, 'state' | 'attempts'>): Promise<void> {
  const tx = (await db()).transaction('outbox', 'readwrite');
  if (!(await tx.store.get(form.instanceId))) await tx.store.put({ ...form, state: 'waiting', attempts: 0 });
  await tx.done;
}

/** Every kept form, oldest first: the order they are sent in. */
export async function queued(): Promise<QueuedForm[]> {
  return (await db()).getAllFromIndex('outbox', 'savedAt');
}

export async function update(instanceId: string, change: Partial<Pick<QueuedForm, 'state' | 'message' | 'attempts'>>): Promise<void> {
  const tx = (await db()).transaction('outbox', 'readwrite');
  const row = await tx.store.get(instanceId);
  if (row) await tx.store.put({ ...row, ...change });
  await tx.done;
}

/** The gateway stored it (201): out of the outbox and into the sent list, in one transaction. */
export async function markSent(instanceId: string, message: string, at: Date): Promise<void> {
  const tx = (await db()).transaction(['outbox', 'sent'], 'readwrite');
  const row = await tx.objectStore('outbox').get(instanceId);
  await tx.objectStore('outbox').delete(instanceId);
  if (row) await tx.objectStore('sent').put({ instanceId, formName: row.formName, sentAt: at.toISOString(), message });
  const old = await tx.objectStore('sent').index('sentAt').getAllKeys();
  for (const key of old.slice(0, Math.max(0, old.length - SENT_KEPT))) await tx.objectStore('sent').delete(key);
  await tx.done;
}

/** The officer removes a form the gateway refused. */
export async function discard(instanceId: string): Promise<void> {
  await (await db()).delete('outbox', instanceId);
}

/** Sent forms, newest first. */
export async function sent(): Promise<SentForm[]> {
  return (await (await db()).getAllFromIndex('sent', 'sentAt')).reverse();
}
