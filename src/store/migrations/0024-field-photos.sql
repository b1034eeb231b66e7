-- Gateway store, version 24: a field officer's idea may carry a photo. It is kept with the spoken
-- ideas' recordings (voice_recordings: digest, length, type, bytes) and travels the same way, bound
-- to its proposal by the event's `photo.sha256` instead of `audio.sha256`. This index finds the
-- proposal naming a photo, as events_audio does for a recording. Partial, so votes never evaluate it.
CREATE INDEX events_photo ON events (json_extract(payload, '$.photo.sha256')) WHERE type = 'proposal.submitted';
