-- The statistics read model split by payer and by license state as well (see
-- crates/store/src/snapshot/statistics.rs): each group is keyed by a split (0 none, 1 payer, 2
-- state) and its value (the payer's name or the license state; '' for none, or for a line with no
-- payer rate or a file with no license state).
--
-- The model is rebuilt, not converted: emptied, with every current snapshot recorded as pending. The
-- server applies them in the background as it does an import's (snapshot::statistics::refresh);
-- until it has, statistics are read from the lines, exact either way.
DROP TABLE code_statistics_groups;
CREATE TABLE code_statistics_groups (
    id INTEGER PRIMARY KEY,
    code_type TEXT NOT NULL,
    code TEXT NOT NULL,
    split INTEGER NOT NULL,
    split_value TEXT NOT NULL,
    setting TEXT NOT NULL,
    methodology TEXT NOT NULL,
    facilities BIGINT NOT NULL,
    charges BIGINT NOT NULL,
    rates BIGINT NOT NULL,
    UNIQUE (code_type, code, split, split_value, setting, methodology)
);
DELETE FROM code_statistics_amounts;
DELETE FROM code_statistics_summaries;
DELETE FROM code_statistics_dirty;
DELETE FROM code_statistics_pending;
INSERT INTO code_statistics_pending (source_file_id, sign)
SELECT current_source_file_id, 1 FROM facilities
WHERE current_source_file_id IS NOT NULL ORDER BY current_source_file_id;
