-- A campaign's visits and the disputes they opened, counted per place and risk: one row for the
-- resident group of the visited household and one for each place above it (village, township,
-- county, prefecture, province), each within the household's county. Kept by the transactions
-- that record visits and open their disputes (screening.rs, insert_visits and insert_disputes),
-- so that the progress of any place reads its own rows and its children's instead of the visits.
-- `level` is the place's level (1 province … 6 resident group); `jinguo check` compares the rows
-- with a fresh count from the visits and rebuilds them when asked.
CREATE TABLE campaign_tally (
    county_code TEXT NOT NULL,
    campaign_id BLOB NOT NULL,
    level       SMALLINT NOT NULL,
    path        TEXT NOT NULL,
    risk        TEXT NOT NULL,
    visits      BIGINT NOT NULL,
    disputes    BIGINT NOT NULL,
    PRIMARY KEY (county_code, campaign_id, path, risk)
);
CREATE INDEX campaign_tally_level ON campaign_tally(campaign_id, level, path);
INSERT INTO campaign_tally (county_code, campaign_id, level, path, risk, visits, disputes)
    SELECT county_code, campaign_id, level, path, risk, sum(visits), sum(disputes) FROM (
        SELECT v.county_code, v.campaign_id, l.level, substr(v.path, 1, l.len) AS path, v.risk,
               1 AS visits, 0 AS disputes
        FROM visit v JOIN (SELECT 1 AS level, 3 AS len UNION ALL SELECT 2, 8 UNION ALL SELECT 3, 15
            UNION ALL SELECT 4, 25 UNION ALL SELECT 5, 38 UNION ALL SELECT 6, 54) l ON length(v.path) >= l.len
        UNION ALL
        SELECT d.county_code, v.campaign_id, l.level, substr(d.path, 1, l.len), d.risk, 0, 1
        FROM dispute d JOIN visit v ON v.county_code = d.county_code AND v.id = d.visit_id
        JOIN (SELECT 1 AS level, 3 AS len UNION ALL SELECT 2, 8 UNION ALL SELECT 3, 15
            UNION ALL SELECT 4, 25 UNION ALL SELECT 5, 38 UNION ALL SELECT 6, 54) l ON length(d.path) >= l.len
    ) x GROUP BY county_code, campaign_id, level, path, risk;
