-- The review date a reminder was last sent for: an entry due for review reminds the
-- representatives answering for its household once per review date.
ALTER TABLE registry_entry ADD COLUMN reminded_for DATE;
CREATE INDEX registry_entry_remind ON registry_entry(next_review_on) WHERE status IN ('verified', 'active');
