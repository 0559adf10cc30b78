ALTER TABLE payer_rates
    ALTER COLUMN standard_charge_id SET STATISTICS -1,
    ALTER COLUMN source_file_id SET STATISTICS -1,
    ALTER COLUMN negotiated_algorithm SET STATISTICS -1,
    ALTER COLUMN median_amount SET STATISTICS -1,
    ALTER COLUMN percentile_10th SET STATISTICS -1,
    ALTER COLUMN percentile_90th SET STATISTICS -1,
    ALTER COLUMN allowed_count SET STATISTICS -1,
    ALTER COLUMN estimated_amount SET STATISTICS -1,
    ALTER COLUMN payer_notes SET STATISTICS -1,
    ALTER COLUMN source_location SET STATISTICS -1,
    ALTER COLUMN raw_values SET STATISTICS -1;
ALTER TABLE standard_charges
    ALTER COLUMN billing_class SET STATISTICS -1,
    ALTER COLUMN modifiers SET STATISTICS -1,
    ALTER COLUMN generic_notes SET STATISTICS -1,
    ALTER COLUMN source_location SET STATISTICS -1,
    ALTER COLUMN raw_values SET STATISTICS -1;
ALTER TABLE items
    ALTER COLUMN drug_unit SET STATISTICS -1,
    ALTER COLUMN drug_unit_type SET STATISTICS -1;
ALTER TABLE item_codes
    ALTER COLUMN code_type TYPE TEXT COLLATE "default",
    ALTER COLUMN code TYPE TEXT COLLATE "default";
ALTER TABLE items ADD CONSTRAINT items_source_file_id_fkey
    FOREIGN KEY (source_file_id) REFERENCES source_files (id) ON DELETE CASCADE;
CREATE INDEX items_source_file ON items (source_file_id);
CREATE INDEX payer_rates_standard_charge ON payer_rates (standard_charge_id);
CREATE INDEX payer_rates_payer_plan ON payer_rates (payer_plan_id, source_file_id);
DROP TABLE file_payer_plans;
ALTER TABLE standard_charges DROP COLUMN last_rate_id;
ALTER TABLE standard_charges DROP COLUMN first_rate_id;
