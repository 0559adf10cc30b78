-- Expand (see 000005 for the contract step). Imports write about ten payer rates per standard charge,
-- and keeping the two secondary indexes on payer_rates up to date was about a third of SQLite's
-- insert work (measured: 1M rates took 1.6 s of CPU with them, 1.1 s without). Neither is needed
-- once these exist:
-- * the writer gives the rates of a charge consecutive ids, so a charge names its rates as an id
--   range and the join reads them by primary key, in the same (rate id) order as before;
-- * the payer counts per file are written once at import into file_payer_plans, so the payers
--   endpoint reads a few hundred rows instead of every rate in scope.
ALTER TABLE standard_charges ADD COLUMN first_rate_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE standard_charges ADD COLUMN last_rate_id BIGINT NOT NULL DEFAULT -1;
UPDATE standard_charges SET
    first_rate_id = COALESCE((SELECT MIN(r.id) FROM payer_rates r WHERE r.standard_charge_id = standard_charges.id), 0),
    last_rate_id = COALESCE((SELECT MAX(r.id) FROM payer_rates r WHERE r.standard_charge_id = standard_charges.id), -1);

CREATE TABLE file_payer_plans (
    source_file_id BIGINT NOT NULL REFERENCES source_files (id) ON DELETE CASCADE,
    payer_plan_id BIGINT NOT NULL REFERENCES payer_plans (id),
    rates BIGINT NOT NULL,
    PRIMARY KEY (source_file_id, payer_plan_id)
);
INSERT INTO file_payer_plans (source_file_id, payer_plan_id, rates)
    SELECT source_file_id, payer_plan_id, COUNT(*) FROM payer_rates GROUP BY source_file_id, payer_plan_id;

-- The database collation (C.UTF-8 here, often en_US) makes every comparison in the code lookup
-- index a locale comparison. Codes are matched exactly, never sorted for people, so byte order ("C")
-- serves them and compares with memcmp.
ALTER TABLE item_codes
    ALTER COLUMN code_type TYPE TEXT COLLATE "C",
    ALTER COLUMN code TYPE TEXT COLLATE "C";

-- Imports end with ANALYZE (store::planner), and ANALYZE sorts a sample of every column, text by
-- locale: a third of a second per 1M rates, most of it on columns no query filters, joins or sorts
-- by. Those columns keep no statistics (target 0: ANALYZE skips them).
ALTER TABLE payer_rates
    ALTER COLUMN standard_charge_id SET STATISTICS 0,
    ALTER COLUMN source_file_id SET STATISTICS 0,
    ALTER COLUMN negotiated_algorithm SET STATISTICS 0,
    ALTER COLUMN median_amount SET STATISTICS 0,
    ALTER COLUMN percentile_10th SET STATISTICS 0,
    ALTER COLUMN percentile_90th SET STATISTICS 0,
    ALTER COLUMN allowed_count SET STATISTICS 0,
    ALTER COLUMN estimated_amount SET STATISTICS 0,
    ALTER COLUMN payer_notes SET STATISTICS 0,
    ALTER COLUMN source_location SET STATISTICS 0,
    ALTER COLUMN raw_values SET STATISTICS 0;
ALTER TABLE standard_charges
    ALTER COLUMN billing_class SET STATISTICS 0,
    ALTER COLUMN modifiers SET STATISTICS 0,
    ALTER COLUMN generic_notes SET STATISTICS 0,
    ALTER COLUMN source_location SET STATISTICS 0,
    ALTER COLUMN raw_values SET STATISTICS 0;
ALTER TABLE items
    ALTER COLUMN drug_unit SET STATISTICS 0,
    ALTER COLUMN drug_unit_type SET STATISTICS 0;
