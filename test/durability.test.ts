// A vote the resident was told is recorded survives the gateway being killed with SIGKILL
// the instant the reply saying "recorded" left it: the commit happens before the reply, never after.
import type { ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURE } from './helpers/deployment.ts';
import { TOKEN, ussdBody } from './helpers/gateway.ts';
import { startServer } from './helpers/process.ts';
import { tempDir } from './helpers/tmp.ts';

const BIN = resolve(import.meta.dirname, '../bin/sauti.mjs');
const children: ChildProcess[] = [];
afterEach(() => children.forEach((c) => c.kill('SIGKILL')));

/** Starts `sauti start` as a child process on a free port; resolves with its base URL. */
async function startChild(dbFile: string): Promise<{ child: ChildProcess; url: string }> {
  const started = await startServer([BIN, 'start'], { SAUTI_CONFIG: FIXTURE, SAUTI_DB: dbFile, PORT: '0', SAUTI_CALLBACK_TOKEN: TOKEN, LOG_LEVEL: 'warn' });
  children.push(started.child);
  return started;
}

const post = (url: string, fields: Parameters<typeof ussdBody>[0]) =>
  fetch(`${url}/africastalking/ussd/${TOKEN}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: ussdBody(fields),
  }).then((r) => r.text());

describe('durability', () => {
  it('every "recorded" reply sent before SIGKILL is in the database after it', async () => {
    const dbFile = join(tempDir(), 'gateway.db');
    const { child, url } = await startChild(dbFile);
    const voters = Array.from({ length: 30 }, (_, i) => ({ sessionId: `kill-${i}`, phoneNumber: `+2547110${String(i).padStart(5, '0')}` }));
    const path = ['1', '1', '1', '3', '99'];
    await Promise.all(
      voters.map(async (v) => {
        for (let i = 0; i <= path.length; i++) await post(url, { ...v, text: path.slice(0, i).join('*') });
      }),
    );
    // All confirms at once; kill the process the moment the first receipt arrives.
    const receipts: string[] = [];
    const byVoter = new Map<number, string>();
    let killed = false;
    const exited = new Promise((r) => child.once('exit', r));
    await Promise.allSettled(
      voters.map((v, i) =>
        post(url, { ...v, text: [...path, '1'].join('*') }).then((reply) => {
          // The receipt: on END, or above the offer to follow the projects (CON), both after the commit.
          const receipt = /^(END|CON) Thank you! .*Receipt: ([0-9A-Z]{5}-[0-9A-Z]{5})/.exec(reply)?.[2];
          if (!receipt) return;
          receipts.push(receipt);
          byVoter.set(i, receipt);
          if (!killed) {
            killed = true;
            child.kill('SIGKILL');
          }
        }),
      ),
    );
    await exited;
    expect(receipts.length).toBeGreaterThan(0);
    const db = new Database(dbFile, { readonly: true });
    const stored = new Set(db.prepare('SELECT receipt FROM ballots').pluck().all() as string[]);
    const events = db.prepare("SELECT count(*) FROM events WHERE type = 'vote.cast'").pluck().get() as number;
    db.close();
    for (const r of receipts) expect(stored.has(r), `receipt ${r} was sent but not stored`).toBe(true);
    expect(events).toBe(stored.size);

    // After a restart the resident can read their vote back.
    const again = await startChild(dbFile);
    const [i, receipt] = [...byVoter][0]!;
    const phoneNumber = voters[i]!.phoneNumber;
    await post(again.url, { sessionId: 'after-restart', phoneNumber, text: '' });
    const mine = await post(again.url, { sessionId: 'after-restart', phoneNumber, text: '3' });
    // The restarted gateway syncs with its embedded ledger meanwhile: the vote is waiting, synced, or counted by then.
    expect(mine).toMatch(
      new RegExp(
        `^END Your vote in North Ward on .*: 3 Maternity wing\\. Receipt: ${receipt}\\. It (reaches the city ledger at the next sync|reached the city ledger; the next sync confirms it counts|counts in the city ledger)\\.`,
      ),
    );
    again.child.kill('SIGKILL');
  });
});
