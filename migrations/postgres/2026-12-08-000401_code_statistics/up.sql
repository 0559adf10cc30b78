-- The statistics read model (see crates/store/src/snapshot/statistics.rs): per group of a code's
-- lines in the current snapshots, the counts, and the exact multiset of each kind of amount, so
-- statistics of a common code read a few thousand rows instead of every rate of the code.
-- A group is split 'none', 'payer' or 'state'; '' stands for no methodology, payer or state.
CREATE TABLE code_statistics_groups (
    code_type TEXT NOT NULL,
    code TEXT NOT NULL,
    split TEXT NOT NULL,
    setting TEXT NOT NULL,
    methodology TEXT NOT NULL,
    split_value TEXT NOT NULL,
    facilities BIGINT NOT NULL,
    charges BIGINT NOT NULL,
    rates BIGINT NOT NULL,
    PRIMARY KEY (code_type, code, split, setting, methodology, split_value)
);

-- kind: 'gross', 'cash' (discounted cash) or 'dollar' (negotiated dollar); lines: how many lines of
-- the group state the amount.
CREATE TABLE code_statistics_amounts (
    code_type TEXT NOT NULL,
    code TEXT NOT NULL,
    split TEXT NOT NULL,
    setting TEXT NOT NULL,
    methodology TEXT NOT NULL,
    split_value TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount BIGINT NOT NULL,
    lines BIGINT NOT NULL,
    PRIMARY KEY (code_type, code, split, setting, methodology, split_value, kind, amount) INCLUDE (lines)
);

-- Each group's count and nearest-rank figures per kind, computed from the amounts after a batch of
-- imports (snapshot::statistics::refresh); the codes an import changed since are listed in
-- code_statistics_dirty, marked by the import's source file id, and read from the amounts.
CREATE TABLE code_statistics_summaries (
    code_type TEXT NOT NULL,
    code TEXT NOT NULL,
    split TEXT NOT NULL,
    setting TEXT NOT NULL,
    methodology TEXT NOT NULL,
    split_value TEXT NOT NULL,
    kind TEXT NOT NULL,
    lines BIGINT NOT NULL,
    minimum BIGINT NOT NULL,
    p10 BIGINT NOT NULL,
    p25 BIGINT NOT NULL,
    median BIGINT NOT NULL,
    p75 BIGINT NOT NULL,
    p90 BIGINT NOT NULL,
    maximum BIGINT NOT NULL,
    PRIMARY KEY (code_type, code, split, setting, methodology, split_value, kind)
);

CREATE TABLE code_statistics_dirty (
    code_type TEXT NOT NULL,
    code TEXT NOT NULL,
    marked_by BIGINT NOT NULL,
    PRIMARY KEY (code_type, code)
);

-- A snapshot that stops being current subtracts its counts; the rows it empties are found here.
CREATE INDEX code_statistics_groups_empty ON code_statistics_groups (charges) WHERE charges = 0;
CREATE INDEX code_statistics_amounts_empty ON code_statistics_amounts (lines) WHERE lines = 0;

-- Filled for the current snapshots of earlier imports, with the statements the import runs for one
-- file (snapshot::statistics::apply), here over every current file at once.
WITH codes AS (
    SELECT DISTINCT c.item_id, c.code_type, c.code FROM items i
    JOIN item_codes c ON c.item_id = i.id
    WHERE i.source_file_id IN (SELECT current_source_file_id FROM facilities)),
lines AS (
    SELECT c.code_type, c.code, s.setting, COALESCE(r.methodology, '') AS methodology,
           COALESCE(p.payer_name, '') AS payer, COALESCE(f.license_state, '') AS state,
           f.facility_id, s.id AS charge_id, r.id AS rate_id, s.gross, s.discounted_cash,
           r.negotiated_dollar
    FROM codes c JOIN standard_charges s ON s.item_id = c.item_id
    JOIN source_files f ON f.id = s.source_file_id
    LEFT JOIN payer_rates r ON r.id BETWEEN s.first_rate_id AND s.last_rate_id
    LEFT JOIN payer_plans p ON p.id = r.payer_plan_id),
split_lines AS (
    SELECT code_type, code, 'none' AS split, setting, methodology, '' AS split_value,
           facility_id, charge_id, rate_id, gross, discounted_cash, negotiated_dollar FROM lines
    UNION ALL SELECT code_type, code, 'payer', setting, methodology, payer,
           facility_id, charge_id, rate_id, gross, discounted_cash, negotiated_dollar FROM lines
    UNION ALL SELECT code_type, code, 'state', setting, methodology, state,
           facility_id, charge_id, rate_id, gross, discounted_cash, negotiated_dollar FROM lines)
INSERT INTO code_statistics_groups
    (code_type, code, split, setting, methodology, split_value, facilities, charges, rates)
SELECT code_type, code, split, setting, methodology, split_value,
       COUNT(DISTINCT facility_id), COUNT(DISTINCT charge_id), COUNT(rate_id)
FROM split_lines GROUP BY code_type, code, split, setting, methodology, split_value;

WITH codes AS (
    SELECT DISTINCT c.item_id, c.code_type, c.code FROM items i
    JOIN item_codes c ON c.item_id = i.id
    WHERE i.source_file_id IN (SELECT current_source_file_id FROM facilities)),
lines AS (
    SELECT c.code_type, c.code, s.setting, COALESCE(r.methodology, '') AS methodology,
           COALESCE(p.payer_name, '') AS payer, COALESCE(f.license_state, '') AS state,
           s.id AS charge_id, r.id AS rate_id, s.gross, s.discounted_cash, r.negotiated_dollar
    FROM codes c JOIN standard_charges s ON s.item_id = c.item_id
    JOIN source_files f ON f.id = s.source_file_id
    LEFT JOIN payer_rates r ON r.id BETWEEN s.first_rate_id AND s.last_rate_id
    LEFT JOIN payer_plans p ON p.id = r.payer_plan_id),
split_lines AS (
    SELECT code_type, code, 'none' AS split, setting, methodology, '' AS split_value,
           charge_id, rate_id, gross, discounted_cash, negotiated_dollar FROM lines
    UNION ALL SELECT code_type, code, 'payer', setting, methodology, payer,
           charge_id, rate_id, gross, discounted_cash, negotiated_dollar FROM lines
    UNION ALL SELECT code_type, code, 'state', setting, methodology, state,
           charge_id, rate_id, gross, discounted_cash, negotiated_dollar FROM lines)
INSERT INTO code_statistics_amounts
    (code_type, code, split, setting, methodology, split_value, kind, amount, lines)
SELECT code_type, code, split, setting, methodology, split_value, kind, amount, COUNT(*) FROM (
    SELECT DISTINCT code_type, code, split, setting, methodology, split_value,
           charge_id AS line, 'gross' AS kind, gross AS amount
    FROM split_lines WHERE gross IS NOT NULL
    UNION ALL SELECT DISTINCT code_type, code, split, setting, methodology, split_value,
           charge_id, 'cash', discounted_cash
    FROM split_lines WHERE discounted_cash IS NOT NULL
    UNION ALL SELECT code_type, code, split, setting, methodology, split_value,
           rate_id, 'dollar', negotiated_dollar
    FROM split_lines WHERE negotiated_dollar IS NOT NULL) AS amounts
GROUP BY code_type, code, split, setting, methodology, split_value, kind, amount;

-- The summaries of every group: the nearest-rank amount at rank ceil(p × count / 100) from the
-- running count of lines in amount order.
INSERT INTO code_statistics_summaries (code_type, code, split, setting, methodology, split_value,
    kind, lines, minimum, p10, p25, median, p75, p90, maximum)
SELECT code_type, code, split, setting, methodology, split_value, kind, MAX(total), MIN(amount),
    MIN(CASE WHEN running - lines < (10 * total + 99) / 100 AND (10 * total + 99) / 100 <= running THEN amount END),
    MIN(CASE WHEN running - lines < (25 * total + 99) / 100 AND (25 * total + 99) / 100 <= running THEN amount END),
    MIN(CASE WHEN running - lines < (50 * total + 99) / 100 AND (50 * total + 99) / 100 <= running THEN amount END),
    MIN(CASE WHEN running - lines < (75 * total + 99) / 100 AND (75 * total + 99) / 100 <= running THEN amount END),
    MIN(CASE WHEN running - lines < (90 * total + 99) / 100 AND (90 * total + 99) / 100 <= running THEN amount END),
    MAX(amount)
FROM (SELECT code_type, code, split, setting, methodology, split_value, kind, amount, lines,
          CAST(SUM(lines) OVER (PARTITION BY code_type, code, split, setting, methodology,
              split_value, kind ORDER BY amount ROWS UNBOUNDED PRECEDING) AS BIGINT) AS running,
          CAST(SUM(lines) OVER (PARTITION BY code_type, code, split, setting, methodology,
              split_value, kind) AS BIGINT) AS total
      FROM code_statistics_amounts) AS ranked
GROUP BY code_type, code, split, setting, methodology, split_value, kind;
