-- The "1+N+1+1" chain (no published definition: a county defines its own): named steps, each
-- taken by a unit (a department of the linkage or a federation below) within a number of days;
-- a dispute or a domestic-violence case attached to a chain gets its own copy of the steps, the
-- first one's clock started at once and each next one's when the one before it is done (each a
-- `deadline` row of kind `chain_step`, its subject the run's step). Names are of institutions and
-- steps, never of people. Times are milliseconds since 1970 (UTC), days China's.
CREATE TABLE chain (
    county_code TEXT NOT NULL,
    id          BLOB NOT NULL,
    path        TEXT NOT NULL,
    place_code  TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX chain_id ON chain(id);
CREATE INDEX chain_path ON chain(path);

CREATE TABLE chain_step (
    county_code   TEXT NOT NULL,
    chain_id      BLOB NOT NULL,
    seq           BIGINT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('lead', 'member', 'court', 'followup')),
    name          TEXT NOT NULL,
    department_id BLOB,
    unit_path     TEXT,
    unit_name     TEXT NOT NULL,
    days          BIGINT NOT NULL CHECK (days > 0),
    PRIMARY KEY (county_code, chain_id, seq)
);

-- A record attached to a chain; `path` is the record's.
CREATE TABLE chain_run (
    county_code TEXT NOT NULL,
    id          BLOB NOT NULL,
    chain_id    BLOB NOT NULL,
    path        TEXT NOT NULL,
    subject     TEXT NOT NULL CHECK (subject IN ('dispute', 'case')),
    subject_id  BLOB NOT NULL,
    started_ms  BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX chain_run_id ON chain_run(id);
CREATE INDEX chain_run_chain ON chain_run(chain_id);
CREATE UNIQUE INDEX chain_run_subject ON chain_run(county_code, chain_id, subject_id);

CREATE TABLE chain_run_step (
    county_code   TEXT NOT NULL,
    run_id        BLOB NOT NULL,
    seq           BIGINT NOT NULL,
    id            BLOB NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('lead', 'member', 'court', 'followup')),
    name          TEXT NOT NULL,
    department_id BLOB,
    unit_path     TEXT,
    unit_name     TEXT NOT NULL,
    days          BIGINT NOT NULL CHECK (days > 0),
    due_ms        BIGINT,
    done_ms       BIGINT,
    done_by       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (county_code, run_id, seq)
);
CREATE INDEX chain_run_step_id ON chain_run_step(id);
CREATE INDEX chain_run_step_department ON chain_run_step(department_id)
    WHERE department_id IS NOT NULL;
CREATE INDEX chain_run_step_unit ON chain_run_step(unit_path) WHERE unit_path IS NOT NULL;
