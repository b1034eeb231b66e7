// The PB team's accounts and sessions. Passwords are hashed with argon2id by @node-rs/argon2,
// whose binary comes prebuilt in a per-platform npm package: no install script, compiler or
// system library (npm `argon2`'s prebuilt binary crashed Node 20 on load here, and only worked
// when its install script compiled it). A session is a random token in a cookie, of which the
// ledger keeps only the SHA-256, with its own CSRF token, an idle and an absolute expiry. Every change to an account is an audit entry (console/audit.ts).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Algorithm } from '@node-rs/argon2';
import { z } from 'zod';
import { SautiError } from '../src/domain/errors.ts';
import type { LedgerConnection } from '../ledger/connect.ts';
import type { LedgerDb, LedgerTables } from '../ledger/schema.ts';
import { appendAudit, userState, withChainHead } from './audit.ts';

/** admin: accounts; reviewer: feasibility and cost; coordinator: broadcasts (field officers are still the command line); auditor: reads. */
export const ROLES = ['admin', 'reviewer', 'coordinator', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** What each role may do in the console; checked on the server for every request. */
export const PERMISSIONS = {
  /** See the inbox and a proposal. */
  read: ['admin', 'reviewer', 'coordinator', 'auditor'],
  /** Change a proposal's review. */
  review: ['admin', 'reviewer'],
  /** Add accounts, change roles, disable, reset passwords. */
  accounts: ['admin'],
  /** Read the audit trail. */
  audit: ['admin', 'auditor'],
  /** Make ballot project drafts from feasible proposals. */
  ballot: ['admin'],
  /** Publish a cycle's results (the guards of `sauti results --publish`). */
  publish: ['admin'],
  /** Record a winning project's implementation update, with its photo (console/implementation.ts). */
  implementation: ['admin', 'reviewer'],
  /** Send a broadcast to residents through the gateways (console/broadcasts.ts). */
  broadcast: ['admin', 'coordinator'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

export const can = (role: string, what: Permission): boolean => (PERMISSIONS[what] as readonly string[]).includes(role);

export const userNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{1,39}$/, 'a name is 2–40 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit');
export const roleSchema = z.enum(ROLES);
/** A chosen password: long rather than clever (NIST SP 800-63B: length, no composition rules). */
export const passwordSchema = z.string().min(12, 'a password has at least 12 characters').max(200, 'a password has at most 200 characters');

/** Inactivity after which a session ends. */
export const IDLE_MS = 30 * 60_000;
/** A session's longest life, however active. */
export const ABSOLUTE_MS = 12 * 60 * 60_000;

/** Algorithm.Argon2id: a const enum, which isolatedModules cannot import by name. */
const ARGON2ID = 2 as Algorithm;
/** OWASP's argon2id setting (19 MiB, 2 passes, 1 lane): bounded memory per sign-in. */
const HASH_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };
/** Checked against when the name is unknown, so a wrong name takes as long as a wrong password. */
let dummyHash: Promise<string> | undefined;

/** Loaded on first use: a gateway whose team never signs in to its embedded ledger never loads the binary. */
const argon2 = () => import('@node-rs/argon2');

export const hashPassword = async (password: string): Promise<string> => (await argon2()).hash(password, HASH_OPTIONS);
const verifyHash = async (hash: string, password: string): Promise<boolean> => (await argon2()).verify(hash, password);

/** A one-time password: 20 characters from an alphabet without look-alikes (about 100 bits). */
export function oneTimePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(20);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Who acts, as recorded in the audit trail: a console user, or the command line. */
export interface Actor {
  name: string;
  role: string;
}
export const COMMAND_LINE: Actor = { name: '(command line)', role: 'admin' };

export type UserRow = LedgerTables['console_users'];

export function listUsers(db: LedgerDb): Promise<UserRow[]> {
  return db.selectFrom('console_users').selectAll().orderBy('name').execute();
}

/**
 * Adds an account; without `password`, a one-time password is made and returned (to be shown
 * once, never stored or logged in clear), which must be changed at the first sign-in.
 */
export async function addUser(
  conn: LedgerConnection,
  actor: Actor,
  input: { name: string; role: string; password?: string },
  now: Date,
): Promise<{ oneTime?: string }> {
  const name = userNameSchema.parse(input.name);
  const role = roleSchema.parse(input.role);
  const password = input.password === undefined ? oneTimePassword() : passwordSchema.parse(input.password);
  const hash = await hashPassword(password);
  await withChainHead(conn, async (trx) => {
    if (await trx.selectFrom('console_users').select('name').where('name', '=', name).executeTakeFirst()) {
      throw new SautiError('console.user_exists', `there is already an account named ${name}`);
    }
    const row = { name, role, password_hash: hash, must_change: input.password === undefined ? 1 : 0, disabled: 0, created_at: now.toISOString() };
    const seq = await appendAudit(trx, now, { actor: actor.name, action: 'user.added', subject: `user:${name}`, before: null, after: userState(row) });
    await trx
      .insertInto('console_users')
      .values({ ...row, audit_seq: seq })
      .execute();
  });
  return input.password === undefined ? { oneTime: password } : {};
}

type UserChange = { role?: Role; disabled?: boolean; password?: { hash: string; mustChange: boolean } };

/** Changes an account (role, disabled, password) with its audit entry; a disabled account or a new password ends its sessions. */
async function changeUser(conn: LedgerConnection, actor: Actor, name: string, action: string, change: UserChange, now: Date): Promise<void> {
  await withChainHead(conn, async (trx) => {
    const row = await trx.selectFrom('console_users').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new SautiError('console.no_user', `there is no account named ${name}`);
    const next = {
      ...row,
      ...(change.role ? { role: change.role } : {}),
      ...(change.disabled !== undefined ? { disabled: change.disabled ? 1 : 0 } : {}),
      ...(change.password ? { password_hash: change.password.hash, must_change: change.password.mustChange ? 1 : 0 } : {}),
    };
    if (JSON.stringify(userState(row)) === JSON.stringify(userState(next))) return;
    if (row.role === 'admin' && (next.role !== 'admin' || next.disabled) && !(await anotherAdmin(trx, name))) {
      throw new SautiError('console.last_admin', 'this is the last active admin: make another admin first');
    }
    const seq = await appendAudit(trx, now, { actor: actor.name, action, subject: `user:${name}`, before: userState(row), after: userState(next) });
    await trx
      .updateTable('console_users')
      .set({ role: next.role, disabled: next.disabled, password_hash: next.password_hash, must_change: next.must_change, audit_seq: seq })
      .where('name', '=', name)
      .execute();
    if (change.disabled || change.password) await trx.deleteFrom('console_sessions').where('user_name', '=', name).execute();
  });
}

async function anotherAdmin(db: LedgerDb, name: string): Promise<boolean> {
  return Boolean(
    await db.selectFrom('console_users').select('name').where('role', '=', 'admin').where('disabled', '=', 0).where('name', '!=', name).executeTakeFirst(),
  );
}

export const setRole = (conn: LedgerConnection, actor: Actor, name: string, role: string, now: Date) =>
  changeUser(conn, actor, name, 'user.role-changed', { role: roleSchema.parse(role) }, now);
export const setDisabled = (conn: LedgerConnection, actor: Actor, name: string, disabled: boolean, now: Date) =>
  changeUser(conn, actor, name, disabled ? 'user.disabled' : 'user.enabled', { disabled }, now);

/** An admin's reset: a new one-time password, returned to be shown once. */
export async function resetPassword(conn: LedgerConnection, actor: Actor, name: string, now: Date): Promise<string> {
  const password = oneTimePassword();
  await changeUser(conn, actor, name, 'user.password-reset', { password: { hash: await hashPassword(password), mustChange: true } }, now);
  return password;
}

/** The user's own change, after checking the current password; ends their other sessions. */
export async function changeOwnPassword(conn: LedgerConnection, name: string, current: string, next: string, now: Date): Promise<void> {
  const row = await conn.db.selectFrom('console_users').select(['password_hash', 'role']).where('name', '=', name).executeTakeFirst();
  if (!row || !(await verifyHash(row.password_hash, current))) throw new SautiError('console.bad_password', 'the current password is not right');
  const password = passwordSchema.parse(next);
  if (password === current) throw new SautiError('console.same_password', 'the new password must differ from the current one');
  await changeUser(conn, { name, role: row.role }, name, 'user.password-changed', { password: { hash: await hashPassword(password), mustChange: false } }, now);
}

/** Checks a sign-in; the account when name and password match an active account, else null (the same time either way). */
export async function checkPassword(db: LedgerDb, name: string, password: string): Promise<UserRow | null> {
  const row = userNameSchema.safeParse(name).success ? await db.selectFrom('console_users').selectAll().where('name', '=', name).executeTakeFirst() : undefined;
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  const ok = await verifyHash(row?.password_hash ?? (await dummyHash), password.slice(0, 200));
  return ok && row && !row.disabled ? row : null;
}

export interface Session {
  user: UserRow;
  csrf: string;
  lang: string;
  tokenHash: string;
}

/** Opens a session for a checked account and records the sign-in; returns the cookie's token. */
export async function openSession(conn: LedgerConnection, user: UserRow, lang: string, now: Date): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await withChainHead(conn, async (trx) => {
    await trx
      .insertInto('console_sessions')
      .values({
        token_hash: tokenHash(token),
        user_name: user.name,
        csrf: randomBytes(32).toString('base64url'),
        lang,
        created_at: now.toISOString(),
        last_seen_at: now.toISOString(),
        expires_at: new Date(now.getTime() + ABSOLUTE_MS).toISOString(),
      })
      .execute();
    // Expired sessions of anyone go now: the table holds only live ones.
    await trx
      .deleteFrom('console_sessions')
      .where((eb) => eb.or([eb('expires_at', '<=', now.toISOString()), eb('last_seen_at', '<=', new Date(now.getTime() - IDLE_MS).toISOString())]))
      .execute();
    await appendAudit(trx, now, { actor: user.name, action: 'signed-in', subject: `session:${user.name}`, before: null, after: null });
  });
  return token;
}

/** The live session of a cookie's token, its idle clock restarted; null when unknown, expired or its account disabled. */
export async function sessionOf(db: LedgerDb, token: string | undefined, now: Date): Promise<Session | null> {
  if (!token) return null;
  const hash = tokenHash(token);
  const s = await db.selectFrom('console_sessions').selectAll().where('token_hash', '=', hash).executeTakeFirst();
  if (!s) return null;
  if (s.expires_at <= now.toISOString() || Date.parse(s.last_seen_at) + IDLE_MS <= now.getTime()) {
    await db.deleteFrom('console_sessions').where('token_hash', '=', hash).execute();
    return null;
  }
  const user = await db.selectFrom('console_users').selectAll().where('name', '=', s.user_name).executeTakeFirst();
  if (!user || user.disabled) return null;
  // Written at most once a minute: a page load is a read, not a write, on a busy ledger.
  if (now.getTime() - Date.parse(s.last_seen_at) > 60_000)
    await db.updateTable('console_sessions').set({ last_seen_at: now.toISOString() }).where('token_hash', '=', hash).execute();
  return { user, csrf: s.csrf, lang: s.lang, tokenHash: hash };
}

/** Ends this session (`everywhere`: every session of its account), recorded in the audit trail. */
export async function closeSessions(conn: LedgerConnection, session: Session, everywhere: boolean, now: Date): Promise<void> {
  await withChainHead(conn, async (trx) => {
    const q = trx.deleteFrom('console_sessions');
    await (everywhere ? q.where('user_name', '=', session.user.name) : q.where('token_hash', '=', session.tokenHash)).execute();
    await appendAudit(trx, now, {
      actor: session.user.name,
      action: everywhere ? 'signed-out-everywhere' : 'signed-out',
      subject: `session:${session.user.name}`,
      before: null,
      after: null,
    });
  });
}

export async function setSessionLang(db: LedgerDb, session: Session, lang: string): Promise<void> {
  await db.updateTable('console_sessions').set({ lang }).where('token_hash', '=', session.tokenHash).execute();
}

/** Constant-time comparison of a submitted CSRF token with the expected one. */
export function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
