// Fetches what a caller said from the provider's recording URL, for a spoken idea or report: https
// only, bounded in time and size, with its SHA-256 computed here so the event can carry the digest.
import { createHash } from 'node:crypto';
import type { Recording } from '../src/engine/voice-runner.ts';

/** Longest recording kept (a minute of telephone audio is well under 1 MB). */
export const MAX_RECORDING_BYTES = 5_000_000;

/**
 * The recording at `url`, or null when it cannot be had (the caller is asked to speak again).
 * `auth` goes only to hosts its pattern names: the URL comes in the callback's body, and an
 * account's credentials are for the provider's own servers.
 */
export async function fetchRecording(
  url: string,
  o: { timeoutMs: number; auth?: { user: string; password: string; hosts: RegExp } },
): Promise<Recording | null> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:') return null;
  const headers: Record<string, string> = {};
  if (o.auth?.hosts.test(parsed.hostname)) headers.Authorization = `Basic ${Buffer.from(`${o.auth.user}:${o.auth.password}`).toString('base64')}`;
  try {
    const res = await fetch(parsed, { headers, signal: AbortSignal.timeout(o.timeoutMs) });
    if (!res.ok) return null;
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > MAX_RECORDING_BYTES) return null;
    const audio = new Uint8Array(await res.arrayBuffer());
    if (audio.length === 0 || audio.length > MAX_RECORDING_BYTES) return null;
    const contentType = (res.headers.get('content-type') ?? 'application/octet-stream').split(';')[0]!.trim().slice(0, 64);
    return { sha256: createHash('sha256').update(audio).digest('hex'), bytes: audio.length, contentType, audio };
  } catch {
    return null;
  }
}
