// Migration 0016: paper entries, settled ballots (one per cycle and serial) and tally sheets (one
// per cycle and meeting); unsettled serials listed with their officers; the serial lookup uses its index.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { FieldStore } from './field-store.ts';
import { migrate } from './migrate.ts';
import { PaperStore } from './paper-store.ts';

describe('migration 0016: paper ballots and tally sheets', () => {
  it('keeps entries, one ballot per serial, one sheet per meeting, and lists what is not settled', () => {
    const db = new Database(':memory:');
    migrate(db, 14);
    migrate(db);
    const field = new FieldStore(db);
    field.addOfficer({ id: 'o-1', name: 'Amina', ward_id: null, token_hash: 'a'.repeat(64), created_at: 't' });
    field.addOfficer({ id: 'o-2', name: 'Baraka', ward_id: null, token_hash: 'b'.repeat(64), created_at: 't' });
    const paper = new PaperStore(db);
    const entry = (instance: string, officer: string, serial: string, content: string) =>
      paper.addEntry({
        instance_id: instance,
        cycle_id: 'c',
        serial,
        officer_id: officer,
        content,
        xml_sha256: 'h',
        message: 'm',
        received_at: `2026-11-22T09:00:0${instance.slice(-1)}.000Z`,
      });
    entry('i1', 'o-1', 'A-1', '{"picks":[1]}');
    entry('i2', 'o-2', 'A-1', '{"picks":[2]}');
    entry('i3', 'o-1', 'A-2', '{"picks":[1]}');
    expect(() => entry('i3', 'o-2', 'A-3', '{}')).toThrow(/UNIQUE/);
    expect(() => entry('i4', 'o-9', 'A-3', '{}')).toThrow(/FOREIGN KEY/);
    expect(paper.entriesOf('c', 'A-1').map((e) => e.officer_id)).toEqual(['o-1', 'o-2']);
    expect(paper.unsettled().map((s) => [s.serial, s.entries.map((e) => e.officer)])).toEqual([
      ['A-1', ['Amina', 'Baraka']],
      ['A-2', ['Amina']],
    ]);
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT * FROM paper_entries WHERE cycle_id = ? AND serial = ? ORDER BY received_at').all('c', 'A-1') as {
      detail: string;
    }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX paper_entries_serial/);

    const event = (id: string) =>
      db
        .prepare(
          `INSERT INTO events (id, type, cycle_id, voter_key, channel, gateway_id, captured_at, source_ref, payload) VALUES (?, 'vote.cast', 'c', 'k', 'paper', 'g', 't', ?, '{}')`,
        )
        .run(id, `paper:${id}#0`);
    event('e1');
    event('e2');
    paper.addBallot({ cycle_id: 'c', serial: 'A-2', content: '{"picks":[1]}', event_id: 'e1', settled_at: 't' });
    expect(() => paper.addBallot({ cycle_id: 'c', serial: 'A-2', content: '{}', event_id: 'e2', settled_at: 't' })).toThrow(/UNIQUE/);
    expect(paper.unsettled().map((s) => s.serial)).toEqual(['A-1']);
    const sheet = {
      cycle_id: 'c',
      meeting_id: 'KIB-07',
      instance_id: 'i9',
      officer_id: 'o-1',
      content: '{}',
      xml_sha256: 'h',
      event_id: 'e2',
      message: 'm',
      received_at: 't',
    };
    paper.addTally(sheet);
    expect(() => paper.addTally({ ...sheet, instance_id: 'i10', event_id: 'e3' })).toThrow(/UNIQUE|FOREIGN/);
    expect(paper.tally('c', 'KIB-07')).toEqual(sheet);
    expect(paper.tallyByInstance('i9')).toEqual(sheet);
    expect(paper.counts()).toEqual({ ballots: 1, tallies: 1 });
  });
});
