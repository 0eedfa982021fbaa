-- A dispute is looked up by its id alone (a link names no county).
CREATE INDEX dispute_id ON dispute(id);
