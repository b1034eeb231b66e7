-- Gateway store, version 19: winning projects' implementation updates as downloaded from the
-- ledger (one row per chain entry: inserting one already held changes nothing, so a repeated sync
-- sends no SMS twice), and who follows a project by SMS (FOLLOW 7). A follower's number is kept
-- sealed (src/domain/phone-seal.ts), since each new update is texted to it, until STOP.
CREATE TABLE implementation_updates (
  ledger_seq     INTEGER PRIMARY KEY,
  cycle_id       TEXT    NOT NULL,
  code           INTEGER NOT NULL,
  status         TEXT    NOT NULL,
  progress       INTEGER NOT NULL,
  milestone_date TEXT    NOT NULL,
  milestone      TEXT    NOT NULL,  -- JSON { "<lang>": text }
  reason         TEXT,
  recorded_at    TEXT    NOT NULL,
  received_at    TEXT    NOT NULL
) STRICT;
CREATE INDEX implementation_updates_project ON implementation_updates (code, ledger_seq);

CREATE TABLE project_follows (
  voter_key   TEXT    NOT NULL,
  cycle_id    TEXT    NOT NULL,
  code        INTEGER NOT NULL,
  provider    TEXT    NOT NULL,  -- the SMS provider the FOLLOW came through, which sends the updates
  phone       TEXT    NOT NULL,  -- sealed
  lang        TEXT    NOT NULL,  -- the language FOLLOW was answered in
  followed_at TEXT    NOT NULL,
  PRIMARY KEY (voter_key, cycle_id, code)
) STRICT;
CREATE INDEX project_follows_project ON project_follows (cycle_id, code);
