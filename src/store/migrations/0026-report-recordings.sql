-- Gateway store, version 26: a report on a project may be spoken on a call (issue 16). Its
-- recording lives in voice_recordings as a spoken idea's does, named by the project.reported
-- event's `audio.sha256`; the relay and the privacy sweep find the event that names a recording
-- through this partial index, which covers both kinds of event and never the votes.
CREATE INDEX events_attached_audio ON events (json_extract(payload, '$.audio.sha256')) WHERE type IN ('proposal.submitted', 'project.reported');
