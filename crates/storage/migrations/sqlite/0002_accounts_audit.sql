-- Accounts, their role grants (each bound to a place subtree), sessions, and the audit log.

CREATE TABLE account (
    id                   BLOB PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    locked_until         TEXT,
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    totp_secret          TEXT,
    totp_last_step       BIGINT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);

CREATE TABLE account_grant (
    id          BLOB PRIMARY KEY,
    account_id  BLOB NOT NULL REFERENCES account(id),
    role        TEXT NOT NULL,
    scope_path  TEXT NOT NULL,
    granted_by  BLOB,
    granted_at  TEXT NOT NULL,
    expires_at  TEXT,
    reason      TEXT
);
CREATE INDEX account_grant_account ON account_grant(account_id);

CREATE TABLE session (
    token_hash       TEXT PRIMARY KEY,
    account_id       BLOB NOT NULL REFERENCES account(id),
    csrf             TEXT NOT NULL,
    second_factor_ok BOOLEAN NOT NULL,
    created_at       TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL,
    expires_at       TEXT NOT NULL
);
CREATE INDEX session_account ON session(account_id);

-- Append-only and hash-chained: hash = SHA-256(prev_hash | seq | at | actor | action | …).
CREATE TABLE audit (
    seq         BIGINT PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_id    BLOB,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    place_path  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    detail      TEXT NOT NULL,
    ip          TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_at ON audit(at);
CREATE INDEX audit_actor ON audit(actor_id);

CREATE TABLE audit_head (
    id   SMALLINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
