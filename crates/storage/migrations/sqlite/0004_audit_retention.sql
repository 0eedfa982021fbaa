-- Retention of the audit log: entries older than the retention period may be removed from the
-- start of the chain only. The head keeps the hash of the last removed entry as the anchor from
-- which the remaining chain is verified; removing anything else is still refused.

ALTER TABLE audit_head ADD COLUMN pruned_through BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD COLUMN anchor_hash TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';

DROP TRIGGER audit_no_delete;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
WHEN OLD.seq > (SELECT pruned_through FROM audit_head WHERE id = 1)
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
