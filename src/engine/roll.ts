// Voter-roll import: phone numbers are pseudonymised on the way in and never stored raw.
import { ConfigError } from '../config/errors.ts';
import type { RollRow } from '../config/load.ts';
import { toE164, voterKey } from '../domain/voter.ts';
import type { GatewayStore } from '../store/gateway-store.ts';

/** Imports the roll in one transaction; any invalid phone number rejects the whole file. */
export function importRoll(store: GatewayStore, rows: RollRow[], secret: string, country: string, source: string): number {
  const problems: string[] = [];
  const entries = rows.flatMap((r) => {
    const e164 = toE164(r.phone, country);
    if (!e164) {
      problems.push(`line ${r.line} (voter ${r.voter_id}): phone: not a valid phone number`);
      return [];
    }
    return [{ voterId: r.voter_id, voterKey: voterKey(e164, secret), wardId: r.ward, ageBand: r.age_band ?? null, gender: r.gender ?? null }];
  });
  if (problems.length > 0) throw new ConfigError(source, problems.slice(0, 20));
  store.importRoll(entries);
  return entries.length;
}
