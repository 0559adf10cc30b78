DROP TABLE code_statistics_amounts;
DROP TABLE code_statistics_groups;
