-- SQLite: INTEGER PRIMARY KEY is the rowid, so ids are assigned like identity columns on PostgreSQL.
-- Amounts, percentages and quantities are BIGINT micro-units (10^-6): exact, sortable, portable.
-- Enumerations are their canonical CMS spelling as TEXT.

CREATE TABLE facilities (
    id INTEGER PRIMARY KEY,
    facility_key TEXT NOT NULL UNIQUE,
    hospital_name TEXT NOT NULL,
    license_state TEXT,
    license_number TEXT,
    ccn TEXT,
    ein TEXT,
    current_source_file_id BIGINT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX facilities_license_state ON facilities (license_state);
CREATE INDEX facilities_ccn ON facilities (ccn);

CREATE TABLE source_files (
    id INTEGER PRIMARY KEY,
    facility_id BIGINT NOT NULL REFERENCES facilities (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    format TEXT NOT NULL,
    template_version TEXT NOT NULL,
    declared_version TEXT,
    last_updated_on DATE,
    attestation_text TEXT,
    attestation_confirmed BOOLEAN,
    attester_name TEXT,
    imported_at TIMESTAMP NOT NULL,
    hospital_name TEXT NOT NULL,
    license_state TEXT,
    license_number TEXT,
    financial_aid_policy TEXT
);
CREATE INDEX source_files_facility ON source_files (facility_id, imported_at);

CREATE TABLE file_locations (
    source_file_id BIGINT NOT NULL REFERENCES source_files (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT,
    address TEXT,
    PRIMARY KEY (source_file_id, position)
);

CREATE TABLE file_npis (
    source_file_id BIGINT NOT NULL REFERENCES source_files (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    npi TEXT NOT NULL,
    PRIMARY KEY (source_file_id, position)
);
CREATE INDEX file_npis_npi ON file_npis (npi);

CREATE TABLE file_contract_provisions (
    source_file_id BIGINT NOT NULL REFERENCES source_files (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    payer_name TEXT,
    plan_name TEXT,
    provisions TEXT NOT NULL,
    PRIMARY KEY (source_file_id, position)
);

-- Imports allocate ids for items, charges, rates and modifiers in blocks; this one row is the lock
-- that serialises importers (a row lock on PostgreSQL, the write lock on SQLite).
CREATE TABLE import_lock (
    id INTEGER PRIMARY KEY,
    locked_at TIMESTAMP
);
INSERT INTO import_lock (id, locked_at) VALUES (1, NULL);

CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    source_file_id BIGINT NOT NULL REFERENCES source_files (id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    drug_unit BIGINT,
    drug_unit_type TEXT
);
CREATE INDEX items_source_file ON items (source_file_id);

-- The three high-volume tables below (codes, charges, rates) carry no foreign-key constraints: the
-- import writer allocates every id and writes a snapshot in one transaction, and per-row FK checks
-- would roughly halve bulk-load speed. source_file_id is repeated on each so a lookup can filter to
-- current snapshots without a join.
CREATE TABLE item_codes (
    item_id BIGINT NOT NULL,
    position INTEGER NOT NULL,
    code_type TEXT NOT NULL,
    code TEXT NOT NULL,
    source_file_id BIGINT NOT NULL,
    PRIMARY KEY (item_id, position)
);
CREATE INDEX item_codes_lookup ON item_codes (code_type, code, source_file_id);

-- Payer and plan names as the files spell them; a rate refers to its pair by id (an integer index is
-- far cheaper to maintain during imports than one over two text columns). No plan is ''.
CREATE TABLE payer_plans (
    id INTEGER PRIMARY KEY,
    payer_name TEXT NOT NULL,
    plan_name TEXT NOT NULL,
    UNIQUE (payer_name, plan_name)
);

CREATE TABLE standard_charges (
    id INTEGER PRIMARY KEY,
    item_id BIGINT NOT NULL,
    source_file_id BIGINT NOT NULL,
    setting TEXT NOT NULL,
    billing_class TEXT,
    modifiers TEXT,
    gross BIGINT,
    discounted_cash BIGINT,
    minimum BIGINT,
    maximum BIGINT,
    generic_notes TEXT,
    source_location TEXT NOT NULL,
    raw_values TEXT
);
CREATE INDEX standard_charges_item ON standard_charges (item_id);
CREATE INDEX standard_charges_source_file ON standard_charges (source_file_id);

CREATE TABLE payer_rates (
    id INTEGER PRIMARY KEY,
    standard_charge_id BIGINT NOT NULL,
    source_file_id BIGINT NOT NULL,
    payer_plan_id BIGINT NOT NULL,
    negotiated_dollar BIGINT,
    negotiated_percentage BIGINT,
    negotiated_algorithm TEXT,
    methodology TEXT,
    median_amount BIGINT,
    percentile_10th BIGINT,
    percentile_90th BIGINT,
    allowed_count TEXT,
    estimated_amount BIGINT,
    payer_notes TEXT,
    source_location TEXT NOT NULL,
    raw_values TEXT
);
CREATE INDEX payer_rates_standard_charge ON payer_rates (standard_charge_id);
CREATE INDEX payer_rates_payer_plan ON payer_rates (payer_plan_id, source_file_id);

CREATE TABLE modifiers (
    id INTEGER PRIMARY KEY,
    source_file_id BIGINT NOT NULL REFERENCES source_files (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    description TEXT NOT NULL,
    setting TEXT,
    notes TEXT
);
CREATE INDEX modifiers_source_file ON modifiers (source_file_id, code);

CREATE TABLE modifier_payer_info (
    modifier_id BIGINT NOT NULL REFERENCES modifiers (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    payer_name TEXT NOT NULL,
    plan_name TEXT,
    description TEXT,
    negotiated_dollar BIGINT,
    negotiated_percentage BIGINT,
    negotiated_algorithm TEXT,
    PRIMARY KEY (modifier_id, position)
);
