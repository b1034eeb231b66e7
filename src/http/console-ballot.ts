// The console's ballot routes: the ballot page, an admin's edits (projects, ward budgets, the
// rule, a cycle's phase dates, a draft added), and publishing a version, which the ledger then serves to gateways
// (Ledger.refreshBallot). Mounted by consoleRouter after its session and CSRF checks; the menu
// titles are checked with the flows' own renderers (flows/shared/title-fit.ts).
import type express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Permission } from '../../console/accounts.ts';
import {
  addDraft,
  BallotError,
  ballotVersions,
  editProject,
  publishBallot,
  removeProject,
  setBallotRule,
  setWardBudget,
  type FitProblem,
} from '../../console/ballot.ts';
import { ballotPage } from '../../console/ballot-pages.ts';
import { setPhases } from '../../console/ballot-wards.ts';
import { labelsFor } from '../../console/labels.ts';
import { type Frame } from '../../console/pages.ts';
import type { Ledger } from '../../ledger/ledger.ts';
import { mergeBallot } from '../config/ballot-doc.ts';
import { titleFitProblems } from '../../flows/shared/title-fit.ts';

export interface BallotRouteKit {
  frame: (req: Request, notice?: Frame['notice']) => Frame;
  allowed: (what: Permission) => (req: Request, res: Response, next: NextFunction) => void;
  actor: (req: Request) => { name: string; role: string };
}

const NOTICES = { saved: 'saved', unchanged: 'unchanged', published: 'publishedNotice' } as const;

export function ballotRoutes(router: express.Router, ledger: Ledger, logger: Logger, kit: BallotRouteKit): void {
  const log = logger.child({ component: 'console' });
  const { conn } = ledger;
  const d = () => ledger.deployment();
  const { frame, allowed, actor } = kit;

  const show = async (req: Request, res: Response, status: number, notice?: Frame['notice'], refused: FitProblem[] = []) => {
    const now = ledger.now();
    const { versions, latest, published } = await ballotVersions(conn, d(), now);
    const merged = mergeBallot(d(), JSON.parse(latest.ballot));
    // A refused publication's problems are the ones shown; otherwise the latest draft is checked ahead.
    const fit = refused.length ? refused : merged.ok && latest.published_seq === null ? titleFitProblems(merged.deployment) : [];
    res
      .status(status)
      .type('html')
      .send(ballotPage(frame(req, notice), { latest, published, versions, fit, now }));
  };

  router.get('/console/ballot', allowed('read'), async (req, res) => {
    const key = NOTICES[String(req.query.notice ?? '') as keyof typeof NOTICES];
    await show(req, res, 200, key ? { kind: 'ok', text: labelsFor(frame(req).lang)(key) } : undefined);
  });

  /** Runs an admin's change; a refusal is shown on the ballot page (400), naming what was wrong. */
  const change =
    (what: string, run: (req: Request, body: Record<string, string>) => Promise<'changed' | 'unchanged'>, back = '/console/ballot') =>
    async (req: Request, res: Response) => {
      const body = req.body as Record<string, string>;
      try {
        const outcome = await run(req, body);
        log.info({ user: actor(req).name, what, outcome }, 'ballot changed');
        if (what === 'published' && outcome === 'changed') await ledger.refreshBallot();
        res.redirect(303, `${back}?notice=${outcome === 'changed' ? (what === 'published' ? 'published' : 'saved') : 'unchanged'}`);
      } catch (err) {
        if (!(err instanceof BallotError)) throw err;
        log.info({ user: actor(req).name, what, refused: err.key }, 'ballot change refused');
        const t = labelsFor(frame(req).lang);
        const text =
          err.key === 'votingOpened' ? t('error.votingOpened') : err.key === 'doesNotFit' ? t('fitFails') : t('error.ballot', { detail: err.message });
        await show(req, res, 400, { kind: 'err', text }, err.fit);
      }
    };
  const per = (body: Record<string, string>, kind: string) => Object.fromEntries(d().languages.map((l) => [l.code, String(body[`${kind}.${l.code}`] ?? '')]));
  const code = (body: Record<string, string>) => Number(String(body.code ?? '').trim()) || 0;

  router.post(
    '/console/ballot/projects',
    allowed('ballot'),
    change('project', (req, b) =>
      editProject(
        conn,
        d(),
        actor(req),
        String(b.cycle ?? ''),
        code(b),
        { title: per(b, 'title'), short: per(b, 'short'), cost: String(b.cost ?? '') },
        ledger.now(),
      ),
    ),
  );
  router.post(
    '/console/ballot/projects/remove',
    allowed('ballot'),
    change('removed', (req, b) => removeProject(conn, d(), actor(req), String(b.cycle ?? ''), code(b), ledger.now())),
  );
  router.post(
    '/console/ballot/budgets',
    allowed('ballot'),
    change('budget', (req, b) => setWardBudget(conn, d(), actor(req), String(b.ward ?? ''), String(b.budget ?? ''), ledger.now())),
  );
  router.post(
    '/console/ballot/rule',
    allowed('ballot'),
    change('rule', (req, b) => setBallotRule(conn, d(), actor(req), String(b.cycle ?? ''), b, ledger.now())),
  );
  router.post(
    '/console/ballot/phases',
    allowed('ballot'),
    change('phases', (req, b) => setPhases(conn, d(), actor(req), String(b.cycle ?? ''), b, ledger.now())),
  );
  router.post(
    '/console/ballot/publish',
    allowed('ballot'),
    change('published', (req, b) => publishBallot(conn, d(), actor(req), Number(b.version), titleFitProblems, ledger.now())),
  );
  router.post(
    '/console/drafts/:id/add',
    allowed('ballot'),
    change('draft-added', (req) => addDraft(conn, d(), actor(req), String(req.params.id).toLowerCase(), ledger.now())),
  );
}
