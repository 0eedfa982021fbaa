-- Every unique key of a table that carries the county code contains it (see the PostgreSQL
-- migration); SQLite keeps the older single-column key as well, which says no more than this one.

CREATE UNIQUE INDEX federation_county_place ON federation(county_code, place_code);
