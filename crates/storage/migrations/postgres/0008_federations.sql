-- Federations (妇联组织) as records: one per place that has one (the city or county, a
-- subdistrict, a village or community). A member's term has a planned end. A member's phone is a
-- sealed envelope like every other phone.

CREATE TABLE federation (
    county_code    TEXT NOT NULL,
    id             UUID NOT NULL,
    place_code     TEXT NOT NULL UNIQUE REFERENCES place(code),
    path           TEXT COLLATE "C" NOT NULL,
    name           TEXT NOT NULL,
    established_on DATE,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX federation_path ON federation(path);

ALTER TABLE member ADD COLUMN term_ends_on DATE;
