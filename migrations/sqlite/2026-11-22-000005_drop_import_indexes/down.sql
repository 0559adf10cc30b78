CREATE INDEX items_source_file ON items (source_file_id);
CREATE INDEX payer_rates_standard_charge ON payer_rates (standard_charge_id);
CREATE INDEX payer_rates_payer_plan ON payer_rates (payer_plan_id, source_file_id);
