-- Review meetings (研判会) of a level: the day, who attended and what was concluded (both
-- sealed), the topics reviewed, and the follow-up tasks, each with a stored clock (a `deadline`
-- row of kind `opinion_task`, escalated like a topic's to the level above, then the chair).

CREATE TABLE opinion_meeting (
    county_code TEXT NOT NULL,
    id          BLOB NOT NULL,
    path        TEXT NOT NULL,
    place_code  TEXT NOT NULL,
    met_on     TEXT NOT NULL,
    attendees   TEXT NOT NULL,
    conclusions TEXT NOT NULL,
    created_ms  BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX opinion_meeting_id ON opinion_meeting(id);
CREATE INDEX opinion_meeting_path ON opinion_meeting(path, met_on);

CREATE TABLE opinion_meeting_topic (
    county_code TEXT NOT NULL,
    meeting_id  BLOB NOT NULL,
    topic_id    BLOB NOT NULL,
    PRIMARY KEY (county_code, meeting_id, topic_id)
);

CREATE TABLE opinion_task (
    county_code TEXT NOT NULL,
    id          BLOB NOT NULL,
    meeting_id  BLOB NOT NULL,
    seq         BIGINT NOT NULL,
    task        TEXT NOT NULL,
    owner       TEXT NOT NULL,
    due_ms      BIGINT NOT NULL,
    done_ms     BIGINT,
    done_by     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (county_code, id)
);
CREATE INDEX opinion_task_id ON opinion_task(id);
CREATE INDEX opinion_task_meeting ON opinion_task(county_code, meeting_id);
