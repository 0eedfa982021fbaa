-- The case conference (联席会议 / 个案会商) of a county's anti-domestic-violence mechanism: the
-- conferences (date, departments invited and present), the cases heard at each, and the safety
-- plans' actions (a department, a deadline, a status; each action is also a `deadline` row of
-- kind `safety_action`, escalated like a referral's acknowledgement). An action's text is
-- sealed by the application.
CREATE TABLE conference (
    county_code TEXT NOT NULL,
    id          UUID NOT NULL,
    path        TEXT COLLATE "C" NOT NULL,
    held_on     DATE NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('planned', 'held')),
    invited     TEXT NOT NULL,
    present     TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX conference_held ON conference(county_code, held_on);

CREATE TABLE conference_case (
    county_code   TEXT NOT NULL,
    conference_id UUID NOT NULL,
    case_id       UUID NOT NULL,
    added_at      TIMESTAMPTZ NOT NULL,
    added_by      TEXT NOT NULL,
    PRIMARY KEY (county_code, conference_id, case_id),
    FOREIGN KEY (county_code, conference_id) REFERENCES conference(county_code, id),
    FOREIGN KEY (county_code, case_id) REFERENCES dv_case(county_code, id)
);
CREATE INDEX conference_case_case ON conference_case(county_code, case_id);

CREATE TABLE safety_action (
    county_code   TEXT NOT NULL,
    id            UUID NOT NULL,
    conference_id UUID NOT NULL,
    case_id       UUID NOT NULL,
    path          TEXT COLLATE "C" NOT NULL,
    department_id UUID NOT NULL,
    action        TEXT NOT NULL,
    due_on        DATE NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'done')),
    done_at       TIMESTAMPTZ,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (county_code, id),
    FOREIGN KEY (county_code, conference_id) REFERENCES conference(county_code, id),
    FOREIGN KEY (county_code, case_id) REFERENCES dv_case(county_code, id),
    FOREIGN KEY (county_code, department_id) REFERENCES department(county_code, id)
);
CREATE INDEX safety_action_open ON safety_action(county_code, status, due_on);
CREATE INDEX safety_action_case ON safety_action(county_code, case_id);
