// GET /prompts/<lang>/<key>.wav: the voice clips providers fetch for <Play>. Public (a provider
// fetches them without credentials), cacheable, and only ever a file named by a clip key inside
// the prompts folder of a configured language.
import { resolve } from 'node:path';
import express from 'express';
import { CLIP_KEY } from '../../voice/prompts/compose.ts';

/** How long a provider may keep a clip without asking again; a replaced recording is heard within this. */
export const CLIP_MAX_AGE_S = 3600;

export function promptsRouter(o: { dir: string; languages: readonly string[] }): express.Router {
  const router = express.Router();
  const root = resolve(o.dir);
  router.get('/prompts/:lang/:file', (req, res, next) => {
    const { lang, file } = req.params;
    const key = file.endsWith('.wav') ? file.slice(0, -4) : '';
    // Only a configured language and a clip key ([a-z0-9._-], no leading dot): nothing else can
    // name a file, so neither '..' nor an encoded slash nor the manifest can be reached.
    if (!o.languages.includes(lang) || !CLIP_KEY.test(key) || key.includes('..')) {
      next();
      return;
    }
    res.sendFile(
      `${lang}/${key}.wav`,
      {
        root,
        dotfiles: 'deny',
        maxAge: CLIP_MAX_AGE_S * 1000,
        etag: true,
        lastModified: true,
        headers: { 'content-type': 'audio/wav' },
      },
      (err?: Error & { status?: number; statusCode?: number }) => {
        if (!err) return;
        if (res.headersSent) return;
        // A missing clip is a 404 like any unknown path; anything else goes to the error handler.
        if ((err.status ?? err.statusCode) === 404) next();
        else next(err);
      },
    );
  });
  return router;
}
