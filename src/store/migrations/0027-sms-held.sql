-- Gateway store, version 27: a message to a resident that the PB team's news brings (a notice:
-- a proposal's review, a report's answer; an implementation update to a project's followers)
-- while no SMS provider is configured to send SMS. It is held here, its number sealed
-- (src/domain/phone-seal.ts), and queued in sms_outbound under the same name once a provider
-- sends SMS (src/engine/held-sms.ts), so it is neither lost nor sent twice. STOP deletes it.
CREATE TABLE sms_held (
  source_ref  TEXT    PRIMARY KEY,  -- the name it is queued under: notice:<entry>:<ref>, implementation:<entry>:<voter key>, …
  provider    TEXT    NOT NULL,     -- the provider the resident came by ('' when not SMS): preferred when it sends SMS
  to_phone    TEXT    NOT NULL,     -- sealed
  voter_key   TEXT    NOT NULL,
  body        TEXT    NOT NULL,
  kind        TEXT    NOT NULL,
  held_at     TEXT    NOT NULL
) STRICT;
CREATE INDEX sms_held_voter ON sms_held (voter_key);
