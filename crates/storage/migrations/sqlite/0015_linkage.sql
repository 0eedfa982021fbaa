-- The anti-domestic-violence linkage (反家暴联动): the mechanism's member departments and their
-- liaison accounts, domestic-violence cases, referrals to departments, the legal instruments
-- (warning letters, protection orders, mandatory reports, shelter) and their events, the stored
-- deadlines that escalate, each user's inbox, and the outbox of messages to channels.
-- Names, narratives, actions, notes and a reporter's identity are sealed by the application.
CREATE TABLE department (
    county_code      TEXT NOT NULL,
    id               BLOB NOT NULL,
    key              TEXT NOT NULL,
    name             TEXT NOT NULL,
    in_linkage       BOOLEAN NOT NULL,
    ack_hours        BIGINT NOT NULL CHECK (ack_hours BETWEEN 1 AND 720),
    urgent_ack_hours BIGINT NOT NULL CHECK (urgent_ack_hours BETWEEN 1 AND 720),
    duty_phone       TEXT NOT NULL DEFAULT '',
    webhook_url      TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (county_code, id),
    UNIQUE (county_code, key)
);

-- The accounts that act for a department: liaison officers, and heads (escalation contacts).
CREATE TABLE liaison (
    county_code   TEXT NOT NULL,
    department_id BLOB NOT NULL,
    account_id    BLOB NOT NULL REFERENCES account(id),
    position      TEXT NOT NULL CHECK (position IN ('liaison', 'head')),
    created_at    TEXT NOT NULL,
    PRIMARY KEY (county_code, department_id, account_id),
    FOREIGN KEY (county_code, department_id) REFERENCES department(county_code, id)
);
CREATE INDEX liaison_account ON liaison(account_id);

CREATE TABLE dv_case (
    county_code      TEXT NOT NULL,
    id               BLOB NOT NULL,
    path             TEXT NOT NULL,
    household_id     BLOB,
    victim_person_id BLOB,
    victim_name      TEXT NOT NULL,
    victim_phone     TEXT,
    abuser_name      TEXT NOT NULL,
    relationship     TEXT NOT NULL,
    violence         TEXT NOT NULL,
    severity         TEXT NOT NULL CHECK (severity IN ('minor', 'serious', 'severe')),
    risk_factors     TEXT NOT NULL,
    risk             TEXT NOT NULL CHECK (risk IN ('low', 'medium', 'high')),
    children         BIGINT NOT NULL,
    source           TEXT NOT NULL CHECK (source IN ('hotline', 'screening', 'police',
                         'mandatory_report', 'walk_in')),
    received_on      TEXT NOT NULL,
    narrative        TEXT NOT NULL,
    consent_to_share BOOLEAN NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    owner            TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (county_code, id),
    FOREIGN KEY (county_code, victim_person_id) REFERENCES person(county_code, id)
);
CREATE INDEX dv_case_path ON dv_case(path, status);
CREATE INDEX dv_case_id ON dv_case(id);

-- What happened on a case, in order: registration, referrals, acknowledgements, actions,
-- instruments and their events, closing. The federation sees every step.
CREATE TABLE case_step (
    county_code TEXT NOT NULL,
    case_id     BLOB NOT NULL,
    seq         BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    at          TEXT NOT NULL,
    by_account  TEXT NOT NULL,
    department  TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (county_code, case_id, seq),
    FOREIGN KEY (county_code, case_id) REFERENCES dv_case(county_code, id)
);

CREATE TABLE referral (
    county_code     TEXT NOT NULL,
    id              BLOB NOT NULL,
    case_id         BLOB NOT NULL,
    department_id   BLOB NOT NULL,
    path            TEXT NOT NULL,
    requests        TEXT NOT NULL,
    urgent          BOOLEAN NOT NULL,
    shared          TEXT NOT NULL,
    basis           TEXT NOT NULL CHECK (basis IN ('consent', 'law', 'override')),
    basis_note      TEXT NOT NULL,
    note            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('sent', 'acknowledged', 'done')),
    sent_at         TEXT NOT NULL,
    sent_by         TEXT NOT NULL,
    due_at          TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    action          TEXT NOT NULL DEFAULT '',
    done_at         TEXT,
    version         BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (county_code, id),
    FOREIGN KEY (county_code, case_id) REFERENCES dv_case(county_code, id),
    FOREIGN KEY (county_code, department_id) REFERENCES department(county_code, id)
);
CREATE INDEX referral_case ON referral(county_code, case_id);
CREATE INDEX referral_department ON referral(county_code, department_id, status);
CREATE INDEX referral_id ON referral(id);

CREATE TABLE instrument (
    county_code TEXT NOT NULL,
    id          BLOB NOT NULL,
    case_id     BLOB NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('warning_letter', 'protection_order',
                    'mandatory_report', 'shelter')),
    started_at  TEXT NOT NULL,
    urgent      BOOLEAN NOT NULL,
    party       TEXT,
    reporter    TEXT NOT NULL DEFAULT '',
    reference   TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    valid_until TEXT,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (county_code, id),
    FOREIGN KEY (county_code, case_id) REFERENCES dv_case(county_code, id)
);
CREATE INDEX instrument_case ON instrument(county_code, case_id);
CREATE INDEX instrument_id ON instrument(id);

CREATE TABLE instrument_event (
    county_code   TEXT NOT NULL,
    instrument_id BLOB NOT NULL,
    seq           BIGINT NOT NULL,
    kind          TEXT NOT NULL,
    on_date       TEXT NOT NULL,
    valid_until   TEXT,
    note          TEXT NOT NULL DEFAULT '',
    by_account    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (county_code, instrument_id, seq),
    FOREIGN KEY (county_code, instrument_id) REFERENCES instrument(county_code, id)
);

-- Every clock is a row: what must happen by when, and how far its escalation has climbed.
-- Times are milliseconds since 1970 (UTC), the same in both databases; `next_ms` is when the
-- worker next looks at it, null once it is done or has climbed the whole chain.
CREATE TABLE deadline (
    id            BLOB NOT NULL,
    county_code   TEXT NOT NULL,
    path          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    subject_id    BLOB NOT NULL,
    case_id       BLOB,
    department_id BLOB,
    due_ms        BIGINT NOT NULL,
    level         BIGINT NOT NULL DEFAULT 0,
    next_ms       BIGINT,
    done_ms       BIGINT,
    created_ms    BIGINT NOT NULL,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX deadline_id ON deadline(id);
CREATE INDEX deadline_next ON deadline(next_ms) WHERE next_ms IS NOT NULL;
CREATE INDEX deadline_subject ON deadline(subject_id);

-- Each user's inbox. The title names no person: it says what is due and links to it.
CREATE TABLE notification (
    id         BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES account(id),
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    link       TEXT NOT NULL,
    level      BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    read_at    TEXT
);
CREATE INDEX notification_account ON notification(account_id, created_at);

-- Messages to channels outside (a group robot's webhook, an SMS gateway), written in the same
-- transaction as what they announce and delivered after it commits, with retries.
CREATE TABLE outbox (
    id          BLOB PRIMARY KEY,
    channel     TEXT NOT NULL CHECK (channel IN ('webhook', 'sms')),
    target      TEXT NOT NULL,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts    BIGINT NOT NULL DEFAULT 0,
    next_ms     BIGINT NOT NULL,
    last_error  TEXT NOT NULL DEFAULT '',
    created_ms  BIGINT NOT NULL,
    delivered_ms BIGINT
);
CREATE INDEX outbox_due ON outbox(status, next_ms);
