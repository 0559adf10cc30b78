ALTER TABLE source_files DROP COLUMN raw_header;
ALTER TABLE source_files DROP COLUMN next_step;
ALTER TABLE source_files DROP COLUMN rejection_reason;
ALTER TABLE source_files DROP COLUMN status;
