// Ledger migration 0012-paper on a ledger an earlier release made (through 0009): the table is
// added, the earlier migrations are not run again, and one sheet per meeting and cycle holds.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/helpers/tmp.ts';
import { cycleTallies } from './paper-tallies.ts';
import { migrateLedger, type LedgerTables } from './schema.ts';

describe('ledger migration 0012-paper', () => {
  it('adds ledger_paper_tallies to an older ledger; one sheet per meeting and cycle; a published count reads those chained before it', async () => {
    const db = new Kysely<LedgerTables>({ dialect: new SqliteDialect({ database: new Database(join(tempDir('sauti-ledger-0012-'), 'ledger.db')) }) });
    try {
      const secret = 'test-ledger-voter-secret-0123456789abcdef';
      await migrateLedger(db as never, 'sqlite', undefined, '0009-published-files', { voterSecret: secret });
      // Every migration released after 0009 runs, 0012 among them, and none before it again.
      const applied = await migrateLedger(db as never, 'sqlite', undefined, undefined, { voterSecret: secret });
      expect(applied).toContain('0012-paper');
      expect(applied.every((name) => name > '0009')).toBe(true);
      const sheet = {
        cycle_id: 'c',
        meeting_id: 'KIB-07',
        event_id: 'e1',
        ward_id: 'north',
        issued: 50,
        valid: 48,
        spoiled: 2,
        counts: '[{"code":1,"votes":30}]',
        ledger_seq: 4,
      };
      await db.insertInto('ledger_paper_tallies').values(sheet).execute();
      await expect(
        db
          .insertInto('ledger_paper_tallies')
          .values({ ...sheet, event_id: 'e2', ledger_seq: 5 })
          .execute(),
      ).rejects.toThrow(/UNIQUE/);
      await db
        .insertInto('ledger_paper_tallies')
        .values({ ...sheet, meeting_id: 'KIB-08', event_id: 'e3', ledger_seq: 9 })
        .execute();
      expect((await cycleTallies(db, 'c')).map((t) => t.meetingId)).toEqual(['KIB-07', 'KIB-08']);
      expect(await cycleTallies(db, 'c', 5)).toEqual([
        { meetingId: 'KIB-07', wardId: 'north', issued: 50, valid: 48, spoiled: 2, counts: [{ code: 1, votes: 30 }] },
      ]);
    } finally {
      await db.destroy();
    }
  });
});
