-- Names, birth dates and relationships of persons, and the names of members, are sealed by the
-- application (v1.xc20.<key id>.…, bound to table/column/row). Rows written before are sealed by
-- a one-time step at start (`Services::seal_clear_values`), which also fills the indexes below.
-- Search by name goes through keyed blind indexes: of the whole name, and of the surname.
-- `head` says which person heads the household (lists show her name without opening the rest).
ALTER TABLE person ADD COLUMN name_index TEXT;
ALTER TABLE person ADD COLUMN surname_index TEXT;
ALTER TABLE person ADD COLUMN head SMALLINT NOT NULL DEFAULT 0;
UPDATE person SET head = CASE WHEN relationship = 'head' THEN 1 ELSE 0 END;
CREATE INDEX person_name_index ON person(name_index);
CREATE INDEX person_surname_index ON person(surname_index);

-- The links that tell a sensitive status (a case's victim, a dispute's party) no longer name the
-- person in clear: the person's id is sealed in `victim_person` / `person`, and a party carries a
-- keyed pseudonym of the person (`person_ref`, an HMAC of her id with a purpose label), so that
-- finding the disputes of a person needs the key and no join leads from them to `person`.
-- Until the step at start seals them, the ids copied here are plain hex.
ALTER TABLE dv_case ADD COLUMN victim_person TEXT;
UPDATE dv_case SET victim_person = lower(hex(victim_person_id)) WHERE victim_person_id IS NOT NULL;
UPDATE dv_case SET victim_person_id = NULL;
ALTER TABLE dispute_party ADD COLUMN person TEXT;
ALTER TABLE dispute_party ADD COLUMN person_ref TEXT;
UPDATE dispute_party SET person = lower(hex(person_id)) WHERE person_id IS NOT NULL;
UPDATE dispute_party SET person_id = NULL;
CREATE INDEX dispute_party_person_ref ON dispute_party(county_code, person_ref);

-- The one-time step at start that seals the values written before this migration runs while this
-- row is here, and removes it when done.
CREATE TABLE pending_seal (step TEXT PRIMARY KEY);
INSERT INTO pending_seal (step) VALUES ('names');
