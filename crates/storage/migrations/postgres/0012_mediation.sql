-- Family mediation (家事调解): a dispute from any source, its parties, the steps taken on it (kept
-- as history: acceptance, refusal, each assignment, escalation, follow-up, closing), its sessions
-- and its agreement with the terms. Narratives, records, names and terms are sealed by the
-- application. The dispute table is rebuilt: its source, risk and status take the workflow's
-- values, its household becomes optional (a hotline call may name no registered household), and
-- it keeps its due date.
CREATE TABLE dispute_new (
    county_code  TEXT NOT NULL,
    id           UUID NOT NULL,
    household_id UUID,
    path         TEXT COLLATE "C" NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('screening', 'hotline', 'walk_in',
                     'court_before_filing', 'court_after_filing', 'police', 'federation')),
    visit_id     UUID,
    kind         TEXT NOT NULL CHECK (kind IN ('marriage', 'divorce', 'domestic_violence',
                     'elder_support', 'custody', 'property', 'neighbours', 'other')),
    risk         TEXT NOT NULL CHECK (risk IN ('low', 'medium', 'high')),
    status       TEXT NOT NULL CHECK (status IN ('registered', 'accepted', 'assigned',
                     'in_mediation', 'agreed', 'not_agreed', 'closed')),
    outcome      TEXT CHECK (outcome IN ('agreed', 'not_agreed', 'refused')),
    opened_on    DATE NOT NULL,
    accepted_on  DATE,
    concluded_on DATE,
    due_on       DATE NOT NULL,
    simplified   BOOLEAN NOT NULL DEFAULT FALSE,
    narrative    TEXT NOT NULL DEFAULT '',
    mediator_id  UUID,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (county_code, id),
    UNIQUE (county_code, visit_id),
    FOREIGN KEY (county_code, household_id) REFERENCES household(county_code, id),
    FOREIGN KEY (county_code, mediator_id) REFERENCES member(county_code, id)
);
INSERT INTO dispute_new (county_code, id, household_id, path, source, visit_id, kind, risk, status,
        opened_on, due_on, created_at, updated_at, version)
    SELECT county_code, id, household_id, path, source, visit_id, 'other', risk,
        CASE status WHEN 'open' THEN 'registered' ELSE 'closed' END,
        opened_on, (opened_on + interval '1 month')::date, created_at, created_at, version
    FROM dispute;
DROP TABLE dispute;
ALTER TABLE dispute_new RENAME TO dispute;
ALTER TABLE dispute RENAME CONSTRAINT dispute_new_pkey TO dispute_pkey;
ALTER TABLE dispute RENAME CONSTRAINT dispute_new_county_code_visit_id_key TO dispute_county_code_visit_id_key;
ALTER TABLE dispute RENAME CONSTRAINT dispute_new_county_code_household_id_fkey TO dispute_county_code_household_id_fkey;
ALTER TABLE dispute RENAME CONSTRAINT dispute_new_county_code_mediator_id_fkey TO dispute_county_code_mediator_id_fkey;
CREATE INDEX dispute_path ON dispute(path, status);
CREATE INDEX dispute_due ON dispute(status, due_on);
CREATE INDEX dispute_mediator ON dispute(county_code, mediator_id, status);
CREATE INDEX dispute_household ON dispute(county_code, household_id);

CREATE TABLE dispute_party (
    county_code  TEXT NOT NULL,
    dispute_id   UUID NOT NULL,
    seq          BIGINT NOT NULL,
    person_id    UUID,
    name         TEXT NOT NULL,
    relationship TEXT NOT NULL,
    PRIMARY KEY (county_code, dispute_id, seq),
    FOREIGN KEY (county_code, dispute_id) REFERENCES dispute(county_code, id),
    FOREIGN KEY (county_code, person_id) REFERENCES person(county_code, id)
);
CREATE INDEX dispute_party_person ON dispute_party(county_code, person_id);

CREATE TABLE dispute_step (
    county_code TEXT NOT NULL,
    dispute_id  UUID NOT NULL,
    seq         BIGINT NOT NULL,
    step        TEXT NOT NULL CHECK (step IN ('register', 'accept', 'refuse', 'assign',
                    'session', 'agree', 'not_agree', 'follow_up', 'close', 'escalate',
                    'confirmation')),
    taken_on    DATE NOT NULL,
    mediator_id UUID,
    note        TEXT NOT NULL DEFAULT '',
    taken_by    TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (county_code, dispute_id, seq),
    FOREIGN KEY (county_code, dispute_id) REFERENCES dispute(county_code, id)
);

CREATE TABLE mediation_session (
    county_code TEXT NOT NULL,
    id          UUID NOT NULL,
    dispute_id  UUID NOT NULL,
    held_on     DATE NOT NULL,
    place       TEXT NOT NULL,
    attendees   TEXT NOT NULL,
    record      TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (county_code, id),
    FOREIGN KEY (county_code, dispute_id) REFERENCES dispute(county_code, id)
);
CREATE INDEX mediation_session_dispute ON mediation_session(county_code, dispute_id, held_on);

CREATE TABLE agreement (
    county_code     TEXT NOT NULL,
    id              UUID NOT NULL,
    dispute_id      UUID NOT NULL,
    agreed_on       DATE NOT NULL,
    parties         TEXT NOT NULL,
    facts           TEXT NOT NULL,
    confirmation_on DATE,
    recorded_by     TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (county_code, id),
    UNIQUE (county_code, dispute_id),
    FOREIGN KEY (county_code, dispute_id) REFERENCES dispute(county_code, id)
);

CREATE TABLE agreement_term (
    county_code  TEXT NOT NULL,
    agreement_id UUID NOT NULL,
    seq          BIGINT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('payment', 'property', 'support', 'custody',
                     'visitation', 'conduct', 'marriage', 'adoption', 'personal_status',
                     'other')),
    text         TEXT NOT NULL,
    manner       TEXT NOT NULL,
    due_on       DATE NOT NULL,
    performed_on DATE,
    PRIMARY KEY (county_code, agreement_id, seq),
    FOREIGN KEY (county_code, agreement_id) REFERENCES agreement(county_code, id)
);
CREATE INDEX agreement_term_due ON agreement_term(due_on, performed_on);
