-- Retention of the audit log: entries older than the retention period may be removed from the
-- start of the chain only. The head keeps the hash of the last removed entry as the anchor from
-- which the remaining chain is verified; removing anything else is still refused.

ALTER TABLE audit_head ADD COLUMN pruned_through BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD COLUMN anchor_hash TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';

DROP TRIGGER audit_no_update ON audit;
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.seq <= (SELECT pruned_through FROM audit_head WHERE id = 1) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();
