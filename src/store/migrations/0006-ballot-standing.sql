-- Gateway store, version 6: where this gateway's votes stand in the city ledger, as the ledger
-- last answered (POST /v1/ballots/standing). No row: not asked yet. "My vote", RECEIPT and CHECK
-- show this, so a vote replaced by a later one (from another gateway too) is never shown as counted.
CREATE TABLE ballot_standing (
  event_id         TEXT PRIMARY KEY REFERENCES events (id),
  status           TEXT NOT NULL CHECK (status IN ('counted', 'replaced', 'superseded', 'late')),
  counted_channel  TEXT,                             -- the channel of the vote that counts instead
  checked_at       TEXT NOT NULL
) STRICT;
-- A counted vote can still be replaced (a later vote arrives from another gateway): asked again,
-- the longest unchecked first.
CREATE INDEX ballot_standing_counted ON ballot_standing (checked_at) WHERE status = 'counted';
