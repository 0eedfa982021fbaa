-- API tokens (stored hashed, scoped to a place, expiring) and consent records (PIPL).

CREATE TABLE api_token (
    token_hash  TEXT PRIMARY KEY,
    account_id  BLOB NOT NULL REFERENCES account(id),
    name        TEXT NOT NULL,
    scope_path  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX api_token_account ON api_token(account_id);

CREATE TABLE consent (
    county_code   TEXT NOT NULL,
    id            BLOB NOT NULL,
    person_id     BLOB NOT NULL,
    purpose       TEXT NOT NULL CHECK (purpose IN ('sensitive_data', 'share_departments', 'publish')),
    basis         TEXT NOT NULL CHECK (basis IN ('consent', 'legal_obligation', 'vital_interest')),
    given_by      TEXT NOT NULL CHECK (given_by IN ('self', 'guardian', 'none')),
    guardian_name TEXT,
    recorded_by   BLOB,
    recorded_at   TEXT NOT NULL,
    withdrawn_at  TEXT,
    PRIMARY KEY (county_code, id),
    FOREIGN KEY (county_code, person_id) REFERENCES person(county_code, id)
);
CREATE INDEX consent_person ON consent(county_code, person_id);
