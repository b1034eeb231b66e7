// The console's routes that merge a duplicate proposal into another and split it off again
// (console/merges.ts), mounted by consoleRouter behind its session and CSRF checks; for the
// roles that review (admin, reviewer).
import type express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Ledger } from '../../ledger/ledger.ts';
import type { Actor, Permission } from '../../console/accounts.ts';
import type { LabelKey } from '../../console/labels.ts';
import { MergeError, mergeProposal, splitProposal } from '../../console/merges.ts';

export interface MergeRouteContext {
  ledger: Ledger;
  log: Logger;
  allowed: (what: Permission) => (req: Request, res: Response, next: NextFunction) => void;
  actor: (req: Request) => Actor;
  /** Answers 400 with the proposal's page and `text` in its duplicates section. */
  refused: (req: Request, res: Response, id: string, text: string) => Promise<void>;
  label: (req: Request, key: LabelKey) => string;
}

export function mountMergeRoutes(router: express.Router, ctx: MergeRouteContext): void {
  const { ledger, log } = ctx;
  const run = (what: 'merge' | 'split') => async (req: Request, res: Response) => {
    const id = String(req.params.id).toLowerCase();
    try {
      const outcome =
        what === 'merge'
          ? await mergeProposal(ledger.conn, ctx.actor(req), id, String(req.body?.into ?? ''), ledger.now())
          : (await splitProposal(ledger.conn, ctx.actor(req), id, ledger.now()), 'changed');
      log.info({ user: ctx.actor(req).name, proposal: id, outcome }, what === 'merge' ? 'proposal merged into another' : 'proposal split off');
      res.redirect(303, `/console/proposals/${id}?notice=${outcome === 'changed' ? 'saved' : 'unchanged'}#duplicates`);
    } catch (err) {
      if (!(err instanceof MergeError)) throw err;
      await ctx.refused(req, res, id, ctx.label(req, `error.${err.key}`));
    }
  };
  router.post('/console/proposals/:id/merge', ctx.allowed('review'), run('merge'));
  router.post('/console/proposals/:id/split', ctx.allowed('review'), run('split'));
}
