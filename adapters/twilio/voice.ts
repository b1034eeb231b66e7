// Twilio Voice webhooks: the incoming call and every Gather action (signed form bodies) →
// VoiceCallback → TwiML built with the twilio SDK's VoiceResponse; call status callbacks store
// the call's length.
//
// Checked against Twilio's documentation (twilio.com/docs/voice/twiml/gather, voice webhooks;
// the SDK's VoiceResponse types): <Gather input="dtmf" numDigits timeout finishOnKey action
// actionOnEmptyResult> posts `Digits` to its action URL, and with actionOnEmptyResult="true" it
// posts even when nothing was pressed, so silence comes back to Sauti as an empty `Digits`.
// Call status callbacks carry CallStatus and, once completed, CallDuration; they carry no price
// (Twilio puts it on the Call resource later), so a Twilio call's cost is left empty.
// <Record action recordingStatusCallback maxLength finishOnKey playBeep trim> posts RecordingUrl
// to its action once the caller stops (twilio.com/docs/voice/twiml/record).
import express, { type Router } from 'express';
import { z } from 'zod';
import { memoize } from '../../src/domain/memo.ts';
import { toE164 } from '../../src/domain/voter.ts';
import type { VoiceAnswer } from '../../src/engine/voice-runner.ts';
import { fetchRecording } from '../recording.ts';
import { badRequest, forbidden } from '../respond.ts';
import type { AdapterDeps, VoiceReplyView } from '../types.ts';
import { voiceAudio, warningOnce, type ClipResolver } from '../voice-clips.ts';
import { twilioGuard } from './signature.ts';

const callSid = z.string().regex(/^CA[0-9a-fA-F]{32}$/, 'not a call SID');
const accountSid = z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'not an account SID');

/** Fields Twilio posts on the incoming-call webhook and on each Gather action. */
export const voiceForm = z.object({
  CallSid: callSid,
  AccountSid: accountSid,
  From: z.string().min(2).max(32),
  To: z.string().max(32).optional(),
  CallStatus: z.string().max(32).optional(),
  Digits: z
    .string()
    .max(32)
    .regex(/^[0-9*#]*$/, 'keypad keys only')
    .optional(),
  // After a <Record>: where the recording is, and its length in seconds.
  RecordingUrl: z.string().max(2048).optional(),
  RecordingDuration: z.coerce.number().int().min(0).optional(),
});

/** Fields of a call status callback. */
export const callStatusForm = z.object({
  CallSid: callSid,
  AccountSid: accountSid,
  CallStatus: z.string().min(1).max(32),
  CallDuration: z.coerce.number().int().min(0).optional(),
});

/** Sauti's own query on action URLs: the answer number, and silent re-prompts so far. */
const actionQuery = z.object({
  hop: z.coerce.number().int().min(1).max(100_000).optional(),
  silent: z.coerce.number().int().min(0).max(10).optional(),
});

const PROVIDER = 'twilio';
/**
 * <Say language> for the languages Twilio's voices speak (twilio.com/docs/voice/twiml/say): a clip
 * missing on disk is said in its language; Kiswahili is not among them, so a missing Kiswahili
 * clip falls back as PromptLibrary.resolveClip says (the default language's clip or text).
 */
const SAY_LOCALES: Record<string, NonNullable<import('twilio/lib/twiml/VoiceResponse.js').SayAttributes['language']>> = { en: 'en-GB', fr: 'fr-FR' };
/** Seconds a caller has to press a key before the re-prompt. */
const KEY_TIMEOUT_SECONDS = 10;
/** Longest wait for a recording from Twilio. */
const RECORDING_FETCH_MS = 3000;
/** Longest spoken idea or report, in seconds. */
const RECORDING_MAX_SECONDS = 60;
/** Where Twilio keeps recordings: only these hosts get the account's credentials. */
const TWILIO_HOSTS = /(^|\.)twilio\.com$/;
/** Call statuses after which a call is over. */
const FINAL = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

// The twilio package is large; it is loaded with the first Twilio call.
let voiceResponse: Promise<typeof import('twilio').twiml.VoiceResponse> | undefined;
const twiml = () => (voiceResponse ??= import('twilio').then((m) => m.default.twiml.VoiceResponse));

/** Mounts the voice webhook (also every action URL) and the call status callback. */
export function mountTwilioVoice(router: Router, deps: AdapterDeps): void {
  const log = deps.logger.child({ component: 'adapter', channel: 'voice', provider: PROVIDER });
  const form = express.urlencoded({ extended: false, limit: '16kb' });
  const e164 = memoize((raw) => toE164(raw, deps.deployment.deployment.country));
  const prompts = deps.prompts && warningOnce(deps.prompts, log);
  const guard = twilioGuard(deps, log);

  router.post('/twilio/voice', form, async (req, res) => {
    const creds = await guard(req, res);
    if (!creds) return;
    const parsed = voiceForm.safeParse(req.body ?? {});
    if (!parsed.success) return badRequest(res, parsed.error.issues, log, 'twilio voice callback');
    const query = actionQuery.safeParse(req.query);
    if (!query.success) return badRequest(res, query.error.issues, log, 'twilio voice callback query');
    if (parsed.data.AccountSid !== creds.accountSid) return forbidden(res, log, 'twilio callback for another account');
    const voice = deps.voice;
    if (!voice) {
      res.status(503).type('text/plain').send('Voice is not configured');
      return;
    }
    const f = parsed.data;
    const phone = e164(f.From);
    if (!phone) {
      log.warn({ session: f.CallSid }, 'twilio voice callback with an invalid From');
      res.status(400).type('text/plain').send('Bad request: invalid From');
      return;
    }
    const { hop, silent = 0 } = query.data;
    const digits = f.Digits ?? '';
    let answer: VoiceAnswer<VoiceReplyView>;
    let silences = 0;
    if (f.RecordingUrl !== undefined) {
      // After a <Record>: the caller's idea or report, fetched with the account's credentials (recordings
      // may require them) so it commits with its event; one that cannot be had is asked for again.
      const recording = f.RecordingUrl
        ? await fetchRecording(f.RecordingUrl, {
            timeoutMs: RECORDING_FETCH_MS,
            auth: { user: creds.accountSid, password: creds.authToken, hosts: TWILIO_HOSTS },
          })
        : null;
      if (!recording) log.warn({ session: f.CallSid }, 'voice recording could not be fetched');
      answer = await voice.callback({ provider: PROVIDER, sessionId: f.CallSid, phone, hop, digits: '', ...(recording ? { recording } : {}) });
    } else if (hop !== undefined && digits === '') {
      // Gather ended with no key (actionOnEmptyResult): re-prompt, and after two, goodbye.
      silences = silent + 1;
      answer = voice.silence(PROVIDER, f.CallSid, silences) ?? voice.apology(PROVIDER, f.CallSid, hop);
    } else {
      answer = await withDeadline(voice.callback({ provider: PROVIDER, sessionId: f.CallSid, phone, hop, digits }), deps.replyDeadlineMs, () => {
        log.error({ session: f.CallSid }, 'voice callback missed its deadline');
        return voice.apology(PROVIDER, f.CallSid, hop);
      });
    }
    res
      .status(200)
      .type('text/xml')
      .send(await toTwiml(answer, deps.publicUrl!, silences, prompts));
  });

  // Twilio reports here when a recording is ready; Sauti has fetched it at the Record action
  // already, so this only acknowledges (signed like every other request).
  router.post('/twilio/voice-recording', form, async (req, res) => {
    if (!(await guard(req, res))) return;
    res.status(200).type('text/plain').send('');
  });

  router.post('/twilio/voice-status', form, async (req, res) => {
    if (!(await guard(req, res))) return;
    const parsed = callStatusForm.safeParse(req.body ?? {});
    if (!parsed.success) return badRequest(res, parsed.error.issues, log, 'twilio call status callback');
    const s = parsed.data;
    if (FINAL.has(s.CallStatus) && deps.voice) {
      const known = await deps.voice.finish(PROVIDER, s.CallSid, { durationSeconds: s.CallDuration ?? null, amount: null, currency: null });
      if (!known) log.warn({ session: s.CallSid }, 'call status for an unknown call');
    }
    res.status(200).type('text/plain').send('');
  });
}

/**
 * TwiML for one answer: an open prompt is a Gather (its clips inside) whose action comes back
 * even on silence; an ending plays, offers the receipt again when it may, and hangs up.
 */
export async function toTwiml(answer: VoiceAnswer<VoiceReplyView>, publicUrl: string, silent: number, prompts?: ClipResolver): Promise<string> {
  const VoiceResponse = await twiml();
  const { reply, hop, lang } = answer;
  const response = new VoiceResponse();
  /** Plays `parts` into `into` (the response or a Gather): clips, and <Say> for any that is missing. */
  const play = (into: Pick<typeof response, 'play' | 'say'>, parts: VoiceReplyView['parts']) => {
    for (const a of voiceAudio(publicUrl, lang, parts, prompts, Object.keys(SAY_LOCALES))) {
      if ('url' in a) into.play(a.url);
      else if (SAY_LOCALES[a.lang]) into.say({ language: SAY_LOCALES[a.lang] }, a.say);
      else into.say(a.say);
    }
  };
  const gather = (digits: number, parts: VoiceReplyView['parts'], silences: number) => {
    const g = response.gather({
      input: ['dtmf'],
      numDigits: digits,
      timeout: KEY_TIMEOUT_SECONDS,
      finishOnKey: '#',
      action: `${publicUrl}/twilio/voice?hop=${hop}&silent=${silences}`,
      actionOnEmptyResult: true,
    });
    play(g, parts);
  };
  if (!reply.end && reply.record) {
    play(response, reply.parts);
    response.record({
      action: `${publicUrl}/twilio/voice?hop=${hop}&silent=0`,
      recordingStatusCallback: `${publicUrl}/twilio/voice-recording`,
      maxLength: RECORDING_MAX_SECONDS,
      finishOnKey: '#',
      playBeep: true,
      trim: 'trim-silence',
    });
  } else if (!reply.end) {
    gather(reply.digits, reply.parts, silent);
  } else {
    play(response, reply.parts);
    // What the ending offers (the receipt again, an SMS copy) waits for one key; silence there is goodbye.
    if (reply.offer?.length) gather(1, reply.offer, 2);
    else response.hangup();
  }
  return response.toString();
}

/** Resolves with `fallback()` if `work` has not settled within `ms`. */
function withDeadline<T>(work: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback()), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
