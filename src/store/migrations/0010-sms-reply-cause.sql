-- Gateway store, version 10: loop protection tells a repeated message from a new one.
-- An automatic reply is held back when it was already sent `sms.maxIdentical` times in 30 minutes
-- to one number in answer to the same text (a machine repeating itself), or three times as often
-- in answer to anything; a resident who tries other words is answered. `cause_hash` is an HMAC
-- (deployment secret) of the answered text, never the text: NULL for broadcasts and older rows.
ALTER TABLE sms_outbound ADD COLUMN cause_hash TEXT;
