// The console's routes for residents' reports on winning projects (console/reports.ts), mounted
// by consoleRouter behind its session and CSRF checks: every role reads them; reviewers and
// admins set a report's status and answer.
import type express from 'express';
import type { Request } from 'express';
import { auditOf } from '../../console/audit.ts';
import { labelsFor, type LabelKey } from '../../console/labels.ts';
import { reportPage, reportsPage } from '../../console/report-pages.ts';
import { handleReport, listReports, reportFilterSchema, ReportError, reportOf, reportRecording } from '../../console/reports.ts';
import type { ConsoleRouteContext } from './console-route-context.ts';

const NOTICES: Record<string, LabelKey> = { saved: 'saved', unchanged: 'unchanged' };

export function mountReportRoutes(router: express.Router, ctx: ConsoleRouteContext): void {
  const { ledger, log } = ctx;
  const db = ledger.conn.db;
  const idOf = (req: Request) => String(req.params.id).toLowerCase();

  router.get('/console/reports', ctx.allowed('read'), async (req, res) => {
    const filter = reportFilterSchema.parse(req.query);
    const { rows, total } = await listReports(db, filter);
    res.type('html').send(reportsPage(ctx.frame(req), filter, rows, total));
  });

  router.get('/console/reports/:id', ctx.allowed('read'), async (req, res) => {
    const report = await reportOf(db, idOf(req));
    if (!report) return ctx.notFound(req, res);
    const frame = ctx.frame(req);
    const key = NOTICES[String(req.query.notice ?? '')];
    const notice = key ? { kind: 'ok' as const, text: labelsFor(frame.lang)(key) } : undefined;
    const recording = await reportRecording(db, report.event_id);
    res.type('html').send(reportPage(ctx.frame(req, notice), report, await auditOf(db, [`report:${report.event_id}`]), { recording }));
  });

  router.post('/console/reports/:id', ctx.allowed('review'), async (req, res) => {
    const id = idOf(req);
    const body = req.body as Record<string, string | undefined>;
    const d = ledger.deployment();
    const answer = Object.fromEntries(d.languages.map((l) => [l.code, String(body[`answer.${l.code}`] ?? '')]));
    try {
      const outcome = await handleReport(ledger.conn, d, ctx.actor(req), id, { status: String(body.status ?? ''), answer }, ledger.now());
      log.info({ user: ctx.actor(req).name, report: id, status: body.status, outcome }, 'report handled');
      res.redirect(303, `/console/reports/${id}?notice=${outcome === 'changed' ? 'saved' : 'unchanged'}`);
    } catch (err) {
      if (!(err instanceof ReportError)) {
        if (err instanceof Error && 'code' in err && err.code === 'console.no_report') return ctx.notFound(req, res);
        throw err;
      }
      const report = await reportOf(db, id);
      if (!report) return ctx.notFound(req, res);
      const text = labelsFor(ctx.frame(req).lang)(`error.${err.key}`);
      const typed = Object.fromEntries(Object.entries(body).filter(([k, v]) => k !== '_csrf' && v !== undefined)) as Record<string, string>;
      res
        .status(400)
        .type('html')
        .send(
          reportPage(ctx.frame(req, { kind: 'err', text }), report, await auditOf(db, [`report:${report.event_id}`]), {
            error: { field: err.field, text },
            values: typed,
            recording: await reportRecording(db, report.event_id),
          }),
        );
    }
  });
}
