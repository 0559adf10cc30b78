CREATE TABLE item_codes_by_item (
    item_id BIGINT NOT NULL,
    position INTEGER NOT NULL,
    code_type TEXT NOT NULL,
    code TEXT NOT NULL,
    source_file_id BIGINT NOT NULL,
    facility_id BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (item_id, position)
) WITHOUT ROWID;
INSERT INTO item_codes_by_item (item_id, position, code_type, code, source_file_id, facility_id)
    SELECT item_id, position, code_type, code, source_file_id, facility_id FROM item_codes;
DROP TABLE item_codes;
ALTER TABLE item_codes_by_item RENAME TO item_codes;
CREATE INDEX item_codes_lookup ON item_codes (code_type, code, facility_id, item_id, source_file_id);
ALTER TABLE items DROP COLUMN codes;
