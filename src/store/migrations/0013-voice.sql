-- Gateway store, version 11: voice calls (issue 14).
-- One row per provider call: the keypad state each callback is computed from, the number of the
-- last answer (`hop`, carried in the callback URLs, so a provider retry of an earlier callback is
-- recognised and answered again without re-applying it), and that answer (JSON prompt parts).
-- The final callback fills in the call's length and cost as the provider reports them; the cost
-- is kept as the provider's decimal text, in its currency. No phone number: only the pseudonym.
CREATE TABLE voice_calls (
  provider          TEXT NOT NULL,
  session_id        TEXT NOT NULL,
  voter_key         TEXT NOT NULL,
  state             TEXT NOT NULL CHECK (json_valid(state)),
  hop               INTEGER NOT NULL CHECK (hop >= 0),
  last_reply        TEXT NOT NULL CHECK (json_valid(last_reply)),
  status            TEXT NOT NULL CHECK (status IN ('open', 'ended', 'superseded')),
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL,
  duration_seconds  INTEGER CHECK (duration_seconds >= 0),
  cost_amount       TEXT,
  cost_currency     TEXT,
  finished_at       TEXT,
  PRIMARY KEY (provider, session_id)
) STRICT;
-- A caller whose call dropped mid-vote is offered to resume: their latest open call.
CREATE INDEX voice_calls_open_by_voter ON voice_calls (voter_key, updated_at) WHERE status = 'open';

-- Spoken ideas: each recording fetched from the provider, kept here by its SHA-256 (the proposal
-- event carries the digest and length, so the city can ask for it once the event has synced).
-- Kept in the database so it commits with the proposal it belongs to.
CREATE TABLE voice_recordings (
  sha256        TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  bytes         INTEGER NOT NULL CHECK (bytes > 0),
  content_type  TEXT NOT NULL,
  audio         BLOB NOT NULL,
  received_at   TEXT NOT NULL
) STRICT;
