-- Gateway store, version 15: spoken ideas travel to the ledger, then leave the gateway (issue 14).
-- `ledger_stored_at`: when the ledger's signed answer (or acknowledgement file) said it holds the
-- recording; the privacy sweep erases the row a grace period after that, once its event is
-- acknowledged too. A refusal is kept for the operator (`sauti sync status`); the final ones
-- (too large, damaged on this gateway, a length the event contradicts) are not sent again.
ALTER TABLE voice_recordings ADD COLUMN ledger_stored_at TEXT;
ALTER TABLE voice_recordings ADD COLUMN refused_reason TEXT;
ALTER TABLE voice_recordings ADD COLUMN refused_detail TEXT;
ALTER TABLE voice_recordings ADD COLUMN refused_at TEXT;
-- Which proposal names a recording: the relay sends a recording once its event is acknowledged,
-- and the sweep erases it only then. Partial, so votes never evaluate the expression.
CREATE INDEX events_audio ON events (json_extract(payload, '$.audio.sha256')) WHERE type = 'proposal.submitted';
