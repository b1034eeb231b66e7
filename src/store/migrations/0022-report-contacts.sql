-- Gateway store, version 22: who sent each report on a winning project (REPORT 7 …), so the PB
-- team's answer, which the ledger names by the report's reference only, can be texted back by this
-- gateway: the number never leaves it. Kept sealed (src/domain/phone-seal.ts) until STOP.
CREATE TABLE report_contacts (
  reference   TEXT    PRIMARY KEY,  -- R-XXXXX-XXX, as in the project.reported event
  voter_key   TEXT    NOT NULL,
  provider    TEXT    NOT NULL,     -- the SMS provider the report came through, which sends the answer
  phone       TEXT    NOT NULL,     -- sealed
  lang        TEXT    NOT NULL,     -- the language the report was answered in
  reported_at TEXT    NOT NULL
) STRICT;
CREATE INDEX report_contacts_voter ON report_contacts (voter_key);
