-- Gateway store, version 16: paper ballots typed in by field officers (double entry) and
-- meetings' tally sheets. Each officer's entry of a ballot is kept, with who typed it, so a
-- disagreement can be shown and settled; the ballot itself is stored (as a vote.cast event with
-- channel 'paper') only once two officers' entries agree. None of this leaves the gateway except
-- the settled ballot's event and the tally sheet's event.
CREATE TABLE paper_entries (
  instance_id  TEXT PRIMARY KEY,                -- OpenRosa instanceID: a resubmission is answered from here
  cycle_id     TEXT NOT NULL,
  serial       TEXT NOT NULL,                   -- printed on the ballot, upper case
  officer_id   TEXT NOT NULL REFERENCES field_officers (id),
  content      TEXT NOT NULL CHECK (json_valid(content)),  -- {meetingId, day, wardId, picks}: what two entries must agree on
  xml_sha256   TEXT NOT NULL,
  message      TEXT NOT NULL,                   -- what the officer was told
  received_at  TEXT NOT NULL
) STRICT;
CREATE INDEX paper_entries_serial ON paper_entries (cycle_id, serial, received_at);

-- A settled ballot: one per serial and cycle. Its event is the vote the ledger counts.
CREATE TABLE paper_ballots (
  cycle_id    TEXT NOT NULL,
  serial      TEXT NOT NULL,
  content     TEXT NOT NULL CHECK (json_valid(content)),
  event_id    TEXT NOT NULL UNIQUE REFERENCES events (id),
  settled_at  TEXT NOT NULL,
  PRIMARY KEY (cycle_id, serial)
) STRICT;

-- A meeting's tally sheet: one per meeting id and cycle; its event carries the totals.
CREATE TABLE paper_tallies (
  cycle_id     TEXT NOT NULL,
  meeting_id   TEXT NOT NULL,
  instance_id  TEXT NOT NULL UNIQUE,
  officer_id   TEXT NOT NULL REFERENCES field_officers (id),
  content      TEXT NOT NULL CHECK (json_valid(content)),
  xml_sha256   TEXT NOT NULL,
  event_id     TEXT NOT NULL UNIQUE REFERENCES events (id),
  message      TEXT NOT NULL,
  received_at  TEXT NOT NULL,
  PRIMARY KEY (cycle_id, meeting_id)
) STRICT;
