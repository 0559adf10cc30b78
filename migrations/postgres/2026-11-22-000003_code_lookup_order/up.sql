-- A code lookup pages through one code's price lines grouped by facility. With the facility on the
-- code row, the index below delivers those lines in page order, so `LIMIT 50` reads about 50 rows
-- instead of sorting every line of a common code (tens of thousands at 200 facilities).
ALTER TABLE item_codes ADD COLUMN facility_id BIGINT NOT NULL DEFAULT 0;
UPDATE item_codes SET facility_id = (
    SELECT source_files.facility_id FROM source_files WHERE source_files.id = item_codes.source_file_id
);
DROP INDEX item_codes_lookup;
CREATE INDEX item_codes_lookup ON item_codes (code_type, code, facility_id, item_id, source_file_id);
