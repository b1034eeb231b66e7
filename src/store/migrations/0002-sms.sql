-- Gateway store, version 2: the SMS channel.

-- Opt-out (STOP / START): every outbound path checks it.
ALTER TABLE voters ADD COLUMN opted_out INTEGER NOT NULL DEFAULT 0 CHECK (opted_out IN (0, 1));

-- Every inbound message, once: a provider redelivery of the same id finds its row.
CREATE TABLE sms_inbound (
  provider     TEXT NOT NULL,
  provider_id  TEXT NOT NULL,
  voter_key    TEXT NOT NULL,
  received_at  TEXT NOT NULL,
  command      TEXT NOT NULL,            -- parsed keyword, for stats; never the text itself
  PRIMARY KEY (provider, provider_id)
) STRICT, WITHOUT ROWID;

-- A short SMS conversation waiting for what one message lacked (ward, project numbers).
CREATE TABLE sms_conversations (
  voter_key   TEXT PRIMARY KEY,
  state       TEXT NOT NULL CHECK (json_valid(state)),
  expires_at  TEXT NOT NULL
) STRICT;

-- Outbound messages: the durable queue. The state only moves forward:
-- queued → sent → delivered, or → failed. The raw number is kept only until it is sent (or fails).
CREATE TABLE sms_outbound (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  provider      TEXT NOT NULL,
  to_phone      TEXT,                     -- E.164; cleared once delivered or failed
  voter_key     TEXT NOT NULL,
  body          TEXT NOT NULL,
  body_hash     TEXT NOT NULL,
  encoding      TEXT NOT NULL CHECK (encoding IN ('GSM-7', 'UCS-2')),
  segments      INTEGER NOT NULL,
  kind          TEXT NOT NULL,            -- reply | confirmation | stop | broadcast
  priority      INTEGER NOT NULL,         -- 0 answers to residents, 1 broadcasts: sent first to last
  source_ref    TEXT NOT NULL UNIQUE,     -- what caused it: one reply per inbound message, ever
  state         TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'delivered', 'failed')),
  attempts      INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  provider_message_id TEXT,
  lease_until   TEXT,                     -- a sender holds the row until then (at-least-once queues)
  error         TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX sms_outbound_due ON sms_outbound (provider, priority, next_attempt_at) WHERE state = 'queued';
CREATE UNIQUE INDEX sms_outbound_provider_id ON sms_outbound (provider, provider_message_id) WHERE provider_message_id IS NOT NULL;
CREATE INDEX sms_outbound_recent ON sms_outbound (voter_key, body_hash, created_at);

-- A delivery report that outran our own record of the send: applied when the send is recorded.
CREATE TABLE sms_early_reports (
  provider            TEXT NOT NULL,
  provider_message_id TEXT NOT NULL,
  state               TEXT NOT NULL CHECK (state IN ('sent', 'delivered', 'failed')),
  error               TEXT,
  received_at         TEXT NOT NULL,
  PRIMARY KEY (provider, provider_message_id)
) STRICT, WITHOUT ROWID;
