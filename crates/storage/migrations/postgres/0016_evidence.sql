-- Evidence kept with a domestic-violence case: a photograph of an injury, a medical record, a
-- police receipt. The file's name and content are sealed by the application; its kind (found
-- from its content, not its name) and size are not.
CREATE TABLE evidence (
    county_code TEXT NOT NULL,
    id          UUID NOT NULL,
    case_id     UUID NOT NULL,
    name        TEXT NOT NULL,
    media_type  TEXT NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'application/pdf')),
    size        BIGINT NOT NULL,
    content     TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (county_code, id),
    FOREIGN KEY (county_code, case_id) REFERENCES dv_case(county_code, id)
);
CREATE INDEX evidence_case ON evidence(county_code, case_id);
