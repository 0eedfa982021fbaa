//! A women's representative's worklist: what is due in each household she answers for, and how
//! the list is sorted and searched.

use crate::Lang;
use crate::error::ValidationErrors;
use crate::screening::Risk;
use chrono::{Duration, NaiveDate};

/// At most this many characters of a worklist search.
pub const SEARCH_MAX_CHARS: usize = 50;

catalog!(
    /// What is due in a household.
    Due {
        /// A screening visit of a campaign open today that has not visited it (due by the
        /// campaign's end).
        Visit = "visit", "走访", "visit";
        /// A registry entry's review (due on its review date).
        Review = "review", "复核", "review";
        /// The follow-up its last visit asked for (due `followup_days` after it).
        Followup = "followup", "回访", "follow-up";
    }
);

catalog!(
    /// How the worklist is ordered.
    Sort {
        /// What is due first (earliest date first), then the households with nothing due.
        Due = "due", "待办", "due";
        /// By address (masked to the building), then code.
        Address = "address", "地址", "address";
    }
);

/// Days after a visit asking for a follow-up within which it is due: sooner as the risk rises.
pub fn followup_days(risk: Risk) -> i64 {
    match risk {
        Risk::High => 3,
        Risk::Medium => 7,
        Risk::Low | Risk::None => 30,
    }
}

/// The day a follow-up asked for at a visit is due.
pub fn followup_due(visited_on: NaiveDate, risk: Risk) -> NaiveDate {
    visited_on + Duration::days(followup_days(risk))
}

/// A worklist request, as typed: the order and the search.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub sort: String,
    pub search: String,
}

/// A worklist request checked: the order (by what is due when none is given) and the search,
/// trimmed (none when empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidQuery {
    pub sort: Sort,
    pub search: Option<String>,
}

impl Query {
    pub fn validate(&self) -> Result<ValidQuery, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let sort = match self.sort.trim() {
            "" => Some(Sort::Due),
            s => Sort::parse(s),
        };
        if sort.is_none() {
            e.push("sort", "invalid");
        }
        let search = self.search.trim();
        if search.chars().count() > SEARCH_MAX_CHARS {
            e.push("q", "too_long");
        }
        if search.chars().any(char::is_control) {
            e.push("q", "invalid");
        }
        match sort {
            Some(sort) if e.is_empty() => Ok(ValidQuery {
                sort,
                search: (!search.is_empty()).then(|| search.to_string()),
            }),
            _ => Err(e),
        }
    }
}

/// Whether a line shown as `masked_name` at `masked_address` answers a search: the search is
/// matched against what the list shows, never against the values behind the masks.
pub fn matches(search: &str, masked_name: &str, masked_address: &str, code: &str) -> bool {
    masked_name.contains(search) || masked_address.contains(search) || code.contains(search)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_checked_and_named() {
        let ok = Query::default().validate();
        assert_eq!(
            ok,
            Ok(ValidQuery {
                sort: Sort::Due,
                search: None
            })
        );
        let q = Query {
            sort: "地址".into(),
            search: "  王*芳 ".into(),
        };
        assert_eq!(
            q.validate(),
            Ok(ValidQuery {
                sort: Sort::Address,
                search: Some("王*芳".into())
            })
        );
        let bad = Query {
            sort: "name".into(),
            search: "x".repeat(51),
        };
        let e = bad.validate().unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(fields, vec![("sort", "invalid"), ("q", "too_long")]);
    }

    #[test]
    fn search_sees_only_what_is_shown() {
        assert!(matches("王*", "王*芳", "文化路12号", "5301"));
        assert!(matches("12号", "王*芳", "文化路12号", "5301"));
        // The hidden given name does not answer.
        assert!(!matches("王小芳", "王*芳", "文化路12号", "5301"));
        assert!(followup_due(NaiveDate::MIN, Risk::High) < followup_due(NaiveDate::MIN, Risk::Low));
    }
}
