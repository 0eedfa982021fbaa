-- Supervision tasks (督办): what an issuing federation asks of a lead unit (a department of the
-- linkage or a federation below) and its co-units, by a deadline, with the steps taken on it.
-- The title, the matter, the person responsible and the notes are sealed by the application;
-- times are milliseconds since 1970 (UTC), days are China's.
CREATE TABLE supervision_task (
    county_code     TEXT NOT NULL,
    id              UUID NOT NULL,
    path            TEXT COLLATE "C" NOT NULL,
    place_code      TEXT NOT NULL,
    title           TEXT NOT NULL,
    matter          TEXT NOT NULL DEFAULT '',
    source          TEXT NOT NULL CHECK (source IN ('case', 'dispute', 'topic', 'meeting',
                        'instruction')),
    source_id       UUID,
    department_id   UUID,
    unit_path       TEXT COLLATE "C",
    unit_name       TEXT NOT NULL,
    owner_name      TEXT NOT NULL,
    cadence         TEXT NOT NULL CHECK (cadence IN ('weekly', 'monthly', 'quarterly',
                        'deadline')),
    issued_on       TEXT NOT NULL,
    due_on          TEXT NOT NULL,
    due_ms          BIGINT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('issued', 'signed', 'submitted',
                        'returned', 'closed')),
    extension_on    TEXT,
    signed_ms       BIGINT,
    last_report_ms  BIGINT,
    submitted_ms    BIGINT,
    submitted_by    TEXT NOT NULL DEFAULT '',
    closed_ms       BIGINT,
    returns         BIGINT NOT NULL DEFAULT 0,
    rating          TEXT CHECK (rating IN ('satisfied', 'basic', 'unsatisfied')),
    created_ms      BIGINT NOT NULL,
    created_by      TEXT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX supervision_task_id ON supervision_task(id);
CREATE INDEX supervision_task_path ON supervision_task(path, due_ms);
CREATE INDEX supervision_task_unit ON supervision_task(unit_path, due_ms) WHERE unit_path IS NOT NULL;
CREATE INDEX supervision_task_department ON supervision_task(department_id, due_ms)
    WHERE department_id IS NOT NULL;

-- Co-units: a department or a federation below, as for the lead unit.
CREATE TABLE supervision_unit (
    county_code   TEXT NOT NULL,
    task_id       UUID NOT NULL,
    seq           BIGINT NOT NULL,
    department_id UUID,
    unit_path     TEXT COLLATE "C",
    name          TEXT NOT NULL,
    PRIMARY KEY (county_code, task_id, seq)
);
CREATE INDEX supervision_unit_department ON supervision_unit(department_id)
    WHERE department_id IS NOT NULL;
CREATE INDEX supervision_unit_path ON supervision_unit(unit_path) WHERE unit_path IS NOT NULL;

CREATE TABLE supervision_step (
    county_code TEXT NOT NULL,
    task_id     UUID NOT NULL,
    seq         BIGINT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('issue', 'sign', 'progress', 'extend_request',
                    'extend_approve', 'extend_refuse', 'submit', 'return', 'close', 'revisit',
                    'remind', 'notice')),
    at_ms       BIGINT NOT NULL,
    by_account  TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    new_due_on  TEXT,
    PRIMARY KEY (county_code, task_id, seq)
);
