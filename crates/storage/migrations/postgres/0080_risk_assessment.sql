-- The structured risk assessment of a domestic-violence case: the county's checklist (its
-- questions and weights; none: the default checklist) and every assessment of a case, kept
-- over time. The answers (as JSON) and the reason of a judgement are sealed by the application.
CREATE TABLE risk_question (
    county_code TEXT NOT NULL,
    key         TEXT NOT NULL,
    position    BIGINT NOT NULL,
    zh          TEXT NOT NULL,
    en          TEXT NOT NULL,
    weight      BIGINT NOT NULL CHECK (weight BETWEEN 1 AND 10),
    PRIMARY KEY (county_code, key)
);

CREATE TABLE risk_assessment (
    county_code TEXT NOT NULL,
    id          UUID NOT NULL,
    case_id     UUID NOT NULL,
    path        TEXT COLLATE "C" NOT NULL,
    assessed_at TIMESTAMPTZ NOT NULL,
    assessed_by TEXT NOT NULL,
    with_victim BOOLEAN NOT NULL,
    answers     TEXT NOT NULL,
    incidents   BIGINT,
    score       BIGINT NOT NULL,
    computed    TEXT NOT NULL CHECK (computed IN ('low', 'medium', 'high')),
    judgement   TEXT CHECK (judgement IN ('low', 'medium', 'high')),
    reason      TEXT NOT NULL DEFAULT '',
    result      TEXT NOT NULL CHECK (result IN ('low', 'medium', 'high')),
    basis       TEXT NOT NULL CHECK (basis IN ('score', 'escalation', 'judgement')),
    PRIMARY KEY (county_code, id),
    FOREIGN KEY (county_code, case_id) REFERENCES dv_case(county_code, id)
);
CREATE INDEX risk_assessment_case ON risk_assessment(county_code, case_id, assessed_at);
