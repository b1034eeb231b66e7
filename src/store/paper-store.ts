// Paper ballots' entries, settled ballots and meetings' tally sheets (migration 0016).
import type { Database, Statement } from 'better-sqlite3';

/** One officer's typing of one paper ballot. `content` is canonical JSON: equal text, equal ballot. */
export interface PaperEntryRow {
  instance_id: string;
  cycle_id: string;
  serial: string;
  officer_id: string;
  content: string;
  xml_sha256: string;
  message: string;
  received_at: string;
}

export interface PaperBallotRow {
  cycle_id: string;
  serial: string;
  content: string;
  event_id: string;
  settled_at: string;
}

export interface PaperTallyRow {
  cycle_id: string;
  meeting_id: string;
  instance_id: string;
  officer_id: string;
  content: string;
  xml_sha256: string;
  event_id: string;
  message: string;
  received_at: string;
}

/** A serial with entries but no settled ballot, as `sauti field paper` lists it. */
export interface UnsettledSerial {
  cycle_id: string;
  serial: string;
  entries: { officer_id: string; officer: string; content: string; received_at: string }[];
}

/** Typed access to `paper_entries`, `paper_ballots` and `paper_tallies`. */
export class PaperStore {
  private readonly s: Record<string, Statement>;

  constructor(readonly db: Database) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      entry: p('SELECT * FROM paper_entries WHERE instance_id = ?'),
      addEntry: p(`INSERT INTO paper_entries (instance_id, cycle_id, serial, officer_id, content, xml_sha256, message, received_at)
        VALUES (@instance_id, @cycle_id, @serial, @officer_id, @content, @xml_sha256, @message, @received_at)`),
      entriesOf: p('SELECT * FROM paper_entries WHERE cycle_id = ? AND serial = ? ORDER BY received_at, rowid'),
      ballot: p('SELECT * FROM paper_ballots WHERE cycle_id = ? AND serial = ?'),
      addBallot: p('INSERT INTO paper_ballots (cycle_id, serial, content, event_id, settled_at) VALUES (@cycle_id, @serial, @content, @event_id, @settled_at)'),
      tallyByInstance: p('SELECT * FROM paper_tallies WHERE instance_id = ?'),
      tally: p('SELECT * FROM paper_tallies WHERE cycle_id = ? AND meeting_id = ?'),
      addTally: p(`INSERT INTO paper_tallies (cycle_id, meeting_id, instance_id, officer_id, content, xml_sha256, event_id, message, received_at)
        VALUES (@cycle_id, @meeting_id, @instance_id, @officer_id, @content, @xml_sha256, @event_id, @message, @received_at)`),
      unsettled: p(`SELECT e.cycle_id, e.serial, e.officer_id, o.name AS officer, e.content, e.received_at
        FROM paper_entries e JOIN field_officers o ON o.id = e.officer_id
        WHERE NOT EXISTS (SELECT 1 FROM paper_ballots b WHERE b.cycle_id = e.cycle_id AND b.serial = e.serial)
        ORDER BY e.cycle_id, e.serial, e.received_at, e.rowid`),
      counts: p(`SELECT (SELECT count(*) FROM paper_ballots) AS ballots, (SELECT count(*) FROM paper_tallies) AS tallies`),
    };
  }

  entry(instanceId: string): PaperEntryRow | undefined {
    return this.s.entry!.get(instanceId) as PaperEntryRow | undefined;
  }

  addEntry(row: PaperEntryRow): void {
    this.s.addEntry!.run(row);
  }

  /** Every entry of a serial, oldest first. */
  entriesOf(cycleId: string, serial: string): PaperEntryRow[] {
    return this.s.entriesOf!.all(cycleId, serial) as PaperEntryRow[];
  }

  ballot(cycleId: string, serial: string): PaperBallotRow | undefined {
    return this.s.ballot!.get(cycleId, serial) as PaperBallotRow | undefined;
  }

  addBallot(row: PaperBallotRow): void {
    this.s.addBallot!.run(row);
  }

  tallyByInstance(instanceId: string): PaperTallyRow | undefined {
    return this.s.tallyByInstance!.get(instanceId) as PaperTallyRow | undefined;
  }

  tally(cycleId: string, meetingId: string): PaperTallyRow | undefined {
    return this.s.tally!.get(cycleId, meetingId) as PaperTallyRow | undefined;
  }

  addTally(row: PaperTallyRow): void {
    this.s.addTally!.run(row);
  }

  /** Serials typed at least once and not settled: waiting for a second officer, or disagreeing. */
  unsettled(): UnsettledSerial[] {
    const rows = this.s.unsettled!.all() as { cycle_id: string; serial: string; officer_id: string; officer: string; content: string; received_at: string }[];
    const out: UnsettledSerial[] = [];
    for (const r of rows) {
      let last = out.at(-1);
      if (!last || last.cycle_id !== r.cycle_id || last.serial !== r.serial) out.push((last = { cycle_id: r.cycle_id, serial: r.serial, entries: [] }));
      last.entries.push({ officer_id: r.officer_id, officer: r.officer, content: r.content, received_at: r.received_at });
    }
    return out;
  }

  /** How many ballots are settled and tally sheets stored. */
  counts(): { ballots: number; tallies: number } {
    return this.s.counts!.get() as { ballots: number; tallies: number };
  }
}
