-- Gateway store, version 21: notices downloaded from the ledger (one row per chain entry: one
-- already held changes nothing, so a repeated sync texts nobody twice); each proposal's latest
-- review status and reason as the ledger's notices said (STATUS <ref>); and the number of the
-- resident who proposed it, sealed (src/domain/phone-seal.ts), kept to tell them of each new
-- status until STOP.
CREATE TABLE notices_received (
  ledger_seq  INTEGER PRIMARY KEY,
  kind        TEXT    NOT NULL,
  received_at TEXT    NOT NULL
) STRICT;

ALTER TABLE proposals ADD COLUMN status_reason TEXT;   -- JSON { "<lang>": text } for not-feasible
ALTER TABLE proposals ADD COLUMN status_seq INTEGER;   -- the notice that set status (a later one wins)
-- A caller's own ideas, newest first (USSD's "My ideas" item, read when the menu is shown).
CREATE INDEX proposals_voter ON proposals (voter_key, submitted_at);

CREATE TABLE proposal_contacts (
  reference TEXT    PRIMARY KEY REFERENCES proposals (reference),
  voter_key TEXT    NOT NULL,
  provider  TEXT    NOT NULL,  -- the SMS provider to text through ('' : the first that sends SMS)
  phone     TEXT    NOT NULL,  -- sealed
  lang      TEXT    NOT NULL,  -- the language the idea was sent in
  kept_at   TEXT    NOT NULL
) STRICT;
CREATE INDEX proposal_contacts_voter ON proposal_contacts (voter_key);
