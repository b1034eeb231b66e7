// `npm run bench:privacy`: what keeping numbers off the disk costs (docs/privacy.md, "On the
// gateway"). In-process, on real SQLite files in WAL mode as the gateway opens them, MESSAGES
// replies (default 500) each go through the store's real path: queued in a commit of its own,
// then marked sent (the number erased). The commits are not fsynced one by one (under load the
// gateway shares one fsync among many; an fsync each would hide the cost measured here under disk
// noise). Three set-ups, each run ROUNDS times (default 5) on a fresh file, interleaved:
//   - plain:  the number stored as it is, secure_delete off (Sauti before issue 17);
//   - sealed: the number sealed (AES-256-GCM), secure_delete off;
//   - sealed + secure_delete + sweep: as the gateway runs now, then one privacy sweep (purge and
//     wal_checkpoint(TRUNCATE)), timed apart.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { phoneSeal, type Seal } from '../src/domain/phone-seal.ts';
import { PrivacySweep } from '../src/engine/privacy-sweep.ts';
import { CommitQueue } from '../src/store/commit-queue.ts';
import { openDatabase } from '../src/store/db.ts';
import { SmsStore } from '../src/store/sms-store.ts';

const MESSAGES = Number(process.env.MESSAGES ?? 500);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const SECRET = 'bench-voter-key-secret-0123456789';

/** Stores the number as it is: the baseline before sealing. */
const PLAIN: Seal = { seal: (s) => s, open: (s) => s, digest: (s) => s };

type Setup = 'plain' | 'sealed' | 'sealed + secure_delete + sweep';

async function run(setup: Setup): Promise<{ perMessageUs: number; sweepMs: number; walKb: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'sauti-bench-privacy-'));
  try {
    const db = openDatabase(join(dir, 'bench.db'));
    if (setup !== 'sealed + secure_delete + sweep') db.pragma('secure_delete = OFF');
    const seal = setup === 'plain' ? PLAIN : phoneSeal(SECRET);
    const sms = new SmsStore(db, seal);
    const queue = new CommitQueue(db);
    const start = process.hrtime.bigint();
    for (let i = 0; i < MESSAGES; i++) {
      const phone = `+2547${String(10_000_000 + i).padStart(8, '0')}`;
      const id = await queue.run(() =>
        sms.enqueue(
          {
            provider: 'africastalking',
            toPhone: phone,
            voterKey: `k${i}`,
            body: 'Your vote is recorded. Receipt ABCDE-FGHIJ.',
            kind: 'confirmation',
            sourceRef: `bench:${i}`,
          },
          new Date().toISOString(),
        ),
      );
      const row = sms.get(id!)!;
      if (sms.recipient(row) !== phone) throw new Error('the seal did not round-trip');
      await queue.run(() => sms.markSent(id!, `ATXid_${i}`, new Date().toISOString()));
    }
    const perMessageUs = Number(process.hrtime.bigint() - start) / 1000 / MESSAGES;
    const walKb = statSync(join(dir, 'bench.db-wal')).size / 1024;
    let sweepMs = 0;
    if (setup === 'sealed + secure_delete + sweep') {
      const sweep = new PrivacySweep({
        db,
        sms,
        queue,
        seal,
        deployment: { ussd: { serviceCode: '*1#', resumeMinutes: 15 }, sync: { recordingGraceMinutes: 10 } },
        logger: pino({ level: 'silent' }),
      });
      const t = process.hrtime.bigint();
      await sweep.sweep();
      sweepMs = Number(process.hrtime.bigint() - t) / 1e6;
      if (statSync(join(dir, 'bench.db-wal')).size !== 0) throw new Error('the sweep left the WAL non-empty');
    }
    db.close();
    return { perMessageUs, sweepMs, walKb };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const setups: Setup[] = ['plain', 'sealed', 'sealed + secure_delete + sweep'];
{
  const seal = phoneSeal(SECRET);
  const n = 20_000;
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) seal.open(seal.seal('+254711000001'));
  console.log(`seal + open of one number: ${(Number(process.hrtime.bigint() - t) / 1000 / n).toFixed(1)} µs`);
}
console.log(`${MESSAGES} replies queued then marked sent, per set-up; ${ROUNDS} rounds, interleaved`);
console.log(`${'set-up'.padEnd(32)} ${'round'.padStart(5)} ${'µs/reply'.padStart(9)} ${'WAL KiB'.padStart(8)} ${'sweep ms'.padStart(9)}`);
const means = new Map<Setup, number[]>();
for (let r = 1; r <= ROUNDS; r++) {
  for (const setup of setups) {
    const x = await run(setup);
    means.set(setup, [...(means.get(setup) ?? []), x.perMessageUs]);
    console.log(
      `${setup.padEnd(32)} ${String(r).padStart(5)} ${x.perMessageUs.toFixed(0).padStart(9)} ${x.walKb.toFixed(0).padStart(8)} ${(x.sweepMs ? x.sweepMs.toFixed(1) : '-').padStart(9)}`,
    );
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(means.get('plain')!);
for (const setup of setups) {
  const m = median(means.get(setup)!);
  console.log(
    `median ${setup.padEnd(32)} ${m.toFixed(0).padStart(6)} µs/reply (${m >= base ? '+' : ''}${(((m - base) / base) * 100).toFixed(1)} % against plain)`,
  );
}
