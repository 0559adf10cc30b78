-- A legacy (pre-template) chargemaster is marked by the mapping it was read through ('auto' or the
-- profile's name); NULL for CMS-template files. Such a file claims no template version: its
-- template_version is '' (the column stays NOT NULL, which SQLite could only drop by rebuilding a
-- table that others reference).
ALTER TABLE source_files ADD COLUMN legacy_profile TEXT;
-- A legacy file's data rows deliberately not imported (section headings, totals, …): with the items'
-- rows, quarantined and duplicate rows they add up to rows_read. Always 0 for CMS files.
ALTER TABLE source_files ADD COLUMN skipped_rows BIGINT NOT NULL DEFAULT 0;
