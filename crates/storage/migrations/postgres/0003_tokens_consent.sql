-- API tokens (stored hashed, scoped to a place, expiring) and consent records (PIPL).

CREATE TABLE api_token (
    token_hash  TEXT PRIMARY KEY,
    account_id  UUID NOT NULL REFERENCES account(id),
    name        TEXT NOT NULL,
    scope_path  TEXT COLLATE "C" NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX api_token_account ON api_token(account_id);

CREATE TABLE consent (
    county_code   TEXT NOT NULL,
    id            UUID NOT NULL,
    person_id     UUID NOT NULL,
    purpose       TEXT NOT NULL CHECK (purpose IN ('sensitive_data', 'share_departments', 'publish')),
    basis         TEXT NOT NULL CHECK (basis IN ('consent', 'legal_obligation', 'vital_interest')),
    given_by      TEXT NOT NULL CHECK (given_by IN ('self', 'guardian', 'none')),
    guardian_name TEXT,
    recorded_by   UUID,
    recorded_at   TIMESTAMPTZ NOT NULL,
    withdrawn_at  TIMESTAMPTZ,
    PRIMARY KEY (county_code, id),
    FOREIGN KEY (county_code, person_id) REFERENCES person(county_code, id)
);
CREATE INDEX consent_person ON consent(county_code, person_id);
