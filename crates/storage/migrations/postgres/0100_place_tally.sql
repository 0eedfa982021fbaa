-- What lies below each place, counted: townships, villages and resident groups, households, and
-- the executives and representatives still serving. One row for each place at and above the
-- counted record (its resident group or federation, village, township, county, prefecture,
-- province), each within the record's county, so that counties never write the same row. Kept
-- by the transactions that add places (place.rs, upsert), households (household.rs,
-- add_to_tallies) and members or end their terms (member.rs, insert and end), so that a place's
-- overview reads its own rows and its children's instead of every place, group and member below
-- it. `level` is the place's level (1 province … 6 resident group); `jinguo check` compares the
-- rows with a fresh count and rebuilds them when asked.
CREATE TABLE place_tally (
    county_code     TEXT NOT NULL,
    level           SMALLINT NOT NULL,
    path            TEXT COLLATE "C" NOT NULL,
    townships       BIGINT NOT NULL,
    villages        BIGINT NOT NULL,
    groups          BIGINT NOT NULL,
    households      BIGINT NOT NULL,
    executives      BIGINT NOT NULL,
    representatives BIGINT NOT NULL,
    PRIMARY KEY (county_code, path)
);
CREATE INDEX place_tally_level ON place_tally(level, path);
INSERT INTO place_tally (county_code, level, path, townships, villages, groups, households, executives, representatives)
    SELECT county_code, level, path, sum(townships), sum(villages), sum(groups), sum(households),
           sum(executives), sum(representatives) FROM (
        SELECT p.county_code, l.level, substr(p.path, 1, l.len) AS path,
               CASE WHEN p.level = 4 THEN 1 ELSE 0 END AS townships,
               CASE WHEN p.level = 5 THEN 1 ELSE 0 END AS villages,
               CASE WHEN p.level = 6 THEN 1 ELSE 0 END AS groups,
               0 AS households, 0 AS executives, 0 AS representatives
        FROM place p JOIN (SELECT 1 AS level, 3 AS len UNION ALL SELECT 2, 8 UNION ALL SELECT 3, 15
            UNION ALL SELECT 4, 25 UNION ALL SELECT 5, 38 UNION ALL SELECT 6, 54) l ON length(p.path) >= l.len
        WHERE p.level >= 4 AND p.county_code IS NOT NULL
        UNION ALL
        SELECT g.county_code, l.level, substr(g.path, 1, l.len), 0, 0, 0, g.households, 0, 0
        FROM group_tally g JOIN (SELECT 1 AS level, 3 AS len UNION ALL SELECT 2, 8 UNION ALL SELECT 3, 15
            UNION ALL SELECT 4, 25 UNION ALL SELECT 5, 38 UNION ALL SELECT 6, 54) l ON length(g.path) >= l.len
        UNION ALL
        SELECT m.county_code, l.level, substr(m.path, 1, l.len), 0, 0, 0, 0,
               CASE WHEN m.role = 'executive' THEN 1 ELSE 0 END,
               CASE WHEN m.role = 'representative' THEN 1 ELSE 0 END
        FROM member m JOIN (SELECT 1 AS level, 3 AS len UNION ALL SELECT 2, 8 UNION ALL SELECT 3, 15
            UNION ALL SELECT 4, 25 UNION ALL SELECT 5, 38 UNION ALL SELECT 6, 54) l ON length(m.path) >= l.len
        WHERE m.ended_on IS NULL AND m.role IN ('executive', 'representative')
    ) x GROUP BY county_code, level, path;
