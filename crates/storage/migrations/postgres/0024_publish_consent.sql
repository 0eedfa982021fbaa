-- A guardian who consents names her relationship to the person.
ALTER TABLE consent ADD COLUMN guardian_relationship TEXT;

-- A wish proposed with its guardian's consent (the old checkbox) becomes a record of consent to
-- publish, so that what the public page shows stays tied to a consent in force.
INSERT INTO consent (county_code, id, person_id, purpose, basis, given_by, recorded_at)
SELECT county_code, id, person_id, 'publish', 'consent', 'guardian', created_at FROM wish
WHERE guardian_consent = TRUE;
