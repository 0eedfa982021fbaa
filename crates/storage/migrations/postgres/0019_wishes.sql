-- Children's micro-wishes (微心愿): proposed by a child's representative with her guardian's
-- consent, approved and published without anything personal (the wish, the child's age, her
-- subdistrict), claimed by a donor (name and phone sealed; an organisation's credit code),
-- fulfilled and confirmed. A claim not fulfilled by `claim_expires_at` frees the wish again.
CREATE TABLE wish (
    county_code      TEXT NOT NULL,
    id               UUID NOT NULL,
    person_id        UUID NOT NULL,
    household_id     UUID NOT NULL,
    path             TEXT COLLATE "C" NOT NULL,
    public_place     TEXT NOT NULL,
    age              BIGINT NOT NULL,
    wish             TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('proposed', 'published', 'claimed',
                         'fulfilled', 'confirmed', 'withdrawn')),
    guardian_consent BOOLEAN NOT NULL CHECK (guardian_consent),
    proposed_by      TEXT NOT NULL,
    approved_by      TEXT,
    donor            TEXT,
    donor_phone      TEXT,
    credit_code      TEXT,
    claimed_at       TIMESTAMPTZ,
    claim_expires_at TIMESTAMPTZ,
    fulfilled_on     DATE,
    confirm_note     TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (county_code, id),
    FOREIGN KEY (county_code, person_id) REFERENCES person(county_code, id)
);
CREATE INDEX wish_status ON wish(status, path);
CREATE INDEX wish_id ON wish(id);
