-- Coverage and progress at county scale read indexes only: the assignments of a subtree by path
-- with their household and end, the current assignments of a member. A household has at most one
-- women's representative answering for it at a time.

DROP INDEX assignment_path;
CREATE INDEX assignment_path ON assignment(path, household_id, ended_on);
CREATE INDEX assignment_active_member ON assignment(county_code, member_id) WHERE ended_on IS NULL;
CREATE UNIQUE INDEX assignment_one_per_household ON assignment(county_code, household_id)
    WHERE ended_on IS NULL AND household_id IS NOT NULL;
