// Offline eligibility for the vote form: a CSV attachment of keyed digests of the roll's voter
// ids, which the form checks on the device with ODK's digest() (ODK XForms spec, "digest"). No
// name, phone number or readable id leaves the gateway: a row is the digest and the ward.
// docs/privacy.md says what a digest still reveals (an id guessed can be checked against it).
import { createHash, createHmac } from 'node:crypto';

/** The attachment's file name, as the form's `jr://file-csv/` instance and the manifest name it. */
export const ELIGIBLE_FILE = 'eligible.csv';

/** Hex digits of SHA-256 kept per voter id: 80 bits, so two ids of one roll never share a digest. */
export const DIGEST_HEX = 20;

/**
 * The salt the form puts before a voter id: an HMAC of the cycle under the deployment's secret,
 * so a digest list cannot be precomputed before the form is published, nor linked across cycles.
 */
export function eligibilitySalt(secret: string, cycleId: string): string {
  return createHmac('sha256', secret).update(`sauti-field-eligibility:${cycleId}`).digest('hex').slice(0, 32);
}

/** What the form computes on the device: substring(digest(concat(salt, id), 'SHA-256', 'hex'), 1, 20). */
export function voterDigest(salt: string, voterId: string): string {
  return createHash('sha256')
    .update(salt + voterId, 'utf8')
    .digest('hex')
    .slice(0, DIGEST_HEX);
}

/** A media file as the manifest lists it and the device downloads it. */
export interface MediaFile {
  filename: string;
  /** `md5:` and the MD5 of the bytes, as OpenRosa's manifest carries it. */
  hash: string;
  contentType: string;
  body: string;
}

/**
 * The digests of the roll entries of `wardIds`, one row each with its ward, sorted by digest so
 * the file's order says nothing about the roll's. A header row names the columns (`d`, `w`).
 */
export function eligibilityFile(salt: string, roll: readonly { voterId: string; wardId: string }[], wardIds: readonly string[]): MediaFile {
  const wards = new Set(wardIds);
  const rows = roll
    .filter((r) => wards.has(r.wardId))
    .map((r) => `${voterDigest(salt, r.voterId.trim())},${r.wardId}`)
    .sort();
  const body = ['d,w', ...rows, ''].join('\n');
  return { filename: ELIGIBLE_FILE, hash: `md5:${createHash('md5').update(body, 'utf8').digest('hex')}`, contentType: 'text/csv; charset=utf-8', body };
}
