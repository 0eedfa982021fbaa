-- A place's figures and a campaign's progress read the place's own tally rows and its children's,
-- one level apart, naming the county (one shard on a database distributed by county). Indexes
-- that start with the county and the level keep those reads to the rows of the answer; the
-- primary keys would walk every place of the county's subtree.
CREATE INDEX place_tally_county_level ON place_tally(county_code, level, path);
CREATE INDEX campaign_tally_county_level ON campaign_tally(county_code, campaign_id, level, path);
