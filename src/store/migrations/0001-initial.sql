-- Gateway store, version 1.
-- events: immutable log of everything captured here; rows with acked_at NULL are the sync outbox.
CREATE TABLE events (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,  -- per-gateway sequence number, never reused
  id           TEXT    NOT NULL UNIQUE,            -- UUIDv7
  type         TEXT    NOT NULL,                   -- vote.cast | proposal.submitted
  cycle_id     TEXT    NOT NULL,
  voter_key    TEXT    NOT NULL,                   -- HMAC pseudonym, never the phone number
  channel      TEXT    NOT NULL,                   -- ussd | sms | voice | field | paper
  gateway_id   TEXT    NOT NULL,
  captured_at  TEXT    NOT NULL,                   -- ISO 8601 UTC, gateway clock
  source_ref   TEXT    NOT NULL UNIQUE,            -- provider request identity: a retry cannot insert twice
  payload      TEXT    NOT NULL CHECK (json_valid(payload)),
  acked_at     TEXT                                -- set when the ledger acknowledges the event
) STRICT;
CREATE INDEX events_outbox ON events (seq) WHERE acked_at IS NULL;

-- Only acked_at may change, and only from NULL: the log itself is append-only.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN NEW.id IS NOT OLD.id OR NEW.type IS NOT OLD.type OR NEW.cycle_id IS NOT OLD.cycle_id
  OR NEW.voter_key IS NOT OLD.voter_key OR NEW.channel IS NOT OLD.channel
  OR NEW.gateway_id IS NOT OLD.gateway_id OR NEW.captured_at IS NOT OLD.captured_at
  OR NEW.source_ref IS NOT OLD.source_ref OR NEW.payload IS NOT OLD.payload
  OR NEW.seq IS NOT OLD.seq OR OLD.acked_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'events are immutable'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are immutable'); END;

-- Current ballot per voter and cycle (the latest accepted here; the ledger decides across gateways).
CREATE TABLE ballots (
  cycle_id   TEXT NOT NULL,
  voter_key  TEXT NOT NULL,
  ward_id    TEXT NOT NULL,
  picks      TEXT NOT NULL CHECK (json_valid(picks)),
  receipt    TEXT NOT NULL UNIQUE,
  event_id   TEXT NOT NULL REFERENCES events (id),
  channel    TEXT NOT NULL,
  cast_at    TEXT NOT NULL,
  PRIMARY KEY (cycle_id, voter_key)
) STRICT;
CREATE INDEX ballots_by_voter ON ballots (voter_key, cast_at);

CREATE TABLE proposals (
  reference    TEXT PRIMARY KEY,
  event_id     TEXT NOT NULL REFERENCES events (id),
  cycle_id     TEXT NOT NULL,
  voter_key    TEXT NOT NULL,
  ward_id      TEXT NOT NULL,
  category     TEXT NOT NULL,
  title        TEXT NOT NULL,
  description  TEXT NOT NULL,
  status       TEXT NOT NULL DEFAULT 'submitted',
  submitted_at TEXT NOT NULL
) STRICT;

-- Per-phone preferences (language), keyed by pseudonym.
CREATE TABLE voters (
  voter_key  TEXT PRIMARY KEY,
  lang       TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

-- Imported voter roll (eligibility: roll). Phone numbers are stored only as pseudonyms.
CREATE TABLE roll (
  voter_id   TEXT PRIMARY KEY,
  voter_key  TEXT NOT NULL UNIQUE,
  ward_id    TEXT NOT NULL
) STRICT;

-- USSD sessions: the state each hop is computed from, and the last answer given, so a provider
-- retry of the latest hop (same accumulated text) gets the same screen without re-applying it.
CREATE TABLE ussd_sessions (
  session_id  TEXT PRIMARY KEY,
  voter_key   TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (json_valid(state)),
  last_text   TEXT NOT NULL,
  last_reply  TEXT NOT NULL,
  last_end    INTEGER NOT NULL CHECK (last_end IN (0, 1)),
  status      TEXT NOT NULL CHECK (status IN ('open', 'ended', 'superseded')),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX ussd_sessions_open_by_voter ON ussd_sessions (voter_key, updated_at) WHERE status = 'open';

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
