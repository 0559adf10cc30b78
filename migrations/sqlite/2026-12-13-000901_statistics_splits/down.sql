-- Back to the unsplit groups of migration 000401, rebuilt the same way (see up.sql).
DROP TABLE code_statistics_groups;
CREATE TABLE code_statistics_groups (
    id INTEGER PRIMARY KEY,
    code_type TEXT NOT NULL,
    code TEXT NOT NULL,
    setting TEXT NOT NULL,
    methodology TEXT NOT NULL,
    facilities BIGINT NOT NULL,
    charges BIGINT NOT NULL,
    rates BIGINT NOT NULL,
    UNIQUE (code_type, code, setting, methodology)
);
DELETE FROM code_statistics_amounts;
DELETE FROM code_statistics_summaries;
DELETE FROM code_statistics_dirty;
DELETE FROM code_statistics_pending;
INSERT INTO code_statistics_pending (source_file_id, sign)
SELECT current_source_file_id, 1 FROM facilities
WHERE current_source_file_id IS NOT NULL ORDER BY current_source_file_id;
