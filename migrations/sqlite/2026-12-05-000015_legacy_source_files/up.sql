-- A legacy (pre-template) chargemaster is marked by the mapping it was read through ('auto' or the
-- profile's name); NULL for CMS-template files. Such a file claims no template version: its
-- template_version is '' (the column stays NOT NULL, which SQLite could only drop by rebuilding a
-- table that others reference).
ALTER TABLE source_files ADD COLUMN legacy_profile TEXT;
