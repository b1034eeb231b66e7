// A prompts folder holding every clip of a deployment (a few samples of silence each), so a test
// gateway plays clips rather than falling back to the provider's voice; tests of the fallback
// delete clips from their own copy.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDeployment } from '../../src/config/load.ts';
import { loadLanguages } from '../../src/http/languages.ts';
import { allClipTexts } from '../../voice/prompts/catalogue.ts';
import { encodeWav } from '../../voice/prompts/wav.ts';
import { FIXTURE } from './deployment.ts';
import { tempDir } from './tmp.ts';

const made = new Map<string, string>();

/** A folder with every clip of `configFile`'s deployment in every language; made once per test file and deployment. */
export function allClips(configFile = FIXTURE, fresh = false): string {
  const known = made.get(configFile);
  if (known && !fresh) return known;
  const dir = tempDir('sauti-prompts-');
  let d;
  try {
    d = loadDeployment(configFile);
    // A language the deployment adds has clips too (and the built-in ones a menu line for it).
    loadLanguages(configFile, d);
  } catch {
    return dir; // a test of a bad deployment file: the gateway reports it, not this helper
  }
  const wav = encodeWav(new Int16Array(8), 8000);
  for (const { code } of d.languages) {
    mkdirSync(join(dir, code), { recursive: true });
    for (const key of Object.keys(allClipTexts(d, code))) writeFileSync(join(dir, code, `${key}.wav`), wav);
  }
  if (!fresh) made.set(configFile, dir);
  return dir;
}
