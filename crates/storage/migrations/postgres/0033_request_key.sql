-- A submission's key (a hidden field of every rendered create form, or the API's
-- Idempotency-Key header) with the first answer given to it: a repeat of the same key by the
-- same account gets that answer again instead of creating a second record. `status` is 0 while
-- the first request runs; the answer's body (an API's JSON) is sealed. Kept a day.
CREATE TABLE request_key (
    account_id  UUID NOT NULL REFERENCES account(id),
    request_key TEXT NOT NULL,
    route       TEXT NOT NULL,
    status      INTEGER NOT NULL DEFAULT 0,
    location    TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, request_key)
);
CREATE INDEX request_key_created ON request_key(created_at);
