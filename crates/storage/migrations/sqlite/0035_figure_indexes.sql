-- The figures of a place's children count serving members by path and role, and places by path
-- and level, over the place's subtree: both answered from an index alone, without reading the
-- rows (for a county, 5,275 members and 631 places at each overview read without the caches).
CREATE INDEX member_serving_path_role ON member(path, role) WHERE ended_on IS NULL;
CREATE INDEX place_path_level ON place(path, level);
