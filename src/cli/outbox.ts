// `sauti outbox`: outbound SMS and their states (never the phone numbers).
import { existsSync } from 'node:fs';
import { openDatabase } from '../store/db.ts';
import { SmsStore } from '../store/sms-store.ts';

export function printOutbox(dbFile: string, limit: number): void {
  if (!existsSync(dbFile)) {
    console.error(`No gateway database at ${dbFile}. Start the gateway first (npm start) or set SAUTI_DB.`);
    process.exitCode = 1;
    return;
  }
  const db = openDatabase(dbFile, { readonly: true });
  try {
    const sms = new SmsStore(db);
    const counts = sms.counts();
    console.log(`queued ${counts.queued}  sent ${counts.sent}  delivered ${counts.delivered}  failed ${counts.failed}\n`);
    const cols = ['id', 'created (UTC)', 'provider', 'kind', 'state', 'try', 'cost', 'error', 'text'];
    console.log(cols.join('\t'));
    for (const m of sms.list(limit)) {
      const text = m.body.length > 48 ? `${m.body.slice(0, 47)}…` : m.body;
      console.log([m.id, m.created_at.slice(0, 19), m.provider, m.kind, m.state, m.attempts, `${m.segments}×${m.encoding}`, m.error ?? '', text].join('\t'));
    }
  } finally {
    db.close();
  }
}
