-- Gateway store, version 4: optional demographics on the voter roll (roll CSV columns age_band
-- and gender, checked against the deployment's `demographics` lists). NULL: not collected.
-- They travel on the voter's vote.cast events so the ledger can publish turnout by age band and
-- gender; residents are never asked for them.
ALTER TABLE roll ADD COLUMN age_band TEXT;
ALTER TABLE roll ADD COLUMN gender TEXT;
