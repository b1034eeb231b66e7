// Africa's Talking Voice callback: form POST → VoiceCallback → <Response> XML of <Play> clips.
//
// Checked against Africa's Talking's documentation (docs.africastalking.com, found with the search
// tool on 3 Dec 2026):
// - voice/callhandler: every request posts isActive, sessionId, direction, callerNumber,
//   destinationNumber; dtmfDigits follows a GetDigits; recordingUrl follows a Record; the final
//   request has isActive=0 with the call's duration and cost (durationInSeconds, currencyCode, amount).
// - voice/getdigits: <GetDigits numDigits timeout finishOnKey callbackUrl> wraps its prompt; "if a
//   GetDigits action receives no input at all, it will move on to the next action without
//   triggering a notification", so a <Redirect> after it re-prompts (default timeout 30 s).
// - voice/record: <Record finishOnKey maxLength trimSilence playBeep callbackUrl> (used for ideas and reports).
// - <Play url="…"/> plays an audio file; <Say> has no language choice (its voice speaks English),
//   hence clips; a clip missing on disk is said with <Say> (voice-clips.ts) rather than left silent.
// - <Redirect> takes the URL as its text (as in Africa's Talking's IVR samples); no first-party
//   page for it was found in the corpus.
import express, { type Router } from 'express';
import { z } from 'zod';
import { memoize } from '../../src/domain/memo.ts';
import { toE164 } from '../../src/domain/voter.ts';
import type { VoiceAnswer } from '../../src/engine/voice-runner.ts';
import { fetchRecording } from '../recording.ts';
import { badRequest, forbidden } from '../respond.ts';
import type { AdapterDeps, VoiceReplyView } from '../types.ts';
import { voiceAudio, warningOnce, xmlEscape, type ClipResolver } from '../voice-clips.ts';
import { tokenMatcher } from './token.ts';

/** Fields Africa's Talking posts on every voice callback. */
export const voiceForm = z.object({
  isActive: z.enum(['0', '1']),
  sessionId: z.string().min(1).max(128),
  direction: z.string().min(1).max(16),
  callerNumber: z.string().min(3).max(32),
  destinationNumber: z.string().min(1).max(32),
  dtmfDigits: z
    .string()
    .max(32)
    .regex(/^[0-9*#]*$/, 'keypad keys only')
    .optional(),
  recordingUrl: z.string().max(2048).optional(),
  // Final request only (isActive=0): the call's length and what it cost.
  durationInSeconds: z.coerce.number().int().min(0).optional(),
  currencyCode: z.string().max(8).optional(),
  amount: z
    .string()
    .regex(/^\d{1,12}(\.\d{1,8})?$/, 'a decimal amount')
    .optional(),
});

/** Sauti's own query on the callback URLs: the answer number, and silent re-prompts so far. */
const callbackQuery = z.object({
  hop: z.coerce.number().int().min(1).max(100_000).optional(),
  silent: z.coerce.number().int().min(1).max(10).optional(),
});

/** Path of the voice callback; the token segment is the deployment's SAUTI_CALLBACK_TOKEN. */
export const VOICE_PATH = '/africastalking/voice/:token';
const VOICE_PATHS = ['/africastalking/voice', VOICE_PATH];

/** Seconds a caller has to press a key before the re-prompt. */
export const KEY_TIMEOUT_SECONDS = 10;
const PROVIDER = 'africastalking';
/** Longest wait for a recording from the provider; the caller hears nothing meanwhile. */
const RECORDING_FETCH_MS = 3000;
/** Longest spoken idea or report, in seconds. */
export const RECORDING_MAX_SECONDS = 60;
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>';
/** Languages Africa's Talking's <Say> speaks: it has no language attribute, and its voice is English. */
const SAY_LANGUAGES = ['en'];

/** Mounts the voice callback route. */
export function mountVoice(router: Router, deps: AdapterDeps): void {
  const log = deps.logger.child({ component: 'adapter', channel: 'voice', provider: PROVIDER });
  const tokenMatches = tokenMatcher(deps.callbackToken);
  const e164 = memoize((raw) => toE164(raw, deps.deployment.deployment.country));
  const prompts = deps.prompts && warningOnce(deps.prompts, log);
  router.post(VOICE_PATHS, express.urlencoded({ extended: false, limit: '8kb' }), async (req, res) => {
    const token = (req.params as { token?: string }).token;
    if (!tokenMatches(token)) return forbidden(res, log, 'voice callback with a missing or wrong token');
    const parsed = voiceForm.safeParse(req.body ?? {});
    if (!parsed.success) return badRequest(res, parsed.error.issues, log, 'voice callback');
    const query = callbackQuery.safeParse(req.query);
    if (!query.success) return badRequest(res, query.error.issues, log, 'voice callback query');
    const voice = deps.voice;
    if (!voice) {
      res.status(503).type('text/plain').send('Voice is not configured');
      return;
    }
    const form = parsed.data;
    if (form.isActive === '0') {
      const known = await voice.finish(PROVIDER, form.sessionId, {
        durationSeconds: form.durationInSeconds ?? null,
        amount: form.amount ?? null,
        currency: form.currencyCode ?? null,
      });
      if (!known) log.warn({ session: form.sessionId }, 'final voice callback for an unknown call');
      res.status(200).type('text/plain').send('');
      return;
    }
    const phone = e164(form.callerNumber);
    if (!phone) {
      log.warn({ session: form.sessionId }, 'voice callback with an invalid callerNumber');
      res.status(400).type('text/plain').send('Bad request: invalid callerNumber');
      return;
    }
    const base = `${deps.publicUrl ?? `${req.protocol}://${req.get('host')}`}/africastalking/voice/${encodeURIComponent(token!)}`;
    const { hop, silent } = query.data;
    let answer: VoiceAnswer<VoiceReplyView>;
    if (silent !== undefined) {
      answer = voice.silence(PROVIDER, form.sessionId, silent) ?? voice.apology(PROVIDER, form.sessionId, hop);
    } else {
      // After a <Record>: the caller's idea or report, fetched now so it commits with its event. A
      // recording that cannot be had is an empty answer: the caller is asked to speak again.
      const recording = form.recordingUrl ? await fetchRecording(form.recordingUrl, { timeoutMs: RECORDING_FETCH_MS }) : null;
      if (form.recordingUrl && !recording) log.warn({ session: form.sessionId }, 'voice recording could not be fetched');
      answer = await withDeadline(
        voice.callback({ provider: PROVIDER, sessionId: form.sessionId, phone, hop, digits: form.dtmfDigits ?? '', ...(recording ? { recording } : {}) }),
        deps.replyDeadlineMs,
        () => {
          log.error({ session: form.sessionId }, 'voice callback missed its deadline');
          return voice.apology(PROVIDER, form.sessionId, hop);
        },
      );
    }
    const publicUrl = deps.publicUrl ?? `${req.protocol}://${req.get('host')}`;
    res
      .status(200)
      .type('application/xml')
      .send(toAtVoiceXml(answer, base, publicUrl, silent ?? 0, prompts));
  });
}

/**
 * The XML for one answer. An open prompt is a GetDigits wrapping its clips, then a Redirect that
 * re-prompts when no key was pressed; an ending plays and lets the call end, first waiting for one
 * key when it offers something (the receipt again, an SMS copy).
 */
export function toAtVoiceXml(answer: VoiceAnswer<VoiceReplyView>, base: string, publicUrl: string, silent: number, prompts?: ClipResolver): string {
  const { reply, hop, lang } = answer;
  const play = (parts: VoiceReplyView['parts']) =>
    voiceAudio(publicUrl, lang, parts, prompts, SAY_LANGUAGES)
      .map((a) => ('url' in a ? `<Play url="${xmlEscape(a.url)}"/>` : `<Say>${xmlEscape(a.say)}</Say>`))
      .join('');
  const next = `${base}?hop=${hop}`;
  const getDigits = (digits: number, inner: string) =>
    `<GetDigits timeout="${KEY_TIMEOUT_SECONDS}" numDigits="${digits}" finishOnKey="#" callbackUrl="${xmlEscape(next)}">${inner}</GetDigits>`;
  if (!reply.end && reply.record) {
    const record = `<Record finishOnKey="#" maxLength="${RECORDING_MAX_SECONDS}" trimSilence="true" playBeep="true" callbackUrl="${xmlEscape(next)}">${play(reply.parts)}</Record>`;
    return `${XML_HEAD}<Response>${record}</Response>`;
  }
  if (!reply.end) {
    return `${XML_HEAD}<Response>${getDigits(reply.digits, play(reply.parts))}<Redirect>${xmlEscape(`${next}&silent=${silent + 1}`)}</Redirect></Response>`;
  }
  if (reply.offer?.length) {
    const offer = getDigits(1, play(reply.offer));
    return `${XML_HEAD}<Response>${play(reply.parts)}${offer}${play([{ clip: 'voice.goodbye' }])}</Response>`;
  }
  return `${XML_HEAD}<Response>${play(reply.parts)}</Response>`;
}

/** Resolves with `fallback()` if `work` has not settled within `ms`. */
function withDeadline<T>(work: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback()), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
