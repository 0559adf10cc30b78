DROP INDEX item_codes_lookup;
ALTER TABLE item_codes DROP COLUMN facility_id;
CREATE INDEX item_codes_lookup ON item_codes (code_type, code, source_file_id);
