-- What an import found and stored for each file: counts that add up, findings, quarantined records.

ALTER TABLE source_files ADD COLUMN rows_read BIGINT NOT NULL DEFAULT 0;
ALTER TABLE source_files ADD COLUMN items_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE source_files ADD COLUMN standard_charges_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE source_files ADD COLUMN payer_rates_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE source_files ADD COLUMN modifiers_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE source_files ADD COLUMN quarantined_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE source_files ADD COLUMN duplicate_rows BIGINT NOT NULL DEFAULT 0;
ALTER TABLE source_files ADD COLUMN error_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE source_files ADD COLUMN alert_count BIGINT NOT NULL DEFAULT 0;

-- Findings of the CMS rules (and our data-quality alerts), in file order.
CREATE TABLE findings (
    source_file_id BIGINT NOT NULL REFERENCES source_files (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    severity TEXT NOT NULL,
    rule TEXT NOT NULL,
    location TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (source_file_id, position)
);
CREATE INDEX findings_severity ON findings (source_file_id, severity, position);

-- Data rows (CSV) or elements (JSON) with an error we could not repair: kept verbatim, never dropped.
CREATE TABLE quarantined_records (
    source_file_id BIGINT NOT NULL REFERENCES source_files (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    location TEXT NOT NULL,
    raw TEXT NOT NULL,
    findings TEXT NOT NULL,
    PRIMARY KEY (source_file_id, position)
);
