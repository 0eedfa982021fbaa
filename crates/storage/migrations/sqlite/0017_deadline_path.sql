-- The open clocks below a place (the overview's counts), without reading the done ones.
CREATE INDEX deadline_open_path ON deadline(path, due_ms) WHERE done_ms IS NULL;
