DROP TABLE file_code_prices;
