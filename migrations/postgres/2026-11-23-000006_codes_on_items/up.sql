-- An item's codes, as a JSON array of {"type", "code"} in file order, on the item row: a price line
-- shows them from there. item_codes then serves code lookups only (item_codes_lookup), and its
-- primary key, which an import extended once per code row, goes (measured at 1M rates: up to half
-- a second less of the server's time).
ALTER TABLE items ADD COLUMN codes TEXT NOT NULL DEFAULT '[]';
UPDATE items SET codes = grouped.codes
FROM (
    SELECT item_id,
           json_agg(json_build_object('type', code_type, 'code', code) ORDER BY position)::text AS codes
    FROM item_codes GROUP BY item_id
) AS grouped
WHERE grouped.item_id = items.id;
-- No query filters or sorts by it: ANALYZE (store::planner) keeps no statistics for it.
ALTER TABLE items ALTER COLUMN codes SET STATISTICS 0;

ALTER TABLE item_codes DROP CONSTRAINT item_codes_pkey;
