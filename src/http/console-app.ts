// The PB team's console, served by the ledger at /console: sign-in, the proposal inbox and its
// feasibility review, accounts, the audit trail. Server-rendered forms (console/pages.ts), no
// script. A signed-out visitor is sent to the sign-in page and sees nothing else; every POST
// checks the session's CSRF token; what each role may do is checked here, on every request.
import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import type { Lang } from '../config/schema.ts';
import { SautiError } from '../domain/errors.ts';
import { formatDateTime } from '../domain/format.ts';
import type { Ledger } from '../../ledger/ledger.ts';
import {
  ABSOLUTE_MS,
  addUser,
  can,
  changeOwnPassword,
  checkPassword,
  closeSessions,
  listUsers,
  openSession,
  resetPassword,
  sameToken,
  sessionOf,
  setDisabled,
  setRole,
  setSessionLang,
  type Permission,
  type Session,
} from '../../console/accounts.ts';
import { auditOf, listAudit } from '../../console/audit.ts';
import { labelsFor, type LabelKey } from '../../console/labels.ts';
import { DraftError, draftsYaml, listDrafts, promoteProposal } from '../../console/drafts.ts';
import {
  accountsPage,
  auditPage,
  draftsPage,
  inboxPage,
  messagePage,
  passwordPage,
  plainMessage,
  proposalPage,
  signInPage,
  type Frame,
} from '../../console/pages.ts';
import { readAttachment } from '../../ledger/attachments.ts';
import { sniffImage } from '../domain/photo.ts';
import { inboxFilterSchema, listInbox, proposalOf, ReviewError, reviewProposal } from '../../console/proposals.ts';
import { ballotRoutes } from './console-ballot.ts';
import { requestErrors } from './errors.ts';
import { mountVoteRoutes } from './console-vote.ts';
import { mountWardRoutes } from './console-wards.ts';
import { mountCycleRoutes } from './console-cycles.ts';
import { mountMergeRoutes } from './console-merge.ts';
import { mountReportRoutes } from './console-reports.ts';
import { mountBroadcastRoutes } from './console-broadcasts.ts';
import { mountImplementationRoutes } from './console-implementation.ts';
import { MULTIPART_PATHS } from './console-multipart.ts';
import { mergeSection } from '../../console/merge-pages.ts';
import { mergesOf } from '../../console/merges.ts';
import { isTitlePublic, setPublicTitle } from '../../console/public-ideas.ts';
import { publicTitleSection } from '../../console/public-title-page.ts';
import type { ConsoleRouteContext } from './console-route-context.ts';

export interface ConsoleOptions {
  /** Failed sign-ins per client address per 15 minutes (default 10). */
  signInLimit?: number;
}

/** Session cookie; `__Host-` (Secure, whole site, no Domain) when served over https. */
const SESSION = 'sauti-console';
/** Pairs the sign-in form with the browser that loaded it (no session yet to hold a CSRF token). */
const SIGN_IN = 'sauti-console-signin';
const name = (base: string, secure: boolean) => (secure ? `__Host-${base}` : base);

function cookies(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    // Another application's malformed cookie on the same host is skipped, not an error.
    try {
      out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      continue;
    }
  }
  return out;
}

/**
 * HttpOnly, SameSite=Strict, Path=/, and Secure when the request came over https (as express
 * sees it: TLS, or X-Forwarded-Proto from a trusted proxy). On plain http (a pilot on a laptop or
 * LAN) a Secure cookie would not be stored by a browser, so it is sent without: see the README.
 */
function setCookie(req: Request, res: Response, base: string, value: string, maxAgeMs: number): void {
  const secure = req.secure;
  const attrs = [
    `${name(base, secure)}=${encodeURIComponent(value)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.floor(maxAgeMs / 1000)}`,
    ...(secure ? ['Secure'] : []),
  ];
  res.append('Set-Cookie', attrs.join('; '));
}

const readCookie = (req: Request, base: string) => cookies(req)[name(base, req.secure)];

/** Whether a part of an address is well-formed percent-encoding. */
function decodable(part: string): boolean {
  try {
    decodeURIComponent(part);
    return true;
  } catch {
    return false;
  }
}

type Authed = Request & { session: Session };

export function consoleRouter(ledger: Ledger, logger: Logger, options: ConsoleOptions = {}): express.Router {
  const router = express.Router();
  const log = logger.child({ component: 'console' });
  const { conn } = ledger;
  const d = () => ledger.deployment();
  const defaultLang = (): Lang => d().defaultLanguage ?? d().languages[0]!.code;
  const langOr = (asked: unknown, fallback: Lang): Lang => (d().languages.some((l) => l.code === asked) ? (asked as Lang) : fallback);
  const frame = (req: Request, notice?: Frame['notice']): Frame => {
    const session = (req as Authed).session;
    const url = new URL(req.originalUrl, 'http://console.invalid');
    url.searchParams.delete('notice');
    const path = req.method === 'GET' ? `${url.pathname}${url.search}` : undefined;
    return { d: d(), lang: langOr(session.lang, defaultLang()), session, ...(notice ? { notice } : {}), ...(path ? { path } : {}) };
  };
  const t = (req: Request) => labelsFor(frame(req).lang);

  router.use('/console', (req, res, next) => {
    // Pages of one person's session: never kept by a browser or proxy cache.
    res.set('Cache-Control', 'no-store');
    // The query parser reads a malformed %-sequence as U+FFFD: a text previewed or sent as typed
    // would carry it. Such an address is refused as a malformed path is (400, errors.ts).
    const query = req.originalUrl.indexOf('?');
    const pairs = query < 0 ? [] : req.originalUrl.slice(query + 1).split(/[&=]/);
    if (!pairs.every((p) => decodable(p.replace(/\+/g, ' ')))) return next(new URIError('malformed query'));
    next();
  });
  router.use('/console', express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 50 }));

  const signInForm = (req: Request, res: Response, lang: Lang, status: number, message?: string) => {
    const csrf = randomBytes(24).toString('base64url');
    setCookie(req, res, SIGN_IN, csrf, 30 * 60_000);
    res
      .status(status)
      .type('html')
      .send(signInPage(d(), lang, csrf, message));
  };

  router.get('/console/sign-in', (req, res) =>
    signInForm(
      req,
      res,
      langOr(req.query.lang, defaultLang()),
      200,
      req.query.expired ? labelsFor(langOr(req.query.lang, defaultLang()))('expired') : undefined,
    ),
  );

  // Failed sign-ins per address: a successful one (a redirect) does not count.
  const signInLimit = rateLimit({
    windowMs: 15 * 60_000,
    limit: options.signInLimit ?? 10,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // Its start-up checks (e.g. X-Forwarded-For seen but no proxy trusted) go to our log.
    logger: {
      warn: (e) => log.warn({ code: (e as { code?: string }).code }, (e as Error).message),
      error: (e) => log.warn({ code: (e as { code?: string }).code }, (e as Error).message),
    },
    handler: (req, res) => {
      log.warn({ reason: 'rate-limited' }, 'sign-in refused: too many attempts from one address');
      const lang = langOr(req.body?.lang, defaultLang());
      res
        .status(429)
        .type('html')
        .send(plainMessage(lang, labelsFor(lang)('tooMany')));
    },
  });

  router.post('/console/sign-in', signInLimit, async (req, res) => {
    const lang = langOr(req.body?.lang, defaultLang());
    const L = labelsFor(lang);
    const expected = readCookie(req, SIGN_IN);
    if (!expected || !sameToken(req.body?._csrf, expected))
      return res
        .status(403)
        .type('html')
        .send(plainMessage(lang, L('badForm')));
    const userName = String(req.body?.name ?? '')
      .trim()
      .toLowerCase();
    const user = await checkPassword(conn.db, userName, String(req.body?.password ?? ''));
    if (!user) {
      log.info({ user: userName.slice(0, 40) }, 'sign-in refused');
      return signInForm(req, res, lang, 401, L('badSignIn'));
    }
    const token = await openSession(conn, user, lang, ledger.now());
    setCookie(req, res, SIGN_IN, '', 0);
    setCookie(req, res, SESSION, token, ABSOLUTE_MS);
    log.info({ user: user.name }, 'signed in');
    res.redirect(303, user.must_change ? '/console/password' : '/console');
  });

  // Everything below needs a live session; a visitor without one is sent to sign in.
  router.use('/console', async (req, res, next) => {
    const session = await sessionOf(conn.db, readCookie(req, SESSION), ledger.now());
    if (!session) {
      const had = Boolean(readCookie(req, SESSION));
      if (had) setCookie(req, res, SESSION, '', 0);
      return res.redirect(303, `/console/sign-in${had ? '?expired=1' : ''}`);
    }
    (req as Authed).session = session;
    // A multipart form (a photo) is read by its own route, which checks the token before any file
    // byte (console-multipart.ts); only the paths listed there may send one.
    const multipart = req.method === 'POST' && Boolean(req.is('multipart/form-data'));
    if (multipart && req.path.startsWith('/implementation/') && !MULTIPART_PATHS.some((p) => p.test(req.path))) {
      // The update form's address with a project code or cycle id that is not one: the address is
      // wrong, not the form's token. Its body is left unread.
      if (!decodable(req.path)) return next(new URIError('malformed path'));
      res.set('Connection', 'close');
      return res
        .status(404)
        .type('html')
        .send(messagePage(frame(req), t(req)('notFound')));
    }
    if (req.method === 'POST' && (multipart ? !MULTIPART_PATHS.some((p) => p.test(req.path)) : !sameToken(req.body?._csrf, session.csrf))) {
      log.warn({ user: session.user.name, path: req.path }, 'form refused: CSRF token missing or wrong');
      return res
        .status(403)
        .type('html')
        .send(messagePage(frame(req, { kind: 'err', text: t(req)('badForm') }), t(req)('badForm')));
    }
    // A name sent twice arrives as an array: every console form takes one value per name, so such a
    // form is refused here, naming the field, before any route reads it.
    const twice = req.method === 'POST' && !multipart ? Object.entries(req.body ?? {}).find(([, v]) => typeof v !== 'string')?.[0] : undefined;
    if (twice !== undefined) {
      const text = t(req)('fieldTwice', { field: twice.slice(0, 40) });
      return res
        .status(400)
        .type('html')
        .send(messagePage(frame(req, { kind: 'err', text }), text));
    }
    // A one-time password is replaced before anything else (signing out is still allowed).
    if (session.user.must_change && !['/password', '/sign-out', '/language'].includes(req.path)) return res.redirect(303, '/console/password');
    next();
  });

  const allowed = (what: Permission) => (req: Request, res: Response, next: NextFunction) => {
    if (can((req as Authed).session.user.role, what)) return next();
    log.warn({ user: (req as Authed).session.user.name, role: (req as Authed).session.user.role, path: req.path }, 'refused: role does not allow it');
    res
      .status(403)
      .type('html')
      .send(messagePage(frame(req), t(req)('forbidden')));
  };
  const notFound = (req: Request, res: Response) =>
    void res
      .status(404)
      .type('html')
      .send(messagePage(frame(req), t(req)('notFound')));
  const actor = (req: Request) => ({ name: (req as Authed).session.user.name, role: (req as Authed).session.user.role });
  /** A refusal the operator can act on: the bad field or rule named. */
  const problem = (err: unknown): string | undefined => {
    if (err instanceof ZodError) return err.issues.map((i) => i.message).join('; ');
    if (err instanceof SautiError && err.code.startsWith('console.')) return err.message;
    return undefined;
  };
  const NOTICES: Record<string, LabelKey> = { saved: 'saved', unchanged: 'unchanged', password: 'passwordChanged' };
  const noticeOf = (req: Request): Frame['notice'] => {
    const key = NOTICES[String(req.query.notice ?? '')];
    return key ? { kind: 'ok', text: t(req)(key) } : undefined;
  };

  router.post('/console/sign-out', async (req, res) => {
    const session = (req as Authed).session;
    await closeSessions(conn, session, req.body?.everywhere === '1', ledger.now());
    log.info({ user: session.user.name, everywhere: req.body?.everywhere === '1' }, 'signed out');
    setCookie(req, res, SESSION, '', 0);
    res.redirect(303, `/console/sign-in?lang=${session.lang}`);
  });

  router.post('/console/language', async (req, res) => {
    await setSessionLang(conn.db, (req as Authed).session, langOr(req.body?.lang, defaultLang()));
    // Back to the page the button was on: only a path of this console, never another site.
    const back = String(req.body?.back ?? '');
    res.redirect(303, /^\/console(?:[/?][^\s\\]*)?$/.test(back) && !back.startsWith('//') ? back : '/console');
  });

  router.get('/console', allowed('read'), async (req, res) => {
    const filter = inboxFilterSchema.parse(req.query);
    const { rows, total } = await listInbox(conn.db, filter);
    res.type('html').send(inboxPage(frame(req, noticeOf(req)), filter, rows, total));
  });

  /** A proposal with its ballot draft, and its recording's address once the ledger holds it (ledger_attachments). */
  const proposalWithDraft = async (id: string, req: Request, mergeError?: string) => {
    const p = await proposalOf(conn.db, id);
    if (!p) return null;
    const draft = await conn.db.selectFrom('console_drafts').selectAll().where('event_id', '=', id).executeTakeFirst();
    const sha = p.payload.audio?.sha256;
    const held = sha ? await conn.db.selectFrom('ledger_attachments').select(['sha256', 'erased_at']).where('sha256', '=', sha).executeTakeFirst() : undefined;
    const photoSha = p.payload.photo?.sha256;
    const photo = photoSha
      ? await conn.db.selectFrom('ledger_attachments').select(['sha256', 'erased_at']).where('sha256', '=', photoSha).executeTakeFirst()
      : undefined;
    const history = await auditOf(conn.db, [`proposal:${id}`, `draft:${id}`, `merge:${id}`, `title:${id}`]);
    const duplicates = mergeSection(frame(req), p.row, await mergesOf(conn.db, id), mergeError);
    const publicTitle = publicTitleSection(frame(req), p.row, await isTitlePublic(conn.db, id));
    return {
      ...p,
      history,
      duplicates,
      publicTitle,
      ...(draft ? { draft } : {}),
      ...(held?.erased_at ? { recordingErased: held.erased_at } : held ? { recording: `/console/recordings/${held.sha256}` } : {}),
      ...(photo?.erased_at ? { photoErased: photo.erased_at } : photo ? { photo: `/console/photos/${photo.sha256}` } : {}),
    };
  };

  // A spoken idea's recording, to the team only (a voice is personal data: never public).
  router.get('/console/recordings/:sha256', allowed('read'), async (req, res) => {
    const sha = String(req.params.sha256).toLowerCase();
    const found = /^[0-9a-f]{64}$/.test(sha) ? await readAttachment(conn.db, sha) : undefined;
    if (!found)
      return res
        .status(404)
        .type('html')
        .send(messagePage(frame(req), t(req)('notFound')));
    // Erased by the retention rule: gone for good, and the page says so (not an error).
    if (found.erasedAt)
      return res
        .status(410)
        .type('html')
        .send(messagePage(frame(req), t(req)('recordingErased', { date: formatDateTime(new Date(found.erasedAt), frame(req).lang, d().deployment.timezone) })));
    log.info({ user: actor(req).name, recording: sha.slice(0, 12), proposal: found.eventId }, 'recording played');
    res.type(found.contentType).set('Content-Length', String(found.bytes)).send(found.audio);
  });

  // A field idea's photo, to the team only (it may show a resident's home or street: never public).
  // Served only as the image its bytes are (the ledger checked them on arrival; checked again here).
  router.get('/console/photos/:sha256', allowed('read'), async (req, res) => {
    const sha = String(req.params.sha256).toLowerCase();
    const found = /^[0-9a-f]{64}$/.test(sha) ? await readAttachment(conn.db, sha) : undefined;
    const type = found && !found.erasedAt ? sniffImage(found.audio) : null;
    if (!found || !type) return notFound(req, res);
    res.type(type).set('Content-Length', String(found.bytes)).send(found.audio);
  });

  router.get('/console/proposals/:id', allowed('read'), async (req, res) => {
    const p = await proposalWithDraft(String(req.params.id).toLowerCase(), req);
    if (!p)
      return res
        .status(404)
        .type('html')
        .send(messagePage(frame(req), t(req)('notFound')));
    res.type('html').send(proposalPage(frame(req, noticeOf(req)), p));
  });

  /** A proposal's page again with the refused form as typed and the reason (400); 404 when the proposal is gone. */
  const proposalRefused = async (
    req: Request,
    res: Response,
    id: string,
    err: DraftError | ReviewError,
    form: Record<string, string | undefined>,
    as: 'values' | 'draftValues',
  ) => {
    const p = await proposalWithDraft(id, req);
    if (!p)
      return void res
        .status(404)
        .type('html')
        .send(messagePage(frame(req), t(req)('notFound')));
    const text = t(req)(`error.${err.key}`);
    const typed = Object.fromEntries(Object.entries(form).filter(([k]) => k !== '_csrf')) as Record<string, string>;
    res
      .status(400)
      .type('html')
      .send(proposalPage(frame(req, { kind: 'err', text }), p, { error: { field: err.field, text }, [as]: typed }));
  };

  router.post('/console/proposals/:id/promote', allowed('ballot'), async (req, res) => {
    const id = String(req.params.id).toLowerCase();
    const body = req.body as Record<string, string | undefined>;
    const per = (kind: string) => Object.fromEntries(d().languages.map((l) => [l.code, String(body[`${kind}.${l.code}`] ?? '')]));
    try {
      const outcome = await promoteProposal(conn, d(), actor(req), id, { title: per('title'), short: per('short') }, ledger.now());
      log.info({ user: actor(req).name, proposal: id, outcome }, 'proposal promoted to a ballot draft');
      res.redirect(303, `/console/proposals/${id}?notice=${outcome === 'changed' ? 'saved' : 'unchanged'}`);
    } catch (err) {
      if (!(err instanceof DraftError)) throw err;
      await proposalRefused(req, res, id, err, body, 'draftValues');
    }
  });

  router.get('/console/drafts', allowed('read'), async (req, res) => {
    const drafts = await listDrafts(conn.db);
    res.type('html').send(draftsPage(frame(req), drafts, (cycleId) => draftsYaml(d(), cycleId, drafts)));
  });

  mountMergeRoutes(router, {
    ledger,
    log,
    allowed,
    actor,
    refused: async (req, res, id, text) => {
      const p = await proposalWithDraft(id, req, text);
      if (!p)
        return void res
          .status(404)
          .type('html')
          .send(messagePage(frame(req), t(req)('notFound')));
      res
        .status(400)
        .type('html')
        .send(proposalPage(frame(req, { kind: 'err', text }), p));
    },
    label: (req, key) => t(req)(key),
  });
  const routes: ConsoleRouteContext = { ledger, log, frame, allowed, actor, notFound };
  mountVoteRoutes(router, routes);

  mountReportRoutes(router, routes);

  mountBroadcastRoutes(router, routes);
  mountImplementationRoutes(router, routes);

  router.post('/console/proposals/:id/review', allowed('review'), async (req, res) => {
    const id = String(req.params.id).toLowerCase();
    const body = req.body as Record<string, string | undefined>;
    const reason = Object.fromEntries(d().languages.map((l) => [l.code, String(body[`reason.${l.code}`] ?? '')]));
    const input = { status: String(body.status ?? ''), cost: String(body.cost ?? ''), costNote: String(body.costNote ?? ''), reason };
    try {
      const outcome = await reviewProposal(conn, d(), actor(req), id, input, ledger.now());
      log.info({ user: actor(req).name, proposal: id, status: input.status, outcome }, 'proposal reviewed');
      res.redirect(303, `/console/proposals/${id}?notice=${outcome === 'changed' ? 'saved' : 'unchanged'}`);
    } catch (err) {
      if (!(err instanceof ReviewError)) throw err;
      await proposalRefused(req, res, id, err, body, 'values');
    }
  });

  // Approves or withdraws a proposal's title for the public results page (console/public-ideas.ts).
  router.post('/console/proposals/:id/public-title', allowed('review'), async (req, res) => {
    const id = String(req.params.id).toLowerCase();
    const publish = String(req.body?.publish ?? '');
    if (publish !== '1' && publish !== '0') return res.status(400).type('text/plain; charset=utf-8').send('publish: 1 (approve) or 0 (withdraw)\n');
    if (!(await proposalOf(conn.db, id)))
      return res
        .status(404)
        .type('html')
        .send(messagePage(frame(req), t(req)('notFound')));
    const outcome = await setPublicTitle(conn, actor(req), id, publish === '1', ledger.now());
    log.info({ user: actor(req).name, proposal: id, publish: publish === '1', outcome }, 'proposal title publication changed');
    res.redirect(303, `/console/proposals/${id}?notice=${outcome === 'changed' ? 'saved' : 'unchanged'}#public-title`);
  });

  router.get('/console/audit', allowed('audit'), async (req, res) => {
    const below = Number(req.query.below);
    const entries = await listAudit(conn.db, { ...(Number.isSafeInteger(below) && below > 0 ? { below } : {}), limit: 101 });
    const more = entries.length > 100 ? entries[99]!.seq : undefined;
    res.type('html').send(auditPage(frame(req), entries.slice(0, 100), more));
  });

  router.get('/console/accounts', allowed('accounts'), async (req, res) => {
    res.type('html').send(accountsPage(frame(req, noticeOf(req)), await listUsers(conn.db)));
  });

  /** Runs an admin's change; a refusal (bad name, last admin…) is shown on the accounts page. */
  const accountChange = (run: (req: Request) => Promise<string | undefined>) => async (req: Request, res: Response) => {
    try {
      const oneTime = await run(req);
      // A one-time password is shown once, in this answer: never in a redirect's address.
      if (oneTime) return res.type('html').send(accountsPage(frame(req, { kind: 'ok', text: oneTime }), await listUsers(conn.db)));
      res.redirect(303, '/console/accounts?notice=saved');
    } catch (err) {
      const text = problem(err);
      if (text === undefined) throw err;
      res
        .status(400)
        .type('html')
        .send(accountsPage(frame(req, { kind: 'err', text }), await listUsers(conn.db)));
    }
  };
  const oneTimeText = (req: Request, user: string, password: string) => t(req)('oneTime', { name: user, password });

  router.post(
    '/console/accounts',
    allowed('accounts'),
    accountChange(async (req) => {
      const user = String(req.body?.name ?? '').trim();
      const { oneTime } = await addUser(conn, actor(req), { name: user, role: String(req.body?.role ?? '') }, ledger.now());
      log.info({ user: actor(req).name, added: user }, 'account added');
      return oneTimeText(req, user, oneTime!);
    }),
  );
  router.post(
    '/console/accounts/:name/role',
    allowed('accounts'),
    accountChange(async (req) => void (await setRole(conn, actor(req), String(req.params.name), String(req.body?.role ?? ''), ledger.now()))),
  );
  for (const [path, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    router.post(
      `/console/accounts/:name/${path}`,
      allowed('accounts'),
      accountChange(async (req) => void (await setDisabled(conn, actor(req), String(req.params.name), disabled, ledger.now()))),
    );
  }
  router.post(
    '/console/accounts/:name/reset',
    allowed('accounts'),
    accountChange(async (req) => oneTimeText(req, String(req.params.name), await resetPassword(conn, actor(req), String(req.params.name), ledger.now()))),
  );

  ballotRoutes(router, ledger, logger, { frame, allowed, actor });
  mountCycleRoutes(router, routes);
  mountWardRoutes(router, routes);

  router.get('/console/password', (req, res) => {
    res.type('html').send(passwordPage(frame(req), Boolean((req as Authed).session.user.must_change)));
  });

  router.post('/console/password', async (req, res) => {
    const session = (req as Authed).session;
    try {
      await changeOwnPassword(conn, session.user.name, String(req.body?.current ?? ''), String(req.body?.next ?? ''), ledger.now());
    } catch (err) {
      const text = problem(err);
      if (text === undefined) throw err;
      return res
        .status(400)
        .type('html')
        .send(passwordPage(frame(req, { kind: 'err', text }), Boolean(session.user.must_change)));
    }
    // Every session of the account ended with the change: this browser gets a fresh one.
    const user = (await checkPassword(conn.db, session.user.name, String(req.body?.next ?? '')))!;
    setCookie(req, res, SESSION, await openSession(conn, user, session.lang, ledger.now()), ABSOLUTE_MS);
    res.redirect(303, '/console?notice=password');
  });

  router.use('/console', (_req, res) => {
    res.status(404).type('text/plain; charset=utf-8').send('Not found\n');
  });
  router.use(
    '/console',
    requestErrors(logger, { component: 'console', format: 'text', internal: 'The console could not do this just now. Please try again.' }),
  );
  return router;
}
