-- The reads of a place's figures and of a campaign's progress take every column of the tally
-- rows they find (the counts, a risk's visits and disputes). With those columns in the indexes
-- they search, SQLite answers from the index alone, without a second search of the table for
-- each row found (about forty rows for a county's progress). A count that changes rewrites its
-- row's index entry as well: one more small write for each place above a visit or a household.
DROP INDEX place_tally_county_level;
CREATE INDEX place_tally_county_level ON place_tally(county_code, level, path, townships, villages,
    groups, households, executives, representatives);
DROP INDEX campaign_tally_county_level;
CREATE INDEX campaign_tally_county_level ON campaign_tally(county_code, campaign_id, level, path,
    risk, visits, disputes);
