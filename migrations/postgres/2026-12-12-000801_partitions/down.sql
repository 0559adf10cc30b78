-- Back to one table, as migration 000701 made it.
ALTER TABLE code_line_amounts RENAME TO code_line_amounts_partitioned;
ALTER TABLE code_line_amounts_partitioned
    RENAME CONSTRAINT code_line_amounts_pkey TO code_line_amounts_partitioned_pkey;
CREATE TABLE code_line_amounts (
    source_file_id BIGINT NOT NULL,
    code_type TEXT NOT NULL,
    code TEXT NOT NULL,
    kind INTEGER NOT NULL,
    amount BIGINT NOT NULL,
    standard_charge_id BIGINT NOT NULL,
    payer_rate_id BIGINT NOT NULL
);
INSERT INTO code_line_amounts SELECT * FROM code_line_amounts_partitioned;
DROP TABLE code_line_amounts_partitioned;
ALTER TABLE code_line_amounts
    ADD PRIMARY KEY (source_file_id, code_type, code, kind, amount, standard_charge_id, payer_rate_id);
