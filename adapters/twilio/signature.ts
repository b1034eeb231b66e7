// Twilio signs every callback (X-Twilio-Signature: HMAC-SHA1 over the URL and sorted params).
// The URL is the configured public one, never the Host header, so it holds behind a proxy.
import type { Request } from 'express';
import twilio from 'twilio';

/** Whether a form callback carries a valid signature for `publicUrl` + the request path. */
export function validTwilioSignature(req: Request, authToken: string, publicUrl: string | undefined): boolean {
  const signature = req.header('x-twilio-signature');
  if (!signature || !publicUrl) return false;
  return twilio.validateRequest(authToken, signature, `${publicUrl}${req.originalUrl}`, (req.body ?? {}) as Record<string, string>);
}
