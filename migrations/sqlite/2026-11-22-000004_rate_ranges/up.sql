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

-- item_codes as a WITHOUT ROWID table keyed by (item_id, position): the rows live in their primary
-- key's b-tree, so an import maintains one b-tree less per code row.
CREATE TABLE item_codes_by_key (
    item_id BIGINT NOT NULL,
    position INTEGER NOT NULL,
    code_type TEXT NOT NULL,
    code TEXT NOT NULL,
    source_file_id BIGINT NOT NULL,
    facility_id BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (item_id, position)
) WITHOUT ROWID;
INSERT INTO item_codes_by_key (item_id, position, code_type, code, source_file_id, facility_id)
    SELECT item_id, position, code_type, code, source_file_id, facility_id FROM item_codes;
DROP TABLE item_codes;
ALTER TABLE item_codes_by_key RENAME TO item_codes;
CREATE INDEX item_codes_lookup ON item_codes (code_type, code, facility_id, item_id, source_file_id);
