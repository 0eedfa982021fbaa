-- A feed whose address leads to this machine or an internal network (loopback, private,
-- link-local, the cloud's metadata address) is refused at every fetch: its state `refused`.

ALTER TABLE opinion_source DROP CONSTRAINT opinion_source_state_check;
ALTER TABLE opinion_source ADD CONSTRAINT opinion_source_state_check CHECK (state IN ('never',
    'ok', 'not_feed', 'too_large', 'timeout', 'http_error', 'silent', 'refused'));
