//! The public figures page (公开数据): a county's yearly figures for anyone, no account needed.
//! Only complete years (a year still running would let a reader watch single cases come in by
//! the difference from one day to the next); every count of people or of something that could
//! point at a victim is shown "<5" from 1 to the threshold − 1, never below it.

use crate::annual::{Figures, REPORT_FIGURES};
use crate::error::invalid;
use crate::{Caller, ServiceError, Services, clock};
use jinguo_domain::period::Period;
use jinguo_domain::place::PlaceLevel;
use jinguo_domain::report::Figure;
use jinguo_domain::suppress::Shown;
use jinguo_storage::place::Place;

/// How often one client may ask for the public figures (the page and the API), as a token
/// bucket: `burst` requests at once, refilled at `per_minute`. The client is the connection's
/// address; a request arriving from one of `trusted_proxies` is the client its
/// `X-Forwarded-For` names last (the address that proxy saw).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicRate {
    pub per_minute: u32,
    pub burst: u32,
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for PublicRate {
    fn default() -> Self {
        Self {
            per_minute: 60,
            burst: 20,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The earliest year the page shows.
pub const FIRST_YEAR: i32 = 2000;

/// A county's published figures of a year, beside the year before's.
#[derive(Debug, Clone)]
pub struct PublicFigures {
    pub place: Place,
    pub year: i32,
    /// Each figure: this year's and the year before's, as shown.
    pub lines: Vec<(Figure, Shown, Shown)>,
    pub threshold: i64,
}

impl Services {
    /// The counties on this server with households, in code order (at most 100), for the
    /// public page's list.
    pub async fn public_counties(&self) -> Result<Vec<Place>, ServiceError> {
        let mut out = Vec::new();
        for code in jinguo_storage::place::counties_with_households(&self.db, 100).await? {
            if let Some(p) = self.cached().place(&code).await? {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// A county's figures of a complete year (the last one without `year`) for anyone. Not a
    /// county: not found. A year not over yet, or before 2000, is refused naming `year`.
    pub async fn public_figures(
        &self,
        code: &str,
        year: Option<i32>,
    ) -> Result<PublicFigures, ServiceError> {
        let last = chrono::Datelike::year(&clock::today()) - 1;
        let year = year.unwrap_or(last);
        if year > last {
            return Err(invalid("year", "report.year_open"));
        }
        if year < FIRST_YEAR {
            return Err(invalid("year", "invalid"));
        }
        let code =
            jinguo_domain::place::PlaceCode::parse(code).map_err(|_| ServiceError::NotFound)?;
        let place = self
            .cached()
            .place(code.as_str())
            .await?
            .filter(|p| p.level() == PlaceLevel::County)
            .ok_or(ServiceError::NotFound)?;
        // Counted as the machine itself (aggregates only, nothing else leaves), kept a moment
        // in the caches as the overview's years are.
        let system = Caller::operator();
        let mut years: Vec<Figures> = Vec::with_capacity(2);
        for y in [year, year - 1] {
            let period = Period::year(y)?;
            let key = format!("{}|{y}", place.code);
            let f = self
                .caches
                .year_figures
                .get(&key, || self.figures_of(&system, &place, period))
                .await?;
            years.push(f.as_ref().clone());
        }
        let t = self.suppression_threshold;
        let shown = |f: Figure, n: i64| {
            if f.counts_people() || f.sensitive() {
                Shown::one(n, t)
            } else {
                Shown::Count(n)
            }
        };
        let lines = REPORT_FIGURES
            .iter()
            .map(|f| (*f, shown(*f, years[0].get(*f)), shown(*f, years[1].get(*f))))
            .collect();
        Ok(PublicFigures {
            place,
            year,
            lines,
            threshold: t,
        })
    }
}
