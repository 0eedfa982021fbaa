//! The period figures are counted over: a year, a quarter, a month, or any days from one date to
//! another (both ends included). One parser for every figures page, API, workbook and report.
//!
//! Refused, naming the field: an end before the start, a period longer than ten years, and a
//! period that starts after today (nothing can have happened in it yet). A period that runs on
//! past today (this year, this month) is counted up to today.

use crate::{FieldError, ValidationErrors};
use chrono::{Datelike, NaiveDate};

/// The days figures are counted over, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// What a caller may send to choose a period: `period` alone ("2021", "2021-Q2", "2021-03",
/// "2021-01-01..2021-06-30"), or `year` with an optional `quarter` (1–4), or `month`
/// ("YYYY-MM"), or `from` and `to` ("YYYY-MM-DD"). Nothing: this year.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct PeriodInput {
    #[serde(default)]
    pub period: Option<String>,
    #[serde(default)]
    pub year: Option<i32>,
    #[serde(default)]
    pub quarter: Option<u32>,
    #[serde(default)]
    pub month: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
}

fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn refused(field: &str, code: &'static str) -> ValidationErrors {
    ValidationErrors::from(FieldError::new(field, code))
}

impl Period {
    /// The longest period figures are counted over, in days (ten years).
    pub const MAX_DAYS: i64 = 3_660;

    /// A calendar year.
    pub fn year(year: i32) -> Result<Period, ValidationErrors> {
        match (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) {
            (Some(from), Some(to)) if (1900..=9999).contains(&year) => Ok(Period { from, to }),
            _ => Err(refused("year", "invalid")),
        }
    }

    /// A quarter (1–4) of a year.
    pub fn quarter(year: i32, quarter: u32) -> Result<Period, ValidationErrors> {
        if !(1..=4).contains(&quarter) {
            return Err(refused("quarter", "period.quarter"));
        }
        let y = Period::year(year)?;
        let from = NaiveDate::from_ymd_opt(year, quarter * 3 - 2, 1).unwrap_or(y.from);
        let to = Period::month_of(year, quarter * 3)
            .map(|m| m.to)
            .unwrap_or(y.to);
        Ok(Period { from, to })
    }

    fn month_of(year: i32, month: u32) -> Option<Period> {
        let from = NaiveDate::from_ymd_opt(year, month, 1)?;
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)?
        };
        Some(Period {
            from,
            to: next.pred_opt()?,
        })
    }

    /// A month, "YYYY-MM".
    pub fn month(s: &str) -> Result<Period, ValidationErrors> {
        let s = s.trim();
        let parsed = s
            .split_once('-')
            .filter(|(y, m)| y.len() == 4 && (1..=2).contains(&m.len()))
            .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)))
            .filter(|(y, _)| (1900..=9999).contains(y))
            .and_then(|(y, m)| Period::month_of(y, m));
        parsed.ok_or_else(|| refused("month", "period.month"))
    }

    /// From what a caller asked (see [`PeriodInput`]), checked against `today`: the first field
    /// that is wrong is named.
    pub fn parse(input: &PeriodInput, today: NaiveDate) -> Result<Period, ValidationErrors> {
        let (p, field) = if let Some(s) = given(&input.period) {
            (Period::parse_text(s)?, "period")
        } else if given(&input.from).is_some() || given(&input.to).is_some() {
            (Period::range(given(&input.from), given(&input.to))?, "from")
        } else if let Some(m) = given(&input.month) {
            (Period::month(m)?, "month")
        } else {
            let year = input.year.unwrap_or_else(|| today.year());
            match input.quarter {
                Some(q) => (Period::quarter(year, q)?, "quarter"),
                None => (Period::year(year)?, "year"),
            }
        };
        if p.from > today {
            return Err(refused(field, "period.future"));
        }
        Ok(p)
    }

    /// "2021", "2021-Q2", "2021-03" or "2021-01-01..2021-06-30".
    fn parse_text(s: &str) -> Result<Period, ValidationErrors> {
        let rename = |e: ValidationErrors| {
            let code = e.0.first().map(|f| f.code).unwrap_or("invalid");
            refused("period", code)
        };
        if let Some((f, t)) = s.split_once("..") {
            return Period::range(Some(f.trim()), Some(t.trim())).map_err(rename);
        }
        if let Some((y, q)) = s
            .split_once(['-', ' '])
            .filter(|(_, q)| q.len() == 2 && (q.starts_with('Q') || q.starts_with('q')))
        {
            let y: i32 = y.parse().map_err(|_| refused("period", "invalid"))?;
            let q: u32 = q[1..]
                .parse()
                .map_err(|_| refused("period", "period.quarter"))?;
            return Period::quarter(y, q).map_err(rename);
        }
        if s.len() == 4 {
            let y: i32 = s.parse().map_err(|_| refused("period", "invalid"))?;
            return Period::year(y).map_err(rename);
        }
        Period::month(s).map_err(|_| refused("period", "invalid"))
    }

    /// From `from` and `to` (YYYY-MM-DD), both needed.
    fn range(from: Option<&str>, to: Option<&str>) -> Result<Period, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let from = crate::screening::date(&mut e, "from", from.unwrap_or_default());
        let to = crate::screening::date(&mut e, "to", to.unwrap_or_default());
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                e.push("to", "period.reversed");
            } else if (t - f).num_days() >= Period::MAX_DAYS {
                e.push("to", "period.too_long");
            }
        }
        e.into_result()?;
        match (from, to) {
            (Some(from), Some(to)) => Ok(Period { from, to }),
            _ => Err(refused("from", "required")),
        }
    }

    /// The calendar year it is, when it is one.
    pub fn whole_year(&self) -> Option<i32> {
        let y = self.from.year();
        (Period::year(y).ok() == Some(*self)).then_some(y)
    }

    /// The same length of time just before (the year before a year, the month before a
    /// month, the quarter before a quarter; else as many days before).
    pub fn previous(&self) -> Period {
        if let Some(p) = self.whole_year().and_then(|y| Period::year(y - 1).ok()) {
            return p;
        }
        let days = (self.to - self.from).num_days() + 1;
        let same_day_one = self.from.day() == 1 && self.to.succ_opt().is_some_and(|d| d.day() == 1);
        if same_day_one {
            let months = (self.to.year() - self.from.year()) * 12 + self.to.month() as i32
                - self.from.month() as i32
                + 1;
            let from = self
                .from
                .checked_sub_months(chrono::Months::new(months as u32));
            if let (Some(from), Some(to)) = (from, self.from.pred_opt()) {
                return Period { from, to };
            }
        }
        Period {
            from: self.from - chrono::Duration::days(days),
            to: self.from - chrono::Duration::days(1),
        }
    }

    /// The period as the caller would write it again: "2021", "2021-Q2", "2021-03" or
    /// "2021-01-01..2021-06-30".
    pub fn key(&self) -> String {
        if let Some(y) = self.whole_year() {
            return y.to_string();
        }
        let (y, m) = (self.from.year(), self.from.month());
        if Period::month_of(y, m) == Some(*self) {
            return format!("{y:04}-{m:02}");
        }
        if m % 3 == 1 && Period::quarter(y, m.div_ceil(3)).ok() == Some(*self) {
            return format!("{y:04}-Q{}", m.div_ceil(3));
        }
        format!("{}..{}", self.from, self.to)
    }

    /// The period in words: "2021年", "2021年第二季度", "2021年3月", "2021-01-01至2021-06-30".
    pub fn label(&self, lang: crate::Lang) -> String {
        let (y, m) = (self.from.year(), self.from.month());
        let key = self.key();
        if self.whole_year().is_some() {
            return lang.pick(&format!("{y}年"), &y.to_string()).to_string();
        }
        if key.contains('Q') {
            let q = m.div_ceil(3);
            return match lang {
                crate::Lang::Zh => {
                    format!("{y}年第{}季度", ["一", "二", "三", "四"][q as usize - 1])
                }
                crate::Lang::En => format!("Q{q} {y}"),
            };
        }
        if !key.contains("..") {
            return match lang {
                crate::Lang::Zh => format!("{y}年{m}月"),
                crate::Lang::En => format!("{y}-{m:02}"),
            };
        }
        match lang {
            crate::Lang::Zh => format!("{}至{}", self.from, self.to),
            crate::Lang::En => format!("{} to {}", self.from, self.to),
        }
    }

    /// The calendar months it covers, "YYYY-MM" (at most 120).
    pub fn months(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut d = self.from.with_day(1).unwrap_or(self.from);
        while d <= self.to && out.len() < 120 {
            out.push(format!("{:04}-{:02}", d.year(), d.month()));
            match d.checked_add_months(chrono::Months::new(1)) {
                Some(n) => d = n,
                None => break,
            }
        }
        out
    }

    /// Whether a day lies within it.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn input(f: impl FnOnce(&mut PeriodInput)) -> PeriodInput {
        let mut i = PeriodInput::default();
        f(&mut i);
        i
    }

    fn field(e: ValidationErrors) -> (String, String) {
        let f = &e.0[0];
        (f.field.clone(), f.code.to_string())
    }

    #[test]
    fn every_way_of_asking_for_a_period() {
        let today = d("2026-06-15");
        let p = |i: PeriodInput| Period::parse(&i, today).unwrap();
        assert_eq!(p(PeriodInput::default()), Period::year(2026).unwrap());
        assert_eq!(
            p(input(|i| i.year = Some(2021))),
            Period::year(2021).unwrap()
        );
        let q2 = p(input(|i| {
            i.year = Some(2021);
            i.quarter = Some(2)
        }));
        assert_eq!((q2.from, q2.to), (d("2021-04-01"), d("2021-06-30")));
        let feb = p(input(|i| i.month = Some("2024-02".into())));
        assert_eq!((feb.from, feb.to), (d("2024-02-01"), d("2024-02-29")));
        let r = p(input(|i| {
            i.from = Some("2021-03-01".into());
            i.to = Some("2021-03-31".into())
        }));
        assert_eq!(r, feb_like(2021, 3));
        for (text, key) in [
            ("2021", "2021"),
            ("2021-Q4", "2021-Q4"),
            ("2021-03", "2021-03"),
            ("2021-01-01..2021-06-30", "2021-H"),
        ] {
            let got = p(input(|i| i.period = Some(text.into())));
            if key == "2021-H" {
                assert_eq!((got.from, got.to), (d("2021-01-01"), d("2021-06-30")));
                assert_eq!(got.key(), text);
            } else {
                assert_eq!(got.key(), key);
            }
        }
        assert_eq!(
            Period::year(2021).unwrap().previous(),
            Period::year(2020).unwrap()
        );
        assert_eq!(feb_like(2021, 1).previous(), feb_like(2020, 12));
        assert_eq!(
            Period::quarter(2021, 1).unwrap().previous(),
            Period::quarter(2020, 4).unwrap()
        );
        assert_eq!(Period::year(2021).unwrap().months().len(), 12);
        assert_eq!(
            Period::quarter(2021, 2).unwrap().label(crate::Lang::Zh),
            "2021年第二季度"
        );
    }

    fn feb_like(y: i32, m: u32) -> Period {
        Period::month_of(y, m).unwrap()
    }

    #[test]
    fn bad_periods_are_refused_naming_the_field() {
        let today = d("2026-06-15");
        let e = |i: PeriodInput| field(Period::parse(&i, today).unwrap_err());
        // The end before the start.
        assert_eq!(
            e(input(|i| {
                i.from = Some("2021-03-31".into());
                i.to = Some("2021-03-01".into())
            })),
            ("to".into(), "period.reversed".into())
        );
        assert_eq!(
            e(input(|i| i.period = Some("2021-03-31..2021-03-01".into()))),
            ("period".into(), "period.reversed".into())
        );
        // Longer than ten years.
        assert_eq!(
            e(input(|i| {
                i.from = Some("2001-01-01".into());
                i.to = Some("2021-01-01".into())
            })),
            ("to".into(), "period.too_long".into())
        );
        // In the future.
        assert_eq!(
            e(input(|i| i.year = Some(2027))),
            ("year".into(), "period.future".into())
        );
        assert_eq!(
            e(input(|i| i.month = Some("2026-07".into()))),
            ("month".into(), "period.future".into())
        );
        assert_eq!(
            e(input(|i| {
                i.year = Some(2026);
                i.quarter = Some(3)
            })),
            ("quarter".into(), "period.future".into())
        );
        assert_eq!(
            e(input(|i| i.period = Some("2030".into()))),
            ("period".into(), "period.future".into())
        );
        // This year and this month run on past today, and are counted to it.
        assert!(Period::parse(&input(|i| i.month = Some("2026-06".into())), today).is_ok());
        // Nonsense.
        assert_eq!(
            e(input(|i| {
                i.year = Some(2021);
                i.quarter = Some(5)
            })),
            ("quarter".into(), "period.quarter".into())
        );
        assert_eq!(
            e(input(|i| i.month = Some("2021-13".into()))),
            ("month".into(), "period.month".into())
        );
        assert_eq!(
            e(input(|i| i.period = Some("last year".into()))),
            ("period".into(), "invalid".into())
        );
        assert_eq!(
            e(input(|i| i.from = Some("2021-03-01".into()))),
            ("to".into(), "required".into())
        );
        assert!(Period::year(300_000).is_err());
    }
}
