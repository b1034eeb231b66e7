// Every field submission answered 201 survives SIGKILL the instant the first 201 left the gateway:
// ODK Collect deletes or marks a form sent on 201, so a 201 for a vote not on disk would lose it.
import type { ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { addOfficer } from '../src/engine/field-capture.ts';
import { openDatabase } from '../src/store/db.ts';
import { FieldStore } from '../src/store/field-store.ts';
import { FIXTURE, testDeployment } from './helpers/deployment.ts';
import { TOKEN } from './helpers/gateway.ts';
import { startServer } from './helpers/process.ts';
import { tempDir } from './helpers/tmp.ts';

const BIN = resolve(import.meta.dirname, '../bin/sauti.mjs');
const children: ChildProcess[] = [];
afterEach(() => children.forEach((c) => c.kill('SIGKILL')));

const instance = (i: number) => `uuid:${String(i).padStart(8, '0')}-5b1a-4c55-9d1e-0a2b3c4d5e6f`;
const voteXml = (i: number, end: string) =>
  `<?xml version='1.0' ?><data id="sauti-vote-c-open" version="v" xmlns:orx="http://openrosa.org/xforms"><start>${end}</start><end>${end}</end>` +
  `<consent>yes</consent><voter_id>V-${i}</voter_id><ward>north</ward><w_north><picks>1 3</picks></w_north><orx:meta><orx:instanceID>${instance(i)}</orx:instanceID></orx:meta></data>`;

describe('field durability', { timeout: 120_000 }, () => {
  it('every 201 sent before SIGKILL is in the database after it, with its event', async () => {
    const dbFile = join(tempDir(), 'gateway.db');
    const setup = openDatabase(dbFile);
    const { token } = addOfficer(new FieldStore(setup), testDeployment(), 'Amina', null, new Date());
    setup.close();
    const { child, url } = await startServer([BIN, 'start'], { SAUTI_CONFIG: FIXTURE, SAUTI_DB: dbFile, PORT: '0', SAUTI_CALLBACK_TOKEN: TOKEN, LOG_LEVEL: 'warn' });
    children.push(child);
    const exited = new Promise((r) => child.once('exit', r));
    const end = new Date().toISOString();
    const answered: string[] = [];
    let killed = false;
    await Promise.allSettled(
      Array.from({ length: 40 }, async (_, i) => {
        const body = new FormData();
        body.append('xml_submission_file', new Blob([voteXml(i, end)], { type: 'text/xml' }), 'vote.xml');
        const res = await fetch(`${url}/openrosa/key/${token}/submission`, { method: 'POST', headers: { 'X-OpenRosa-Version': '1.0' }, body });
        if (res.status !== 201) return;
        answered.push(instance(i));
        if (!killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      }),
    );
    await exited;
    expect(answered.length).toBeGreaterThan(0);
    const db = new Database(dbFile, { readonly: true });
    const stored = new Set(db.prepare('SELECT instance_id FROM field_submissions s JOIN events e ON e.id = s.event_id').pluck().all() as string[]);
    const events = db.prepare("SELECT count(*) FROM events WHERE channel = 'field'").pluck().get() as number;
    db.close();
    for (const id of answered) expect(stored.has(id), `${id} was answered 201 but not stored`).toBe(true);
    expect(events).toBe(stored.size);
  });
});
