-- Households per resident group, kept by the transactions that add households (household.rs,
-- insert_households), so that the figures of a place read one row a group instead of counting
-- its households. `jinguo check` compares them with a fresh count.
CREATE TABLE group_tally (
    county_code TEXT NOT NULL,
    path        TEXT NOT NULL,
    households  BIGINT NOT NULL,
    PRIMARY KEY (county_code, path)
);
CREATE INDEX group_tally_path ON group_tally(path);
INSERT INTO group_tally (county_code, path, households)
    SELECT county_code, path, count(*) FROM household GROUP BY county_code, path;
