-- A level's monthly figures of public opinion read the items and topics found in a month.
CREATE INDEX opinion_item_found ON opinion_item(county_code, found_ms);
CREATE INDEX opinion_topic_found ON opinion_topic(county_code, found_ms);
