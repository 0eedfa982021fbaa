-- The links from the care tables to a person and her household no longer name them in clear:
-- an entry of a registry (the bereaved-mothers registry among them), a wish and an event's
-- registered participant hold the person's id sealed by the application (bound to
-- table/column/row), and where SQL needs it a keyed pseudonym (an HMAC of the id with a purpose
-- label): `person_ref` keeps a person once per registry and once per event, and counts the
-- people served; `household_ref` lets a representative's reach match the households she answers
-- for (their pseudonyms are computed by the application). No join leads from these tables to
-- `person` or `household` without the key.
--
-- The clear columns are dropped (with the unique keys and foreign keys on them). The ids copied
-- here are plain text until the one-time step at start (`seal_clear_values`, the 'links' row
-- below) seals them and fills the pseudonyms; it rewrites every row and then runs VACUUM FULL,
-- which also writes the dropped columns as NULL.

ALTER TABLE registry_entry ADD COLUMN person TEXT, ADD COLUMN person_ref TEXT,
    ADD COLUMN household TEXT, ADD COLUMN household_ref TEXT;
UPDATE registry_entry SET person = person_id::text, household = household_id::text;
ALTER TABLE registry_entry DROP COLUMN person_id, DROP COLUMN household_id;
ALTER TABLE registry_entry ALTER COLUMN person SET NOT NULL, ALTER COLUMN household SET NOT NULL;
CREATE UNIQUE INDEX registry_entry_person_ref ON registry_entry(county_code, registry_key, person_ref);
CREATE INDEX registry_entry_household_ref ON registry_entry(county_code, household_ref);

ALTER TABLE care_service ADD COLUMN person_ref TEXT;
ALTER TABLE care_service DROP COLUMN person_id;

ALTER TABLE wish ADD COLUMN person TEXT, ADD COLUMN household TEXT, ADD COLUMN household_ref TEXT;
UPDATE wish SET person = person_id::text, household = household_id::text;
ALTER TABLE wish DROP COLUMN person_id, DROP COLUMN household_id;
ALTER TABLE wish ALTER COLUMN person SET NOT NULL, ALTER COLUMN household SET NOT NULL;
CREATE INDEX wish_household_ref ON wish(county_code, household_ref);

-- An event's registered participants are numbered within it (the sealed id cannot be a key).
ALTER TABLE care_event_person ADD COLUMN seq BIGINT, ADD COLUMN person TEXT,
    ADD COLUMN person_ref TEXT;
UPDATE care_event_person ep SET seq = n.seq, person = ep.person_id::text
FROM (SELECT county_code, event_id, person_id,
        row_number() OVER (PARTITION BY county_code, event_id ORDER BY person_id) AS seq
      FROM care_event_person) n
WHERE n.county_code = ep.county_code AND n.event_id = ep.event_id AND n.person_id = ep.person_id;
ALTER TABLE care_event_person DROP CONSTRAINT care_event_person_pkey;
ALTER TABLE care_event_person DROP COLUMN person_id;
ALTER TABLE care_event_person ALTER COLUMN seq SET NOT NULL, ALTER COLUMN person SET NOT NULL;
ALTER TABLE care_event_person ADD PRIMARY KEY (county_code, event_id, seq);
CREATE UNIQUE INDEX care_event_person_ref ON care_event_person(county_code, event_id, person_ref);

INSERT INTO pending_seal (step) VALUES ('links');
