-- The compare read model (see crates/store/src/snapshot/code_prices.rs): per file, code, setting
-- and kind of charge, the lowest and highest amount and how many lines state it (an algorithm only
-- counts), so comparing a common code across facilities reads a few rows per facility instead of
-- every line of the code. An import writes its own file's rows in its transaction. Hospital-defined
-- code systems (CDM, LOCAL) are left out: a row per item, and one facility's lines to compare.
CREATE TABLE file_code_prices (
    code_type TEXT NOT NULL,
    code TEXT NOT NULL,
    source_file_id BIGINT NOT NULL,
    setting TEXT NOT NULL,
    kind TEXT NOT NULL,
    lowest BIGINT,
    highest BIGINT,
    lines BIGINT NOT NULL,
    PRIMARY KEY (code_type, code, source_file_id, setting, kind)
);

-- Filled for earlier imports by the writer's rules: each code of an item once, a charge's own
-- amounts once per charge, a rate's once per rate.
WITH codes AS (
    SELECT DISTINCT item_id, code_type, code FROM item_codes
    WHERE code_type NOT IN ('CDM', 'LOCAL')),
charges AS (
    SELECT c.code_type, c.code, s.source_file_id, s.setting, s.gross, s.discounted_cash,
           s.minimum, s.maximum, s.first_rate_id, s.last_rate_id
    FROM codes c JOIN standard_charges s ON s.item_id = c.item_id),
rates AS (
    SELECT c.code_type, c.code, c.source_file_id, c.setting, r.negotiated_dollar,
           r.negotiated_percentage, r.negotiated_algorithm
    FROM charges c JOIN payer_rates r ON r.id BETWEEN c.first_rate_id AND c.last_rate_id)
INSERT INTO file_code_prices (code_type, code, source_file_id, setting, kind, lowest, highest, lines)
SELECT code_type, code, source_file_id, setting, 'gross', MIN(gross), MAX(gross), COUNT(*)
FROM charges WHERE gross IS NOT NULL GROUP BY code_type, code, source_file_id, setting
UNION ALL
SELECT code_type, code, source_file_id, setting, 'discounted_cash', MIN(discounted_cash),
       MAX(discounted_cash), COUNT(*)
FROM charges WHERE discounted_cash IS NOT NULL GROUP BY code_type, code, source_file_id, setting
UNION ALL
SELECT code_type, code, source_file_id, setting, 'minimum', MIN(minimum), MAX(minimum), COUNT(*)
FROM charges WHERE minimum IS NOT NULL GROUP BY code_type, code, source_file_id, setting
UNION ALL
SELECT code_type, code, source_file_id, setting, 'maximum', MIN(maximum), MAX(maximum), COUNT(*)
FROM charges WHERE maximum IS NOT NULL GROUP BY code_type, code, source_file_id, setting
UNION ALL
SELECT code_type, code, source_file_id, setting, 'negotiated_dollar', MIN(negotiated_dollar),
       MAX(negotiated_dollar), COUNT(*)
FROM rates WHERE negotiated_dollar IS NOT NULL GROUP BY code_type, code, source_file_id, setting
UNION ALL
SELECT code_type, code, source_file_id, setting, 'negotiated_percentage', MIN(negotiated_percentage),
       MAX(negotiated_percentage), COUNT(*)
FROM rates WHERE negotiated_percentage IS NOT NULL GROUP BY code_type, code, source_file_id, setting
UNION ALL
SELECT code_type, code, source_file_id, setting, 'negotiated_algorithm', NULL, NULL, COUNT(*)
FROM rates WHERE negotiated_algorithm IS NOT NULL GROUP BY code_type, code, source_file_id, setting;
