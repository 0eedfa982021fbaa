-- Most-beautiful families (最美家庭): a nomination at a village, its reviews, its public notice
-- with the objections the public sends and the staff's answers, the county's naming with a year
-- and a level, the family's consent to publication and its published story. The family's name,
-- the nominator, the deeds, the story, the reason of a refusal, who gave the consent and every
-- objection's text, contact and answer are sealed by the application. Online votes (off unless
-- a county turns them on in `family_setting`) are one row per person and day. Family events with
-- the nominated or named families that took part. Times are milliseconds since 1970, days
-- `YYYY-MM-DD`.
CREATE TABLE family_award (
    county_code    TEXT NOT NULL,
    id             UUID NOT NULL,
    path           TEXT COLLATE "C" NOT NULL,
    place_code     TEXT NOT NULL,
    year           BIGINT NOT NULL,
    family_name    TEXT NOT NULL,
    nominated_by   TEXT NOT NULL CHECK (nominated_by IN ('family', 'others', 'organisation')),
    nominator      TEXT NOT NULL DEFAULT '',
    deeds          TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('nominated', 'village_passed', 'notice',
                       'subdistrict_passed', 'awarded', 'rejected')),
    notice_from    TEXT,
    notice_until   TEXT,
    level          TEXT CHECK (level IN ('county', 'city', 'province', 'national')),
    review_score   BIGINT,
    consent_on     TEXT,
    consent_by     TEXT NOT NULL DEFAULT '',
    consent_names  BOOLEAN NOT NULL DEFAULT FALSE,
    consent_story  BOOLEAN NOT NULL DEFAULT FALSE,
    story          TEXT NOT NULL DEFAULT '',
    story_ms       BIGINT,
    reject_note    TEXT NOT NULL DEFAULT '',
    created_by     TEXT NOT NULL,
    created_ms     BIGINT NOT NULL,
    village_by     TEXT,
    subdistrict_by TEXT,
    awarded_by     TEXT,
    awarded_ms     BIGINT,
    decided_by     TEXT,
    version        BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX family_award_id ON family_award(id);
CREATE INDEX family_award_path ON family_award(path, year);
CREATE INDEX family_award_status ON family_award(status, notice_until);

CREATE TABLE family_objection (
    county_code  TEXT NOT NULL,
    id           UUID NOT NULL,
    family_id    UUID NOT NULL,
    received_ms  BIGINT NOT NULL,
    text         TEXT NOT NULL,
    contact      TEXT NOT NULL DEFAULT '',
    answer       TEXT NOT NULL DEFAULT '',
    answered_by  TEXT,
    answered_ms  BIGINT,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX family_objection_family ON family_objection(family_id, received_ms);

CREATE TABLE family_vote (
    county_code TEXT NOT NULL,
    voter       TEXT NOT NULL,
    day         TEXT NOT NULL,
    family_id   UUID NOT NULL,
    at_ms       BIGINT NOT NULL,
    PRIMARY KEY (county_code, voter, day)
);
CREATE INDEX family_vote_family ON family_vote(family_id);

CREATE TABLE family_setting (
    county_code TEXT NOT NULL PRIMARY KEY,
    voting      BOOLEAN NOT NULL DEFAULT FALSE,
    vote_weight BIGINT NOT NULL DEFAULT 30 CHECK (vote_weight BETWEEN 0 AND 30),
    changed_by  TEXT NOT NULL,
    changed_ms  BIGINT NOT NULL
);

CREATE TABLE family_event (
    county_code  TEXT NOT NULL,
    id           UUID NOT NULL,
    path         TEXT COLLATE "C" NOT NULL,
    place_code   TEXT NOT NULL,
    held_on      TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('lecture', 'activity', 'showcase', 'visit',
                     'other')),
    title        TEXT NOT NULL,
    participants BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    created_ms   BIGINT NOT NULL,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX family_event_id ON family_event(id);
CREATE INDEX family_event_path ON family_event(path, held_on);

CREATE TABLE family_event_family (
    county_code TEXT NOT NULL,
    event_id    UUID NOT NULL,
    family_id   UUID NOT NULL,
    PRIMARY KEY (county_code, event_id, family_id)
);
