// bench:field — OpenRosa submissions from 20 devices at once (each officer's phone sends its
// finalised forms one after another, as ODK Collect does), against a running gateway over
// loopback, every 201 after a durable commit. Prints submissions/s, p50/p99 latency, peak RSS,
// and checks that every 201 is a stored field vote. Not a test: it prints figures.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'undici';
import { testDeployment } from '../test/helpers/deployment.ts';
import { addOfficer } from '../src/engine/field-capture.ts';
import { openDatabase } from '../src/store/db.ts';
import { FieldStore } from '../src/store/field-store.ts';
import { cpuSeconds, header, peakRssMb, percentile, row, startBenchGateway, startCommand, stop, type LoadResult } from './lib.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const DEVICES = Number(process.env.BENCH_DEVICES ?? 20);
const ROOT = resolve(import.meta.dirname, '..');
const BOUNDARY = '----sauti-bench-boundary';

let voter = 0;

/** A filled vote form as Collect sends it: multipart with one xml_submission_file part. */
function submission(): { body: string; instanceId: string } {
  const instanceId = `uuid:${randomUUID()}`;
  const end = new Date().toISOString();
  const picks = ['1 3', '2', '4 5 7', '12'][voter % 4];
  const xml =
    `<?xml version='1.0' ?><data id="sauti-vote-c-open" version="v" xmlns:orx="http://openrosa.org/xforms"><start>${end}</start><end>${end}</end>` +
    `<consent>yes</consent><voter_id>B-${voter++}</voter_id><ward>north</ward><w_north><picks>${picks}</picks><total/><readback>yes</readback></w_north>` +
    `<orx:meta><orx:instanceID>${instanceId}</orx:instanceID></orx:meta></data>`;
  const body = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="xml_submission_file"; filename="vote.xml"\r\nContent-Type: text/xml\r\n\r\n${xml}\r\n--${BOUNDARY}--\r\n`;
  return { body, instanceId };
}

/** Every device sends submissions back to back for `seconds`; returns the figures and the instanceIDs answered 201. */
async function burst(url: string, pid: number, tokens: string[], seconds: number): Promise<{ result: LoadResult; answered: Set<string> }> {
  const pool = new Pool(url, { connections: tokens.length, pipelining: 1 });
  const latencies: number[] = [];
  const answered = new Set<string>();
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const server0 = cpuSeconds(pid);
  await Promise.all(
    tokens.map(async (token) => {
      while (performance.now() < deadline) {
        const { body, instanceId } = submission();
        const t0 = performance.now();
        const res = await pool.request({
          path: `/openrosa/key/${token}/submission`,
          method: 'POST',
          headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'x-openrosa-version': '1.0' },
          body,
        });
        await res.body.text();
        latencies.push(performance.now() - t0);
        if (res.statusCode === 201) answered.add(instanceId);
        else errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu0);
  const serverCpu = (cpuSeconds(pid) - server0) / elapsed;
  await pool.close();
  const sorted = Float64Array.from(latencies).sort();
  return {
    result: {
      requests: latencies.length,
      seconds: elapsed,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      rssMb: peakRssMb(pid),
      serverCpu,
      driverCpu: (used.user + used.system) / 1e6 / elapsed,
      errors,
    },
    answered,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'sauti-bench-field-'));
const dbFile = join(dir, 'gateway.db');
try {
  const setup = openDatabase(dbFile);
  const tokens = Array.from({ length: DEVICES }, (_, i) => addOfficer(new FieldStore(setup), testDeployment(), `Officer ${i}`, null, new Date()).token);
  setup.close();
  const gw = await startBenchGateway(ROOT, dbFile);
  const pid = gw.child.pid!;
  const warm = await burst(gw.url, pid, tokens, 3); // JIT and SQLite caches; figures discarded
  const run = await burst(gw.url, pid, tokens, SECONDS);
  await stop(gw.child);
  const db = new Database(dbFile, { readonly: true });
  const stored = new Set(
    db.prepare("SELECT s.instance_id FROM field_submissions s JOIN events e ON e.id = s.event_id WHERE e.type = 'vote.cast'").pluck().all() as string[],
  );
  db.close();
  const answered = [...warm.answered, ...run.answered];
  const missing = answered.filter((id) => !stored.has(id)).length;
  console.log(`\nbench:field — ${DEVICES} devices sending at once, ${SECONDS}s, one vote per multipart submission, ${startCommand(ROOT).line}`);
  console.log(header('subm/s'));
  console.log(row(`gateway, ${DEVICES} devices`, run.result));
  console.log(
    `answered 201: ${answered.length}, stored: ${stored.size}, 201 but not stored: ${missing}, other answers: ${warm.result.errors + run.result.errors}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
