-- SQLite has had DROP COLUMN since 3.35 (the bundled library is newer).
ALTER TABLE import_jobs DROP COLUMN instance;
