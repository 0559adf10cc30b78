DROP TABLE code_statistics_pending;
DROP TABLE code_statistics_dirty;
DROP TABLE code_statistics_summaries;
DROP TABLE code_statistics_amounts;
DROP TABLE code_statistics_groups;
