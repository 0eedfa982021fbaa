-- Care (关爱): the registries of a county (configurable; six to start with), their entries (a
-- registered person in a registry, with the criteria met, the evidence (sealed), who surveyed and
-- who verified, the status and the next review), and the services delivered to people of a
-- registry (a health check's result is sealed).
CREATE TABLE registry (
    county_code   TEXT NOT NULL,
    key           TEXT NOT NULL,
    name_zh       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    review_months BIGINT NOT NULL CHECK (review_months BETWEEN 1 AND 60),
    created_at    TEXT NOT NULL,
    PRIMARY KEY (county_code, key)
);

CREATE TABLE registry_entry (
    county_code    TEXT NOT NULL,
    id             BLOB NOT NULL,
    registry_key   TEXT NOT NULL,
    person_id      BLOB NOT NULL,
    household_id   BLOB NOT NULL,
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
    PRIMARY KEY (county_code, id),
    UNIQUE (county_code, registry_key, person_id),
    FOREIGN KEY (county_code, registry_key) REFERENCES registry(county_code, key),
    FOREIGN KEY (county_code, person_id) REFERENCES person(county_code, id),
    FOREIGN KEY (county_code, household_id) REFERENCES household(county_code, id)
);
CREATE INDEX registry_entry_path ON registry_entry(path, registry_key, status);
CREATE INDEX registry_entry_review ON registry_entry(path, next_review_on) WHERE status <> 'left';
CREATE INDEX registry_entry_id ON registry_entry(id);

CREATE TABLE care_service (
    county_code  TEXT NOT NULL,
    id           BLOB NOT NULL,
    entry_id     BLOB NOT NULL,
    person_id    BLOB NOT NULL,
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
    FOREIGN KEY (county_code, entry_id) REFERENCES registry_entry(county_code, id)
);
CREATE INDEX care_service_path ON care_service(path, on_date);
CREATE INDEX care_service_entry ON care_service(county_code, entry_id);
