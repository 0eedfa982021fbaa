-- Statistical tables (统计报表) a county sends to the federation above: each table is a name and
-- its columns (figure keys, comma separated); its rows are the places one level below the
-- county. A return is the tables of one period as counted and signed off by the county's staff
-- (`tables` the definitions signed, `data` the counts, JSON); once sent, it is final. Only
-- counts are kept, never a record. Times are milliseconds since 1970.
CREATE TABLE stat_table (
    county_code TEXT NOT NULL,
    id          UUID NOT NULL,
    path        TEXT COLLATE "C" NOT NULL,
    name        TEXT NOT NULL,
    columns     TEXT NOT NULL,
    position    BIGINT NOT NULL,
    changed_by  TEXT NOT NULL,
    changed_ms  BIGINT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (county_code, id)
);
CREATE TABLE stat_return (
    county_code TEXT NOT NULL,
    id          UUID NOT NULL,
    path        TEXT COLLATE "C" NOT NULL,
    period      TEXT NOT NULL,
    tables      TEXT NOT NULL,
    data        TEXT NOT NULL,
    signed_by   TEXT NOT NULL,
    signed_ms   BIGINT NOT NULL,
    sent_by     TEXT,
    sent_ms     BIGINT,
    PRIMARY KEY (county_code, id),
    UNIQUE (county_code, period)
);
CREATE INDEX stat_return_sent ON stat_return(period, path);
