// The console's implementation routes (console/implementation.ts), mounted by consoleRouter
// behind its session check: every role reads the page; admins and reviewers record an update,
// with an optional photo, through a multipart form whose CSRF token is checked before any file
// byte is read (console-multipart.ts).
import type express from 'express';
import type { Request, Response } from 'express';
import { localToday } from '../domain/implementation.ts';
import { MAX_PHOTO_BYTES } from '../domain/photo.ts';
import type { Session } from '../../console/accounts.ts';
import { implementationPage, type ImplementationRefusal } from '../../console/implementation-pages.ts';
import { ImplementationFormError, implementationOverview, parseImplementationForm, recordFromConsole } from '../../console/implementation.ts';
import { labelsFor } from '../../console/labels.ts';
import { messagePage, type Frame } from '../../console/pages.ts';
import { readMultipartForm } from './console-multipart.ts';
import type { ConsoleRouteContext } from './console-route-context.ts';

export function mountImplementationRoutes(router: express.Router, ctx: ConsoleRouteContext): void {
  const { ledger, log } = ctx;
  const t = (req: Request) => labelsFor(ctx.frame(req).lang);

  const show = async (req: Request, res: Response, status: number, notice?: Frame['notice'], refused?: ImplementationRefusal) =>
    void res
      .status(status)
      .type('html')
      .send(implementationPage(ctx.frame(req, notice), await implementationOverview(ledger), refused));

  router.get('/console/implementation', ctx.allowed('read'), async (req, res) => {
    const notice = req.query.notice === 'saved' ? 'updateRecorded' : req.query.notice === 'unchanged' ? 'unchanged' : undefined;
    await show(req, res, 200, notice ? { kind: 'ok', text: t(req)(notice) } : undefined);
  });

  router.post('/console/implementation/:cycle/:code', ctx.allowed('implementation'), async (req, res) => {
    const cycleId = String(req.params.cycle);
    const code = Number(req.params.code);
    const session = (req as Request & { session: Session }).session;
    const form = await readMultipartForm(req, { csrf: session.csrf, fileField: 'photo', maxFileBytes: MAX_PHOTO_BYTES });
    if (!form.ok) {
      log.warn({ user: session.user.name, problem: form.problem }, 'implementation form refused');
      if (!req.complete) res.set('Connection', 'close');
      if (form.problem === 'csrf')
        return void res
          .status(403)
          .type('html')
          .send(messagePage(ctx.frame(req, { kind: 'err', text: t(req)('badForm') }), t(req)('badForm')));
      const text = form.problem === 'too-large' ? t(req)('implPhotoTooLarge', { mb: MAX_PHOTO_BYTES / 1024 / 1024 }) : t(req)('badForm');
      return show(req, res, form.status, { kind: 'err', text });
    }
    const d = ledger.deployment();
    const cycle = d.cycles.find((c) => c.id === cycleId);
    if (!cycle || !cycle.projects.some((p) => p.code === code)) return ctx.notFound(req, res);
    try {
      const input = parseImplementationForm(
        d.languages.map((l) => l.code),
        code,
        { fields: form.fields, ...(form.file ? { photo: form.file } : {}) },
        localToday(ledger.now(), d.deployment.timezone),
      );
      const outcome = await recordFromConsole(ledger, ctx.actor(req), cycleId, input);
      const recorded = outcome !== 'unchanged';
      log.info(
        {
          user: ctx.actor(req).name,
          cycle: cycleId,
          project: code,
          entry: recorded ? outcome.seq : undefined,
          photo: recorded ? outcome.photo !== null : undefined,
        },
        'implementation update from the console',
      );
      res.redirect(303, `/console/implementation?notice=${recorded ? 'saved' : 'unchanged'}#p-${cycleId}-${code}`);
    } catch (err) {
      if (!(err instanceof ImplementationFormError)) throw err;
      await show(req, res, 400, { kind: 'err', text: err.message }, { cycleId, code, field: err.field, text: err.message, values: form.fields });
    }
  });
}
