-- The executives answering for the places above a household, found by the places' paths within
-- the county (care.rs, responsible_accounts): the units in force only.
CREATE INDEX assignment_unit_path ON assignment(county_code, path)
    WHERE unit_code IS NOT NULL AND ended_on IS NULL;
