-- A refresh lists the groups whose amounts it changed for their summaries, not their codes (see
-- crates/store/src/snapshot/statistics.rs): a file touches a code's whole group, its license
-- state's and its payers', not the groups of every other state and payer, which listing the code
-- recomputed too. Groups listed by codes mid-refresh (changes still pending) stay listed.
CREATE TABLE code_statistics_dirty_groups (
    group_id INTEGER PRIMARY KEY
);
INSERT INTO code_statistics_dirty_groups (group_id)
SELECT g.id FROM code_statistics_groups g
JOIN code_statistics_dirty d ON d.code_type = g.code_type AND d.code = g.code;
DROP TABLE code_statistics_dirty;
