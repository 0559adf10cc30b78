-- The statistics read model (see crates/store/src/snapshot/statistics.rs): for the current
-- snapshots, per group of a code's lines (code type, code, setting, methodology; '' for none) the
-- counts, the exact multiset of each kind of amount, and its nearest-rank summary, so statistics of
-- a common code read a few rows instead of every rate of the code. Hospital-defined code systems
-- (CDM, LOCAL) are left out: their statistics are one facility's lines.
CREATE TABLE code_statistics_groups (
    id INTEGER PRIMARY KEY,
    code_type TEXT NOT NULL,
    code TEXT NOT NULL,
    setting TEXT NOT NULL,
    methodology TEXT NOT NULL,
    facilities BIGINT NOT NULL,
    charges BIGINT NOT NULL,
    rates BIGINT NOT NULL,
    UNIQUE (code_type, code, setting, methodology)
);

-- kind: 1 gross, 2 discounted cash, 3 negotiated dollar; lines: how many lines of the group state
-- the amount. A snapshot that stops being current subtracts its counts; the rows it empties are
-- found through the partial index.
CREATE TABLE code_statistics_amounts (
    group_id BIGINT NOT NULL,
    kind INTEGER NOT NULL,
    amount BIGINT NOT NULL,
    lines BIGINT NOT NULL,
    PRIMARY KEY (group_id, kind, amount)
) WITHOUT ROWID;
CREATE INDEX code_statistics_amounts_empty ON code_statistics_amounts (lines) WHERE lines = 0;

-- Each group's count and nearest-rank figures per kind, computed from the amounts.
CREATE TABLE code_statistics_summaries (
    group_id BIGINT NOT NULL,
    kind INTEGER NOT NULL,
    lines BIGINT NOT NULL,
    minimum BIGINT NOT NULL,
    p10 BIGINT NOT NULL,
    p25 BIGINT NOT NULL,
    median BIGINT NOT NULL,
    p75 BIGINT NOT NULL,
    p90 BIGINT NOT NULL,
    maximum BIGINT NOT NULL,
    PRIMARY KEY (group_id, kind)
) WITHOUT ROWID;

-- Snapshots an import made current (sign 1) or replaced (sign -1), in the import's transaction:
-- the server adds and subtracts their lines in the background (snapshot::statistics::refresh);
-- while any is pending, statistics are read from the lines.
CREATE TABLE code_statistics_pending (
    id INTEGER PRIMARY KEY,
    source_file_id BIGINT NOT NULL,
    sign INTEGER NOT NULL
);

-- Within a refresh: the codes whose summaries it recomputes (empty outside one).
CREATE TABLE code_statistics_dirty (
    code_type TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (code_type, code)
) WITHOUT ROWID;

-- Filled for the current snapshots of earlier imports, with the statements a refresh runs for one
-- file (snapshot::statistics::refresh), here over every current file at once.
WITH codes AS (
    SELECT DISTINCT c.item_id, c.code_type, c.code FROM items i
    JOIN item_codes c ON c.item_id = i.id
    WHERE i.source_file_id IN (SELECT current_source_file_id FROM facilities)
        AND c.code_type NOT IN ('CDM', 'LOCAL')),
lines AS (
    SELECT c.code_type, c.code, s.setting, COALESCE(r.methodology, '') AS methodology,
           s.source_file_id, s.id AS charge_id, r.id AS rate_id, s.gross, s.discounted_cash,
           r.negotiated_dollar
    FROM codes c JOIN standard_charges s ON s.item_id = c.item_id
    LEFT JOIN payer_rates r ON r.id BETWEEN s.first_rate_id AND s.last_rate_id)
INSERT INTO code_statistics_groups (code_type, code, setting, methodology, facilities, charges, rates)
SELECT code_type, code, setting, methodology, COUNT(DISTINCT source_file_id),
       COUNT(DISTINCT charge_id), COUNT(rate_id)
FROM lines GROUP BY code_type, code, setting, methodology;

WITH codes AS (
    SELECT DISTINCT c.item_id, c.code_type, c.code FROM items i
    JOIN item_codes c ON c.item_id = i.id
    WHERE i.source_file_id IN (SELECT current_source_file_id FROM facilities)
        AND c.code_type NOT IN ('CDM', 'LOCAL')),
lines AS (
    SELECT c.code_type, c.code, s.setting, COALESCE(r.methodology, '') AS methodology,
           s.id AS charge_id, r.id AS rate_id, s.gross, s.discounted_cash, r.negotiated_dollar
    FROM codes c JOIN standard_charges s ON s.item_id = c.item_id
    LEFT JOIN payer_rates r ON r.id BETWEEN s.first_rate_id AND s.last_rate_id)
INSERT INTO code_statistics_amounts (group_id, kind, amount, lines)
SELECT g.id, a.kind, a.amount, COUNT(*) FROM (
    SELECT DISTINCT code_type, code, setting, methodology, charge_id AS line, 1 AS kind,
           gross AS amount
    FROM lines WHERE gross IS NOT NULL
    UNION ALL SELECT DISTINCT code_type, code, setting, methodology, charge_id, 2, discounted_cash
    FROM lines WHERE discounted_cash IS NOT NULL
    UNION ALL SELECT code_type, code, setting, methodology, rate_id, 3, negotiated_dollar
    FROM lines WHERE negotiated_dollar IS NOT NULL) AS a
JOIN code_statistics_groups g ON g.code_type = a.code_type AND g.code = a.code
    AND g.setting = a.setting AND g.methodology = a.methodology
GROUP BY g.id, a.kind, a.amount;

-- The summaries of every group: the nearest-rank amount at rank ceil(p × count / 100) from the
-- running count of lines in amount order.
INSERT INTO code_statistics_summaries (group_id, kind, lines, minimum, p10, p25, median, p75, p90,
    maximum)
SELECT group_id, kind, MAX(total), MIN(amount),
    MIN(CASE WHEN running - lines < (10 * total + 99) / 100 AND (10 * total + 99) / 100 <= running THEN amount END),
    MIN(CASE WHEN running - lines < (25 * total + 99) / 100 AND (25 * total + 99) / 100 <= running THEN amount END),
    MIN(CASE WHEN running - lines < (50 * total + 99) / 100 AND (50 * total + 99) / 100 <= running THEN amount END),
    MIN(CASE WHEN running - lines < (75 * total + 99) / 100 AND (75 * total + 99) / 100 <= running THEN amount END),
    MIN(CASE WHEN running - lines < (90 * total + 99) / 100 AND (90 * total + 99) / 100 <= running THEN amount END),
    MAX(amount)
FROM (SELECT group_id, kind, amount, lines,
          CAST(SUM(lines) OVER (PARTITION BY group_id, kind ORDER BY amount
              ROWS UNBOUNDED PRECEDING) AS BIGINT) AS running,
          CAST(SUM(lines) OVER (PARTITION BY group_id, kind) AS BIGINT) AS total
      FROM code_statistics_amounts) AS ranked
GROUP BY group_id, kind;
