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
DROP TABLE file_payer_plans;
ALTER TABLE standard_charges DROP COLUMN last_rate_id;
ALTER TABLE standard_charges DROP COLUMN first_rate_id;
