// A terminal phone call: posts exactly what the provider would (its adapter's simulator shapes and
// signs each request), shows each prompt as text (and the clips it plays), takes keypresses, and
// hangs up as the provider reports it.
import { createInterface } from 'node:readline/promises';
import { simulators } from '../../adapters/registry.ts';
import type { ProviderCredentials } from '../../adapters/settings.ts';
import type { SimulatedRequest } from '../../adapters/types.ts';
import { clipTexts } from '../../voice/prompts/catalogue.ts';

interface Options extends Partial<ProviderCredentials> {
  phone: string;
  url: string;
  /** A registered adapter with a voice simulator. */
  provider: string;
  token: string;
  /** Keys for each prompt, comma-separated; an empty item is silence. */
  inputs?: string;
  publicUrl?: string;
  /** What each clip says per language (default: the dialogue and number words; the CLI adds the deployment's names). */
  texts?: (lang: string) => Record<string, string>;
}

/** One thing an answer plays: a clip, or text the provider's own voice says (a clip missing on disk). */
type Heard = { lang: string; key: string } | { say: string };

/** What one answer asks the phone to do. */
interface Answer {
  clips: Heard[];
  /** Where the keys go, or undefined when the call ends after the prompt. */
  next?: string;
  /** Where silence goes (Africa's Talking's Redirect; Twilio posts silence to `next`). */
  silence?: string;
}

const unescape = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&apos;/g, "'");

/** Reads the provider XML Sauti answers with (either dialect). */
export function readAnswer(xml: string): Answer {
  const played = [...xml.matchAll(/<Play(?: url="([^"]*)"\/>|>([^<]*)<\/Play>)|<Say[^>]*>([^<]*)<\/Say>/g)];
  const clips = played.map((p): Heard => {
    if (p[3] !== undefined) return { say: unescape(p[3]) };
    const u = unescape(p[1] ?? p[2]!);
    const m = /\/prompts\/([^/]+)\/([^/]+)\.wav$/.exec(new URL(u).pathname);
    return { lang: decodeURIComponent(m?.[1] ?? ''), key: decodeURIComponent(m?.[2] ?? u) };
  });
  const next = xml.match(/<GetDigits [^>]*callbackUrl="([^"]*)"/)?.[1] ?? xml.match(/<Gather [^>]*action="([^"]*)"/)?.[1];
  const silence = xml.match(/<Redirect>([^<]*)<\/Redirect>/)?.[1];
  return { clips, next: next && unescape(next), silence: silence && unescape(silence) };
}

/** A prompt as the caller would hear it: each clip's text ("[key]" for a clip with no text). */
export function promptText(clips: Answer['clips'], texts: (lang: string) => Record<string, string> = (lang) => clipTexts(lang)): string {
  return clips.map((c) => ('say' in c ? c.say : (texts(c.lang)[c.key] ?? `[${c.key}]`))).join(' ');
}

/** Runs one call against a gateway; returns the prompts heard, as text. */
export async function simulateVoice(o: Options): Promise<string[]> {
  const { phone, url, provider, token, inputs, publicUrl, texts, ...credentials } = o;
  const sim = simulators('voice').find((s) => s.provider === provider)?.simulator.voice;
  if (!sim)
    throw new Error(
      `--provider must be ${simulators('voice')
        .map((s) => s.provider)
        .join(' or ')}`,
    );
  const call = sim({ token, publicUrl, credentials }, phone);
  const scripted = inputs !== undefined ? inputs.split(',') : null;
  const rl = scripted ? null : createInterface({ input: process.stdin, terminal: process.stdin.isTTY });
  const lines = rl?.[Symbol.asyncIterator]();
  const started = Date.now();
  const post = async (request: Promise<SimulatedRequest>) => {
    const { path, params, headers } = await request;
    const res = await fetch(`${url}${path}`, { method: 'POST', body: new URLSearchParams(params), headers }).catch((err: Error) => {
      throw new Error(`Cannot reach the gateway at ${url}: ${err.message}. Is \`npm start\` running?`);
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`Gateway answered ${res.status}: ${text}`);
    return text;
  };
  // Callback URLs are built on the public URL; the simulator posts them to the gateway at --url.
  const pathOf = (url: string) => {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  };
  const heard: string[] = [];
  try {
    let answer = readAnswer(await post(call.start()));
    for (;;) {
      const text = promptText(answer.clips, texts);
      heard.push(text);
      console.log(`\n♪ ${text}\n  (${answer.clips.map((c) => ('say' in c ? 'Say' : `${c.lang}/${c.key}`)).join(' ')})`);
      if (!answer.next) break;
      let keys: string | undefined;
      if (scripted) keys = scripted.shift();
      else {
        process.stdout.write('keys (empty: stay silent)> ');
        const line = await lines!.next();
        keys = line.done ? undefined : String(line.value).trim();
      }
      if (keys === undefined) break; // the caller hangs up
      if (keys === '') {
        const silence = call.silence(pathOf(answer.next), answer.silence && pathOf(answer.silence));
        if (!silence) break; // the provider hangs up
        answer = readAnswer(await post(silence));
      } else {
        answer = readAnswer(await post(call.keys(pathOf(answer.next), keys)));
      }
    }
    // The provider's last word on the call: its length (and, on Africa's Talking, its cost).
    await post(call.hangUp(Math.round((Date.now() - started) / 1000)));
    return heard;
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 1;
    return heard;
  } finally {
    rl?.close();
  }
}
