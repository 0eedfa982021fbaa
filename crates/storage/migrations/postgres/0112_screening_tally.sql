-- The screening of each calendar year, counted per place: households screened (each household
-- once a year, however many campaigns visited it), visits, and visits that graded a household
-- medium or high risk. One row for the visited household's resident group and one for each place
-- above it (village, township, county, prefecture, province), each within the household's county.
-- `screening_household` holds each household screened in a year, once: the transaction that
-- records a visit (screening.rs, insert_visits, the only way visits are written) inserts its key
-- and counts the household only when the key was not there yet, so that concurrent visits of one
-- household count it once. The yearly figures of the overview and the annual report read a
-- place's row instead of counting distinct households over every visit of the year; `jinguo
-- check` compares both tables with a fresh count from the visits and rebuilds them when asked.
CREATE TABLE screening_household (
    county_code  TEXT NOT NULL,
    household_id UUID NOT NULL,
    year         INTEGER NOT NULL,
    PRIMARY KEY (county_code, household_id, year)
);
CREATE TABLE screening_tally (
    county_code TEXT NOT NULL,
    year        INTEGER NOT NULL,
    level       SMALLINT NOT NULL,
    path        TEXT COLLATE "C" NOT NULL,
    households  BIGINT NOT NULL,
    visits      BIGINT NOT NULL,
    medium      BIGINT NOT NULL,
    high        BIGINT NOT NULL,
    PRIMARY KEY (county_code, year, path)
);
CREATE INDEX screening_tally_path ON screening_tally(year, path);
INSERT INTO screening_household (county_code, household_id, year)
    SELECT DISTINCT county_code, household_id, CAST(substr(CAST(visited_on AS TEXT), 1, 4) AS INTEGER)
    FROM visit;
INSERT INTO screening_tally (county_code, year, level, path, households, visits, medium, high)
    SELECT county_code, year, level, path, CAST(sum(households) AS BIGINT), CAST(sum(visits) AS BIGINT),
           CAST(sum(medium) AS BIGINT), CAST(sum(high) AS BIGINT) FROM (
        SELECT h.county_code, h.year, l.level, substr(h.path, 1, l.len) AS path, 1 AS households,
               h.visits, h.medium, h.high
        FROM (SELECT county_code, household_id, path,
                     CAST(substr(CAST(visited_on AS TEXT), 1, 4) AS INTEGER) AS year, count(*) AS visits,
                     sum(CASE WHEN risk = 'medium' THEN 1 ELSE 0 END) AS medium,
                     sum(CASE WHEN risk = 'high' THEN 1 ELSE 0 END) AS high
              FROM visit GROUP BY county_code, household_id, path,
                     CAST(substr(CAST(visited_on AS TEXT), 1, 4) AS INTEGER)) h
        JOIN (SELECT 1 AS level, 3 AS len UNION ALL SELECT 2, 8 UNION ALL SELECT 3, 15
            UNION ALL SELECT 4, 25 UNION ALL SELECT 5, 38 UNION ALL SELECT 6, 54) l ON length(h.path) >= l.len
    ) x GROUP BY county_code, year, level, path;
