// Twilio signs every callback (X-Twilio-Signature: HMAC-SHA1 over the URL and sorted params).
// The URL is the configured public one, never the Host header, so it holds behind a proxy.
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { forbidden } from '../respond.ts';
import type { AdapterDeps } from '../types.ts';

// The twilio package is large; it is loaded with the first Twilio callback.
let validate: Promise<typeof import('twilio').validateRequest> | undefined;

/** Whether a form callback carries a valid signature for `publicUrl` + the request path. */
export async function validTwilioSignature(req: Request, authToken: string, publicUrl: string | undefined): Promise<boolean> {
  const signature = req.header('x-twilio-signature');
  if (!signature || !publicUrl) return false;
  const check = await (validate ??= import('twilio').then((m) => m.default.validateRequest));
  return check(authToken, signature, `${publicUrl}${req.originalUrl}`, (req.body ?? {}) as Record<string, string>);
}

/** The account's credentials, as config read them from the environment. */
export type TwilioCredentials = NonNullable<NonNullable<AdapterDeps['credentials']>['twilio']>;

/**
 * What every Twilio route checks first: a request signed with the account's auth token, else 403.
 * Resolves to the credentials it was checked with (for the account check and recording fetches).
 */
export function twilioGuard(deps: AdapterDeps, log: Logger): (req: Request, res: Response) => Promise<TwilioCredentials | undefined> {
  const creds = deps.credentials?.twilio;
  return async (req, res) => {
    if (creds && (await validTwilioSignature(req, creds.authToken, deps.publicUrl))) return creds;
    forbidden(res, log, creds && deps.publicUrl ? 'twilio callback without a valid signature' : 'twilio callback, but TWILIO_* or SAUTI_PUBLIC_URL is not set');
    return undefined;
  };
}
