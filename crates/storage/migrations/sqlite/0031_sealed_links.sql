-- The links from the care tables to a person and her household no longer name them in clear:
-- an entry of a registry (the bereaved-mothers registry among them), a wish and an event's
-- registered participant hold the person's id sealed by the application (bound to
-- table/column/row), and where SQL needs it a keyed pseudonym (an HMAC of the id with a purpose
-- label): `person_ref` keeps a person once per registry and once per event, and counts the
-- people served; `household_ref` lets a representative's reach match the households she answers
-- for (their pseudonyms are computed by the application). No join leads from these tables to
-- `person` or `household` without the key.
--
-- SQLite cannot drop a NOT NULL column that is part of a UNIQUE constraint or a foreign key, so
-- the four tables are rebuilt (new table, copy, drop, rename, indexes again); care_service is
-- rebuilt with registry_entry, whose child it is, and its new foreign key follows the rename.
-- The ids copied here are plain hex until the one-time step at start (`seal_clear_values`,
-- the 'links' row below) seals them and fills the pseudonyms; it then vacuums the file, so the
-- pages of the dropped tables leave it too.

CREATE TABLE registry_entry_new (
    county_code    TEXT NOT NULL,
    id             BLOB NOT NULL,
    registry_key   TEXT NOT NULL,
    person         TEXT NOT NULL,
    person_ref     TEXT,
    household      TEXT NOT NULL,
    household_ref  TEXT,
    path           TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('proposed', 'verified', 'active', 'left')),
    criteria       TEXT NOT NULL,
    evidence       TEXT NOT NULL,
    surveyed_by    TEXT NOT NULL,
    verified_by    TEXT,
    entered_on     TEXT NOT NULL,
    next_review_on TEXT NOT NULL,
    left_on        TEXT,
    left_reason    TEXT NOT NULL DEFAULT '',
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1,
    reminded_for   TEXT,
    PRIMARY KEY (county_code, id),
    FOREIGN KEY (county_code, registry_key) REFERENCES registry(county_code, key)
);
INSERT INTO registry_entry_new (county_code, id, registry_key, person, household, path, status,
    criteria, evidence, surveyed_by, verified_by, entered_on, next_review_on, left_on,
    left_reason, created_by, created_at, updated_at, version, reminded_for)
SELECT county_code, id, registry_key, lower(hex(person_id)), lower(hex(household_id)), path,
    status, criteria, evidence, surveyed_by, verified_by, entered_on, next_review_on, left_on,
    left_reason, created_by, created_at, updated_at, version, reminded_for
FROM registry_entry;

CREATE TABLE care_service_new (
    county_code  TEXT NOT NULL,
    id           BLOB NOT NULL,
    entry_id     BLOB NOT NULL,
    person_ref   TEXT,
    path         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('health_check', 'green_channel', 'relief', 'legal_aid')),
    on_date      TEXT NOT NULL,
    hospital     TEXT NOT NULL DEFAULT '',
    valid_until  TEXT,
    goods        TEXT NOT NULL DEFAULT '',
    amount_cents BIGINT CHECK (amount_cents >= 0),
    visited_by   TEXT NOT NULL DEFAULT '',
    result       TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    batch_id     BLOB,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (county_code, id),
    FOREIGN KEY (county_code, entry_id) REFERENCES registry_entry_new(county_code, id)
);
INSERT INTO care_service_new (county_code, id, entry_id, path, kind, on_date, hospital,
    valid_until, goods, amount_cents, visited_by, result, note, batch_id, created_by, created_at)
SELECT county_code, id, entry_id, path, kind, on_date, hospital, valid_until, goods,
    amount_cents, visited_by, result, note, batch_id, created_by, created_at
FROM care_service;

DROP TABLE care_service;
DROP TABLE registry_entry;
ALTER TABLE registry_entry_new RENAME TO registry_entry;
ALTER TABLE care_service_new RENAME TO care_service;
CREATE INDEX registry_entry_path ON registry_entry(path, registry_key, status);
CREATE INDEX registry_entry_review ON registry_entry(path, next_review_on) WHERE status <> 'left';
CREATE INDEX registry_entry_id ON registry_entry(id);
CREATE INDEX registry_entry_remind ON registry_entry(next_review_on) WHERE status IN ('verified', 'active');
CREATE UNIQUE INDEX registry_entry_person_ref ON registry_entry(county_code, registry_key, person_ref);
CREATE INDEX registry_entry_household_ref ON registry_entry(county_code, household_ref);
CREATE INDEX care_service_path ON care_service(path, on_date);
CREATE INDEX care_service_entry ON care_service(county_code, entry_id);

CREATE TABLE wish_new (
    county_code      TEXT NOT NULL,
    id               BLOB NOT NULL,
    person           TEXT NOT NULL,
    household        TEXT NOT NULL,
    household_ref    TEXT,
    path             TEXT NOT NULL,
    public_place     TEXT NOT NULL,
    age              BIGINT NOT NULL,
    wish             TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('proposed', 'published', 'claimed',
                         'fulfilled', 'confirmed', 'withdrawn')),
    guardian_consent BOOLEAN NOT NULL CHECK (guardian_consent),
    proposed_by      TEXT NOT NULL,
    approved_by      TEXT,
    donor            TEXT,
    donor_phone      TEXT,
    credit_code      TEXT,
    claimed_at       TEXT,
    claim_expires_at TEXT,
    fulfilled_on     TEXT,
    confirm_note     TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (county_code, id)
);
INSERT INTO wish_new (county_code, id, person, household, path, public_place, age, wish, status,
    guardian_consent, proposed_by, approved_by, donor, donor_phone, credit_code, claimed_at,
    claim_expires_at, fulfilled_on, confirm_note, created_at, updated_at, version)
SELECT county_code, id, lower(hex(person_id)), lower(hex(household_id)), path, public_place, age,
    wish, status, guardian_consent, proposed_by, approved_by, donor, donor_phone, credit_code,
    claimed_at, claim_expires_at, fulfilled_on, confirm_note, created_at, updated_at, version
FROM wish;
DROP TABLE wish;
ALTER TABLE wish_new RENAME TO wish;
CREATE INDEX wish_status ON wish(status, path);
CREATE INDEX wish_id ON wish(id);
CREATE INDEX wish_household_ref ON wish(county_code, household_ref);

-- An event's registered participants are numbered within it (the sealed id cannot be a key).
CREATE TABLE care_event_person_new (
    county_code TEXT NOT NULL,
    event_id    BLOB NOT NULL,
    seq         BIGINT NOT NULL,
    person      TEXT NOT NULL,
    person_ref  TEXT,
    PRIMARY KEY (county_code, event_id, seq),
    FOREIGN KEY (county_code, event_id) REFERENCES care_event(county_code, id)
);
INSERT INTO care_event_person_new (county_code, event_id, seq, person)
SELECT county_code, event_id,
    row_number() OVER (PARTITION BY county_code, event_id ORDER BY person_id),
    lower(hex(person_id))
FROM care_event_person;
DROP TABLE care_event_person;
ALTER TABLE care_event_person_new RENAME TO care_event_person;
CREATE UNIQUE INDEX care_event_person_ref ON care_event_person(county_code, event_id, person_ref);

INSERT INTO pending_seal (step) VALUES ('links');
