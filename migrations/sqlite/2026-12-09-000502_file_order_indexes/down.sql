DROP INDEX item_codes_item;
DROP INDEX standard_charges_file_item;
CREATE INDEX standard_charges_source_file ON standard_charges (source_file_id);
