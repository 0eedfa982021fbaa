-- Women volunteers (巾帼志愿者) and the services they give, and the sessions of training and
-- legal education (培训、普法) with their attendees (members, or a count), the typical cases used
-- and their materials. A volunteer's name and phone are sealed by the application; a material's
-- content is a training document, kept as it came. Hours are tenths of an hour; times
-- milliseconds since 1970, days `YYYY-MM-DD`.
CREATE TABLE volunteer (
    county_code TEXT NOT NULL,
    id          BLOB NOT NULL,
    path        TEXT NOT NULL,
    place_code  TEXT NOT NULL,
    name        TEXT NOT NULL,
    phone       TEXT NOT NULL DEFAULT '',
    skills      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX volunteer_id ON volunteer(id);
CREATE INDEX volunteer_path ON volunteer(path);

CREATE TABLE volunteer_service (
    county_code  TEXT NOT NULL,
    id           BLOB NOT NULL,
    volunteer_id BLOB NOT NULL,
    service_for  TEXT NOT NULL CHECK (service_for IN ('family_event', 'training', 'care_entry',
                     'followup')),
    subject_id   BLOB NOT NULL,
    served_on    TEXT NOT NULL,
    hours_tenths BIGINT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_ms  BIGINT NOT NULL,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX volunteer_service_volunteer ON volunteer_service(volunteer_id, served_on);

CREATE TABLE training (
    county_code  TEXT NOT NULL,
    id           BLOB NOT NULL,
    path         TEXT NOT NULL,
    place_code   TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('training', 'legal_education')),
    mode         TEXT NOT NULL CHECK (mode IN ('in_person', 'online')),
    held_on      TEXT NOT NULL,
    venue        TEXT NOT NULL,
    topic        TEXT NOT NULL,
    trainer      TEXT NOT NULL,
    hours_tenths BIGINT NOT NULL,
    counted      BIGINT NOT NULL DEFAULT 0,
    created_by   TEXT NOT NULL,
    created_ms   BIGINT NOT NULL,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX training_id ON training(id);
CREATE INDEX training_path ON training(path, held_on);

CREATE TABLE training_attendee (
    county_code TEXT NOT NULL,
    training_id BLOB NOT NULL,
    member_id   BLOB NOT NULL,
    PRIMARY KEY (county_code, training_id, member_id)
);
CREATE INDEX training_attendee_member ON training_attendee(member_id);

CREATE TABLE training_case (
    county_code TEXT NOT NULL,
    training_id BLOB NOT NULL,
    case_id     BLOB NOT NULL,
    PRIMARY KEY (county_code, training_id, case_id)
);

CREATE TABLE training_material (
    county_code TEXT NOT NULL,
    id          BLOB NOT NULL,
    training_id BLOB NOT NULL,
    name        TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size        BIGINT NOT NULL,
    content     BLOB NOT NULL,
    created_by  TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX training_material_training ON training_material(training_id);
