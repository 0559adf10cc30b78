DROP TABLE code_line_amounts;
