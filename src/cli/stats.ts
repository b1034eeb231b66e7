// `sauti stats`: what the gateway holds and what is waiting to sync.
import { existsSync } from 'node:fs';
import { Outbox } from '../../sync/outbox.ts';
import { openDatabase } from '../store/db.ts';
import { SmsStore } from '../store/sms-store.ts';
import { gatewayStats } from '../store/stats.ts';

export function printStats(dbFile: string): void {
  if (!existsSync(dbFile)) {
    console.error(`No gateway database at ${dbFile}. Start the gateway first (npm start) or set SAUTI_DB.`);
    process.exitCode = 1;
    return;
  }
  const db = openDatabase(dbFile);
  try {
    const s = gatewayStats(db);
    const rows: [string, number][] = [
      ['votes cast (events)', s.votes],
      ['current ballots', s.ballots],
      ['proposals', s.proposals],
      ['ussd sessions', s.sessions],
      ['  of which open', s.openSessions],
      ['outbox pending sync', new Outbox(db).pendingCount()],
      ['sms received', db.prepare('SELECT count(*) FROM sms_inbound').pluck().get() as number],
      ...Object.entries(new SmsStore(db).counts()).map(([state, n]): [string, number] => [`sms ${state}`, n]),
    ];
    for (const [label, n] of rows) console.log(`${label.padEnd(22)} ${String(n).padStart(8)}`);
  } finally {
    db.close();
  }
}
