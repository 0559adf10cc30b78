-- The amount-order read model (see crates/store/src/snapshot/line_amounts.rs): every amount of
-- every line of a national code, keyed per file in the order a price search sorted by amount reads
-- them, so one file's "cheapest first" is an index range scan that stops after the page instead of
-- reading and sorting every line of the code (tens of thousands for a common one); a search merges
-- the files in scope (queries::prices::by_amount). The file leads the key so an import appends its
-- rows after every earlier file's: keyed by code first, each import inserted all over the index
-- (the load of 200 files at 10M rates took 253 s instead of 52). kind: 1 gross, 2 discounted
-- cash, 3 negotiated dollar, 4 negotiated percentage, 6 minimum, 7 maximum (the positions of the
-- API's kinds; 5, an algorithm, has no amount). A charge's own amounts are one row per charge
-- (payer_rate_id 0), a rate's one per rate. An import writes its own file's rows in its
-- transaction. Hospital-defined code systems (CDM, LOCAL) are left out, as in file_code_prices:
-- their searches read one facility's lines.
CREATE TABLE code_line_amounts (
    source_file_id BIGINT NOT NULL,
    code_type TEXT NOT NULL,
    code TEXT NOT NULL,
    kind INTEGER NOT NULL,
    amount BIGINT NOT NULL,
    standard_charge_id BIGINT NOT NULL,
    payer_rate_id BIGINT NOT NULL,
    PRIMARY KEY (source_file_id, code_type, code, kind, amount, standard_charge_id, payer_rate_id)
);

-- Filled for earlier imports by the writer's rules: each code of an item once.
WITH codes AS (
    SELECT DISTINCT item_id, code_type, code FROM item_codes
    WHERE code_type NOT IN ('CDM', 'LOCAL')),
charges AS (
    SELECT c.code_type, c.code, s.id AS charge_id, s.source_file_id, s.gross, s.discounted_cash,
           s.minimum, s.maximum, s.first_rate_id, s.last_rate_id
    FROM codes c JOIN standard_charges s ON s.item_id = c.item_id),
rates AS (
    SELECT c.code_type, c.code, c.charge_id, c.source_file_id, r.id AS rate_id,
           r.negotiated_dollar, r.negotiated_percentage
    FROM charges c JOIN payer_rates r ON r.id BETWEEN c.first_rate_id AND c.last_rate_id)
INSERT INTO code_line_amounts
    (code_type, code, kind, amount, standard_charge_id, payer_rate_id, source_file_id)
SELECT code_type, code, 1, gross, charge_id, 0, source_file_id FROM charges WHERE gross IS NOT NULL
UNION ALL
SELECT code_type, code, 2, discounted_cash, charge_id, 0, source_file_id
FROM charges WHERE discounted_cash IS NOT NULL
UNION ALL
SELECT code_type, code, 6, minimum, charge_id, 0, source_file_id FROM charges WHERE minimum IS NOT NULL
UNION ALL
SELECT code_type, code, 7, maximum, charge_id, 0, source_file_id FROM charges WHERE maximum IS NOT NULL
UNION ALL
SELECT code_type, code, 3, negotiated_dollar, charge_id, rate_id, source_file_id
FROM rates WHERE negotiated_dollar IS NOT NULL
UNION ALL
SELECT code_type, code, 4, negotiated_percentage, charge_id, rate_id, source_file_id
FROM rates WHERE negotiated_percentage IS NOT NULL;

-- Each file's lowest and highest amount of one kind for a code, in one index range: the files a
-- search sorted by amount merges (queries::prices::file_ranges), and compare's ranking, read the
-- code's rows of every file and kind through the primary key without it.
CREATE INDEX file_code_prices_kind
    ON file_code_prices (code_type, code, kind, source_file_id, setting, lowest, highest);
