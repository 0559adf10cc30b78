-- Facility criteria and `as_of` are answered by SQL (queries::scope) rather than by reading every
-- facility, file and location and matching them in Rust, which a national deployment (thousands of
-- facilities, each with its history of files) cannot afford on every request.
--
-- A file's effective date (its last_updated_on, or the day it was imported): the snapshot in force
-- on a date is the accepted file with the latest effective date not after it, the latest id first.
ALTER TABLE source_files ADD COLUMN effective_on DATE NOT NULL
    GENERATED ALWAYS AS (COALESCE(last_updated_on, imported_at::date)) STORED;
CREATE INDEX source_files_effective ON source_files (facility_id, status, effective_on, id);
-- Names sort byte by byte, as on SQLite, whatever the database's locale: pages of facilities and
-- payer plans come in the same order on both backends, and a cursor means the same on both.
ALTER TABLE source_files ALTER COLUMN hospital_name TYPE TEXT COLLATE "C";
ALTER TABLE payer_plans ALTER COLUMN payer_name TYPE TEXT COLLATE "C";
ALTER TABLE payer_plans ALTER COLUMN plan_name TYPE TEXT COLLATE "C";
-- Facility search pages by the snapshot's hospital name, then facility.
CREATE INDEX source_files_name ON source_files (hospital_name, facility_id);
-- City, state and ZIP as read from a location's free-text address (queries::place); the import
-- writes them, and `priceline migrate` fills them for locations imported before.
ALTER TABLE file_locations ADD COLUMN city TEXT;
ALTER TABLE file_locations ADD COLUMN state TEXT;
ALTER TABLE file_locations ADD COLUMN zip TEXT;
CREATE INDEX file_locations_city ON file_locations (lower(city), source_file_id);
CREATE INDEX file_locations_state ON file_locations (state, source_file_id);
CREATE INDEX file_locations_zip ON file_locations (zip, source_file_id);
CREATE INDEX facilities_ccn_any_case ON facilities (lower(ccn));
-- A payer criterion finds the files that have its plans, and a FHIR read of a plan its newest
-- current file, from the plan: without this, each read every file's plans.
CREATE INDEX file_payer_plans_plan ON file_payer_plans (payer_plan_id, source_file_id);
