-- The parties' consent given at a dispute's intake is kept with the dispute (disputes found by a
-- screening visit have none until the intake is completed).
ALTER TABLE dispute ADD COLUMN intake_consent BOOLEAN NOT NULL DEFAULT FALSE;
