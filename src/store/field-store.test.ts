// Migration 0014: field officers keep only a token hash; a revoked token is found no more; one
// submission row per instanceID and per event; lookups by token hash use the unique index.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { FieldStore } from './field-store.ts';
import { migrate } from './migrate.ts';

describe('migration 0014: field officers and submissions', () => {
  it('stores officers by token hash, revokes once, and refuses a second row for an instanceID or an event', () => {
    const db = new Database(':memory:');
    migrate(db, 13);
    expect(migrate(db)).toBeGreaterThanOrEqual(12);
    const field = new FieldStore(db);
    field.addOfficer({ id: 'o-1', name: 'Amina', ward_id: 'north', token_hash: 'a'.repeat(64), created_at: '2026-11-22T09:00:00.000Z' });
    expect(() => field.addOfficer({ id: 'o-2', name: 'Baraka', ward_id: null, token_hash: 'a'.repeat(64), created_at: 'x' })).toThrow(/UNIQUE/);
    expect(field.officerByTokenHash('a'.repeat(64))?.id).toBe('o-1');
    expect(field.revoke('o-1', '2026-11-22T10:00:00.000Z')).toBe('revoked');
    expect(field.revoke('o-1', '2026-11-22T11:00:00.000Z')).toBe('already');
    expect(field.officerByTokenHash('a'.repeat(64))).toBeUndefined();
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT id FROM field_officers WHERE token_hash = ? AND revoked_at IS NULL').all('x') as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX sqlite_autoindex_field_officers/);

    db.prepare(
      `INSERT INTO events (id, type, cycle_id, voter_key, channel, gateway_id, captured_at, source_ref, payload)
      VALUES ('e1', 'vote.cast', 'c', 'k', 'field', 'g', 't', 'field:uuid:1#0', '{}')`,
    ).run();
    const row = {
      instance_id: 'uuid:1',
      form_id: 'sauti-vote-c',
      officer_id: 'o-1',
      xml_sha256: 'h',
      event_id: 'e1',
      message: 'm',
      captured_at: 't',
      received_at: 't',
    };
    field.addSubmission(row);
    expect(field.submission('uuid:1')).toEqual({ ...row, consent: null, sms_receipt: 0 });
    expect(() => field.addSubmission(row)).toThrow(/UNIQUE/);
    expect(() => field.addSubmission({ ...row, instance_id: 'uuid:2' })).toThrow(/UNIQUE.*event_id/);
    expect(field.eventIdBySource('field:uuid:1#0')).toBe('e1');
  });
});

describe('migration 0017: consent and SMS receipt on a field submission', () => {
  it('adds consent (only yes or NULL) and sms_receipt (0 by default) to rows, old rows included', () => {
    const db = new Database(':memory:');
    migrate(db, 16);
    db.prepare(`INSERT INTO field_officers (id, name, ward_id, token_hash, created_at) VALUES ('o-1', 'Amina', NULL, 'h', 't')`).run();
    db.prepare(
      `INSERT INTO events (id, type, cycle_id, voter_key, channel, gateway_id, captured_at, source_ref, payload)
      VALUES ('e1', 'vote.cast', 'c', 'k', 'field', 'g', 't', 'field:uuid:1#0', '{}')`,
    ).run();
    db.prepare(
      `INSERT INTO field_submissions (instance_id, form_id, officer_id, xml_sha256, event_id, message, captured_at, received_at)
      VALUES ('uuid:1', 'f', 'o-1', 'h', 'e1', 'm', 't', 't')`,
    ).run();
    expect(migrate(db)).toBeGreaterThanOrEqual(17);
    const field = new FieldStore(db);
    expect(field.submission('uuid:1')).toMatchObject({ consent: null, sms_receipt: 0 });
    db.prepare(
      `INSERT INTO events (id, type, cycle_id, voter_key, channel, gateway_id, captured_at, source_ref, payload)
      VALUES ('e2', 'vote.cast', 'c', 'k2', 'field', 'g', 't', 'field:uuid:2#0', '{}')`,
    ).run();
    const row = { instance_id: 'uuid:2', form_id: 'f', officer_id: 'o-1', xml_sha256: 'h', event_id: 'e2', message: 'm', captured_at: 't', received_at: 't' };
    expect(() => field.addSubmission({ ...row, consent: 'no' as 'yes' })).toThrow(/CHECK/);
    field.addSubmission({ ...row, consent: 'yes', sms_receipt: 1 });
    expect(field.submission('uuid:2')).toMatchObject({ consent: 'yes', sms_receipt: 1 });
  });
});
