-- A feed whose address leads to this machine or an internal network (loopback, private,
-- link-local, the cloud's metadata address) is refused at every fetch: its state `refused`.
-- SQLite cannot change a CHECK in place, so the table is rebuilt (nothing refers to it by a
-- foreign key).

CREATE TABLE opinion_source_new (
    county_code   TEXT NOT NULL,
    id            BLOB NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('feed', 'manual', 'hotline', 'webhook')),
    name          TEXT NOT NULL,
    url           TEXT NOT NULL DEFAULT '',
    secret        TEXT NOT NULL DEFAULT '',
    poll_minutes  BIGINT NOT NULL DEFAULT 30,
    silent_hours  BIGINT NOT NULL DEFAULT 72,
    etag          TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL CHECK (state IN ('never', 'ok', 'not_feed', 'too_large',
                      'timeout', 'http_error', 'silent', 'refused')),
    state_note    TEXT NOT NULL DEFAULT '',
    failures      BIGINT NOT NULL DEFAULT 0,
    next_poll_ms  BIGINT,
    last_poll_ms  BIGINT,
    last_ok_ms    BIGINT,
    last_item_ms  BIGINT,
    created_ms    BIGINT NOT NULL,
    created_by    TEXT NOT NULL,
    PRIMARY KEY (county_code, id)
);
INSERT INTO opinion_source_new SELECT county_code, id, kind, name, url, secret, poll_minutes,
    silent_hours, etag, last_modified, state, state_note, failures, next_poll_ms, last_poll_ms,
    last_ok_ms, last_item_ms, created_ms, created_by FROM opinion_source;
DROP TABLE opinion_source;
ALTER TABLE opinion_source_new RENAME TO opinion_source;
CREATE INDEX opinion_source_id ON opinion_source(id);
CREATE INDEX opinion_source_poll ON opinion_source(next_poll_ms) WHERE next_poll_ms IS NOT NULL;
