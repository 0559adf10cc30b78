-- PostgreSQL only (SQLite has no partitions): the amount-order read model, the largest table (at
-- 10M rates 26.8M rows, 3.7 GB of 6.6), split into 8 partitions by hash of the source file. Every
-- read of it names one file (queries::prices::by_amount merges the files one at a time), so it reads
-- one partition; an import writes its file's rows into one partition, and an eighth of the table is
-- what its index, vacuum and ANALYZE have to go through.
-- Measured at 10M rates before choosing: split so, it served searches sorted by amount as fast as
-- whole (446 req/s against 454). The same split of items, standard_charges and payer_rates cost a
-- fifth of PostgreSQL's code lookups (897 req/s against 1,097-1,206): they are reached by id (a
-- code's items, a charge's rates), and a key without the file looks in all 8 partitions; naming the
-- file in the joins made the planner read whole files instead of probing. Those tables stay whole.
-- The table is rebuilt: created partitioned, filled from the old one, then keyed (a key built once
-- is cheaper than one kept up row by row).
ALTER TABLE code_line_amounts RENAME TO code_line_amounts_unpartitioned;
ALTER TABLE code_line_amounts_unpartitioned
    RENAME CONSTRAINT code_line_amounts_pkey TO code_line_amounts_unpartitioned_pkey;
CREATE TABLE code_line_amounts (
    source_file_id BIGINT NOT NULL,
    code_type TEXT NOT NULL,
    code TEXT NOT NULL,
    kind INTEGER NOT NULL,
    amount BIGINT NOT NULL,
    standard_charge_id BIGINT NOT NULL,
    payer_rate_id BIGINT NOT NULL
) PARTITION BY HASH (source_file_id);
CREATE TABLE code_line_amounts_p0 PARTITION OF code_line_amounts FOR VALUES WITH (MODULUS 8, REMAINDER 0);
CREATE TABLE code_line_amounts_p1 PARTITION OF code_line_amounts FOR VALUES WITH (MODULUS 8, REMAINDER 1);
CREATE TABLE code_line_amounts_p2 PARTITION OF code_line_amounts FOR VALUES WITH (MODULUS 8, REMAINDER 2);
CREATE TABLE code_line_amounts_p3 PARTITION OF code_line_amounts FOR VALUES WITH (MODULUS 8, REMAINDER 3);
CREATE TABLE code_line_amounts_p4 PARTITION OF code_line_amounts FOR VALUES WITH (MODULUS 8, REMAINDER 4);
CREATE TABLE code_line_amounts_p5 PARTITION OF code_line_amounts FOR VALUES WITH (MODULUS 8, REMAINDER 5);
CREATE TABLE code_line_amounts_p6 PARTITION OF code_line_amounts FOR VALUES WITH (MODULUS 8, REMAINDER 6);
CREATE TABLE code_line_amounts_p7 PARTITION OF code_line_amounts FOR VALUES WITH (MODULUS 8, REMAINDER 7);
INSERT INTO code_line_amounts SELECT * FROM code_line_amounts_unpartitioned;
DROP TABLE code_line_amounts_unpartitioned;
ALTER TABLE code_line_amounts
    ADD PRIMARY KEY (source_file_id, code_type, code, kind, amount, standard_charge_id, payer_rate_id);
