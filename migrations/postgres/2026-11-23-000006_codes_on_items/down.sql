ALTER TABLE item_codes ADD PRIMARY KEY (item_id, position);
ALTER TABLE items DROP COLUMN codes;
