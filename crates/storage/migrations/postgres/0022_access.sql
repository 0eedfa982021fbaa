-- Who may see what.
-- An account's home: the place whose system administrator creates, locks and resets it. Accounts
-- are created without a role; roles are granted by the security administrator. The home of an
-- existing account is the place of its lasting grants (never of an emergency grant).
ALTER TABLE account ADD COLUMN home_path TEXT COLLATE "C";
UPDATE account SET home_path = (SELECT MIN(g.scope_path) FROM account_grant g WHERE g.account_id = account.id AND g.expires_at IS NULL);

-- A revoked grant keeps its row (history); it no longer counts.
ALTER TABLE account_grant ADD COLUMN revoked_at TIMESTAMPTZ;
ALTER TABLE account_grant ADD COLUMN revoked_by UUID;
-- Emergency access no longer takes the form of a grant over a place: those still running end now.
UPDATE account_grant SET revoked_at = granted_at WHERE expires_at IS NOT NULL AND revoked_at IS NULL;

-- Emergency access (break the glass): one record, read-only, for a limited time, approved by a
-- second person of the county federation or, when urgent, granted at once and reviewed after.
CREATE TABLE emergency_access (
    county_code  TEXT NOT NULL,
    id           UUID NOT NULL,
    account_id   UUID NOT NULL REFERENCES account(id),
    target_kind  TEXT NOT NULL CHECK (target_kind IN ('household', 'person', 'dv_case')),
    target_id    UUID NOT NULL,
    -- A person's household (kind `person`): the page she is read on.
    household_id UUID,
    target_path  TEXT COLLATE "C" NOT NULL,
    reason       TEXT NOT NULL,
    minutes      BIGINT NOT NULL,
    urgent       BOOLEAN NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('requested', 'granted', 'refused', 'ended')),
    requested_at TIMESTAMPTZ NOT NULL,
    decided_at   TIMESTAMPTZ,
    decided_by   UUID,
    decision_note TEXT,
    expires_at   TIMESTAMPTZ,
    reviewed_at  TIMESTAMPTZ,
    reviewed_by  UUID,
    review_note  TEXT,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX emergency_access_account ON emergency_access(account_id, status);
CREATE INDEX emergency_access_county ON emergency_access(county_code, requested_at);
