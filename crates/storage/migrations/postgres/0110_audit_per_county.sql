-- One audit chain per county: an entry about a place in a county (its path's third segment) is
-- numbered and linked in that county's chain, every other entry (sign-ins, accounts, places above
-- the counties) in the chain of county_code ''. Each chain has its head row, so that writes of
-- different counties never wait for, or conflict on, one another's head (and on a database
-- distributed by county, a county's chain lives with the county's rows). The entries written
-- before stay in the chain '' as they are.
ALTER TABLE audit ADD COLUMN county_code TEXT NOT NULL DEFAULT '';
ALTER TABLE audit DROP CONSTRAINT audit_pkey;
ALTER TABLE audit ADD PRIMARY KEY (county_code, seq);

ALTER TABLE audit_head ADD COLUMN county_code TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_head DROP CONSTRAINT audit_head_pkey;
ALTER TABLE audit_head DROP COLUMN id;
ALTER TABLE audit_head ADD PRIMARY KEY (county_code);

CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.seq <= (SELECT pruned_through FROM audit_head h WHERE h.county_code = OLD.county_code) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END $$;
