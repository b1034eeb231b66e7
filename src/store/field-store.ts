// Field officers and their submissions. Token hashes only: the token is shown once, at creation.
import type { Database, Statement } from 'better-sqlite3';

/** A field officer as stored. */
export interface OfficerRow {
  id: string;
  name: string;
  ward_id: string | null;
  created_at: string;
  revoked_at: string | null;
  last_contact_at: string | null;
}

/** An accepted submission, as a resubmission is answered from it. */
export interface FieldSubmissionRow {
  instance_id: string;
  form_id: string;
  officer_id: string;
  xml_sha256: string;
  event_id: string;
  message: string;
  captured_at: string;
  received_at: string;
  /** 'yes' for an assisted vote (migration 0017); null for an idea or a survey answer. */
  consent?: 'yes' | null;
  /** 1 when a receipt SMS was queued for this vote (the number is in sms_outbound only, sealed). */
  sms_receipt?: 0 | 1;
}

/** Typed access to `field_officers` and `field_submissions`. */
export class FieldStore {
  private readonly s: Record<string, Statement>;

  constructor(readonly db: Database) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      addOfficer: p(`INSERT INTO field_officers (id, name, ward_id, token_hash, created_at) VALUES (@id, @name, @ward_id, @token_hash, @created_at)`),
      byToken: p('SELECT id, name, ward_id, created_at, revoked_at, last_contact_at FROM field_officers WHERE token_hash = ? AND revoked_at IS NULL'),
      all: p('SELECT id, name, ward_id, created_at, revoked_at, last_contact_at FROM field_officers ORDER BY created_at, id'),
      revoke: p('UPDATE field_officers SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
      exists: p('SELECT revoked_at FROM field_officers WHERE id = ?'),
      touch: p('UPDATE field_officers SET last_contact_at = ? WHERE id = ?'),
      submission: p('SELECT * FROM field_submissions WHERE instance_id = ?'),
      addSubmission:
        p(`INSERT INTO field_submissions (instance_id, form_id, officer_id, xml_sha256, event_id, message, captured_at, received_at, consent, sms_receipt)
        VALUES (@instance_id, @form_id, @officer_id, @xml_sha256, @event_id, @message, @captured_at, @received_at, @consent, @sms_receipt)`),
      rollByVoterId: p('SELECT voter_key, ward_id FROM roll WHERE voter_id = ?'),
      rollIds: p('SELECT voter_id, ward_id FROM roll'),
      eventBySource: p('SELECT id FROM events WHERE source_ref = ?'),
    };
  }

  addOfficer(o: { id: string; name: string; ward_id: string | null; token_hash: string; created_at: string }): void {
    this.s.addOfficer!.run(o);
  }

  /** The officer holding this token hash, unless revoked. */
  officerByTokenHash(hash: string): OfficerRow | undefined {
    return this.s.byToken!.get(hash) as OfficerRow | undefined;
  }

  officers(): OfficerRow[] {
    return this.s.all!.all() as OfficerRow[];
  }

  /** Revokes an officer's token; 'unknown' when there is no such officer, 'already' when revoked before. */
  revoke(id: string, at: string): 'revoked' | 'already' | 'unknown' {
    const row = this.s.exists!.get(id) as { revoked_at: string | null } | undefined;
    if (!row) return 'unknown';
    if (row.revoked_at) return 'already';
    this.s.revoke!.run(at, id);
    return 'revoked';
  }

  touch(id: string, at: string): void {
    this.s.touch!.run(at, id);
  }

  submission(instanceId: string): FieldSubmissionRow | undefined {
    return this.s.submission!.get(instanceId) as FieldSubmissionRow | undefined;
  }

  addSubmission(row: FieldSubmissionRow): void {
    this.s.addSubmission!.run({ consent: null, sms_receipt: 0, ...row });
  }

  /** Every roll entry's voter id and ward: the source of the vote form's eligibility digests. */
  rollIds(): { voterId: string; wardId: string }[] {
    return (this.s.rollIds!.all() as { voter_id: string; ward_id: string }[]).map((r) => ({ voterId: r.voter_id, wardId: r.ward_id }));
  }

  /** The roll's entry for a voter id: the pseudonym of their phone and their ward. */
  rollByVoterId(voterId: string): { voter_key: string; ward_id: string } | undefined {
    return this.s.rollByVoterId!.get(voterId) as { voter_key: string; ward_id: string } | undefined;
  }

  eventIdBySource(sourceRef: string): string | undefined {
    return (this.s.eventBySource!.get(sourceRef) as { id: string } | undefined)?.id;
  }
}
