-- Every unique key of a table that carries the county code contains it, so that a Citus-style
-- engine can distribute the table by county: a federation is unique per (county, place).

ALTER TABLE federation DROP CONSTRAINT federation_place_code_key;
CREATE UNIQUE INDEX federation_county_place ON federation(county_code, place_code);
