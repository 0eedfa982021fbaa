-- Places, households, persons, members. Ids are UUIDv7 made by the application.
-- Every large table carries county_code first in its primary and unique keys.
-- Sensitive fields (household.address, person.id_number, person.phone) hold authenticated
-- ciphertext envelopes (v1.xc20.<key id>.<nonce+ciphertext>), never plain text; exact-match
-- search on ID numbers goes through person.id_number_index, a keyed blind index (HMAC-SHA256).

CREATE TABLE place (
    code        TEXT PRIMARY KEY,
    parent_code TEXT REFERENCES place(code),
    level       SMALLINT NOT NULL CHECK (level BETWEEN 1 AND 6),
    name        TEXT NOT NULL,
    path        TEXT NOT NULL UNIQUE,
    county_code TEXT
);
CREATE INDEX place_parent ON place(parent_code);

CREATE TABLE household (
    county_code TEXT NOT NULL,
    id          BLOB NOT NULL,
    code        TEXT NOT NULL,
    group_code  TEXT NOT NULL REFERENCES place(code),
    path        TEXT NOT NULL,
    address     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (county_code, id),
    UNIQUE (county_code, code)
);
CREATE INDEX household_path ON household(path, code);

CREATE TABLE person (
    county_code  TEXT NOT NULL,
    id           BLOB NOT NULL,
    household_id BLOB NOT NULL,
    path         TEXT NOT NULL,
    name         TEXT NOT NULL,
    sex          TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    birth_date   TEXT NOT NULL,
    id_number    TEXT NOT NULL,
    id_number_index TEXT NOT NULL,
    phone        TEXT,
    relationship TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (county_code, id),
    UNIQUE (county_code, id_number_index),
    FOREIGN KEY (county_code, household_id) REFERENCES household(county_code, id)
);
CREATE INDEX person_household ON person(county_code, household_id);
CREATE INDEX person_path ON person(path);

CREATE TABLE member (
    county_code TEXT NOT NULL,
    id          BLOB NOT NULL,
    place_code  TEXT NOT NULL REFERENCES place(code),
    path        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('executive', 'representative', 'mediator', 'volunteer')),
    name        TEXT NOT NULL,
    phone       TEXT,
    started_on  TEXT NOT NULL,
    ended_on    TEXT,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX member_path ON member(path);
