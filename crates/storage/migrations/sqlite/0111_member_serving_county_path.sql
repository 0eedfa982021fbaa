-- The members serving below a county's place are read with the county's code as well as the
-- path range (so that a database distributed by county asks the county's shard alone): an index
-- that starts with the county keeps that read on the range.
CREATE INDEX member_serving_county_path ON member(county_code, path, role) WHERE ended_on IS NULL;
