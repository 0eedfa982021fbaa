-- Finding a household by a resident ID number, across the counties of a province.
CREATE INDEX person_id_number_index ON person(id_number_index);
