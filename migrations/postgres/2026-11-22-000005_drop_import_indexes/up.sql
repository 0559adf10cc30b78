-- Contract step of 000004: drop what imports no longer need to maintain. A binary older than 000004
-- that imported after 000004 ran wrote charges without their rate ranges (the defaults 0 and -1)
-- and no file_payer_plans rows; those are completed first, while the indexes that find them exist.
UPDATE standard_charges SET
    first_rate_id = (SELECT MIN(r.id) FROM payer_rates r WHERE r.standard_charge_id = standard_charges.id),
    last_rate_id = (SELECT MAX(r.id) FROM payer_rates r WHERE r.standard_charge_id = standard_charges.id)
WHERE last_rate_id < first_rate_id
    AND EXISTS (SELECT 1 FROM payer_rates r WHERE r.standard_charge_id = standard_charges.id);
INSERT INTO file_payer_plans (source_file_id, payer_plan_id, rates)
    SELECT source_file_id, payer_plan_id, COUNT(*) FROM payer_rates
    WHERE source_file_id NOT IN (SELECT source_file_id FROM file_payer_plans)
    GROUP BY source_file_id, payer_plan_id;

DROP INDEX payer_rates_standard_charge;
DROP INDEX payer_rates_payer_plan;
-- The API never looks items up by file (it reaches them through codes or charges, both indexed by
-- file); only the snapshot reader used by tests does, and a scan serves it. One index less to
-- maintain per imported item.
DROP INDEX items_source_file;
-- The foreign key of items ran a trigger query per imported item; the writer inserts items only
-- under the source file it has just created, in the same transaction, and nothing deletes files.
ALTER TABLE items DROP CONSTRAINT items_source_file_id_fkey;
