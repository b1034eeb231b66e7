-- Gateway store, version 17: what an assisted vote adds to a field submission. `consent` is 'yes'
-- for a vote (the form cannot be sent without the resident's consent, and the gateway refuses one
-- that lacks it), and for a survey's answers likewise; NULL for an idea, which asks none. `sms_receipt` says that a
-- receipt SMS was queued: the number itself is only in sms_outbound, sealed, until it is sent.
ALTER TABLE field_submissions ADD COLUMN consent TEXT CHECK (consent IN ('yes'));
ALTER TABLE field_submissions ADD COLUMN sms_receipt INTEGER NOT NULL DEFAULT 0 CHECK (sms_receipt IN (0, 1));
