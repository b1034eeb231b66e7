// Field capture over OpenRosa: officers' tokens, the forms an officer may fetch, and one
// submission committed the way every channel commits (applyEffects inside a CommitQueue unit,
// durable before the 201). A refused submission writes nothing.
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { smsProviders, surveyFields, type Deployment, type Lang, type Survey } from '../config/schema.ts';
import { checkBallot, type RuleViolation } from '../domain/ballot.ts';
import { freshCodes, randomPool } from '../domain/codes.ts';
import { wardBudget, wardProjects } from '../domain/cycle.ts';
import { defaultLanguage } from '../domain/language.ts';
import { toE164, voterIdKey, voterKey } from '../domain/voter.ts';
import { t } from '../i18n/index.ts';
import { eligibilityFile, eligibilitySalt, type MediaFile } from '../../field/eligibility.ts';
import { label } from '../../field/labels.ts';
import { readSubmission, type FieldSubmission, type ProposalSubmission, type SurveySubmission, type VoteSubmission } from '../../field/submission.ts';
import { surveyFormId } from '../../field/survey-form.ts';
import { FORM_RULES, fieldForms, type FieldForm, type FormSources } from '../../field/xforms.ts';
import type { SmsStore } from '../store/sms-store.ts';
import type { OutboundQueue } from './sms-outbound.ts';
import type { CommitQueue } from '../store/commit-queue.ts';
import { CODE_COLUMNS, isUniqueViolation } from '../store/errors.ts';
import type { FieldStore, OfficerRow } from '../store/field-store.ts';
import type { NoticeStore } from '../store/notice-store.ts';
import { VoiceStore } from '../store/voice-store.ts';
import { cleanPhoto, MAX_FIELD_PHOTO_BYTES } from '../domain/photo.ts';

/** A field officer as adapters see one. */
export type Officer = OfficerRow;
import type { GatewayStore } from '../store/gateway-store.ts';
import { applyEffects, collectsDemographics, revotePolicy, type Provenance } from './effects.ts';
import type { Effect } from './flow-contract.ts';

/** What a submission gets: an HTTP status (201 stored or stored before, 4xx refused) and a message for the officer. */
export interface SubmitOutcome {
  status: 201 | 400 | 404 | 409 | 500;
  message: string;
}

/** The service the OpenRosa adapter calls. */
export interface FieldService {
  /** The officer holding this token, unless it is unknown or revoked (read at every request: revoking acts at once). */
  officer(token: string): OfficerRow | undefined;
  forms(officer: OfficerRow): FieldForm[];
  /** A media file of one of the officer's forms (the manifest's downloadUrl), if that form lists it. */
  media(officer: OfficerRow, formId: string, filename: string): MediaFile | undefined;
  /** Records that the officer's device reached the gateway. */
  touch(officer: OfficerRow): Promise<void>;
  /** `files`: the request's other parts by file name (an idea's photo), as the adapter read them. */
  submit(officer: OfficerRow, xml: string, files?: ReadonlyMap<string, Uint8Array>): Promise<SubmitOutcome>;
}

/** A field idea's photo, cleaned (type by its bytes, metadata cut), ready to keep and name in the event. */
interface IdeaPhoto {
  sha256: string;
  bytes: number;
  contentType: string;
  data: Uint8Array;
}

export interface FieldCaptureDeps {
  store: GatewayStore;
  field: FieldStore;
  queue: CommitQueue;
  deployment: Deployment;
  /** The deployment as last downloaded from the ledger; default: `deployment`. */
  ballot?: () => Deployment;
  voterKeySecret: string;
  gatewayId: string;
  logger: Logger;
  clock?: () => Date;
  random?: (bytes: number) => Uint8Array;
  /** The SMS queue (sealing store and the queue to tell), for receipts an assisted vote asks for by SMS. */
  sms?: { store: SmsStore; outbound: OutboundQueue };
  /** Where an idea's proposer is kept, sealed, when they ask for the review's news by SMS (src/engine/notices.ts texts them). */
  proposers?: NoticeStore;
}

/** SHA-256 hex of an officer token: what the store keeps instead of the token. */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Creates an officer; returns its id and the token, which is shown once and never stored. */
export function addOfficer(field: FieldStore, d: Deployment, name: string, wardId: string | null, now: Date): { id: string; token: string } {
  if (wardId && !d.wards.some((w) => w.id === wardId)) throw new Error(`unknown ward '${wardId}': one of ${d.wards.map((w) => w.id).join(', ')}`);
  const clean = name.trim();
  if (clean.length < 1 || clean.length > 80) throw new Error('the name must be 1 to 80 characters');
  const token = randomBytes(32).toString('base64url');
  const id = `o-${randomBytes(4).toString('hex')}`;
  field.addOfficer({ id, name: clean, ward_id: wardId, token_hash: tokenHash(token), created_at: now.toISOString() });
  return { id, token };
}

/** Officers' submissions, checked and committed like any channel's votes and ideas. */
export class FieldCapture implements FieldService {
  private readonly clock: () => Date;
  private readonly random: (bytes: number) => Uint8Array;
  /** Digest files by cycle and wards: the roll is read once per process (it is loaded at start-up). */
  private readonly eligibility = new Map<string, { salt: string; file: MediaFile }>();
  private readonly sources: FormSources;
  /** Where ideas' photos are kept: with the spoken ideas' recordings, the gateway's one attachment store. */
  private readonly attachments: VoiceStore;

  constructor(private readonly deps: FieldCaptureDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.random = deps.random ?? randomPool();
    this.attachments = new VoiceStore(deps.field.db);
    this.sources = {
      eligibility: (cycleId, wardIds) => {
        const key = `${cycleId}|${wardIds.join(',')}`;
        let made = this.eligibility.get(key);
        if (!made) {
          const salt = eligibilitySalt(deps.voterKeySecret, cycleId);
          made = { salt, file: eligibilityFile(salt, deps.field.rollIds(), wardIds) };
          this.eligibility.set(key, made);
        }
        return made;
      },
    };
  }

  private get ballot(): Deployment {
    return this.deps.ballot?.() ?? this.deps.deployment;
  }

  private get lang(): Lang {
    return defaultLanguage(this.deps.deployment);
  }

  officer(token: string): OfficerRow | undefined {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
    return this.deps.field.officerByTokenHash(tokenHash(token));
  }

  forms(officer: OfficerRow): FieldForm[] {
    return fieldForms(this.ballot, this.clock(), officer.ward_id ? [officer.ward_id] : undefined, this.sources);
  }

  media(officer: OfficerRow, formId: string, filename: string): MediaFile | undefined {
    return this.forms(officer)
      .find((f) => f.formId === formId)
      ?.media.find((m) => m.filename === filename);
  }

  async touch(officer: OfficerRow): Promise<void> {
    await this.deps.queue.run(() => this.deps.field.touch(officer.id, this.clock().toISOString()));
  }

  async submit(officer: OfficerRow, xml: string, files: ReadonlyMap<string, Uint8Array> = new Map()): Promise<SubmitOutcome> {
    const read = readSubmission(
      xml,
      (cycleId) => this.ballot.cycles.find((c) => c.id === cycleId)?.ballot,
      (formId) => this.ballot.surveys.find((s) => s.supplied?.formId === formId),
    );
    if (!read.ok) return read.problem;
    const sub = read.submission;
    const sha = createHash('sha256').update(xml).digest('hex');
    const photo = sub.kind === 'proposal' && sub.photo !== null ? this.ideaPhoto(sub.photo, files) : undefined;
    if (photo && 'status' in photo) {
      // A resend of an instance already stored needs no photo: it is answered as before below.
      if (!this.deps.field.submission(sub.instanceId)) return photo;
    }
    for (let attempt = 1; ; attempt++) {
      const fresh = freshCodes(this.random);
      try {
        const outcome = await this.deps.queue.run((commit) => {
          const answer = this.submitInTransaction(officer, sub, sha, fresh, photo && !('status' in photo) ? photo : undefined);
          if (answer.status === 201) commit.durable();
          return answer;
        });
        // Told only once the receipt SMS is committed with the vote: a crash before this loses nothing (the queue's reconcile finds the row).
        if (outcome.sms) this.deps.sms?.outbound.notify([outcome.sms]);
        return { status: outcome.status, message: outcome.message };
      } catch (err) {
        if (attempt < 3 && isUniqueViolation(err, CODE_COLUMNS)) continue;
        this.deps.logger.error({ component: 'field', officer: officer.id, err: { message: (err as Error).message } }, 'field submission failed');
        return { status: 500, message: 'The server could not store this form: send it again later.' };
      }
    }
  }

  private submitInTransaction(
    officer: OfficerRow,
    sub: FieldSubmission,
    sha: string,
    fresh: { receipt: string; reference: string },
    photo?: IdeaPhoto,
  ): SubmitOutcome & { sms?: { id: number; provider: string; kind: string } } {
    const { field } = this.deps;
    const now = this.clock();
    field.touch(officer.id, now.toISOString());
    const earlier = field.submission(sub.instanceId);
    if (earlier) {
      // OpenRosa: the same instance sent again (a lost answer, a retry) is accepted, stored once.
      if (earlier.xml_sha256 === sha) return { status: 201, message: earlier.message };
      return { status: 409, message: label(this.lang, 'conflict') };
    }
    const d = this.ballot;
    // A survey's events are filed under the cycle it informs.
    const survey = sub.kind === 'survey' ? d.surveys.find((s) => s.id === sub.surveyId) : undefined;
    const cycle = d.cycles.find((c) => c.id === (survey ? survey.cycle : sub.cycleId));
    // A cycle or survey gone from the deployment, or a ballot rule no form carries, has no form here.
    // A survey's form is its own XForm's id when the city supplied one, Sauti's otherwise.
    const surveyForm = survey && (survey.supplied ? survey.supplied.formId : surveyFormId(survey.id));
    if (!cycle || (sub.kind === 'survey' && surveyForm !== sub.formId) || (sub.kind === 'vote' && !FORM_RULES.includes(cycle.ballot.rule))) {
      return { status: 404, message: `Unknown form '${sub.formId}': download the forms again` };
    }
    const captured = this.captureTime(sub, now);
    if ('status' in captured) return captured;
    const ward = d.wards.find((w) => w.id === sub.wardId);
    if (!ward) return { status: 400, message: label(this.lang, 'unknownWard', { ward: sub.wardId }) };
    if (officer.ward_id && officer.ward_id !== sub.wardId) return { status: 400, message: label(this.lang, 'officerWard', { ward: officer.ward_id }) };
    const planned =
      sub.kind === 'vote'
        ? this.vote(sub, captured.at, fresh.receipt)
        : sub.kind === 'survey'
          ? this.survey(sub, survey!, captured.at)
          : this.proposal(sub, captured.at, fresh.reference, photo);
    if ('status' in planned) return planned;
    // Kept with the spoken ideas' recordings, in the same transaction as the event naming it: it
    // travels to the ledger as they do (sync/attachments.ts) and leaves this gateway after.
    if (photo)
      this.attachments.keepRecording({ sha256: photo.sha256, bytes: photo.bytes, contentType: photo.contentType, audio: photo.data }, now.toISOString());
    const provenance: Provenance = {
      voterKey: planned.voterKey,
      channel: 'field',
      gatewayId: this.deps.gatewayId,
      sourceRef: `field:${sub.instanceId}`,
      // The capture time is the device's: a ballot taken offline yesterday, inside the window, counts.
      now: captured.at,
      demographics: collectsDemographics(this.deps.deployment),
      revote: revotePolicy(d),
      country: this.deps.deployment.deployment.country,
    };
    applyEffects(this.deps.store, [planned.effect], provenance);
    const eventId = field.eventIdBySource(`${provenance.sourceRef}#0`)!;
    const sms = planned.receiptTo ? this.queueReceipt(planned.receiptTo, planned.effect, sub.instanceId, now) : undefined;
    const news = planned.proposer ? this.keepProposer(planned.proposer, planned.effect, now) : false;
    const message = sms
      ? `${planned.message} ${label(this.lang, 'smsReceipt')}`
      : news
        ? `${planned.message} ${label(this.lang, 'ideaNews')}`
        : planned.message;
    field.addSubmission({
      instance_id: sub.instanceId,
      form_id: sub.formId,
      officer_id: officer.id,
      xml_sha256: sha,
      event_id: eventId,
      message,
      captured_at: captured.at.toISOString(),
      received_at: now.toISOString(),
      consent: sub.kind === 'proposal' ? null : 'yes',
      sms_receipt: sms ? 1 : 0,
    });
    this.deps.logger.info({ component: 'field', officer: officer.id, event: eventId, kind: sub.kind, smsReceipt: Boolean(sms) }, 'field submission stored');
    return { status: 201, message, sms };
  }

  /**
   * Queues the receipt SMS in the vote's transaction. The number goes only into sms_outbound,
   * sealed by SmsStore, and is erased once sent; the event, the ledger and the logs never see it.
   */
  private queueReceipt(e164: string, effect: Effect, instanceId: string, now: Date): { id: number; provider: string; kind: string } | undefined {
    const provider = this.smsProvider();
    if (!provider || !this.deps.sms || effect.type !== 'vote.cast') return undefined;
    const body = t(this.lang, 'voteRecorded', { receipt: effect.receipt });
    const id = this.deps.sms.store.enqueue(
      { provider, toPhone: e164, voterKey: voterKey(e164, this.deps.voterKeySecret), body, kind: 'confirmation', sourceRef: `field:${instanceId}:receipt` },
      now.toISOString(),
    );
    return id === null ? undefined : { id, provider, kind: 'confirmation' };
  }

  /**
   * Keeps an idea's proposer, sealed, in the idea's transaction, as the turn runner does for SMS
   * and USSD proposers: the number goes only into proposal_contacts (under the number's own
   * pseudonym, so a STOP from it erases it), never into the event, the ledger or the logs. Not for
   * a number that sent STOP, nor when no provider sends SMS. Whether it was kept.
   */
  private keepProposer(who: { phone: string; lang: string }, effect: Effect, now: Date): boolean {
    const proposers = this.deps.proposers;
    if (!proposers || !this.smsProvider() || effect.type !== 'proposal.submitted') return false;
    const key = voterKey(who.phone, this.deps.voterKeySecret);
    if (this.deps.store.optedOut(key)) return false;
    // Provider '': texted through the first that sends SMS (the idea did not come by one).
    proposers.keepProposer({ reference: effect.reference, voterKey: key, provider: '', phone: who.phone, lang: who.lang }, now.toISOString());
    return true;
  }

  /** The provider receipts go through: the first the deployment configures. */
  private smsProvider(): string | undefined {
    return smsProviders(this.deps.deployment)[0];
  }

  /** The device's capture time (end, else start), refused when the device's clock is ahead of ours. */
  private captureTime(sub: FieldSubmission, now: Date): { at: Date } | SubmitOutcome {
    const at = sub.end ?? sub.start;
    if (!at) return { status: 400, message: 'start/end: the form has no capture time' };
    const skewMs = this.ballot.sync.maxClockSkewSeconds * 1000;
    const ahead = at.getTime() - now.getTime();
    if (ahead > skewMs) return { status: 400, message: label(this.lang, 'clockAhead', { minutes: Math.ceil(ahead / 60_000) }) };
    return { at };
  }

  /** Whether `at` falls in a phase window, with the deployment's clock-skew allowance (as the ledger checks). */
  private inWindow(w: { opens: Date; closes: Date }, at: Date): boolean {
    const skewMs = this.ballot.sync.maxClockSkewSeconds * 1000;
    return at.getTime() >= w.opens.getTime() - skewMs && at.getTime() < w.closes.getTime() + skewMs;
  }

  private vote(sub: VoteSubmission, at: Date, receipt: string): Planned | SubmitOutcome {
    const d = this.ballot;
    const lang = this.lang;
    // An assisted vote is stored only with the resident's consent, which the form records.
    if (!sub.consent) return { status: 400, message: label(lang, 'noConsent') };
    let receiptTo: string | undefined;
    if (sub.phone !== null && this.smsProvider()) {
      const e164 = toE164(sub.phone, this.deps.deployment.deployment.country);
      if (!e164) return { status: 400, message: label(lang, 'phoneBad', { phone: sub.phone.slice(0, 30) }) };
      receiptTo = e164;
    }
    const cycle = d.cycles.find((c) => c.id === sub.cycleId)!;
    const w = cycle.phases.voting;
    if (!this.inWindow(w, at)) {
      const tz = d.deployment.timezone;
      return {
        status: 409,
        message: label(lang, 'closed', {
          cycle: cycle.name[lang] ?? cycle.id,
          at: localTime(at, tz),
          opens: localDay(w.opens, tz),
          closes: localDay(w.closes, tz),
        }),
      };
    }
    const voterKey = this.voterKeyOf(sub);
    if ('status' in voterKey) return voterKey;
    const violation = checkBallot(cycle.ballot, sub.picks, wardProjects(cycle, sub.wardId), wardBudget(d, sub.wardId));
    if (violation) return { status: 400, message: ruleMessage(lang, violation) };
    const current = this.deps.store.currentBallot(cycle.id, voterKey.key);
    if (current && cycle.revote === 'refuse') return { status: 409, message: label(lang, 'alreadyVoted', { cycle: cycle.name[lang] ?? cycle.id }) };
    return {
      voterKey: voterKey.key,
      effect: { type: 'vote.cast', cycleId: cycle.id, wardId: sub.wardId, picks: sub.picks, receipt, replaces: current?.event_id ?? null },
      message: label(lang, current ? 'replaced' : 'recorded', { receipt }),
      receiptTo,
    };
  }

  /**
   * The voter's pseudonym. On a roll, the roll's: the key of the phone the roll links to this id,
   * so a resident who voted by USSD or SMS and again with an officer holds one ballot. Without a
   * roll, a key of the id itself (voterIdKey), under its own domain label, its letters upper-cased:
   * an officer typing v-1001 for V-1001 must not give one resident a second ballot.
   */
  private voterKeyOf(sub: VoteSubmission): { key: string } | SubmitOutcome {
    if (this.deps.deployment.eligibility.mode !== 'roll') return { key: voterIdKey(sub.voterId.normalize('NFKC').toUpperCase(), this.deps.voterKeySecret) };
    const entry = this.deps.field.rollByVoterId(sub.voterId);
    if (!entry) return { status: 400, message: label(this.lang, 'notOnRoll', { voterId: sub.voterId }) };
    if (entry.ward_id !== sub.wardId)
      return { status: 400, message: label(this.lang, 'rollWard', { voterId: sub.voterId, ward: entry.ward_id, chosen: sub.wardId }) };
    return { key: entry.voter_key };
  }

  /** A survey's answers, each checked against its question: required, a whole number in range, choices offered. */
  private survey(sub: SurveySubmission, survey: Survey, at: Date): Planned | SubmitOutcome {
    const lang = this.lang;
    const name = survey.title[lang] ?? survey.id;
    if (!this.inWindow(survey, at))
      return { status: 409, message: label(lang, 'surveyClosed', { survey: name, at: localTime(at, this.ballot.deployment.timezone) }) };
    if (survey.wards && !survey.wards.includes(sub.wardId)) return { status: 400, message: label(lang, 'surveyWard', { survey: name, ward: sub.wardId }) };
    if (!sub.consent) return { status: 400, message: label(lang, 'surveyNoConsent') };
    const answers: Record<string, string | number | string[]> = {};
    for (const q of surveyFields(survey)) {
      const raw = (sub.answers[q.id] ?? '').trim();
      if (raw === '') {
        if (q.required) return { status: 400, message: label(lang, 'surveyRequired', { question: q.id }) };
        continue;
      }
      if (q.type === 'integer') {
        const n = /^-?\d{1,9}$/.test(raw) ? Number(raw) : NaN;
        if (Number.isNaN(n) || (q.min !== undefined && n < q.min) || (q.max !== undefined && n > q.max)) {
          return {
            status: 400,
            message: label(lang, 'surveyBadAnswer', { question: q.id, problem: label(lang, 'integerMsg', { min: q.min ?? '…', max: q.max ?? '…' }) }),
          };
        }
        answers[q.id] = n;
      } else if (q.type === 'text') {
        answers[q.id] = raw;
      } else {
        const picked = [...new Set(raw.split(/\s+/))];
        const unknown = picked.find((c) => !q.choices?.some((x) => x.id === c));
        if (unknown !== undefined || (q.type === 'select_one' && picked.length > 1))
          return { status: 400, message: label(lang, 'surveyChoice', { question: q.id, choice: (unknown ?? raw).slice(0, 40) }) };
        answers[q.id] = q.type === 'select_one' ? picked[0]! : picked;
      }
    }
    return {
      // Answers name no one: a key of the form instance, linking them to nothing else.
      voterKey: voterIdKey(`survey:${sub.instanceId}`, this.deps.voterKeySecret),
      effect: { type: 'survey.answered', cycleId: survey.cycle, surveyId: survey.id, wardId: sub.wardId, answers },
      message: label(lang, 'surveyRecorded'),
    };
  }

  /** The photo the idea names, cleaned; or why the submission is refused (missing, too large, not an image). */
  private ideaPhoto(name: string, files: ReadonlyMap<string, Uint8Array>): IdeaPhoto | SubmitOutcome {
    const raw = files.get(name);
    if (!raw) return { status: 400, message: label(this.lang, 'photoMissing') };
    const clean = cleanPhoto(raw, MAX_FIELD_PHOTO_BYTES);
    if ('refused' in clean)
      return {
        status: 400,
        message:
          clean.refused === 'too-large' ? label(this.lang, 'photoTooLarge', { mb: MAX_FIELD_PHOTO_BYTES / 1024 / 1024 }) : label(this.lang, 'photoNotImage'),
      };
    return { sha256: createHash('sha256').update(clean.data).digest('hex'), bytes: clean.data.length, contentType: clean.contentType, data: clean.data };
  }

  private proposal(sub: ProposalSubmission, at: Date, code: string, photo?: IdeaPhoto): Planned | SubmitOutcome {
    const d = this.ballot;
    const lang = this.lang;
    const cycle = d.cycles.find((c) => c.id === sub.cycleId)!;
    if (!this.inWindow(cycle.phases.proposals, at))
      return { status: 409, message: label(lang, 'ideasClosed', { cycle: cycle.name[lang] ?? cycle.id, at: localTime(at, d.deployment.timezone) }) };
    if (!d.categories.some((c) => c.id === sub.category)) return { status: 400, message: label(lang, 'unknownCategory', { category: sub.category }) };
    let proposer: Planned['proposer'];
    if (sub.news) {
      const e164 = toE164(sub.news.phone, this.deps.deployment.deployment.country);
      if (!e164) return { status: 400, message: label(lang, 'phoneBad', { phone: sub.news.phone.slice(0, 30) }) };
      if (!d.languages.some((l) => l.code === sub.news!.lang))
        return { status: 400, message: `sms_lang: '${sub.news.lang.slice(0, 10)}' is not a language of this deployment` };
      proposer = { phone: e164, lang: sub.news.lang };
    }
    const reference = `P-${code}`;
    return {
      // An idea brought in by an officer has no voter behind it: a key of its own instance, linking it to nothing else.
      voterKey: voterIdKey(`proposal:${sub.instanceId}`, this.deps.voterKeySecret),
      effect: {
        type: 'proposal.submitted',
        cycleId: cycle.id,
        wardId: sub.wardId,
        category: sub.category,
        title: sub.title,
        description: sub.description,
        reference,
        ...(photo ? { photo: { sha256: photo.sha256, bytes: photo.bytes } } : {}),
      },
      message: label(lang, 'ideaRecorded', { reference }),
      proposer,
    };
  }
}

/** What a submission will store: its event, the officer's message, and where a receipt SMS goes (E.164), if anywhere. */
interface Planned {
  voterKey: string;
  effect: Effect;
  message: string;
  receiptTo?: string;
  /** An idea's proposer who asked for the review's news by SMS: their number (E.164) and language. */
  proposer?: { phone: string; lang: string };
}

/** `2026-11-22` in the deployment's time zone: the day officers and residents know. */
function localDay(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** `2026-11-22 11:55` in the deployment's time zone. */
function localTime(at: Date, timeZone: string): string {
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  return `${localDay(at, timeZone)} ${time}`;
}

/** A ballot rule violation as the officer reads it. */
export function ruleMessage(lang: Lang, v: RuleViolation): string {
  switch (v.kind) {
    case 'too-many':
      return label(lang, 'ruleTooMany', { max: v.max });
    case 'too-few':
      return label(lang, 'ruleTooFew', { min: v.min });
    case 'over-budget':
      return label(lang, 'ruleOverBudget');
    case 'unknown-project':
      return label(lang, 'ruleUnknown', { code: v.code });
    case 'duplicate':
      return label(lang, 'ruleDuplicate', { code: v.code });
    default:
      return label(lang, 'ruleTooMany', { max: 0 });
  }
}
