-- Typical cases (典型案例): a case, dispute or public-opinion topic written up without
-- identifying anyone. `text_auto` is the text as the de-identification gave it, `text` as the
-- reviewer left it, both sealed by the application; `consent_person` is the sealed id of the
-- person whose consent to publication is needed when she could still be recognised. Times are
-- milliseconds since 1970.
CREATE TABLE typical_case (
    county_code    TEXT NOT NULL,
    id             BLOB NOT NULL,
    path           TEXT NOT NULL,
    place_code     TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('violence', 'marriage', 'property', 'children',
                       'other')),
    year           BIGINT NOT NULL,
    title          TEXT NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('case', 'dispute', 'topic')),
    source_id      BLOB NOT NULL,
    text_auto      TEXT NOT NULL,
    text           TEXT NOT NULL,
    recognisable   BOOLEAN NOT NULL DEFAULT FALSE,
    consent_person TEXT,
    is_public      BOOLEAN NOT NULL DEFAULT FALSE,
    status         TEXT NOT NULL CHECK (status IN ('proposed', 'reviewed', 'published',
                       'withdrawn')),
    proposed_by    TEXT NOT NULL,
    proposed_ms    BIGINT NOT NULL,
    reviewed_by    TEXT,
    reviewed_ms    BIGINT,
    published_by   TEXT,
    published_ms   BIGINT,
    version        BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX typical_case_id ON typical_case(id);
CREATE INDEX typical_case_path ON typical_case(path, year);
CREATE INDEX typical_case_public ON typical_case(status, is_public, year);
