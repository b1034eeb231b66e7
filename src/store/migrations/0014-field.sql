-- Gateway store, version 12: field officers (ODK Collect over OpenRosa) and what they submitted.
-- An officer's server URL carries a random token; only its SHA-256 is kept, so a copy of this
-- file cannot be turned back into working URLs. Revoking sets revoked_at: the next request fails.
CREATE TABLE field_officers (
  id              TEXT PRIMARY KEY,          -- shown to operators: `sauti field revoke <id>`
  name            TEXT NOT NULL,
  ward_id         TEXT,                      -- the ward the officer works in; NULL: every ward
  token_hash      TEXT NOT NULL UNIQUE,      -- SHA-256 hex of the token, never the token
  created_at      TEXT NOT NULL,
  revoked_at      TEXT,
  last_contact_at TEXT                       -- last authenticated request
) STRICT;

-- One row per accepted submission (OpenRosa instanceID): a resubmission of the same XML is
-- answered again from here, different XML under the same id is refused. It is also the gateway's
-- provenance of a field event: which officer captured it. The officer never leaves the gateway.
CREATE TABLE field_submissions (
  instance_id  TEXT PRIMARY KEY,
  form_id      TEXT NOT NULL,
  officer_id   TEXT NOT NULL REFERENCES field_officers (id),
  xml_sha256   TEXT NOT NULL,
  event_id     TEXT NOT NULL UNIQUE REFERENCES events (id),
  message      TEXT NOT NULL,                -- what the officer was told (receipt or reference)
  captured_at  TEXT NOT NULL,                -- the device's clock (the form's end time)
  received_at  TEXT NOT NULL
) STRICT;
