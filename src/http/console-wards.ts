// The console's wards and equity routes, mounted by consoleRouter (console-app.ts) behind its
// session and CSRF checks: the wards page and the formula's preview for every role that reads
// (the forms for admins), an admin's ward edit and budgets by formula (each a new ballot version,
// published from the ballot page; a ward added too), and "Who is heard" for every role.
import type express from 'express';
import type { Request, Response } from 'express';
import { can } from '../../console/accounts.ts';
import { BallotError, ballotVersions } from '../../console/ballot.ts';
import {
  addWard,
  applyBudgetFormula,
  editWard,
  parseFormula,
  previewFormula,
  type FormulaForm,
  type NewWardInput,
  type WardInput,
} from '../../console/ballot-wards.ts';
import { cycleEquity } from '../../console/equity.ts';
import { labelsFor } from '../../console/labels.ts';
import type { Frame } from '../../console/pages.ts';
import { equityPage, wardsPage, type WardsView } from '../../console/ward-pages.ts';
import type { BallotDoc } from '../config/ballot-doc.ts';
import type { CycleResult } from '../../ledger/results.ts';
import type { ConsoleRouteContext } from './console-route-context.ts';

const text = (v: unknown) => (typeof v === 'string' ? v : '');

export function mountWardRoutes(router: express.Router, ctx: ConsoleRouteContext): void {
  const { ledger, log, frame, allowed, actor } = ctx;
  const { conn } = ledger;
  const d = () => ledger.deployment();

  const latestDoc = async () => {
    const { latest } = await ballotVersions(conn, d(), ledger.now());
    return { doc: JSON.parse(latest.ballot) as BallotDoc, version: Number(latest.version) };
  };
  const show = async (req: Request, res: Response, status: number, notice?: Frame['notice'], extra: Partial<WardsView> = {}) => {
    const view: WardsView = { ...(await latestDoc()), ...extra };
    res
      .status(status)
      .type('html')
      .send(wardsPage(frame(req, notice), view));
  };
  const refusal = (req: Request, err: BallotError) => {
    const t = labelsFor(frame(req).lang);
    return { kind: 'err' as const, text: err.key === 'votingOpened' ? t('error.votingOpened') : t('error.ballot', { detail: err.message }) };
  };

  router.get('/console/wards', allowed('read'), async (req, res) => {
    const q = req.query;
    const saved = q.notice === 'saved' ? { kind: 'ok' as const, text: labelsFor(frame(req).lang)('saved') } : undefined;
    // The formula's preview is a GET (it changes nothing), for admins only: the form is theirs.
    if (q.total === undefined || !can(frame(req).session.user.role, 'ballot')) return show(req, res, 200, saved);
    const form: FormulaForm = { total: text(q.total), population: text(q.population), need: text(q.need) };
    try {
      const { doc, version } = await latestDoc();
      const result = previewFormula(doc, parseFormula(form));
      res
        .status(200)
        .type('html')
        .send(wardsPage(frame(req), { doc, version, formula: { form, result } }));
    } catch (err) {
      if (!(err instanceof BallotError)) throw err;
      await show(req, res, 400, refusal(req, err), { formula: { form } });
    }
  });

  router.post('/console/wards/edit', allowed('ballot'), async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const wardId = text(body.ward);
    const input: WardInput = {
      name: Object.fromEntries(d().languages.map((l) => [l.code, text(body[`name.${l.code}`])])),
      population: text(body.population),
      need: text(body.need),
    };
    try {
      const outcome = await editWard(conn, d(), actor(req), wardId, input, ledger.now());
      log.info({ user: actor(req).name, ward: wardId, outcome }, 'ward changed');
      res.redirect(303, `/console/wards?notice=${outcome === 'changed' ? 'saved' : 'unchanged'}`);
    } catch (err) {
      if (!(err instanceof BallotError)) throw err;
      log.info({ user: actor(req).name, ward: wardId, refused: err.key }, 'ward change refused');
      await show(req, res, 400, refusal(req, err), { typed: { wardId, input } });
    }
  });

  router.post('/console/wards/add', allowed('ballot'), async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const input: NewWardInput = {
      id: text(body.id),
      budget: text(body.budget),
      name: Object.fromEntries(d().languages.map((l) => [l.code, text(body[`name.${l.code}`])])),
      population: text(body.population),
      need: text(body.need),
    };
    try {
      const outcome = await addWard(conn, d(), actor(req), input, ledger.now());
      log.info({ user: actor(req).name, ward: input.id, outcome }, 'ward added');
      res.redirect(303, '/console/wards?notice=saved');
    } catch (err) {
      if (!(err instanceof BallotError)) throw err;
      log.info({ user: actor(req).name, ward: input.id, refused: err.key }, 'ward not added');
      await show(req, res, 400, refusal(req, err), { added: input });
    }
  });

  router.post('/console/wards/formula', allowed('ballot'), async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const form: FormulaForm = { total: text(body.total), population: text(body.population), need: text(body.need) };
    try {
      const outcome = await applyBudgetFormula(conn, d(), actor(req), form, ledger.now());
      log.info({ user: actor(req).name, outcome }, 'budgets set by formula');
      // The new version is published from the ballot page, like every other change.
      res.redirect(303, `/console/ballot?notice=${outcome === 'changed' ? 'saved' : 'unchanged'}`);
    } catch (err) {
      if (!(err instanceof BallotError)) throw err;
      log.info({ user: actor(req).name, refused: err.key }, 'budgets by formula refused');
      await show(req, res, 400, refusal(req, err), { formula: { form } });
    }
  });

  router.get('/console/equity', allowed('read'), async (req, res) => {
    await ledger.refreshBallot();
    const cycles = d().cycles;
    const now = ledger.now();
    const asked = req.query.cycle;
    const cycle = cycles.find((c) => c.id === asked) ?? (asked ? undefined : (cycles.find((c) => c.phases.voting.closes > now) ?? cycles[cycles.length - 1]));
    if (!cycle) return ctx.notFound(req, res);
    const published = (await ledger.publishedCycles()).some((c) => c.cycleId === cycle.id);
    const result: CycleResult | undefined = published ? await ledger.results(cycle.id) : undefined;
    const eq = await cycleEquity(conn.db, d(), cycle, result);
    res.type('html').send(equityPage(frame(req), cycle.id, eq));
  });
}
