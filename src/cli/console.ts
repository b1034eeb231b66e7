// `sauti console …`: accounts of the PB team's console from the command line, where the first
// admin comes from. The password is printed once (a one-time one) or read from standard input;
// it is never logged, and never a command-line argument (which `ps` and shell history keep).
import { ZodError } from 'zod';
import type { Settings } from '../config/env.ts';
import { loadDeployment } from '../config/load.ts';
import { createLogger } from '../logging.ts';
import { openLedger } from '../../ledger/connect.ts';
import { Ledger } from '../../ledger/ledger.ts';
import { addUser, COMMAND_LINE, listUsers, roleSchema, ROLES } from '../../console/accounts.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  // One line: the trailing newline of `echo` or a here-string is not part of the password.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** `sauti console add-user <name> --role <role> [--password-stdin]`; false (exit 1) when refused. */
export async function addConsoleUser(settings: Settings, name: string, opts: { role: string; passwordStdin: boolean }): Promise<boolean> {
  // Checked here first, so the refusal names the option to change.
  if (!roleSchema.safeParse(opts.role).success) {
    console.error(`Not added: --role must be one of ${ROLES.join(', ')} (not "${opts.role}").`);
    return false;
  }
  const password = opts.passwordStdin ? await readStdin() : undefined;
  const deployment = loadDeployment(settings.configFile);
  const ledger = new Ledger(await openLedger(settings.ledgerStorage), () => deployment, undefined, createLogger(settings.logLevel));
  try {
    const { oneTime } = await addUser(ledger.conn, COMMAND_LINE, { name, role: opts.role, ...(password !== undefined ? { password } : {}) }, ledger.now());
    console.log(`Account ${name} (${opts.role}) added; the audit trail records it.`);
    if (oneTime) console.log(`One-time password: ${oneTime}\nIt is shown only now. ${name} must choose their own at the first sign-in, at /console.`);
    return true;
  } catch (err) {
    const message =
      err instanceof ZodError
        ? err.issues.map((i) => i.message).join('; ')
        : err instanceof Error && 'code' in err && String(err.code).startsWith('console.')
          ? err.message
          : undefined;
    if (message === undefined) throw err;
    console.error(`Not added: ${message}`);
    return false;
  } finally {
    await ledger.close();
  }
}

/** `sauti console users`: names, roles and whether each is disabled. */
export async function printConsoleUsers(settings: Settings): Promise<void> {
  const deployment = loadDeployment(settings.configFile);
  const ledger = new Ledger(await openLedger(settings.ledgerStorage), () => deployment);
  try {
    const users = await listUsers(ledger.conn.db);
    if (users.length === 0) console.log('No console accounts. Add the first admin with `sauti console add-user <name> --role admin`.');
    for (const u of users)
      console.log(`${u.name.padEnd(24)} ${u.role.padEnd(12)}${u.disabled ? ' disabled' : ''}${u.must_change ? ' (one-time password not yet changed)' : ''}`);
  } finally {
    await ledger.close();
  }
}
