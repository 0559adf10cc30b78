-- A price search without a code walks one facility's snapshot at a time in item order
-- (queries::prices::in_facility_order): its file's charges by item, and a code type criterion
-- checks each item's codes by the item. Before these, PostgreSQL sorted every charge in scope by
-- facility, and probed a code type's whole key for each charge (5 s for a payer filter at 10M rates).
DROP INDEX standard_charges_source_file;
CREATE INDEX standard_charges_file_item ON standard_charges (source_file_id, item_id, id);
CREATE INDEX item_codes_item ON item_codes (item_id, code_type);
