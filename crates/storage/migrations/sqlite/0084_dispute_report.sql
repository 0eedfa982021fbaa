-- A family mediator's report to the police of a dispute whose violence may become a crime
-- (People's Mediation Law art. 25): the domestic-violence case it opened and the referral to
-- the police (with its acknowledgement clock); one report per dispute.
CREATE TABLE dispute_report (
    county_code TEXT NOT NULL,
    dispute_id  BLOB NOT NULL,
    case_id     BLOB NOT NULL,
    referral_id BLOB NOT NULL,
    reported_at TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    PRIMARY KEY (county_code, dispute_id),
    FOREIGN KEY (county_code, dispute_id) REFERENCES dispute(county_code, id),
    FOREIGN KEY (county_code, case_id) REFERENCES dv_case(county_code, id)
);
