// Every caller who heard "your vote is recorded" has that vote on disk, even when the gateway is
// killed (SIGKILL) the instant the first such answer left it: the vote is committed and fsynced
// before the answer that says so is written (issue 14: "a SIGKILL test as for USSD").
import type { ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURE } from './helpers/deployment.ts';
import { TOKEN } from './helpers/gateway.ts';
import { allClips } from './helpers/prompts.ts';
import { startServer } from './helpers/process.ts';
import { tempDir } from './helpers/tmp.ts';

const BIN = resolve(import.meta.dirname, '../bin/sauti.mjs');
const children: ChildProcess[] = [];
afterEach(() => children.forEach((c) => c.kill('SIGKILL')));

// English, vote, North Ward, hear project 1 and pick it, next, pick project 2, done, confirm.
const VOTE = ['1', '1', '1', '1', '2', '1', '9', '1'];
const CALLS = 24;

/** The clip keys an answer plays, in order. */
const clips = (xml: string) => [...xml.matchAll(/<Play url="[^"]*\/prompts\/\w+\/([^"]+)\.wav"\/>/g)].map((m) => decodeURIComponent(m[1]!));
/** The receipt an answer reads out after "your vote is recorded", one clip per character. */
const receiptHeard = (keys: string[]) =>
  keys
    .slice(keys.indexOf('voice.voteRecorded') + 1)
    .map((k) => /^num-(\d)$/.exec(k)?.[1] ?? /^char-([a-z])$/.exec(k)?.[1]?.toUpperCase())
    .filter(Boolean)
    .join('');

describe('voice durability', { timeout: 120_000 }, () => {
  it('every receipt read to a caller before SIGKILL is a ballot in the database after it', async () => {
    const dbFile = join(tempDir(), 'gateway.db');
    const { child, url } = await startServer([BIN, 'start'], {
      SAUTI_CONFIG: FIXTURE,
      SAUTI_DB: dbFile,
      PORT: '0',
      SAUTI_CALLBACK_TOKEN: TOKEN,
      LOG_LEVEL: 'warn',
      SAUTI_PROMPTS_DIR: allClips(),
    });
    children.push(child);
    const exited = new Promise((r) => child.once('exit', r));
    const heard: string[] = [];
    let killed = false;
    const post = (path: string, fields: Record<string, string>) =>
      fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) }).then(
        (r) => r.text(),
      );
    await Promise.allSettled(
      Array.from({ length: CALLS }, async (_, i) => {
        const fields = {
          isActive: '1',
          sessionId: `ATVId_kill_${i}`,
          direction: 'Inbound',
          callerNumber: `+2547110${String(20000 + i)}`,
          destinationNumber: '+254711082000',
        };
        let answer = await post(`/africastalking/voice/${TOKEN}`, fields);
        for (const key of VOTE) {
          const next = answer.match(/<GetDigits [^>]*callbackUrl="([^"]*)"/)?.[1];
          if (!next) return;
          const target = new URL(next.replace(/&amp;/g, '&'));
          answer = await post(target.pathname + target.search, { ...fields, dtmfDigits: key });
        }
        const keys = clips(answer);
        if (!keys.includes('voice.voteRecorded')) return;
        heard.push(receiptHeard(keys));
        if (!killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      }),
    );
    await exited;
    expect(heard.length).toBeGreaterThan(0);
    const db = new Database(dbFile, { readonly: true });
    const stored = new Set((db.prepare("SELECT receipt FROM ballots WHERE channel = 'voice'").pluck().all() as string[]).map((r) => r.replace(/-/g, '')));
    const events = db.prepare("SELECT count(*) FROM events WHERE channel = 'voice' AND type = 'vote.cast'").pluck().get() as number;
    db.close();
    for (const receipt of heard) {
      expect(receipt).toMatch(/^[0-9A-Z]{10}$/); // read out whole, one clip per character
      expect(stored.has(receipt), `${receipt} was read to a caller but is not stored`).toBe(true);
    }
    expect(events).toBe(stored.size);
  });
});
