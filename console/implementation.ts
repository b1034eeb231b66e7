// Winning projects' implementation updates from the console: what the form sends, checked as
// `sauti ledger implementation` checks its options, recorded by the ledger as a chain entry
// (ledger/implementation.ts) with an audit entry naming who recorded it in the same transaction
// (subject `implementation:<cycle>/<code>`). A milestone photo is cleaned here (type by its bytes,
// metadata cut: src/domain/photo.ts) before it is hashed and stored.
import { SautiError } from '../src/domain/errors.ts';
import { IMPLEMENTATION_STATUSES, implementationDayProblem, type ImplementationStatus, type ImplementationUpdate } from '../src/domain/implementation.ts';
import { cleanPhoto, type PhotoRefusal } from '../src/domain/photo.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { winnersOf, type ImplementationInput } from '../ledger/implementation.ts';
import type { Actor } from './accounts.ts';
import { appendAudit } from './audit.ts';

/** A refusal the form shows next to its field. */
export class ImplementationFormError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the form's fields and its optional file are. */
export interface ImplementationForm {
  fields: Record<string, string>;
  photo?: Uint8Array;
}

const PHOTO_WORDS: Record<PhotoRefusal, string> = {
  'too-large': 'the photo is too large',
  'not-an-image': 'the photo must be a JPEG, PNG or WebP image (its content is checked, not its name)',
  damaged: 'the photo could not be read as an image (damaged or cut short)',
};

/** The form as an update of project `code` (`today`: localToday in the deployment's time zone); throws ImplementationFormError naming the field. */
export function parseImplementationForm(languages: readonly string[], code: number, form: ImplementationForm, today: string): ImplementationInput {
  const f = form.fields;
  const status = f.status ?? '';
  if (!(IMPLEMENTATION_STATUSES as readonly string[]).includes(status))
    throw new ImplementationFormError('status', `choose a status: ${IMPLEMENTATION_STATUSES.join(', ')}`);
  const progressText = (f.progress ?? '').trim();
  if (progressText && (!/^\d{1,3}$/.test(progressText) || Number(progressText) > 100))
    throw new ImplementationFormError('progress', 'progress is a whole percentage from 0 to 100');
  const date = (f.date ?? '').trim();
  const dayProblem = date ? implementationDayProblem('the date', date, today) : null;
  if (dayProblem) throw new ImplementationFormError('date', dayProblem);
  const given = languages.map((l) => [l, (f[`milestone.${l}`] ?? '').trim()] as const).filter(([, text]) => text);
  const reasons = languages.map((l) => [l, (f[`reason.${l}`] ?? '').trim()] as const).filter(([, text]) => text);
  let photo: ImplementationInput['photo'];
  if (form.photo && form.photo.length > 0) {
    const clean = cleanPhoto(form.photo);
    if ('refused' in clean) throw new ImplementationFormError('photo', PHOTO_WORDS[clean.refused]);
    photo = clean;
  }
  return {
    code,
    status: status as ImplementationStatus,
    ...(progressText ? { progress: Number(progressText) } : {}),
    ...(date ? { date } : {}),
    ...(given.length ? { milestone: Object.fromEntries(given) } : {}),
    ...(reasons.length ? { reason: Object.fromEntries(reasons) } : {}),
    ...(photo ? { photo } : {}),
  };
}

/** Each published cycle's winning projects with their updates, for the page; a cycle without published results is left out. */
export async function implementationOverview(ledger: Ledger): Promise<{ cycleId: string; winners: number[]; updates: ImplementationUpdate[] }[]> {
  const d = ledger.deployment();
  const out = [];
  for (const c of d.cycles) {
    let winners: Set<number>;
    try {
      winners = await winnersOf(ledger.conn.db, d, c.id);
    } catch (err) {
      if (err instanceof SautiError) continue;
      throw err;
    }
    out.push({ cycleId: c.id, winners: [...winners].sort((a, b) => a - b), updates: await ledger.implementation(c.id) });
  }
  return out;
}

/**
 * Records the update with its audit entry, in one transaction; 'unchanged' when it repeats the
 * project's last update (a form sent twice). The ledger's refusals come back as
 * ImplementationFormError on the field they concern.
 */
export async function recordFromConsole(
  ledger: Ledger,
  actor: Actor,
  cycleId: string,
  input: ImplementationInput,
): Promise<ImplementationUpdate | 'unchanged'> {
  try {
    const u = await ledger.recordImplementationOnce(cycleId, input, {
      unlessSameAsLast: true,
      record: (trx, u) =>
        appendAudit(trx, ledger.now(), {
          actor: actor.name,
          action: 'implementation.recorded',
          subject: `implementation:${cycleId}/${u.code}`,
          before: null,
          after: { seq: u.seq, status: u.status, progress: u.progress, date: u.date, photo: u.photo },
        }),
    });
    return u ?? 'unchanged';
  } catch (err) {
    if (!(err instanceof SautiError) || !err.code.startsWith('implementation.')) throw err;
    const field = /reason/.test(err.code)
      ? 'reason'
      : /date/.test(err.code)
        ? 'date'
        : /milestone/.test(err.code)
          ? 'milestone'
          : /progress/.test(err.code)
            ? 'progress'
            : 'status';
    // The ledger's words name command-line options: the form shows them without the dashes.
    throw new ImplementationFormError(field, err.message.replace(/--(\w+)/g, '$1'));
  }
}
