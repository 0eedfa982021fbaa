-- A department that acknowledged a referral records what it did within its own limit (days from
-- the acknowledgement; a `referral_action` clock, escalated like the acknowledgement's).
ALTER TABLE department ADD COLUMN action_days BIGINT NOT NULL DEFAULT 7 CHECK (action_days BETWEEN 1 AND 90);
