// The console's "During the vote" routes, mounted by consoleRouter (console-app.ts) behind its
// session and CSRF checks: live turnout and gateways for every role, publishing for the admin.
import type express from 'express';
import { gatewaysBehind } from '../../ledger/publication.ts';
import { labelsFor } from '../../console/labels.ts';
import { isPublishRefusal, publishFromConsole } from '../../console/publish.ts';
import { gatewayHealth, liveTurnout, type LiveTurnout } from '../../console/turnout.ts';
import { votePage, type VotePageInput } from '../../console/vote-pages.ts';
import type { ConsoleRouteContext } from './console-route-context.ts';

/** How long a cycle's counted turnout is reused: many open pages cost one count per this long. */
const TURNOUT_TTL_MS = 10_000;

export function mountVoteRoutes(router: express.Router, ctx: ConsoleRouteContext): void {
  const { ledger, log } = ctx;
  const db = ledger.conn.db;
  const recent = new Map<string, { at: number; countedAt: Date; value: LiveTurnout }>();

  /** The chosen cycle (?cycle=, else the first whose voting has not closed, else the last). */
  const cycleOf = (asked: unknown) => {
    const cycles = ledger.deployment().cycles;
    const now = ledger.now();
    return cycles.find((c) => c.id === asked) ?? (asked ? undefined : (cycles.find((c) => c.phases.voting.closes > now) ?? cycles[cycles.length - 1]));
  };

  const pageInput = async (cycleId: string): Promise<Omit<VotePageInput, 'refused'> | undefined> => {
    const cycle = cycleOf(cycleId);
    if (!cycle) return undefined;
    const wall = Date.now();
    let counted = recent.get(cycle.id);
    if (!counted || wall - counted.at > TURNOUT_TTL_MS) {
      counted = {
        at: wall,
        countedAt: ledger.now(),
        value: await liveTurnout(
          db,
          cycle.id,
          ledger.deployment().wards.map((w) => w.id),
        ),
      };
      recent.set(cycle.id, counted);
    }
    const published = (await ledger.publishedCycles()).find((c) => c.cycleId === cycle.id);
    const closed = ledger.now() >= cycle.phases.voting.closes;
    const forced = published ? (await ledger.results(cycle.id)).forced : undefined;
    return {
      cycle,
      turnout: counted.value,
      countedAt: counted.countedAt,
      gateways: await gatewayHealth(db, await ledger.gateways()),
      publication: {
        publishedAt: published?.publishedAt ?? null,
        ...(forced ? { forcedReason: forced.reason } : {}),
        behind: !published && closed ? await gatewaysBehind(db, cycle.phases.voting.closes) : [],
      },
    };
  };

  router.get('/console/vote', ctx.allowed('read'), async (req, res) => {
    const input = await pageInput(String(req.query.cycle ?? ''));
    if (!input) return ctx.notFound(req, res);
    const f = ctx.frame(req);
    res.type('html').send(votePage(req.query.notice === 'published' ? { ...f, notice: { kind: 'ok', text: labelsFor(f.lang)('published') } } : f, input));
  });

  router.post('/console/vote/:cycle/publish', ctx.allowed('publish'), async (req, res) => {
    const cycleId = String(req.params.cycle);
    const body = req.body as Record<string, string | undefined>;
    const force = body.force === '1';
    const reason = String(body.reason ?? '');
    try {
      if (!cycleOf(cycleId)) return ctx.notFound(req, res);
      const result = await publishFromConsole(ledger, ctx.actor(req), cycleId, force ? { reason } : undefined);
      recent.delete(cycleId);
      log.info(
        { user: ctx.actor(req).name, cycle: cycleId, forced: Boolean(result.forced), ballots: result.turnout.total },
        'results published from the console',
      );
      res.redirect(303, `/console/vote?cycle=${encodeURIComponent(cycleId)}&notice=published#results`);
    } catch (err) {
      if (!isPublishRefusal(err)) throw err;
      log.warn({ user: ctx.actor(req).name, cycle: cycleId, code: err.code }, 'publication refused');
      const input = await pageInput(cycleId);
      if (!input) return ctx.notFound(req, res);
      // The ledger's own message names the gateways and dates; it is shown under the translated one.
      const detail = err.code === 'results.gateways_behind' ? err.message : '';
      res
        .status(err.code === 'results.already_published' || err.code === 'results.historical' ? 409 : 400)
        .type('html')
        .send(votePage(ctx.frame(req), { ...input, refused: { code: err.code, detail, force, reason } }));
    }
  });
}
