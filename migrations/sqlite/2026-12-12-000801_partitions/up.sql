-- PostgreSQL splits the amount-order read model into partitions by hash of the source file (see
-- the postgres tree). SQLite has no partitions: its database is one file on one machine, and the
-- table stays as it is. The statement below does nothing; it keeps the trees in step.
SELECT 1;
