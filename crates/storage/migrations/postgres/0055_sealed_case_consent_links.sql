-- The last links in clear that tell a sensitive status: the household of a domestic-violence
-- case (`dv_case.household_id`: this household has a case) and the person of a consent record
-- (`consent.person_id`: a consent to publish tells that a child has a wish). The case's household
-- is sealed by the application in `household` (bound to dv_case/household/<case>); nothing looks
-- a case up by it. A consent holds its person sealed in `person` (consent/person/<consent>) and
-- a keyed pseudonym `person_ref` (an HMAC of the id with the purpose label `consent`), by which
-- the services find the consents of a person. The guardian's name on a consent, and on a case's
-- consent to share, is sealed too (in place).
--
-- The clear columns are dropped (with the index and foreign key on `consent.person_id`). The ids
-- copied here are plain text, and the guardians' names clear, until the one-time step at start
-- (`seal_clear_values`, the 'consent_links' row below) seals them and fills the pseudonyms; it
-- rewrites those rows and then runs VACUUM FULL, which also writes the dropped columns away.

ALTER TABLE dv_case ADD COLUMN household TEXT;
UPDATE dv_case SET household = household_id::text WHERE household_id IS NOT NULL;
ALTER TABLE dv_case DROP COLUMN household_id;

ALTER TABLE consent ADD COLUMN person TEXT, ADD COLUMN person_ref TEXT;
UPDATE consent SET person = person_id::text;
ALTER TABLE consent DROP COLUMN person_id;
ALTER TABLE consent ALTER COLUMN person SET NOT NULL;
CREATE INDEX consent_person_ref ON consent(county_code, person_ref);

INSERT INTO pending_seal (step) VALUES ('consent_links');
