-- A domestic-violence case may hold the victim's address (sealed by the application; empty when
-- none) and be marked "address confidential" (she is in a shelter): only the case's owner sees
-- the address then, and no referral shares it.
ALTER TABLE dv_case ADD COLUMN victim_address TEXT NOT NULL DEFAULT '';
ALTER TABLE dv_case ADD COLUMN address_confidential BOOLEAN NOT NULL DEFAULT FALSE;
