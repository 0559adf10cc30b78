-- An item's codes, as a JSON array of {"type", "code"} in file order, on the item row: a price line
-- shows them from there. item_codes then serves code lookups only, so it is keyed in lookup order
-- and needs no second b-tree: an import maintains one per code row instead of two (measured at 1M
-- rates: 0.1-0.2 s less of SQLite's writer time; at 5M, 5% of the import).
ALTER TABLE items ADD COLUMN codes TEXT NOT NULL DEFAULT '[]';
UPDATE items SET codes = (
    SELECT json_group_array(json_object('type', ordered.code_type, 'code', ordered.code))
    FROM (SELECT code_type, code FROM item_codes
          WHERE item_codes.item_id = items.id ORDER BY position) AS ordered
)
WHERE EXISTS (SELECT 1 FROM item_codes WHERE item_codes.item_id = items.id);

CREATE TABLE item_codes_by_code (
    item_id BIGINT NOT NULL,
    position INTEGER NOT NULL,
    code_type TEXT NOT NULL,
    code TEXT NOT NULL,
    source_file_id BIGINT NOT NULL,
    facility_id BIGINT NOT NULL,
    PRIMARY KEY (code_type, code, facility_id, item_id, position)
) WITHOUT ROWID;
INSERT INTO item_codes_by_code (item_id, position, code_type, code, source_file_id, facility_id)
    SELECT item_id, position, code_type, code, source_file_id, facility_id FROM item_codes;
DROP TABLE item_codes;
ALTER TABLE item_codes_by_code RENAME TO item_codes;
