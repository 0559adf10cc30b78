ALTER TABLE item_codes
    ALTER COLUMN code_type TYPE TEXT COLLATE "default",
    ALTER COLUMN code TYPE TEXT COLLATE "default";
ALTER TABLE items ADD CONSTRAINT items_source_file_id_fkey
    FOREIGN KEY (source_file_id) REFERENCES source_files (id) ON DELETE CASCADE;
CREATE INDEX payer_rates_standard_charge ON payer_rates (standard_charge_id);
CREATE INDEX payer_rates_payer_plan ON payer_rates (payer_plan_id, source_file_id);
DROP TABLE file_payer_plans;
ALTER TABLE standard_charges DROP COLUMN last_rate_id;
ALTER TABLE standard_charges DROP COLUMN first_rate_id;
