-- A family mediator's profile (the roster jointly appointed with the court): what she is
-- (lawyer, federation executive, psychologist, volunteer), whether she is a woman (every
-- subdistrict team needs a woman lawyer), and whether the court has appointed her.
CREATE TABLE mediator_profile (
    county_code     TEXT NOT NULL,
    member_id       UUID NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('lawyer', 'executive', 'psychologist', 'volunteer')),
    woman           BOOLEAN NOT NULL,
    court_appointed BOOLEAN NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (county_code, member_id),
    FOREIGN KEY (county_code, member_id) REFERENCES member(county_code, id)
);
