// Times every better-sqlite3 statement the gateway's main thread runs, for a benchmark run:
//   SQL_TIMING=/tmp/sql.txt NODE_OPTIONS="--import ./bench/sql-timing.mjs" npm run bench:sms
// writes, when the gateway stops, one line per statement (calls, total ms, mean µs, p99 and max
// ms, how many took over 5 ms: the event loop held that long) to SQL_TIMING. Only the process
// started as `sauti start` is measured, and only its main thread. Not loaded by anything else.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

if (isMainThread && process.env.SQL_TIMING && process.argv[1]?.endsWith('sauti.mjs') && process.argv.includes('start')) {
  const Database = createRequire(join(process.cwd(), 'package.json'))('better-sqlite3');
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1'));
  probe.close();
  const stats = new Map();
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = proto[method];
    proto[method] = function (...args) {
      const start = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        const key = `${method} ${this.source.replace(/\s+/g, ' ').slice(0, 120)}`;
        const s = stats.get(key) ?? { ms: [], total: 0 };
        s.ms.push(ms);
        s.total += ms;
        stats.set(key, s);
      }
    };
  }
  process.on('exit', () => {
    const at = (sorted, p) => sorted[Math.floor(p * (sorted.length - 1))].toFixed(2);
    const lines = [...stats]
      .sort((a, b) => b[1].total - a[1].total)
      .map(([key, s]) => {
        const sorted = s.ms.sort((a, b) => a - b);
        const over = sorted.filter((ms) => ms > 5).length;
        return `${String(sorted.length).padStart(7)} ${s.total.toFixed(0).padStart(7)} ms ${((s.total / sorted.length) * 1000).toFixed(1).padStart(8)} µs  p99 ${at(sorted, 0.99)}  max ${at(sorted, 1)}  >5ms ${over}  ${key}`;
      });
    writeFileSync(process.env.SQL_TIMING, `  calls   total       mean\n${lines.join('\n')}\n`);
  });
}
