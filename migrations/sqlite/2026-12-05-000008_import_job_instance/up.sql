-- The server process (its instance id, random at each start) that accepted an import job and runs
-- it: with several replicas over one database, an upload waits on the disk of the one that
-- received it, so only that one runs it (unless PRICELINE_IMPORT_DIR_SHARED=true).
ALTER TABLE import_jobs ADD COLUMN instance TEXT;
