// Phone numbers become keyed pseudonyms here; nothing past this point needs the raw number.
import { createHmac } from 'node:crypto';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * Returns the E.164 form of a phone number, or null when it cannot be one. "Possible" (right
 * length for the country), not "valid": a range newer than libphonenumber's metadata must
 * still be able to vote.
 */
export function toE164(raw: string, defaultCountry: string): string | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultCountry as CountryCode);
  return parsed?.isPossible() ? parsed.number : null;
}

/** HMAC-SHA256 of the E.164 number with the deployment secret: the voter's pseudonym. */
export function voterKey(e164: string, secret: string): string {
  return createHmac('sha256', secret).update(e164).digest('base64url');
}

/**
 * The pseudonym of a voter identified by a roll's voter id rather than a phone (a resident with
 * no phone, met by a field officer). A distinct domain label keeps it apart from phone keys: an
 * id that happens to look like a phone number never yields that phone's key.
 */
export function voterIdKey(voterId: string, secret: string): string {
  return createHmac('sha256', secret).update(`sauti-voter-id/1\n${voterId}`).digest('base64url');
}
