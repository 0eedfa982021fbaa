//! The 12338 hotline log: each call with its time, caller, place, kind, what was done (advice,
//! or a referral to a dispute, a domestic-violence case, a public-opinion item or a supervision
//! task) and a call-back when one was promised; calls outside the service hours are marked.
//! Pure rules, no I/O.

use crate::{Lang, ValidationErrors, phone::Mobile, screening};
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

catalog!(
    /// What a call was about.
    CallKind {
        Consultation = "consultation", "咨询", "consultation";
        Complaint = "complaint", "投诉", "complaint";
        Dispute = "dispute", "矛盾纠纷", "dispute";
        Violence = "violence", "家庭暴力", "violence";
        Other = "other", "其他", "other";
    }
);

catalog!(
    /// What was done with a call.
    Action {
        Advice = "advice", "解答咨询", "advice given";
        Dispute = "dispute", "转矛盾纠纷", "referred to a dispute";
        Case = "case", "转家暴个案", "referred to a domestic-violence case";
        Opinion = "opinion", "转舆情", "reported as a public-opinion item";
        Supervision = "supervision", "转督办", "referred to a supervision task";
    }
);

/// The hotline's service hours (configuration): on Monday to Friday, each a span of local
/// times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceHours {
    pub spans: Vec<(NaiveTime, NaiveTime)>,
}

impl Default for ServiceHours {
    /// Mon–Fri 8:30–11:30 and 14:30–17:30 (Yunnan practice).
    fn default() -> Self {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
        ServiceHours {
            spans: vec![(t(8, 30), t(11, 30)), (t(14, 30), t(17, 30))],
        }
    }
}

impl ServiceHours {
    /// Spans written as `08:30-11:30,14:30-17:30`; none if any is not a span of two times in
    /// order.
    pub fn parse(s: &str) -> Option<ServiceHours> {
        let mut spans = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (a, b) = part.split_once('-')?;
            let a = NaiveTime::parse_from_str(a.trim(), "%H:%M").ok()?;
            let b = NaiveTime::parse_from_str(b.trim(), "%H:%M").ok()?;
            if a >= b {
                return None;
            }
            spans.push((a, b));
        }
        (!spans.is_empty()).then_some(ServiceHours { spans })
    }

    /// Whether a call at this local time (China's) came within the service hours.
    pub fn within(&self, at: NaiveDateTime) -> bool {
        if matches!(at.weekday(), Weekday::Sat | Weekday::Sun) {
            return false;
        }
        let t = at.time();
        self.spans.iter().any(|(a, b)| t >= *a && t < *b)
    }
}

/// A call as entered.
#[derive(Debug, Clone, Default)]
pub struct CallInput {
    /// Local time, `YYYY-MM-DDTHH:MM` (or with a space).
    pub called_at: String,
    pub caller_name: String,
    pub caller_phone: String,
    /// The place it is about (a division code).
    pub place: String,
    pub kind: String,
    pub summary: String,
    pub action: String,
    /// The record it was referred to (a dispute, a case, a supervision task), when one.
    pub linked_id: Option<uuid::Uuid>,
    /// The day a call-back was promised for, when one was.
    pub callback_on: String,
}

/// A call checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCall {
    pub called_at: NaiveDateTime,
    pub caller_name: String,
    pub caller_phone: String,
    pub place: String,
    pub kind: CallKind,
    pub summary: String,
    pub action: Action,
    pub linked_id: Option<uuid::Uuid>,
    pub callback_on: Option<NaiveDate>,
}

impl CallInput {
    /// Checks every field and names each refused one: the time not in the future, the phone a
    /// mobile number when given, the call-back on or after the call's day, the record named for
    /// a referral to a dispute, a case or a supervision task.
    pub fn validate(&self, now: NaiveDateTime) -> Result<ValidCall, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let at = self.called_at.trim().replace(' ', "T");
        let called_at = if at.is_empty() {
            e.push("called_at", "required");
            None
        } else {
            match NaiveDateTime::parse_from_str(&at, "%Y-%m-%dT%H:%M") {
                Ok(t) if t > now + chrono::Duration::minutes(5) => {
                    e.push("called_at", "date.future");
                    None
                }
                Ok(t) => screening::in_range(&mut e, "called_at", t.date()).map(|_| t),
                Err(_) => {
                    e.push("called_at", "invalid");
                    None
                }
            }
        };
        let caller_name = self.caller_name.trim().to_string();
        if caller_name.chars().count() > 50 {
            e.push("caller_name", "too_long");
        }
        let caller_phone = match self.caller_phone.trim() {
            "" => String::new(),
            p => match Mobile::parse(p) {
                Ok(m) => m.as_str().to_string(),
                Err(_) => {
                    e.push("caller_phone", "phone.format");
                    String::new()
                }
            },
        };
        let place = self.place.trim().to_string();
        if place.is_empty() {
            e.push("place", "required");
        }
        let kind = CallKind::parse(&self.kind);
        if kind.is_none() {
            e.push("kind", required_or_invalid(&self.kind));
        }
        let summary = self.summary.trim().to_string();
        if summary.is_empty() {
            e.push("summary", "required");
        } else if summary.chars().count() > 5000 {
            e.push("summary", "too_long");
        }
        let action = Action::parse(&self.action);
        match action {
            None => e.push("handling", required_or_invalid(&self.action)),
            Some(Action::Dispute | Action::Case | Action::Supervision)
                if self.linked_id.is_none() =>
            {
                e.push("linked_id", "required")
            }
            _ => {}
        }
        let callback_on = match self.callback_on.trim() {
            "" => None,
            s => screening::date(&mut e, "callback_on", s),
        };
        if let (Some(c), Some(t)) = (callback_on, called_at)
            && c < t.date()
        {
            e.push("callback_on", "hotline.callback_before_call");
        }
        e.into_result()?;
        let (Some(called_at), Some(kind), Some(action)) = (called_at, kind, action) else {
            let mut e = ValidationErrors::new();
            e.push("body", "invalid");
            return Err(e);
        };
        Ok(ValidCall {
            called_at,
            caller_name,
            caller_phone,
            place,
            kind,
            summary,
            linked_id: match action {
                Action::Dispute | Action::Case | Action::Supervision => self.linked_id,
                Action::Advice | Action::Opinion => None,
            },
            action,
            callback_on,
        })
    }
}

fn required_or_invalid(s: &str) -> &'static str {
    if s.trim().is_empty() {
        "required"
    } else {
        "invalid"
    }
}

/// A label for the month of a call, `2026-03`.
pub fn month_of(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The label of a kind in a language, for a figure's column.
pub fn kind_label(k: CallKind, lang: Lang) -> &'static str {
    k.label(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap_or_default()
    }

    #[test]
    fn service_hours_default_to_weekday_mornings_and_afternoons() {
        let h = ServiceHours::default();
        // 2026-03-02 is a Monday.
        assert!(h.within(at("2026-03-02T08:30")));
        assert!(!h.within(at("2026-03-02T12:00")));
        assert!(h.within(at("2026-03-02T17:29")));
        assert!(!h.within(at("2026-03-02T17:30")));
        assert!(!h.within(at("2026-03-07T09:00")));
        assert_eq!(
            ServiceHours::parse("08:30-11:30, 14:30-17:30"),
            Some(ServiceHours::default())
        );
        assert_eq!(ServiceHours::parse("12:00-11:00"), None);
    }

    #[test]
    fn a_call_is_checked_field_by_field() {
        let now = at("2026-03-02T10:00");
        let ok = CallInput {
            called_at: "2026-03-02 09:40".into(),
            caller_phone: "13812345678".into(),
            place: "530181001".into(),
            kind: "violence".into(),
            summary: "来电反映遭受家暴".into(),
            action: "advice".into(),
            callback_on: "2026-03-03".into(),
            ..CallInput::default()
        };
        assert!(ok.validate(now).is_ok());
        let mut bad = ok.clone();
        bad.callback_on = "2026-03-01".into();
        bad.caller_phone = "12345".into();
        bad.action = "case".into();
        let e = bad.validate(now).err().unwrap_or_default();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["caller_phone", "linked_id", "callback_on"]);
    }
}
