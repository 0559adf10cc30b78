-- The payer directory at national scale (issue 16): which facility a file is the current snapshot
-- of, found by the file. A page of `/v1/payers` checks "a current file has rates for this plan"
-- once per plan it walks, and without this index each check read every facility. (PostgreSQL
-- also indexes the plans' names by trigrams; SQLite matches a name by reading every plan.)
CREATE INDEX facilities_current_file ON facilities (current_source_file_id);
