// `sauti voice render`: speaks every clip's text into <dir>/<lang>/<key>.wav. A manifest records
// what render wrote (the text's hash and the file's hash), so a later run re-renders only changed
// texts, and a file render did not write — a city's own recording — is never touched.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIP_KEY } from './compose.ts';
import { TTS_ID, type Tts } from './tts.ts';
import { CLIP_RATE, encodeWav, resample, trimSilence } from './wav.ts';

/** The manifest beside the clips (a dot file: never served). */
export const MANIFEST = '.rendered.json';

interface Manifest {
  version: 1;
  /**
   * "<lang>/<key>" → hash of what was spoken and how; hash of the file written; while a new
   * file is being put in place, the hash of the one it replaces.
   */
  clips: Record<string, { text: string; file: string; replacing?: string }>;
}

export interface RenderOptions {
  dir: string;
  langs: readonly string[];
  /** Clip key → text, per language. */
  texts: (lang: string) => Record<string, string>;
  /** Re-render every clip render made, changed or not (never a recording render did not make). */
  force?: boolean;
  /** Started only when some clip needs rendering. */
  tts: () => Promise<Tts>;
  /** Whether the TTS has a voice for `lang`; a language without one is left to be recorded (`unvoiced`). Every language when not given. */
  speaks?: (lang: string) => boolean;
  onClip?: (lang: string, key: string, done: number, total: number) => void;
}

export interface RenderReport {
  rendered: string[];
  upToDate: number;
  /** Files render did not make (human recordings), left as they are. */
  recorded: string[];
  bytes: number;
  /** Size of the largest clip rendered. */
  largest: number;
  /** Languages the TTS has no voice for, with the clips that were left missing (or changed) for want of one. */
  unvoiced: { lang: string; clips: number }[];
  ms: number;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const textHash = (lang: string, text: string) => sha256(`${TTS_ID}|${CLIP_RATE}|${lang}|${text}`);

export function readManifest(dir: string): Manifest {
  try {
    const m = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Manifest;
    if (m.version === 1 && m.clips && typeof m.clips === 'object') return m;
  } catch {
    // No manifest yet (or a damaged one): every existing file then counts as a recording, which is the safe side.
  }
  return { version: 1, clips: {} };
}

/**
 * Who made a clip's file: render (per the manifest), someone else (a recording), or nobody yet.
 * 'interrupted': render's previous file, left by a render stopped while replacing it.
 */
function fileState(dir: string, lang: string, key: string, manifest: Manifest): 'rendered' | 'interrupted' | 'recorded' | 'missing' {
  const file = join(dir, lang, `${key}.wav`);
  if (!existsSync(file)) return 'missing';
  const made = manifest.clips[`${lang}/${key}`];
  const hash = sha256(readFileSync(file));
  if (made?.file === hash) return 'rendered';
  return made?.replacing === hash ? 'interrupted' : 'recorded';
}

/** Who made a clip's file, for people: `rendered`, `recorded` (never touched by render) or `missing`. */
export function clipOrigin(dir: string, lang: string, key: string, manifest = readManifest(dir)): 'rendered' | 'recorded' | 'missing' {
  const state = fileState(dir, lang, key, manifest);
  return state === 'interrupted' ? 'rendered' : state;
}

/** Renders what is missing or changed; see the file comment. */
export async function renderClips(o: RenderOptions): Promise<RenderReport> {
  const started = performance.now();
  const manifest = readManifest(o.dir);
  const report: RenderReport = { rendered: [], upToDate: 0, recorded: [], bytes: 0, largest: 0, unvoiced: [], ms: 0 };
  const todo: { lang: string; key: string; text: string }[] = [];
  for (const lang of o.langs) {
    const voiced = o.speaks?.(lang) ?? true;
    let unvoiced = 0;
    for (const [key, text] of Object.entries(o.texts(lang))) {
      if (!CLIP_KEY.test(key)) throw new Error(`clip key '${key}' (${lang}) is not a safe file name: use letters, digits, '.', '-', '_'`);
      const id = `${lang}/${key}`;
      const state = fileState(o.dir, lang, key, manifest);
      if (state === 'recorded') {
        report.recorded.push(id);
        continue;
      }
      if (state === 'rendered' && !o.force && manifest.clips[id]!.text === textHash(lang, text)) {
        report.upToDate++;
        continue;
      }
      if (voiced) todo.push({ lang, key, text });
      else unvoiced++;
    }
    if (unvoiced > 0) report.unvoiced.push({ lang, clips: unvoiced });
  }
  if (todo.length > 0) {
    const tts = await o.tts();
    const save = () => writeAtomically(join(o.dir, MANIFEST), JSON.stringify(manifest, null, 1));
    for (const [i, { lang, key, text }] of todo.entries()) {
      const spoken = tts.speak(text, lang);
      const wav = encodeWav(trimSilence(resample(spoken, tts.sampleRate, CLIP_RATE), CLIP_RATE), CLIP_RATE);
      mkdirSync(join(o.dir, lang), { recursive: true });
      // The manifest first, naming the file being replaced too: a render stopped between the two
      // leaves a clip that is rendered again, never a file of its own taken for a recording.
      const id = `${lang}/${key}`;
      const previous = manifest.clips[id]?.file;
      manifest.clips[id] = { text: textHash(lang, text), file: sha256(wav), ...(previous ? { replacing: previous } : {}) };
      save();
      writeAtomically(join(o.dir, lang, `${key}.wav`), wav);
      delete manifest.clips[id]!.replacing; // written with the next clip's entry, or at the end
      report.rendered.push(id);
      report.bytes += wav.length;
      report.largest = Math.max(report.largest, wav.length);
      o.onClip?.(lang, key, i + 1, todo.length);
    }
    save();
  }
  report.ms = Math.round(performance.now() - started);
  return report;
}

function writeAtomically(path: string, data: string | Buffer): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
