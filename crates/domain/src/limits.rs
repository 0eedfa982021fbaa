//! The time limits the law sets (PRODUCT.md, "Rules with numbers"), as configuration. Each has
//! the statutory (or, where the law only says "promptly", the practised) value as its default,
//! and that value is also its bound: a county may configure a stricter (shorter) limit, never a
//! laxer one. [`LegalLimits::check`] refuses a laxer value naming its key.

/// The legal time limits in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegalLimits {
    /// Hours a court has to decide on a protection order after accepting it (art. 28).
    pub order_decision_hours: i64,
    /// … when the application is urgent.
    pub order_urgent_decision_hours: i64,
    /// Longest validity of a protection order, in months (art. 30).
    pub order_max_months: i64,
    /// Days after a decision on a protection order within which reconsideration may be asked
    /// (art. 31).
    pub order_reconsideration_days: i64,
    /// Days within which a police warning letter is followed by a visit.
    pub warning_followup_days: i64,
    /// Hours to act on a mandatory report (art. 14: promptly).
    pub report_action_hours: i64,
    /// … when a minor is concerned (Minors Protection Law art. 11: at once).
    pub report_minor_action_hours: i64,
    /// Longest emergency placement before shelter, in hours.
    pub emergency_placement_hours: i64,
    /// Months within which a dispute is to be concluded from its registration.
    pub mediation_months: i64,
    /// Days a court gives a dispute referred before filing, from acceptance.
    pub court_before_filing_days: i64,
    /// Days a court gives a dispute entrusted after filing, from acceptance …
    pub court_after_filing_days: i64,
    /// … under the simplified procedure.
    pub court_after_filing_simplified_days: i64,
    /// Days from an agreement within which judicial confirmation is applied for (art. 33).
    pub confirmation_days: i64,
}

/// One limit as the configuration and the README name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Its configuration key.
    pub key: &'static str,
    /// The value in force.
    pub value: i64,
    /// The law's value: the default and the most a configuration may allow.
    pub law: i64,
    /// `hours`, `days` or `months`.
    pub unit: &'static str,
    /// Where the law sets it.
    pub source: &'static str,
}

impl LegalLimits {
    /// The values of the law (and of practice where the law says "promptly").
    pub const LAW: LegalLimits = LegalLimits {
        order_decision_hours: 72,
        order_urgent_decision_hours: 24,
        order_max_months: 6,
        order_reconsideration_days: 5,
        warning_followup_days: 90,
        report_action_hours: 24,
        report_minor_action_hours: 1,
        emergency_placement_hours: 24,
        mediation_months: 1,
        court_before_filing_days: 30,
        court_after_filing_days: 15,
        court_after_filing_simplified_days: 7,
        confirmation_days: 30,
    };

    /// Every limit with its key, its value, the law's value, unit and source.
    pub fn entries(&self) -> [Limit; 13] {
        let law = Self::LAW;
        let l = |key, value, law, unit, source| Limit {
            key,
            value,
            law,
            unit,
            source,
        };
        [
            l(
                "order_decision_hours",
                self.order_decision_hours,
                law.order_decision_hours,
                "hours",
                "Anti-Domestic Violence Law art. 28",
            ),
            l(
                "order_urgent_decision_hours",
                self.order_urgent_decision_hours,
                law.order_urgent_decision_hours,
                "hours",
                "Anti-Domestic Violence Law art. 28",
            ),
            l(
                "order_max_months",
                self.order_max_months,
                law.order_max_months,
                "months",
                "Anti-Domestic Violence Law art. 30",
            ),
            l(
                "order_reconsideration_days",
                self.order_reconsideration_days,
                law.order_reconsideration_days,
                "days",
                "Anti-Domestic Violence Law art. 31",
            ),
            l(
                "warning_followup_days",
                self.warning_followup_days,
                law.warning_followup_days,
                "days",
                "local practice (Shanxi)",
            ),
            l(
                "report_action_hours",
                self.report_action_hours,
                law.report_action_hours,
                "hours",
                "Anti-Domestic Violence Law art. 14",
            ),
            l(
                "report_minor_action_hours",
                self.report_minor_action_hours,
                law.report_minor_action_hours,
                "hours",
                "Minors Protection Law art. 11",
            ),
            l(
                "emergency_placement_hours",
                self.emergency_placement_hours,
                law.emergency_placement_hours,
                "hours",
                "local practice",
            ),
            l(
                "mediation_months",
                self.mediation_months,
                law.mediation_months,
                "months",
                "People's Mediation rules",
            ),
            l(
                "court_before_filing_days",
                self.court_before_filing_days,
                law.court_before_filing_days,
                "days",
                "SPC 2016 rules",
            ),
            l(
                "court_after_filing_days",
                self.court_after_filing_days,
                law.court_after_filing_days,
                "days",
                "SPC 2016 rules",
            ),
            l(
                "court_after_filing_simplified_days",
                self.court_after_filing_simplified_days,
                law.court_after_filing_simplified_days,
                "days",
                "SPC 2016 rules",
            ),
            l(
                "confirmation_days",
                self.confirmation_days,
                law.confirmation_days,
                "days",
                "People's Mediation Law art. 33",
            ),
        ]
    }

    /// Refuses a limit below 1 or laxer (longer) than the law's, with a message naming its key.
    pub fn check(&self) -> Result<(), String> {
        match self
            .entries()
            .into_iter()
            .find(|l| l.value < 1 || l.value > l.law)
        {
            None => Ok(()),
            Some(l) if l.value < 1 => Err(format!(
                "{} = {} must be at least 1 ({})",
                l.key, l.value, l.unit
            )),
            Some(l) => Err(format!(
                "{} = {} is laxer than the law allows: at most {} {} ({})",
                l.key, l.value, l.law, l.unit, l.source
            )),
        }
    }
}

impl Default for LegalLimits {
    fn default() -> Self {
        Self::LAW
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_law_is_the_default_and_passes() {
        assert_eq!(LegalLimits::default(), LegalLimits::LAW);
        assert_eq!(LegalLimits::LAW.check(), Ok(()));
        let stricter = LegalLimits {
            order_decision_hours: 48,
            confirmation_days: 20,
            ..LegalLimits::LAW
        };
        assert_eq!(stricter.check(), Ok(()));
    }

    #[test]
    fn a_laxer_limit_is_refused_by_its_key() {
        for (i, key) in LegalLimits::LAW.entries().iter().map(|l| l.key).enumerate() {
            let mut laxer = LegalLimits::LAW;
            let mut zero = LegalLimits::LAW;
            let fields = [
                &mut laxer.order_decision_hours,
                &mut laxer.order_urgent_decision_hours,
                &mut laxer.order_max_months,
                &mut laxer.order_reconsideration_days,
                &mut laxer.warning_followup_days,
                &mut laxer.report_action_hours,
                &mut laxer.report_minor_action_hours,
                &mut laxer.emergency_placement_hours,
                &mut laxer.mediation_months,
                &mut laxer.court_before_filing_days,
                &mut laxer.court_after_filing_days,
                &mut laxer.court_after_filing_simplified_days,
                &mut laxer.confirmation_days,
            ];
            *fields[i] += 1;
            let e = laxer.check().err().unwrap_or_default();
            assert!(e.starts_with(key) && e.contains("laxer"), "{key}: {e}");
            let fields = [
                &mut zero.order_decision_hours,
                &mut zero.order_urgent_decision_hours,
                &mut zero.order_max_months,
                &mut zero.order_reconsideration_days,
                &mut zero.warning_followup_days,
                &mut zero.report_action_hours,
                &mut zero.report_minor_action_hours,
                &mut zero.emergency_placement_hours,
                &mut zero.mediation_months,
                &mut zero.court_before_filing_days,
                &mut zero.court_after_filing_days,
                &mut zero.court_after_filing_simplified_days,
                &mut zero.confirmation_days,
            ];
            *fields[i] = 0;
            let e = zero.check().err().unwrap_or_default();
            assert!(e.starts_with(key) && e.contains("at least 1"), "{key}: {e}");
        }
    }
}
