ALTER TABLE source_files DROP COLUMN charge_items_count;
ALTER TABLE item_codes DROP COLUMN charge_items_any_type;
ALTER TABLE item_codes DROP COLUMN charge_items;
CREATE INDEX standard_charges_item ON standard_charges (item_id);
DROP INDEX standard_charges_item_setting;
