-- The victim's consent to share a case with the mechanism's departments, as records: for one
-- department or for all, given by herself or by a named guardian, withdrawn with a date. A
-- referral on the basis of consent is made only under such a record in force, and a withdrawal
-- stops what was not yet shared.
CREATE TABLE case_consent (
    county_code           TEXT NOT NULL,
    id                    UUID NOT NULL,
    case_id               UUID NOT NULL,
    department_id         UUID,
    given_by              TEXT NOT NULL CHECK (given_by IN ('self', 'guardian')),
    guardian_name         TEXT,
    guardian_relationship TEXT,
    recorded_by           TEXT NOT NULL,
    recorded_at           TIMESTAMPTZ NOT NULL,
    withdrawn_at          TIMESTAMPTZ,
    withdrawn_by          TEXT,
    PRIMARY KEY (county_code, id),
    FOREIGN KEY (county_code, case_id) REFERENCES dv_case(county_code, id)
);
CREATE INDEX case_consent_case ON case_consent(county_code, case_id);

-- A consent given at intake (the case's flag) becomes a record for every department.
INSERT INTO case_consent (county_code, id, case_id, department_id, given_by, recorded_by, recorded_at)
SELECT county_code, id, id, NULL, 'self', owner, now() FROM dv_case WHERE consent_to_share = TRUE;
