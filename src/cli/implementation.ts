// `sauti ledger implementation <cycle> [code]`: records an implementation update of a winning
// project (with options), or lists the cycle's updates (without). The operator's interface until
// the console has its page; every refusal is one line naming the option or the reason.
import type { Settings } from '../config/env.ts';
import { loadDeployment } from '../config/load.ts';
import { openLedger } from '../../ledger/connect.ts';
import { Ledger } from '../../ledger/ledger.ts';
import { SautiError } from '../domain/errors.ts';
import {
  IMPLEMENTATION_STATUSES,
  implementationDayProblem,
  localToday,
  type ImplementationStatus,
  type ImplementationUpdate,
} from '../domain/implementation.ts';

export interface ImplementationOptions {
  status?: string;
  progress?: string;
  milestone?: string[];
  date?: string;
  reason?: string[];
}

/** Repeatable `--milestone "sw=Uchimbaji umeanza"` and `--reason "sw=Eneo lilifurika"`. */
export const collectMilestone = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The update the options describe (`today`: localToday in the deployment's time zone); throws SautiError naming the bad option. */
export function parseImplementationOptions(codeText: string, o: ImplementationOptions, today: string) {
  if (!/^\d{1,2}$/.test(codeText) || Number(codeText) < 1)
    throw new SautiError('cli.bad_code', `<code> must be a project code, a whole number from 1 (got '${codeText}')`);
  if (o.status !== undefined && !(IMPLEMENTATION_STATUSES as readonly string[]).includes(o.status)) {
    throw new SautiError('cli.bad_status', `--status must be one of ${IMPLEMENTATION_STATUSES.join(', ')} (got '${o.status}')`);
  }
  if (o.progress !== undefined && (!/^\d{1,3}$/.test(o.progress) || Number(o.progress) > 100))
    throw new SautiError('cli.bad_progress', `--progress must be a whole percentage from 0 to 100 (got '${o.progress}')`);
  const dayProblem = o.date === undefined ? null : implementationDayProblem('--date', o.date, today);
  if (dayProblem) throw new SautiError('cli.bad_date', dayProblem);
  const milestone = languageTexts('--milestone', 'sw=Uchimbaji umeanza', o.milestone);
  const reason = languageTexts('--reason', 'sw=Eneo lilifurika', o.reason);
  return {
    code: Number(codeText),
    ...(o.status ? { status: o.status as ImplementationStatus } : {}),
    ...(o.progress !== undefined ? { progress: Number(o.progress) } : {}),
    ...(o.date ? { date: o.date } : {}),
    ...(milestone ? { milestone } : {}),
    ...(reason ? { reason } : {}),
  };
}

/** Repeated `--milestone` or `--reason` values ("<language>=<text>") as texts by language; undefined when none was given. */
function languageTexts(option: string, example: string, values: string[] | undefined): Record<string, string> | undefined {
  let texts: Record<string, string> | undefined;
  const code = `cli.bad_${option.slice(2)}`;
  for (const m of values ?? []) {
    const found = /^([a-z]{2,3})=(.+)$/s.exec(m);
    if (!found || !found[2]!.trim()) throw new SautiError(code, `${option} must be "<language>=<text>", e.g. "${example}" (got '${m.slice(0, 40)}')`);
    texts ??= {};
    if (texts[found[1]!] !== undefined) throw new SautiError(code, `${option} gives "${found[1]}=…" twice`);
    texts[found[1]!] = found[2]!.trim();
  }
  return texts;
}

const line = (u: ImplementationUpdate) =>
  `${String(u.code).padStart(3)}  ${u.date}  ${u.status.padEnd(11)} ${String(u.progress).padStart(3)}%  ${Object.entries(u.milestone)
    .map(([l, text]) => `${l}=${text}`)
    .join(' | ')}${
    u.reason === null
      ? ''
      : `  (reason: ${
          typeof u.reason === 'string'
            ? u.reason
            : Object.entries(u.reason)
                .map(([l, text]) => `${l}=${text}`)
                .join(' | ')
        })`
  }  [entry ${u.seq}]`;

/** Records (with a code) or lists (without); false (exit 1) when refused. */
export async function ledgerImplementation(settings: Settings, cycleId: string, codeText: string | undefined, o: ImplementationOptions): Promise<boolean> {
  const deployment = loadDeployment(settings.configFile);
  const ledger = new Ledger(await openLedger(settings.ledgerStorage), () => deployment);
  try {
    if (codeText === undefined) {
      if (o.status || o.progress || o.milestone || o.date || o.reason)
        throw new SautiError('cli.code_needed', 'name the project: sauti ledger implementation <cycle> <code> --status …');
      if (!deployment.cycles.some((c) => c.id === cycleId))
        throw new SautiError('cli.bad_cycle', `no cycle '${cycleId}' in the deployment file (cycles: ${deployment.cycles.map((c) => c.id).join(', ')})`);
      const updates = await ledger.implementation(cycleId);
      if (updates.length === 0) console.log(`No implementation updates in ${cycleId} yet.`);
      for (const u of updates) console.log(line(u));
      return true;
    }
    const u = await ledger.recordImplementation(cycleId, parseImplementationOptions(codeText, o, localToday(ledger.now(), deployment.deployment.timezone)));
    console.log(
      `Recorded in the ledger chain (entry ${u.seq}): project ${u.code} of ${cycleId} ${u.status}, ${u.progress}%, ${u.date}. Gateways send it to followers at their next sync.`,
    );
    return true;
  } catch (err) {
    if (!(err instanceof SautiError)) throw err;
    console.error(`Not recorded: ${err.message}`);
    return false;
  } finally {
    await ledger.close();
  }
}
