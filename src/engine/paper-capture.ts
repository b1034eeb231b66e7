// Paper ballots typed in twice, and meetings' tally sheets, over the same OpenRosa endpoint as
// field capture. An entry is one officer's typing of one ballot; the ballot is stored (a vote.cast
// event with channel 'paper', counted once) only when two different officers' entries agree. A
// tally sheet is reconciled and stored as a paper.tally event. Every answer follows a durable commit.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import type { Deployment, Lang } from '../config/schema.ts';
import { checkBallot } from '../domain/ballot.ts';
import { freshCodes, randomPool } from '../domain/codes.ts';
import { wardBudget, wardProjects } from '../domain/cycle.ts';
import { defaultLanguage } from '../domain/language.ts';
import { agreement, meetingInstant, paperBallotKey, paperId, reconcileTally, tallySheetKey, TALLY_RULES } from '../domain/paper.ts';
import { label } from '../../field/labels.ts';
import { paperLabel, tallyProblemLabel } from '../../field/paper-labels.ts';
import {
  paperFormOf,
  paperForms,
  readPaperSubmission,
  type PaperBallotSubmission,
  type PaperSubmission,
  type PaperTallySubmission,
} from '../../field/paper-forms.ts';
import type { FieldForm } from '../../field/xforms.ts';
import type { CommitQueue } from '../store/commit-queue.ts';
import { CODE_COLUMNS, isUniqueViolation } from '../store/errors.ts';
import type { FieldStore, OfficerRow } from '../store/field-store.ts';
import type { GatewayStore } from '../store/gateway-store.ts';
import type { PaperEntryRow, PaperStore } from '../store/paper-store.ts';
import { applyEffects, revotePolicy } from './effects.ts';
import { ruleMessage, type FieldService, type SubmitOutcome } from './field-capture.ts';

export interface PaperCaptureDeps {
  store: GatewayStore;
  field: FieldStore;
  paper: PaperStore;
  queue: CommitQueue;
  deployment: Deployment;
  /** The deployment as last downloaded from the ledger; default: `deployment`. */
  ballot?: () => Deployment;
  voterKeySecret: string;
  gatewayId: string;
  logger: Logger;
  clock?: () => Date;
  random?: (bytes: number) => Uint8Array;
}

/** What two entries of one ballot must agree on. Picks sorted: on approval and knapsack ballots their order means nothing. */
interface EntryContent {
  meetingId: string;
  day: string;
  wardId: string;
  picks: number[];
}

/** A field service that also takes the paper forms: the form list gets them, their submissions go to `paper`. */
export function withPaper(field: FieldService, paper: PaperCapture): FieldService {
  return {
    officer: (token) => field.officer(token),
    forms: (officer) => [...field.forms(officer), ...paper.forms(officer)],
    // Paper forms have no media: only the field forms' attachments are served.
    media: (officer, formId, filename) => field.media(officer, formId, filename),
    touch: (officer) => field.touch(officer),
    submit: (officer, xml, files) => (paperFormOf(xml) ? paper.submit(officer, xml) : field.submit(officer, xml, files)),
  };
}

/** Paper ballot entries and tally sheets, checked and committed. */
export class PaperCapture {
  private readonly clock: () => Date;
  private readonly random: (bytes: number) => Uint8Array;

  constructor(private readonly deps: PaperCaptureDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.random = deps.random ?? randomPool();
  }

  private get ballot(): Deployment {
    return this.deps.ballot?.() ?? this.deps.deployment;
  }

  private get lang(): Lang {
    return defaultLanguage(this.deps.deployment);
  }

  forms(officer: OfficerRow): FieldForm[] {
    return paperForms(this.ballot, this.clock(), officer.ward_id ? [officer.ward_id] : undefined);
  }

  async submit(officer: OfficerRow, xml: string): Promise<SubmitOutcome> {
    const read = readPaperSubmission(xml);
    if (!read.ok) return read.problem;
    const sub = read.submission;
    const sha = createHash('sha256').update(xml).digest('hex');
    for (let attempt = 1; ; attempt++) {
      const { receipt } = freshCodes(this.random);
      try {
        return await this.deps.queue.run((commit) => {
          const outcome = this.inTransaction(officer, sub, sha, receipt);
          if (outcome.status === 201) commit.durable();
          return outcome;
        });
      } catch (err) {
        if (attempt < 3 && isUniqueViolation(err, CODE_COLUMNS)) continue;
        this.deps.logger.error({ component: 'paper', officer: officer.id, err: { message: (err as Error).message } }, 'paper submission failed');
        return { status: 500, message: 'The server could not store this form: send it again later.' };
      }
    }
  }

  private inTransaction(officer: OfficerRow, sub: PaperSubmission, sha: string, receipt: string): SubmitOutcome {
    const { field, paper } = this.deps;
    const now = this.clock();
    field.touch(officer.id, now.toISOString());
    // OpenRosa: the same instance sent again is accepted and stored once; other XML under its id is refused.
    const earlier = paper.entry(sub.instanceId) ?? paper.tallyByInstance(sub.instanceId);
    if (earlier) return earlier.xml_sha256 === sha ? { status: 201, message: earlier.message } : { status: 409, message: label(this.lang, 'conflict') };
    const checked = this.check(officer, sub, now);
    if ('status' in checked) return checked;
    return sub.kind === 'paper-ballot' ? this.enter(officer, sub, checked, sha, receipt, now) : this.tally(officer, sub, checked, sha, now);
  }

  /** What both forms share: cycle, device clock, meeting id, ward and the meeting's day inside voting. */
  private check(officer: OfficerRow, sub: PaperSubmission, now: Date): { meetingId: string; at: Date } | SubmitOutcome {
    const d = this.ballot;
    const lang = this.lang;
    const cycle = d.cycles.find((c) => c.id === sub.cycleId);
    const rules = TALLY_RULES; // paper carries picks only, ballots and sheets alike
    if (!cycle || !rules.includes(cycle.ballot.rule)) return { status: 404, message: `Unknown form '${sub.formId}': download the forms again` };
    if (sub.end && sub.end.getTime() - now.getTime() > d.sync.maxClockSkewSeconds * 1000) {
      return { status: 400, message: label(lang, 'clockAhead', { minutes: Math.ceil((sub.end.getTime() - now.getTime()) / 60_000) }) };
    }
    const meetingId = paperId(sub.meeting);
    if (!meetingId) return { status: 400, message: paperLabel(lang, 'badMeeting', { meeting: sub.meeting.slice(0, 60) }) };
    if (!d.wards.some((w) => w.id === sub.wardId)) return { status: 400, message: label(lang, 'unknownWard', { ward: sub.wardId }) };
    if (officer.ward_id && officer.ward_id !== sub.wardId) return { status: 400, message: label(lang, 'officerWard', { ward: officer.ward_id }) };
    const tz = d.deployment.timezone;
    const day = (t: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(t);
    const at = meetingInstant(sub.day, tz, cycle.phases.voting);
    if (!at) {
      return {
        status: 409,
        message: paperLabel(lang, 'badDay', { day: sub.day, opens: day(cycle.phases.voting.opens), closes: day(cycle.phases.voting.closes) }),
      };
    }
    // A meeting that has not happened yet is a mistyped day (12-25 for 11-25), not a ballot to count.
    if (sub.day > day(now)) return { status: 400, message: paperLabel(lang, 'futureDay', { day: sub.day, today: day(now) }) };
    return { meetingId, at };
  }

  /** One officer's entry of one ballot; settles the ballot when two officers' entries agree. */
  private enter(officer: OfficerRow, sub: PaperBallotSubmission, m: { meetingId: string; at: Date }, sha: string, receipt: string, now: Date): SubmitOutcome {
    const { paper, store } = this.deps;
    const d = this.ballot;
    const lang = this.lang;
    const cycle = d.cycles.find((c) => c.id === sub.cycleId)!;
    const serial = paperId(sub.serial);
    if (!serial) return { status: 400, message: paperLabel(lang, 'badSerial', { serial: sub.serial.slice(0, 60) }) };
    const violation = checkBallot(cycle.ballot, sub.picks, wardProjects(cycle, sub.wardId), wardBudget(d, sub.wardId));
    if (violation) return { status: 400, message: ruleMessage(lang, violation) };
    const content: EntryContent = {
      meetingId: m.meetingId,
      day: sub.day,
      wardId: sub.wardId,
      picks: cycle.ballot.rule === 'choose-1' ? sub.picks : [...sub.picks].sort((a, b) => a - b),
    };
    const text = JSON.stringify(content);
    const entry: PaperEntryRow = {
      instance_id: sub.instanceId,
      cycle_id: cycle.id,
      serial,
      officer_id: officer.id,
      content: text,
      xml_sha256: sha,
      message: '',
      received_at: now.toISOString(),
    };

    const stored = paper.ballot(cycle.id, serial);
    if (stored) {
      // Kept, so a late entry that differs from the stored ballot can be looked into; it changes nothing.
      entry.message = paperLabel(lang, stored.content === text ? 'alreadyAgrees' : 'alreadyDiffers', { serial });
      paper.addEntry(entry);
      return { status: 201, message: entry.message };
    }
    const before = paper.entriesOf(cycle.id, serial);
    const agreed = agreement([...before, entry]);
    if (agreed) {
      const voterKey = paperBallotKey(cycle.id, serial, this.deps.voterKeySecret);
      const sourceRef = `paper:${cycle.id}:${serial}`;
      applyEffects(
        store,
        [
          {
            type: 'vote.cast',
            cycleId: cycle.id,
            wardId: sub.wardId,
            picks: content.picks,
            receipt,
            replaces: store.currentBallot(cycle.id, voterKey)?.event_id ?? null,
          },
        ],
        {
          voterKey,
          channel: 'paper',
          gatewayId: this.deps.gatewayId,
          sourceRef,
          // The meeting's day, not the typing: both officers' entries give the same time, inside voting.
          now: m.at,
          demographics: false,
          revote: revotePolicy(d),
          country: d.deployment.country,
        },
      );
      const eventId = this.deps.field.eventIdBySource(`${sourceRef}#0`)!;
      paper.addBallot({ cycle_id: cycle.id, serial, content: agreed, event_id: eventId, settled_at: now.toISOString() });
      entry.message = paperLabel(lang, 'settled', { serial });
      this.deps.logger.info({ component: 'paper', officer: officer.id, event: eventId }, 'paper ballot stored: two entries agree');
    } else if (before.some((e) => e.officer_id === officer.id)) {
      entry.message = paperLabel(lang, 'ownAgain', { serial });
    } else if (before.some((e) => e.content !== text)) {
      entry.message = paperLabel(lang, 'disagree', { serial });
    } else {
      entry.message = paperLabel(lang, 'firstEntry', { serial });
    }
    paper.addEntry(entry);
    return { status: 201, message: entry.message };
  }

  /** A meeting's tally sheet: reconciled with the ballot rule, one per meeting and cycle. */
  private tally(officer: OfficerRow, sub: PaperTallySubmission, m: { meetingId: string; at: Date }, sha: string, now: Date): SubmitOutcome {
    const { paper, store } = this.deps;
    const d = this.ballot;
    const lang = this.lang;
    const cycle = d.cycles.find((c) => c.id === sub.cycleId)!;
    const ward = d.wards.find((w) => w.id === sub.wardId)!;
    const counts = sub.counts.filter((c) => c.votes > 0);
    const sheet = { issued: sub.issued, valid: sub.valid, spoiled: sub.spoiled, counts };
    const problem = reconcileTally(cycle.ballot, wardProjects(cycle, ward.id), ward.budget, sheet);
    if (problem) return { status: 400, message: paperLabel(lang, 'tallyBad', { reason: tallyProblemLabel(lang, problem) }) };
    const payload = { wardId: ward.id, meetingId: m.meetingId, ...sheet };
    const content = JSON.stringify({ ...payload, day: sub.day });
    const message = paperLabel(lang, 'tallyStored', { meeting: m.meetingId, valid: sub.valid, spoiled: sub.spoiled, issued: sub.issued });
    const held = paper.tally(cycle.id, m.meetingId);
    // The same sheet typed again (another phone, another officer) is the same sheet; other figures are refused.
    if (held) return held.content === content ? { status: 201, message } : { status: 409, message: paperLabel(lang, 'tallyHeld', { meeting: m.meetingId }) };
    const id = uuidv7();
    store.appendEvent({
      id,
      type: 'paper.tally',
      cycle_id: cycle.id,
      voter_key: tallySheetKey(cycle.id, m.meetingId, this.deps.voterKeySecret),
      channel: 'paper',
      gateway_id: this.deps.gatewayId,
      captured_at: m.at.toISOString(),
      source_ref: `tally:${cycle.id}:${m.meetingId}#0`,
      payload: JSON.stringify(payload),
    });
    paper.addTally({
      cycle_id: cycle.id,
      meeting_id: m.meetingId,
      instance_id: sub.instanceId,
      officer_id: officer.id,
      content,
      xml_sha256: sha,
      event_id: id,
      message,
      received_at: now.toISOString(),
    });
    this.deps.logger.info({ component: 'paper', officer: officer.id, event: id }, 'tally sheet stored');
    return { status: 201, message };
  }
}
