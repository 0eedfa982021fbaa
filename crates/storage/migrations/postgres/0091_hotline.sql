-- The 12338 hotline log: one row per call. The caller's name and phone and the summary are
-- sealed by the application; `off_hours` marks a call outside the service hours; a promised
-- call-back is a `deadline` row of kind `hotline_callback`. Times are milliseconds since 1970.
CREATE TABLE hotline_call (
    county_code  TEXT NOT NULL,
    id           UUID NOT NULL,
    path         TEXT COLLATE "C" NOT NULL,
    place_code   TEXT NOT NULL,
    called_ms    BIGINT NOT NULL,
    off_hours    BOOLEAN NOT NULL,
    caller_name  TEXT NOT NULL DEFAULT '',
    caller_phone TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL CHECK (kind IN ('consultation', 'complaint', 'dispute',
                     'violence', 'other')),
    summary      TEXT NOT NULL,
    action       TEXT NOT NULL CHECK (action IN ('advice', 'dispute', 'case', 'opinion',
                     'supervision')),
    linked_id    UUID,
    callback_on  TEXT,
    called_back_ms BIGINT,
    created_ms   BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX hotline_call_id ON hotline_call(id);
CREATE INDEX hotline_call_path ON hotline_call(path, called_ms);
