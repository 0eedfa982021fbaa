-- Public opinion (舆论应对): the county's categories and keyword rules, the sources items come
-- from (feeds polled by the worker, reports by hand, the hotline, a monitoring service's
-- webhook), the raw payloads as received (kept apart from the curated items), the items, the
-- topics (one event and its items) and the steps taken on each. Titles, texts, raw payloads and
-- a webhook's secret are sealed by the application; times are milliseconds since 1970 (UTC).
CREATE TABLE opinion_category (
    county_code TEXT NOT NULL,
    key         TEXT NOT NULL,
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    position    BIGINT NOT NULL,
    PRIMARY KEY (county_code, key)
);

CREATE TABLE opinion_rule (
    county_code   TEXT NOT NULL,
    id            UUID NOT NULL,
    name          TEXT NOT NULL,
    subject_words TEXT NOT NULL,
    event_words   TEXT NOT NULL,
    region_words  TEXT NOT NULL,
    exclude_words TEXT NOT NULL,
    category      TEXT NOT NULL,
    min_grade     TEXT CHECK (min_grade IN ('1', '2', '3', '4')),
    created_ms    BIGINT NOT NULL,
    created_by    TEXT NOT NULL,
    PRIMARY KEY (county_code, id)
);

CREATE TABLE opinion_source (
    county_code   TEXT NOT NULL,
    id            UUID NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('feed', 'manual', 'hotline', 'webhook')),
    name          TEXT NOT NULL,
    url           TEXT NOT NULL DEFAULT '',
    secret        TEXT NOT NULL DEFAULT '',
    poll_minutes  BIGINT NOT NULL DEFAULT 30,
    silent_hours  BIGINT NOT NULL DEFAULT 72,
    etag          TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL CHECK (state IN ('never', 'ok', 'not_feed', 'too_large',
                      'timeout', 'http_error', 'silent')),
    state_note    TEXT NOT NULL DEFAULT '',
    failures      BIGINT NOT NULL DEFAULT 0,
    next_poll_ms  BIGINT,
    last_poll_ms  BIGINT,
    last_ok_ms    BIGINT,
    last_item_ms  BIGINT,
    created_ms    BIGINT NOT NULL,
    created_by    TEXT NOT NULL,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX opinion_source_id ON opinion_source(id);
CREATE INDEX opinion_source_poll ON opinion_source(next_poll_ms) WHERE next_poll_ms IS NOT NULL;

-- What arrived, as it arrived (a webhook's body, a feed's entry), sealed.
CREATE TABLE opinion_raw (
    county_code TEXT NOT NULL,
    id          UUID NOT NULL,
    source_id   UUID NOT NULL,
    received_ms BIGINT NOT NULL,
    payload     TEXT NOT NULL,
    PRIMARY KEY (county_code, id)
);

CREATE TABLE opinion_topic (
    county_code    TEXT NOT NULL,
    id             UUID NOT NULL,
    path           TEXT NOT NULL,
    place_code     TEXT NOT NULL,
    stage          TEXT NOT NULL CHECK (stage IN ('found', 'judged', 'handled', 'answered',
                       'closed')),
    category       TEXT NOT NULL DEFAULT '',
    proposed_grade TEXT CHECK (proposed_grade IN ('1', '2', '3', '4')),
    grade          TEXT CHECK (grade IN ('1', '2', '3', '4')),
    words          TEXT NOT NULL,
    items          BIGINT NOT NULL DEFAULT 1,
    found_ms       BIGINT NOT NULL,
    last_item_ms   BIGINT NOT NULL,
    judged_ms      BIGINT,
    answered_ms    BIGINT,
    closed_ms      BIGINT,
    response       TEXT NOT NULL DEFAULT '',
    response_by    TEXT NOT NULL DEFAULT '',
    version        BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (county_code, id)
);
CREATE INDEX opinion_topic_path ON opinion_topic(path, found_ms);
CREATE INDEX opinion_topic_recent ON opinion_topic(county_code, last_item_ms);
CREATE INDEX opinion_topic_id ON opinion_topic(id);

-- An item: the curated record of one report, post or article. `simhash` and its four 16-bit
-- bands find near-duplicates on both databases; `dup_of` is the first item of which it is one.
CREATE TABLE opinion_item (
    county_code     TEXT NOT NULL,
    id              UUID NOT NULL,
    source_id       UUID NOT NULL,
    raw_id          UUID,
    external_id     TEXT NOT NULL,
    path            TEXT NOT NULL,
    place_code      TEXT NOT NULL,
    place_words     TEXT NOT NULL DEFAULT '',
    keywords        TEXT NOT NULL DEFAULT '',
    category        TEXT NOT NULL DEFAULT '',
    proposed_grade  TEXT CHECK (proposed_grade IN ('1', '2', '3', '4')),
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    link            TEXT NOT NULL DEFAULT '',
    published_ms    BIGINT,
    found_ms        BIGINT NOT NULL,
    simhash         BIGINT NOT NULL,
    band0           BIGINT NOT NULL,
    band1           BIGINT NOT NULL,
    band2           BIGINT NOT NULL,
    band3           BIGINT NOT NULL,
    words           BIGINT NOT NULL,
    dup_of          UUID,
    topic_id        UUID NOT NULL,
    suggested_topic UUID,
    entered_by      TEXT NOT NULL,
    PRIMARY KEY (county_code, id),
    UNIQUE (county_code, source_id, external_id)
);
CREATE INDEX opinion_item_band0 ON opinion_item(county_code, band0);
CREATE INDEX opinion_item_band1 ON opinion_item(county_code, band1);
CREATE INDEX opinion_item_band2 ON opinion_item(county_code, band2);
CREATE INDEX opinion_item_band3 ON opinion_item(county_code, band3);
CREATE INDEX opinion_item_topic ON opinion_item(county_code, topic_id, found_ms);
CREATE INDEX opinion_item_id ON opinion_item(id);

CREATE TABLE opinion_step (
    county_code TEXT NOT NULL,
    topic_id    UUID NOT NULL,
    seq         BIGINT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('found', 'judge', 'handle', 'draft', 'approve',
                    'close', 'reopen', 'merge')),
    at_ms       BIGINT NOT NULL,
    by_account  TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (county_code, topic_id, seq)
);
