// Twilio signs every callback (X-Twilio-Signature: HMAC-SHA1 over the URL and sorted params).
// The URL is the configured public one, never the Host header, so it holds behind a proxy.
import type { Request } from 'express';

// The twilio package is large; it is loaded with the first Twilio callback.
let validate: Promise<typeof import('twilio').validateRequest> | undefined;

/** Whether a form callback carries a valid signature for `publicUrl` + the request path. */
export async function validTwilioSignature(req: Request, authToken: string, publicUrl: string | undefined): Promise<boolean> {
  const signature = req.header('x-twilio-signature');
  if (!signature || !publicUrl) return false;
  const check = await (validate ??= import('twilio').then((m) => m.default.validateRequest));
  return check(authToken, signature, `${publicUrl}${req.originalUrl}`, (req.body ?? {}) as Record<string, string>);
}
