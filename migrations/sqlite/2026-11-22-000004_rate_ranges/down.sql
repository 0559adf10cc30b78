CREATE INDEX payer_rates_standard_charge ON payer_rates (standard_charge_id);
CREATE INDEX payer_rates_payer_plan ON payer_rates (payer_plan_id, source_file_id);
DROP TABLE file_payer_plans;
ALTER TABLE standard_charges DROP COLUMN last_rate_id;
ALTER TABLE standard_charges DROP COLUMN first_rate_id;
