-- Snapshot acceptance (issue 15): a file becomes its facility's current snapshot only when it is
-- usable (its data rows could be read and it yields at least one standard charge). An unusable file
-- is kept as a rejected submission: its findings, why it was rejected, what to do next, and its raw
-- header rows, so a broken republication is visible without blanking the hospital.
ALTER TABLE source_files ADD COLUMN status TEXT NOT NULL DEFAULT 'accepted';
ALTER TABLE source_files ADD COLUMN rejection_reason TEXT;
ALTER TABLE source_files ADD COLUMN next_step TEXT;
ALTER TABLE source_files ADD COLUMN raw_header TEXT;
