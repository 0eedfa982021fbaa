-- Free-text notes and reasons (a case step's note, a referral's basis note, a care service's
-- note, a wish's confirmation note, why a woman left a registry) are sealed by the application
-- as the other notes are; the rows written before are sealed by the one-time step at start.
INSERT INTO pending_seal (step) VALUES ('notes');
