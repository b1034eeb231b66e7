// `sauti broadcast`: queue one SMS to a list of numbers; the running gateway sends it.
import { readFileSync } from 'node:fs';
import type { Settings } from '../config/env.ts';
import { loadDeployment } from '../config/load.ts';
import { broadcast } from '../engine/broadcast.ts';
import { CommitQueue } from '../store/commit-queue.ts';
import { openDatabase } from '../store/db.ts';
import { GatewayStore } from '../store/gateway-store.ts';
import { SmsStore } from '../store/sms-store.ts';

/** Reads numbers (one per line, or the `phone` column of a CSV) and queues the broadcast. */
export async function runBroadcast(settings: Settings, o: { id: string; provider: string; to: string; text: string; dryRun: boolean }) {
  const deployment = loadDeployment(settings.configFile);
  const lines = readFileSync(o.to, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const header = lines[0]?.split(',').map((h) => h.trim().toLowerCase()) ?? [];
  const col = header.indexOf('phone');
  const phones = col >= 0 ? lines.slice(1).map((l) => l.split(',')[col]?.trim() ?? '') : lines;
  const db = openDatabase(settings.dbFile);
  try {
    const r = await broadcast(
      { store: new GatewayStore(db), sms: new SmsStore(db), queue: new CommitQueue(db), deployment, voterKeySecret: settings.voterKeySecret },
      { id: o.id, provider: o.provider, text: o.text, phones, dryRun: o.dryRun },
    );
    console.log(`${o.dryRun ? 'would queue' : 'queued'} ${r.queued}, already queued ${r.alreadyQueued}, opted out ${r.optedOut}, invalid numbers ${r.invalid}`);
    console.log(`each message: ${r.segments} segment(s), ${r.encoding}; total ${r.segments * r.queued} segments`);
    if (!o.dryRun && r.queued > 0) console.log('The running gateway sends them (within a minute with BullMQ, at once with the embedded queue).');
  } finally {
    db.close();
  }
}
