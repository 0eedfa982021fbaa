-- The reads of a place's figures and of a campaign's progress take every column of the tally
-- rows they find (the counts, a risk's visits and disputes). With those columns included in the
-- indexes they search, a row whose page the visibility map marks all-visible is answered from
-- the index alone. The same shape as SQLite's, whose indexes carry the columns in their keys.
DROP INDEX place_tally_county_level;
CREATE INDEX place_tally_county_level ON place_tally(county_code, level, path)
    INCLUDE (townships, villages, groups, households, executives, representatives);
DROP INDEX campaign_tally_county_level;
CREATE INDEX campaign_tally_county_level ON campaign_tally(county_code, campaign_id, level, path)
    INCLUDE (risk, visits, disputes);
