-- One audit chain per county: an entry about a place in a county (its path's third segment) is
-- numbered and linked in that county's chain, every other entry (sign-ins, accounts, places above
-- the counties) in the chain of county_code ''. Each chain has its head row, so that writes of
-- different counties never wait for, or conflict on, one another's head. The entries written
-- before stay in the chain '' as they are. (SQLite changes a primary key by copying the table;
-- dropping a table fires no trigger.)
CREATE TABLE audit_new (
    county_code TEXT NOT NULL DEFAULT '',
    seq         BIGINT NOT NULL,
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
    hash        TEXT NOT NULL,
    kid         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (county_code, seq)
);
INSERT INTO audit_new (county_code, seq, at, actor_id, actor, action, target, place_path, reason, detail, ip, prev_hash, hash, kid)
SELECT '', seq, at, actor_id, actor, action, target, place_path, reason, detail, ip, prev_hash, hash, kid FROM audit;
DROP TABLE audit;
ALTER TABLE audit_new RENAME TO audit;
CREATE INDEX audit_at ON audit(at);
CREATE INDEX audit_actor ON audit(actor_id);

CREATE TABLE audit_head_new (
    county_code    TEXT PRIMARY KEY,
    seq            BIGINT NOT NULL,
    hash           TEXT NOT NULL,
    pruned_through BIGINT NOT NULL DEFAULT 0,
    anchor_hash    TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000',
    keyed_from     BIGINT NOT NULL DEFAULT 1
);
INSERT INTO audit_head_new (county_code, seq, hash, pruned_through, anchor_hash, keyed_from)
SELECT '', seq, hash, pruned_through, anchor_hash, keyed_from FROM audit_head;
DROP TABLE audit_head;
ALTER TABLE audit_head_new RENAME TO audit_head;

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
WHEN OLD.seq > (SELECT pruned_through FROM audit_head h WHERE h.county_code = OLD.county_code)
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
