-- Responsibility assignments (包保): a member answers for a unit one level down — a place
-- (subdistrict, village, resident group) or a household. History is kept: an assignment ends,
-- it is never deleted.

CREATE TABLE assignment (
    county_code  TEXT NOT NULL,
    id           BLOB NOT NULL,
    member_id    BLOB NOT NULL,
    unit_code    TEXT,
    household_id BLOB,
    path         TEXT NOT NULL,
    started_on   TEXT NOT NULL,
    ended_on     TEXT,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (county_code, id),
    FOREIGN KEY (county_code, member_id) REFERENCES member(county_code, id),
    CHECK ((unit_code IS NULL) <> (household_id IS NULL))
);
CREATE INDEX assignment_member ON assignment(county_code, member_id);
CREATE INDEX assignment_unit ON assignment(unit_code);
CREATE INDEX assignment_household ON assignment(county_code, household_id);
CREATE INDEX assignment_path ON assignment(path);
