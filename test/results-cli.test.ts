// `sauti results` as an operator runs it: a Pabulib file counted and compared, bad input refused
// with the field named, and a cycle counted, published and exported from a ledger on disk.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeBatch, newKeyPair } from '../src/domain/protocol.ts';
import type { EventRow } from '../src/store/gateway-store.ts';
import { buildBatch } from '../sync/batch.ts';
import { openLedger } from '../ledger/connect.ts';
import { Ledger } from '../ledger/ledger.ts';
import { loadDeployment } from '../src/config/load.ts';
import { eventFactory } from './helpers/ledger.ts';
import { stringify } from 'yaml';
import { FIXTURE, rawFixture } from './helpers/deployment.ts';
import { tempDir } from './helpers/tmp.ts';

const CLI = resolve(import.meta.dirname, '../src/cli/main.ts');
const SHARED = resolve(import.meta.dirname, 'fixtures/pabulib');
const sauti = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent', ...env } });

// Each `sauti` run transpiles the CLI through tsx (2–5 s on a busy 2-core machine): a minute per test.
describe('sauti results --from FILE.pb', { timeout: 60_000 }, () => {
  it('counts with the META rule and says whether it matches the published selection (--json)', () => {
    const out = sauti(['results', '--from', join(SHARED, 'Poland_Wroclaw_2016_Rejon_nr_10_750.pb'), '--json']);
    expect(out.status).toBe(0);
    const r = JSON.parse(out.stdout);
    expect(r).toMatchObject({ rule: 'greedy-no-skip', selected: ['681'], budgetUsed: 750000, budget: 750000, matchesPublished: true });
    expect(r.projects).toHaveLength(13);
  });

  it('--rule overrides the META rule; a rule Sauti does not know is refused by name', () => {
    const differs = sauti(['results', '--from', join(SHARED, 'Poland_Warszawa_2017_Wawrzyszew.pb'), '--rule', 'equalshares', '--json']);
    const es = JSON.parse(differs.stdout);
    expect(es.rule).toBe('equalshares');
    expect(es.matchesPublished).toBe(false);
    expect(differs.status).toBe(1); // a count that differs from the published selection is not a success
    const plain = sauti(['results', '--from', join(SHARED, 'Poland_Warszawa_2017_Wawrzyszew.pb'), '--rule', 'equalshares']);
    expect(plain.stdout).toContain('DIFFERS from the published selection.');
    expect(plain.status).toBe(1);
    const bad = sauti(['results', '--from', join(SHARED, 'Poland_Warszawa_2017_Wawrzyszew.pb'), '--rule', 'borda']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--rule borda is not a rule Sauti counts; use one of greedy, /);
  });

  it('reads a real file with quirks, warning on stderr with the file and line; stdout stays the count', () => {
    const file = join(SHARED, 'quirky/Poland_Wieliczka_2023_Green_Budget.pb');
    const out = sauti(['results', '--from', file, '--json']);
    expect(out.status).toBe(0);
    expect(out.stderr.trim()).toBe(`warning: ${file}: line 12: ends with LF where line 1 ends with CRLF; read as the end of the line`);
    const r = JSON.parse(out.stdout);
    expect(r).toMatchObject({ rule: 'equalshares/add1-comparison', metaRule: 'equalshares/add1-comparison', matchesPublished: true, budget: 1000000 });
    const quote = join(SHARED, 'quirky/Poland_Czestochowa_2020_Bleszno.pb');
    const plain = sauti(['results', '--from', quote]);
    expect(plain.status).toBe(0);
    expect(plain.stderr).toMatch(new RegExp(`^warning: ${quote.replace(/[.]/g, '\\.')}: line 40: a quote inside an unquoted field \\(Konkurs " NA`));
    expect(plain.stdout).toContain('Konkurs " NA NAJŁADNIEJSZĄ');
  });

  it('a missing file is named, no stack trace', () => {
    const out = sauti(['results', '--from', '/no/such/file.pb']);
    expect(out.status).toBe(2);
    expect(out.stderr.trim()).toBe('sauti: cannot read /no/such/file.pb: no such file');
  });

  it('a broken file is refused with its line and field, no stack trace', () => {
    const dir = tempDir('sauti-pb-');
    const broken = readFileSync(join(SHARED, 'Poland_Czestochowa_2024_Mirow.pb'), 'utf8').replace('\n7;795,435,687;', '\n7;795,999,687;');
    const file = join(dir, 'broken.pb');
    execFileSync('sh', ['-c', `cat > ${file}`], { input: broken });
    const out = sauti(['results', '--from', file]);
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/broken\.pb: line 35: VOTES vote: no project 999 in PROJECTS/);
    expect(out.stderr).not.toMatch(/ at .*\.ts:\d+/);
  });
});

describe('sauti results <cycle> on a ledger file', { timeout: 60_000 }, () => {
  it('prints the provisional count, refuses to publish while voting is open, and exports open data', async () => {
    const dir = tempDir('sauti-results-');
    const ledgerFile = join(dir, 'ledger.db');
    const ledger = new Ledger(await openLedger({ kind: 'sqlite', file: ledgerFile }), () => loadDeployment(FIXTURE));
    const { privatePem, publicKey } = newKeyPair();
    const gw = { gatewayId: 'gw-c', publicKey, privateKey: createPrivateKey(privatePem) };
    await ledger.addGateway(gw.gatewayId, publicKey);
    const f = eventFactory('gw-c');
    const rows = [f.vote('+254711000001', [1, 2], '2026-11-22T09:00:00Z'), f.vote('+254711000002', [2], '2026-11-22T09:00:00Z')];
    const { header, lines } = decodeBatch(gunzipSync(buildBatch(gw, rows, 0, new Date()).body).toString('utf8'));
    await ledger.ingest(header, lines, 'push');
    await ledger.close();
    const env = { SAUTI_CONFIG: FIXTURE, SAUTI_LEDGER_DB: ledgerFile, SAUTI_DB: join(dir, 'gw.db') };

    const list = sauti(['results'], env);
    expect(list.stdout).toMatch(/c-open\s+2099-\S+\s+not published/);
    expect(list.stdout).toMatch(/c-past\s+\S+\s+2019-04-30T21:00:00.000Z \(deployment file\)/);

    const shown = sauti(['results', 'c-open'], env);
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain('PROVISIONAL: not published');
    expect(shown.stdout).toMatch(/2\s+Lights\s+3200000\s+2\s+✔ 1/);
    expect(shown.stdout).toMatch(/ussd\s+2/);
    expect(shown.stdout).not.toMatch(/age band|gender/); // the fixture lists no demographics

    const publish = sauti(['results', 'c-open', '--publish'], env);
    expect(publish.status).toBe(2);
    expect(publish.stderr).toMatch(/voting in c-open is open until 2099/);

    const out = join(dir, 'open');
    expect(sauti(['results', 'c-open', '--export', out], env).status).toBe(0);
    for (const name of ['results.csv', 'results.json', 'turnout.csv', 'ballots.csv', 'ballots.json', 'c-open_north.pb', 'c-open_south.pb'])
      expect(existsSync(join(out, name))).toBe(true);
    const again = JSON.parse(sauti(['results', '--from', join(out, 'c-open_north.pb'), '--json']).stdout);
    expect(again.matchesPublished).toBe(true);
    expect(again.selected.sort()).toEqual(['1', '2']);

    const both = sauti(['results', 'c-open', '--publish', '--rule', 'equalshares'], env);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/published with the cycle’s own rule/);

    const unknown = sauti(['results', 'c-nope'], env);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/no cycle 'c-nope'/);
  });
});

// A cycle counted before this ledger (c-past: its winners 31 and 40 declared in the deployment
// file's `results`, published 2019-05-01) has no ballots here: no provisional count, no publication, no export.
describe('sauti results <cycle> for a cycle whose results the deployment file declares', { timeout: 120_000 }, () => {
  it('prints its winners per ward and the day, refuses --publish and --export in one line, writes nothing', async () => {
    const dir = tempDir('sauti-results-past-');
    const ledgerFile = join(dir, 'ledger.db');
    const env = { SAUTI_CONFIG: FIXTURE, SAUTI_LEDGER_DB: ledgerFile, SAUTI_DB: join(dir, 'gw.db') };
    await (await openLedger({ kind: 'sqlite', file: ledgerFile })).close();

    const shown = sauti(['results', 'c-past'], env);
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain('Past cycle (c-past) — published 2019-05-01, before this ledger: its winners come from the deployment file');
    expect(shown.stdout).toContain('North Ward: 1 selected, 900,000 KES');
    expect(shown.stdout).toMatch(/31\s+Shelter\s+900000\s+✔/);
    expect(shown.stdout).toContain('South Ward: 1 selected, 1,700,000 KES');
    expect(shown.stdout).toMatch(/40\s+Lights\s+1700000\s+✔/);
    expect(shown.stdout).not.toMatch(/Bins|PROVISIONAL|Turnout|0 ballots/);
    expect(shown.stdout).toContain('Its ballots are not held here');
    const json = JSON.parse(sauti(['results', 'c-past', '--json'], env).stdout);
    expect(json).toMatchObject({ cycleId: 'c-past', publishedAt: '2019-04-30T21:00:00.000Z', source: 'deployment file', ballotsHeld: false });
    expect(json.wards.map((w: { wardId: string; selected: { code: number }[] }) => [w.wardId, w.selected.map((p) => p.code)])).toEqual([
      ['north', [31]],
      ['south', [40]],
    ]);

    const note = 'its results were published on 2019-05-01, before this ledger, and come from the deployment file (its `results`)';
    const publish = sauti(['results', 'c-past', '--publish'], env);
    expect(publish.status).toBe(2);
    expect(publish.stderr).toBe(`sauti: c-past is not published here: ${note}\n`);
    expect(publish.stdout).toBe('');
    const out = join(dir, 'open');
    const exported = sauti(['results', 'c-past', '--export', out], env);
    expect(exported.status).toBe(2);
    expect(exported.stderr).toBe(`sauti: c-past has no open data here: ${note}, and its ballots are not held here\n`);
    expect(existsSync(out)).toBe(false);

    const ledger = new Ledger(await openLedger({ kind: 'sqlite', file: ledgerFile }), () => loadDeployment(FIXTURE));
    try {
      expect(await ledger.conn.db.selectFrom('ledger_results').selectAll().execute()).toEqual([]);
      expect(await ledger.conn.db.selectFrom('ledger_events').selectAll().execute()).toEqual([]);
    } finally {
      await ledger.close();
    }
    expect(sauti(['results'], env).stdout).toMatch(/c-past\s+\S+\s+2019-04-30T21:00:00.000Z \(deployment file\)/);
  });

  it('a publication of it stored before that was refused does not replace the deployment file’s results', async () => {
    const dir = tempDir('sauti-results-past-');
    const ledgerFile = join(dir, 'ledger.db');
    const env = { SAUTI_CONFIG: FIXTURE, SAUTI_LEDGER_DB: ledgerFile, SAUTI_DB: join(dir, 'gw.db') };
    // As the old `--publish` left it: a publication counting no ballots (made here with the file's `results` left out).
    const bare = loadDeployment(FIXTURE);
    const withoutResults = { ...bare, cycles: bare.cycles.map((c) => (c.id === 'c-past' ? { ...c, results: undefined } : c)) };
    const ledger = new Ledger(await openLedger({ kind: 'sqlite', file: ledgerFile }), () => withoutResults);
    expect((await ledger.publishResults('c-past')).turnout.total).toBe(0);
    await ledger.close();

    expect(sauti(['results'], env).stdout).toMatch(/c-past\s+\S+\s+2019-04-30T21:00:00.000Z \(deployment file\)/);
    const shown = sauti(['results', 'c-past'], env);
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain('published 2019-05-01, before this ledger');
    expect(shown.stdout).toMatch(/31\s+Shelter\s+900000\s+✔/);
    expect(shown.stdout).not.toMatch(/Turnout|0 ballots/);
  });
});

describe('sauti results <cycle> with demographics', { timeout: 60_000 }, () => {
  it('prints turnout by age band and by gender for the cycle, groups under 5 as <5; "not collected" where no ballot has them', async () => {
    const dir = tempDir('sauti-results-demo-');
    const raw = rawFixture();
    raw.demographics = { ageBands: ['18-24', '25-34', '35-64', '65+'], genders: ['female', 'male', 'other'] };
    const config = join(dir, 'deployment.yaml');
    writeFileSync(config, stringify(raw));
    const ledgerFile = join(dir, 'ledger.db');
    const ledger = new Ledger(await openLedger({ kind: 'sqlite', file: ledgerFile }), () => loadDeployment(config));
    const { privatePem, publicKey } = newKeyPair();
    const gw = { gatewayId: 'gw-c', publicKey, privateKey: createPrivateKey(privatePem) };
    await ledger.addGateway(gw.gatewayId, publicKey);
    const f = eventFactory('gw-c');
    // Age: 35-64 ×6, 65+ ×3 (under 5, hidden), none ×1 (under 5, hidden). Gender: none.
    const rows = Array.from({ length: 10 }, (_, i) =>
      f.vote(`+2547110000${10 + i}`, [1], '2026-11-22T09:00:00Z', i < 6 ? { ageBand: '35-64' } : i < 9 ? { ageBand: '65+' } : {}),
    );
    const { header, lines } = decodeBatch(gunzipSync(buildBatch(gw, rows, 0, new Date()).body).toString('utf8'));
    await ledger.ingest(header, lines, 'push');
    await ledger.close();

    const shown = sauti(['results', 'c-open'], { SAUTI_CONFIG: config, SAUTI_LEDGER_DB: ledgerFile, SAUTI_DB: join(dir, 'gw.db') });
    expect(shown.status).toBe(0);
    const out = shown.stdout;
    expect(out).toContain(
      [
        'age band      ballots',
        '────────────  ───────',
        '18-24               0',
        '25-34               0',
        '35-64               6',
        '65+                <5',
        'not recorded       <5',
      ].join('\n'),
    );
    expect(out).toContain('gender: not collected');
    expect(out).toContain('Groups with fewer than 5 ballots show as <5');
  });
});

describe('sauti results <cycle> --publish waits for every gateway; what it publishes never changes', { timeout: 180_000 }, () => {
  it('names the gateway behind, publishes with --force --reason, lists late ballots apart, and exports the same files again', async () => {
    const dir = tempDir('sauti-results-pub-');
    const closes = new Date(Date.now() - 24 * 3600_000);
    const before = (hours: number) => new Date(closes.getTime() - hours * 3600_000).toISOString();
    const raw = rawFixture();
    raw.cycles[0].phases.voting.closes = closes.toISOString();
    const config = join(dir, 'deployment.yaml');
    writeFileSync(config, stringify(raw));
    const ledgerFile = join(dir, 'ledger.db');
    const { privatePem, publicKey } = newKeyPair();
    const gw = { gatewayId: 'gw-kiboko', publicKey, privateKey: createPrivateKey(privatePem) };
    const f = eventFactory('gw-kiboko');
    const push = async (rows: EventRow[], backlog: number) => {
      const ledger = new Ledger(await openLedger({ kind: 'sqlite', file: ledgerFile }), () => loadDeployment(config));
      await ledger.addGateway(gw.gatewayId, publicKey);
      const { header, lines } = decodeBatch(gunzipSync(buildBatch(gw, rows, backlog, new Date()).body).toString('utf8'));
      expect((await ledger.ingest(header, lines, 'push')).accepted).toHaveLength(rows.length);
      await ledger.close();
    };
    // Synced after the close, but the gateway says 2 events are still waiting.
    await push(
      [f.vote('+254711000001', [1, 2], before(30)), f.vote('+254711000002', [2], before(30)), f.vote('+254711000003', [21], before(30), { wardId: 'south' })],
      2,
    );
    const env = { SAUTI_CONFIG: config, SAUTI_LEDGER_DB: ledgerFile, SAUTI_DB: join(dir, 'gw.db') };

    const refused = sauti(['results', 'c-open', '--publish'], env);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/gw-kiboko: 2 events waiting, last seen 20\d\d-/);
    expect(refused.stderr).toContain('--force --reason');
    const noReason = sauti(['results', 'c-open', '--publish', '--force'], env);
    expect(noReason.status).toBe(2);
    expect(noReason.stderr).toMatch(/--force needs --reason/);

    const first = join(dir, 'first');
    const published = sauti(
      ['results', 'c-open', '--publish', '--force', '--reason', 'Kiboko gateway flooded; its votes will be listed as late', '--export', first],
      env,
    );
    expect(published.status, published.stderr).toBe(0);
    expect(published.stdout).toContain('Published without waiting for every gateway. Reason: Kiboko gateway flooded');

    // The two waiting votes (captured before the close) arrive after publication.
    await push([f.vote('+254711000004', [3], before(2)), f.vote('+254711000001', [4], before(1))], 0);
    const shown = sauti(['results', 'c-open'], env);
    expect(shown.stdout).toMatch(/Arrived after publication, not counted: 2 ballots/);
    expect(shown.stdout).toMatch(new RegExp(`gw-kiboko\\s+2\\s+${before(2)}\\s+${before(1)}`));

    const second = join(dir, 'second');
    expect(sauti(['results', 'c-open', '--export', second], env).status).toBe(0);
    for (const name of ['results.csv', 'results.json', 'turnout.csv', 'ballots.csv', 'ballots.json', 'c-open_north.pb', 'c-open_south.pb']) {
      expect(readFileSync(join(second, name)).equals(readFileSync(join(first, name))), name).toBe(true);
    }
    expect(readFileSync(join(second, 'late.csv'), 'utf8')).toMatch(/^cycle,gateway,ballots,.*\nc-open,gw-kiboko,2,/);
    const again = sauti(['results', '--from', join(second, 'c-open_north.pb')]);
    expect(again.stdout).toContain('Matches the published selection.');
    expect(again.stdout).toMatch(/ — 2 ballots,/);
  });
});
