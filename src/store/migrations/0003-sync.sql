-- Gateway store, version 3: sync with the ledger.
-- Events the ledger refused. They are acknowledged (they leave the outbox: resending cannot
-- change the answer) but kept here, with the reason, for the operator.
CREATE TABLE sync_rejections (
  event_id     TEXT PRIMARY KEY REFERENCES events (id),
  seq          INTEGER NOT NULL,
  reason       TEXT NOT NULL,
  detail       TEXT NOT NULL,
  rejected_at  TEXT NOT NULL
) STRICT;

-- Sync state that changes (last push, last error, ledger clock, downloaded ballot).
CREATE TABLE sync_state (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
) STRICT;

-- Bundles written for carrying by hand; an acknowledgement file is matched against these.
CREATE TABLE sync_bundles (
  bundle_id   TEXT PRIMARY KEY,
  first_seq   INTEGER NOT NULL,
  last_seq    INTEGER NOT NULL,
  count       INTEGER NOT NULL,
  created_at  TEXT NOT NULL,
  acked_at    TEXT
) STRICT;

-- Receipt checks (CHECK by SMS, "My vote" by USSD) look a code up among every vote ever cast here.
CREATE INDEX events_receipt ON events (replace(payload ->> '$.receipt', '-', '')) WHERE type = 'vote.cast';
