DROP INDEX file_code_prices_kind;
DROP TABLE code_line_amounts;
