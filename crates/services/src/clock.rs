//! Time: stored in UTC, shown and reasoned about in China Standard Time (UTC+8, no DST).

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

pub const CHINA: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(o) => o,
    None => unreachable!(),
};

/// Today's date in China.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&CHINA).date_naive()
}

pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// A UTC time as local text, `2026-11-29 15:20`.
pub fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&CHINA).format("%Y-%m-%d %H:%M").to_string()
}

/// The moment a day begins in China, in UTC.
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(CHINA).single())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(now)
}

/// The day in China at a moment.
pub fn china_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&CHINA).date_naive()
}
