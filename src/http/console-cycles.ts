// The console's cycle routes, mounted by consoleRouter (console-app.ts) behind its session and
// CSRF checks: the cycles page for every role that reads, an admin's new cycle and removal (each a
// new ballot version, published from the ballot page like any other change).
import type express from 'express';
import type { Request, Response } from 'express';
import { BallotError, ballotVersions } from '../../console/ballot.ts';
import { addCycle, removeCycle, type NewCycleInput } from '../../console/ballot-cycles.ts';
import { cyclesPage } from '../../console/cycle-pages.ts';
import { labelsFor } from '../../console/labels.ts';
import type { Frame } from '../../console/pages.ts';
import type { BallotDoc } from '../config/ballot-doc.ts';
import type { ConsoleRouteContext } from './console-route-context.ts';

const text = (v: unknown) => (typeof v === 'string' ? v : '');
const PHASES = ['proposals.opens', 'proposals.closes', 'voting.opens', 'voting.closes'];
const RULE = ['rule', 'min', 'max', 'k', 'points', 'maxPerProject'];

export function mountCycleRoutes(router: express.Router, ctx: ConsoleRouteContext): void {
  const { ledger, log, frame, allowed, actor } = ctx;
  const { conn } = ledger;
  const d = () => ledger.deployment();

  const show = async (req: Request, res: Response, status: number, notice?: Frame['notice'], typed?: NewCycleInput) => {
    const { latest } = await ballotVersions(conn, d(), ledger.now());
    const doc = JSON.parse(latest.ballot) as BallotDoc;
    res
      .status(status)
      .type('html')
      .send(cyclesPage(frame(req, notice), { doc, now: ledger.now(), typed }));
  };
  const refusal = (req: Request, err: BallotError) => {
    const t = labelsFor(frame(req).lang);
    return { kind: 'err' as const, text: err.key === 'votingOpened' ? t('error.votingOpened') : t('error.ballot', { detail: err.message }) };
  };
  const pick = (body: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, text(body[k])]));

  router.get('/console/cycles', allowed('read'), async (req, res) => {
    const saved = req.query.notice === 'saved' ? { kind: 'ok' as const, text: labelsFor(frame(req).lang)('saved') } : undefined;
    await show(req, res, 200, saved);
  });

  router.post('/console/cycles/add', allowed('ballot'), async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const input: NewCycleInput = {
      id: text(body.id),
      name: Object.fromEntries(d().languages.map((l) => [l.code, text(body[`name.${l.code}`])])),
      phases: pick(body, PHASES),
      rule: pick(body, RULE),
      copyFrom: text(body.copyFrom),
    };
    try {
      const outcome = await addCycle(conn, d(), actor(req), input, ledger.now());
      log.info({ user: actor(req).name, cycle: input.id, outcome }, 'cycle added');
      res.redirect(303, '/console/cycles?notice=saved');
    } catch (err) {
      if (!(err instanceof BallotError)) throw err;
      log.info({ user: actor(req).name, cycle: input.id, refused: err.key }, 'cycle not added');
      await show(req, res, 400, refusal(req, err), input);
    }
  });

  router.post('/console/cycles/remove', allowed('ballot'), async (req, res) => {
    const cycleId = text((req.body as Record<string, unknown>).cycle);
    try {
      const outcome = await removeCycle(conn, d(), actor(req), cycleId, ledger.now());
      log.info({ user: actor(req).name, cycle: cycleId, outcome }, 'cycle removed');
      res.redirect(303, '/console/cycles?notice=saved');
    } catch (err) {
      if (!(err instanceof BallotError)) throw err;
      log.info({ user: actor(req).name, cycle: cycleId, refused: err.key }, 'cycle not removed');
      await show(req, res, 400, refusal(req, err));
    }
  });
}
