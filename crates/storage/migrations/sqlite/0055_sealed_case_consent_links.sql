-- The last links in clear that tell a sensitive status: the household of a domestic-violence
-- case (`dv_case.household_id`: this household has a case) and the person of a consent record
-- (`consent.person_id`: a consent to publish tells that a child has a wish). The case's household
-- is sealed by the application in `household` (bound to dv_case/household/<case>); nothing looks
-- a case up by it. A consent holds its person sealed in `person` (consent/person/<consent>) and
-- a keyed pseudonym `person_ref` (an HMAC of the id with the purpose label `consent`), by which
-- the services find the consents of a person. The guardian's name on a consent, and on a case's
-- consent to share, is sealed too (in place).
--
-- `dv_case.household_id` is under no constraint and is dropped in place. `consent.person_id` is
-- NOT NULL and under a foreign key, so the table is rebuilt (new table, copy, drop, rename, index
-- again). The ids copied here are plain hex, and the guardians' names clear, until the one-time
-- step at start (`seal_clear_values`, the 'consent_links' row below) seals them and fills the
-- pseudonyms; it then vacuums the file, so the pages of the dropped values leave it too.

ALTER TABLE dv_case ADD COLUMN household TEXT;
UPDATE dv_case SET household = lower(hex(household_id)) WHERE household_id IS NOT NULL;
ALTER TABLE dv_case DROP COLUMN household_id;

CREATE TABLE consent_new (
    county_code           TEXT NOT NULL,
    id                    BLOB NOT NULL,
    person                TEXT NOT NULL,
    person_ref            TEXT,
    purpose               TEXT NOT NULL CHECK (purpose IN ('sensitive_data', 'share_departments', 'publish')),
    basis                 TEXT NOT NULL CHECK (basis IN ('consent', 'legal_obligation', 'vital_interest')),
    given_by              TEXT NOT NULL CHECK (given_by IN ('self', 'guardian', 'none')),
    guardian_name         TEXT,
    recorded_by           BLOB,
    recorded_at           TEXT NOT NULL,
    withdrawn_at          TEXT,
    guardian_relationship TEXT,
    PRIMARY KEY (county_code, id)
);
INSERT INTO consent_new (county_code, id, person, purpose, basis, given_by, guardian_name,
    recorded_by, recorded_at, withdrawn_at, guardian_relationship)
SELECT county_code, id, lower(hex(person_id)), purpose, basis, given_by, guardian_name,
    recorded_by, recorded_at, withdrawn_at, guardian_relationship
FROM consent;
DROP TABLE consent;
ALTER TABLE consent_new RENAME TO consent;
CREATE INDEX consent_person_ref ON consent(county_code, person_ref);

INSERT INTO pending_seal (step) VALUES ('consent_links');
