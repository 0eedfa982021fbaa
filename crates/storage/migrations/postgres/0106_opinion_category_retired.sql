-- A county's own categories of public opinion: its staff add and rename them and retire those
-- no longer wanted. A retired category is offered no more (to keyword rules, at judgement) but
-- stays on the items and topics that have it and in their figures; none is ever deleted.
ALTER TABLE opinion_category ADD COLUMN retired_ms BIGINT;
-- Two categories of a county never share a Chinese name (the services refuse it naming the
-- field; this holds it when two staff add the same at once).
CREATE UNIQUE INDEX opinion_category_name_zh ON opinion_category(county_code, name_zh);
