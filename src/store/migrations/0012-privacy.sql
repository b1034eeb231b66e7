-- Gateway store, version 12 (0007 was reserved, but a database already at version 10 would never
-- apply a lower number): no phone number or keypress lingers (docs/privacy.md, "On the gateway").
-- Numbers in sms_outbound.to_phone and the keypresses and last screen of USSD sessions are stored
-- sealed from now on (src/domain/phone-seal.ts); rows written before are sealed at start-up by the
-- privacy sweep, which needs the key this SQL does not have.
--
-- USSD events named their provider request by the session's accumulated keypresses
-- (`ussd:<session>:1*2*Fix the road 0712…#0`): the vote, and any number typed into an idea. New
-- events keep a keyed digest instead; old ones are renamed by their sequence number, unique all the
-- same. Only source_ref changes, which never leaves the gateway: the immutability trigger is set
-- aside for this one statement and put back exactly as 0001 wrote it.
DROP TRIGGER events_no_update;
UPDATE events SET source_ref = 'ussd:legacy:' || seq || CASE WHEN instr(source_ref, '#') > 0 THEN substr(source_ref, instr(source_ref, '#')) ELSE '' END
  WHERE channel = 'ussd' AND source_ref LIKE 'ussd:%' AND source_ref NOT LIKE 'ussd:legacy:%';
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN NEW.id IS NOT OLD.id OR NEW.type IS NOT OLD.type OR NEW.cycle_id IS NOT OLD.cycle_id
  OR NEW.voter_key IS NOT OLD.voter_key OR NEW.channel IS NOT OLD.channel
  OR NEW.gateway_id IS NOT OLD.gateway_id OR NEW.captured_at IS NOT OLD.captured_at
  OR NEW.source_ref IS NOT OLD.source_ref OR NEW.payload IS NOT OLD.payload
  OR NEW.seq IS NOT OLD.seq OR OLD.acked_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'events are immutable'); END;

-- A number is erased once no reply needs it (sent or failed for good); rows from before that rule held.
UPDATE sms_outbound SET to_phone = NULL WHERE state <> 'queued' AND to_phone IS NOT NULL;
