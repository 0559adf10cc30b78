ALTER TABLE source_files DROP COLUMN skipped_rows;
ALTER TABLE source_files DROP COLUMN legacy_profile;
