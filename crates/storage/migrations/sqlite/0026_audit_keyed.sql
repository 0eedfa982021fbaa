-- The audit chain is keyed: each entry's link is an HMAC-SHA256 under a key derived from the key
-- file's data key `kid` (never in the database). Entries written before keep their unkeyed
-- SHA-256 link and `kid` empty; `keyed_from` marks the first entry that must carry a MAC. The
-- next entry (the server writes `audit.keyed` when it starts) seals the old head under the key.
ALTER TABLE audit ADD COLUMN kid TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT NOT NULL DEFAULT 1;
UPDATE audit_head SET keyed_from = seq + 1 WHERE id = 1;
