// Every field submission answered 201 survives SIGKILL in the middle of a burst from many devices
// (20 officers' phones sending at once): ODK Collect deletes or marks a form sent on 201, so a 201
// for a vote not on disk would lose it.
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

const DEVICES = 20;
const PER_DEVICE = 10;
const KILL_AT = 25;

const instance = (i: number) => `uuid:${String(i).padStart(8, '0')}-5b1a-4c55-9d1e-0a2b3c4d5e6f`;
const voteXml = (i: number, end: string) =>
  `<?xml version='1.0' ?><data id="sauti-vote-c-open" version="v" xmlns:orx="http://openrosa.org/xforms"><start>${end}</start><end>${end}</end>` +
  `<consent>yes</consent><voter_id>V-${i}</voter_id><ward>north</ward><w_north><picks>1 3</picks></w_north><orx:meta><orx:instanceID>${instance(i)}</orx:instanceID></orx:meta></data>`;

describe('field durability', { timeout: 120_000 }, () => {
  it('every 201 sent before SIGKILL is in the database after it, with its event', async () => {
    const dbFile = join(tempDir(), 'gateway.db');
    const setup = openDatabase(dbFile);
    const devices = Array.from({ length: DEVICES }, (_, i) => addOfficer(new FieldStore(setup), testDeployment(), `Officer ${i}`, null, new Date()).token);
    setup.close();
    const { child, url } = await startServer([BIN, 'start'], {
      SAUTI_CONFIG: FIXTURE,
      SAUTI_DB: dbFile,
      PORT: '0',
      SAUTI_CALLBACK_TOKEN: TOKEN,
      LOG_LEVEL: 'warn',
    });
    children.push(child);
    const exited = new Promise((r) => child.once('exit', r));
    const end = new Date().toISOString();
    const answered: string[] = [];
    let killed = false;
    // Each device sends its forms one after another, as Collect does; the devices all at once.
    // The kill comes at the KILL_AT-th 201, with every other device's request in flight.
    await Promise.allSettled(
      devices.map(async (token, d) => {
        for (let k = 0; k < PER_DEVICE && !killed; k++) {
          const i = d * PER_DEVICE + k;
          const body = new FormData();
          body.append('xml_submission_file', new Blob([voteXml(i, end)], { type: 'text/xml' }), 'vote.xml');
          const res = await fetch(`${url}/openrosa/key/${token}/submission`, { method: 'POST', headers: { 'X-OpenRosa-Version': '1.0' }, body });
          if (res.status !== 201) return;
          answered.push(instance(i));
          if (!killed && answered.length >= KILL_AT) {
            killed = true;
            child.kill('SIGKILL');
          }
        }
      }),
    );
    await exited;
    expect(answered.length).toBeGreaterThanOrEqual(KILL_AT);
    expect(answered.length, 'the kill came before the burst ended').toBeLessThan(DEVICES * PER_DEVICE);
    const db = new Database(dbFile, { readonly: true });
    const stored = new Set(db.prepare('SELECT instance_id FROM field_submissions s JOIN events e ON e.id = s.event_id').pluck().all() as string[]);
    const events = db.prepare("SELECT count(*) FROM events WHERE channel = 'field'").pluck().get() as number;
    db.close();
    for (const id of answered) expect(stored.has(id), `${id} was answered 201 but not stored`).toBe(true);
    expect(events).toBe(stored.size);
  });
});
