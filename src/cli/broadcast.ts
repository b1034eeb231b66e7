// `sauti broadcast`: queue one SMS to a list of numbers; the running gateway sends it.
import type { Settings } from '../config/env.ts';
import { readCsvRows } from '../config/csv.ts';
import { ConfigError } from '../config/errors.ts';
import { loadDeploymentAndLanguages } from '../http/languages.ts';
import { broadcast } from '../engine/broadcast.ts';
import { phoneSeal } from '../domain/phone-seal.ts';
import { CommitQueue } from '../store/commit-queue.ts';
import { openDatabase } from '../store/db.ts';
import { GatewayStore } from '../store/gateway-store.ts';
import { SmsStore } from '../store/sms-store.ts';
import { readInputFile } from './input-file.ts';

/** Reads numbers (one per line, or the `phone` column of a CSV) and queues the broadcast. */
export async function runBroadcast(settings: Settings, o: { id: string; provider: string; to: string; text: string; dryRun: boolean }) {
  const deployment = loadDeploymentAndLanguages(settings.configFile);
  const phones = readPhones(o.to);
  const db = openDatabase(settings.dbFile);
  try {
    const r = await broadcast(
      {
        store: new GatewayStore(db),
        sms: new SmsStore(db, phoneSeal(settings.voterKeySecret)),
        queue: new CommitQueue(db),
        deployment,
        voterKeySecret: settings.voterKeySecret,
      },
      { id: o.id, provider: o.provider, text: o.text, phones, dryRun: o.dryRun },
    );
    console.log(
      `${o.dryRun ? 'would queue' : 'queued'} ${r.queued}, already queued ${r.alreadyQueued}, listed twice ${r.duplicates}, opted out ${r.optedOut}, invalid numbers ${r.invalid}`,
    );
    console.log(`each message: ${r.segments} segment(s), ${r.encoding}; total ${r.segments * r.queued} segments`);
    if (!o.dryRun && r.queued > 0) console.log('The running gateway sends them (within a minute with BullMQ, at once with the embedded queue).');
  } finally {
    db.close();
  }
}

/**
 * The numbers of a broadcast list: the `phone` column of a CSV with a header row, else the first
 * cell of every line. Read as CSV, so a quoted name holding a comma keeps its row's cells in place.
 */
export function readPhones(file: string): string[] {
  const text = readInputFile(file, 'broadcast.no_file');
  let rows: string[][];
  try {
    rows = readCsvRows(text).map((r) => r.record);
  } catch (err) {
    throw new ConfigError(file, [(err as Error).message]);
  }
  const col = rows[0]?.findIndex((h) => h.toLowerCase() === 'phone') ?? -1;
  return col >= 0 ? rows.slice(1).map((r) => r[col] ?? '') : rows.map((r) => r[0] ?? '');
}
