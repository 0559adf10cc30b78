-- A charge item (FHIR ChargeItemDefinition) is an item in one setting. With the setting in the index
-- beside the item, the keys of a code's items are read from the index alone, already in key order,
-- so a page stops after its keys instead of reading and sorting every charge of the code (about
-- 10k charges for a common CPT code at 10M rates), and no table row is read. Any lookup by item
-- alone uses the same index's first column, so the old index goes.
CREATE INDEX standard_charges_item_setting ON standard_charges (item_id, setting);
DROP INDEX standard_charges_item;

-- A read model for counting a code's charge items without reading its charges: each code row holds
-- how many settings its item has charges in, on the item's first listing of the code (later
-- listings of the same code hold 0, so an item that lists a code twice counts once).
-- `charge_items` counts per code type (a search naming the code system); `charge_items_any_type`
-- per code alone (a search without a system), so an item listing 70551 as both CPT and HCPCS counts
-- once there too. Written by the import (snapshot::cells::codes); completed here for earlier imports.
ALTER TABLE item_codes ADD COLUMN charge_items INTEGER NOT NULL DEFAULT 0;
ALTER TABLE item_codes ADD COLUMN charge_items_any_type INTEGER NOT NULL DEFAULT 0;
UPDATE item_codes SET
    charge_items = CASE WHEN ranked.typed_rank = 1 THEN ranked.settings ELSE 0 END,
    charge_items_any_type = CASE WHEN ranked.any_rank = 1 THEN ranked.settings ELSE 0 END
FROM (
    SELECT code_type, code, facility_id, item_id, position,
           ROW_NUMBER() OVER (PARTITION BY item_id, code_type, code ORDER BY position) AS typed_rank,
           ROW_NUMBER() OVER (PARTITION BY item_id, code ORDER BY position) AS any_rank,
           (SELECT COUNT(DISTINCT s.setting) FROM standard_charges s WHERE s.item_id = c.item_id) AS settings
    FROM item_codes c
) AS ranked
WHERE item_codes.code_type = ranked.code_type AND item_codes.code = ranked.code
    AND item_codes.facility_id = ranked.facility_id AND item_codes.item_id = ranked.item_id
    AND item_codes.position = ranked.position;

-- The same count per file, written by the import with the file's other counts: a search with no
-- code adds up the current files' counts instead of reading every charge.
ALTER TABLE source_files ADD COLUMN charge_items_count BIGINT NOT NULL DEFAULT 0;
UPDATE source_files SET charge_items_count = (
    SELECT COUNT(DISTINCT CASE WHEN s.setting = 'inpatient' THEN s.item_id END)
         + COUNT(DISTINCT CASE WHEN s.setting = 'outpatient' THEN s.item_id END)
         + COUNT(DISTINCT CASE WHEN s.setting = 'both' THEN s.item_id END)
    FROM standard_charges s WHERE s.source_file_id = source_files.id
);
