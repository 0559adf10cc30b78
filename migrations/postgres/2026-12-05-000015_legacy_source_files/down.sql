ALTER TABLE source_files DROP COLUMN legacy_profile;
