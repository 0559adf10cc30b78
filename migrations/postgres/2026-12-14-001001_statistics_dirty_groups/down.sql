-- Back to listing codes (see up.sql): the codes of the groups listed.
CREATE TABLE code_statistics_dirty (
    code_type TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (code_type, code)
);
INSERT INTO code_statistics_dirty (code_type, code)
SELECT DISTINCT g.code_type, g.code FROM code_statistics_groups g
JOIN code_statistics_dirty_groups d ON d.group_id = g.id;
DROP TABLE code_statistics_dirty_groups;
