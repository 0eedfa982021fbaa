-- Screening campaigns (排查): a period, a place subtree and a checklist. A visit records what a
-- member found in one household: the checklist items flagged and the note are sealed envelopes
-- (v1.xc20.…); the risk level stays plain, for counting. One screening visit per household and
-- campaign; `request_key` makes a retried submit the same visit. Medium and high risk open a
-- dispute (矛盾纠纷).

ALTER TABLE member ADD COLUMN account_id UUID;
CREATE INDEX member_account ON member(account_id);

CREATE TABLE campaign (
    county_code TEXT NOT NULL,
    id          UUID NOT NULL,
    name        TEXT NOT NULL,
    place_code  TEXT NOT NULL REFERENCES place(code),
    path        TEXT COLLATE "C" NOT NULL,
    starts_on   DATE NOT NULL,
    ends_on     DATE NOT NULL,
    checklist   TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (county_code, id),
    CHECK (ends_on >= starts_on)
);
CREATE INDEX campaign_path ON campaign(path);

CREATE TABLE visit (
    county_code  TEXT NOT NULL,
    id           UUID NOT NULL,
    campaign_id  UUID NOT NULL,
    household_id UUID NOT NULL,
    path         TEXT COLLATE "C" NOT NULL,
    member_id    UUID,
    visited_on   DATE NOT NULL,
    risk         TEXT NOT NULL CHECK (risk IN ('none', 'low', 'medium', 'high')),
    findings     TEXT NOT NULL,
    note         TEXT,
    followup     BOOLEAN NOT NULL,
    request_key  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (county_code, id),
    UNIQUE (county_code, request_key),
    UNIQUE (county_code, campaign_id, household_id),
    FOREIGN KEY (county_code, campaign_id) REFERENCES campaign(county_code, id),
    FOREIGN KEY (county_code, household_id) REFERENCES household(county_code, id)
);
CREATE INDEX visit_campaign_path ON visit(campaign_id, path, risk);
CREATE INDEX visit_household ON visit(county_code, household_id);

CREATE TABLE dispute (
    county_code  TEXT NOT NULL,
    id           UUID NOT NULL,
    household_id UUID NOT NULL,
    path         TEXT COLLATE "C" NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('screening')),
    visit_id     UUID,
    risk         TEXT NOT NULL CHECK (risk IN ('medium', 'high')),
    status       TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    opened_on    DATE NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (county_code, id),
    UNIQUE (county_code, visit_id),
    FOREIGN KEY (county_code, household_id) REFERENCES household(county_code, id)
);
CREATE INDEX dispute_path ON dispute(path, status);
