// `sauti field paper`: paper ballots typed in by officers that are not stored yet — waiting for a
// second officer's entry, or whose entries disagree and wait for one more officer — and how many
// ballots and tally sheets are stored.
import type { Settings } from '../config/env.ts';
import { agreement } from '../domain/paper.ts';
import { openDatabase } from '../store/db.ts';
import { PaperStore, type UnsettledSerial } from '../store/paper-store.ts';

/** One entry as the operator reads it: who typed what. */
function describe(e: UnsettledSerial['entries'][number]): string {
  const c = JSON.parse(e.content) as { meetingId: string; day: string; wardId: string; picks: number[] };
  return `${e.officer} (${e.officer_id}), ${e.received_at.slice(0, 16).replace('T', ' ')}: meeting ${c.meetingId}, ${c.day}, ward ${c.wardId}, picks ${c.picks.join(' ')}`;
}

/** A serial's entries as lines; an officer's earlier entry says it was replaced, so only the latest of each officer reads as theirs. */
function entryLines(s: UnsettledSerial): string {
  const latest = new Map(s.entries.map((e, i) => [e.officer_id, i]));
  return s.entries.map((e, i) => `    ${describe(e)}${latest.get(e.officer_id) === i ? '' : ' (replaced by their later entry)'}`).join('\n');
}

/** Whether a serial's officers (each with their latest entry) typed different ballots. */
function disagrees(s: UnsettledSerial): boolean {
  const latest = new Map(s.entries.map((e) => [e.officer_id, e.content]));
  return new Set(latest.values()).size > 1;
}

export function printPaper(settings: Settings): void {
  const db = openDatabase(settings.dbFile);
  try {
    const paper = new PaperStore(db);
    const { ballots, tallies } = paper.counts();
    const open = paper.unsettled().filter((s) => agreement(s.entries) === null);
    const differing = open.filter(disagrees);
    const waiting = open.filter((s) => !disagrees(s));
    console.log(`Paper ballots stored: ${ballots} (each from two officers' agreeing entries); meeting tally sheets stored: ${tallies}.`);
    console.log(`Waiting for a second officer's entry: ${waiting.length}`);
    for (const s of waiting) console.log(`  ${s.cycle_id} ${s.serial}\n${entryLines(s)}`);
    console.log(`Disagreements, waiting for one more officer's entry: ${differing.length}`);
    for (const s of differing) console.log(`  ${s.cycle_id} ${s.serial}\n${entryLines(s)}`);
  } finally {
    db.close();
  }
}
