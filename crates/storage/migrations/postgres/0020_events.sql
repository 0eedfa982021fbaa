-- Care events ("bring love home" and others): date, place, organiser, participants counted
-- without names (and how many of them children) and registered participants by person.
CREATE TABLE care_event (
    county_code        TEXT NOT NULL,
    id                 UUID NOT NULL,
    path               TEXT COLLATE "C" NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('bring_love_home', 'family_education', 'legal', 'other')),
    name               TEXT NOT NULL,
    held_on            DATE NOT NULL,
    place_text         TEXT NOT NULL,
    organiser          TEXT NOT NULL,
    anonymous          BIGINT NOT NULL CHECK (anonymous >= 0),
    anonymous_children BIGINT NOT NULL CHECK (anonymous_children >= 0),
    created_by         TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX care_event_path ON care_event(path, held_on);

CREATE TABLE care_event_person (
    county_code TEXT NOT NULL,
    event_id    UUID NOT NULL,
    person_id   UUID NOT NULL,
    PRIMARY KEY (county_code, event_id, person_id),
    FOREIGN KEY (county_code, event_id) REFERENCES care_event(county_code, id),
    FOREIGN KEY (county_code, person_id) REFERENCES person(county_code, id)
);
