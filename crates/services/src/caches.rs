//! The caches of one running Jinguo (see [`crate::memo`] for when a value is kept), and the reads
//! that go through them. Only reads that are the same for every caller are kept here; whether
//! the caller may see what was read is decided on every request, after the read.

use crate::access::Caller;
use crate::memo::Memo;
use chrono::{DateTime, Utc};
use jinguo_domain::place::PlaceLevel;
use jinguo_storage::account::SessionRow;
use jinguo_storage::household::{self as households, Household, Person};
use jinguo_storage::mediation::OpenCounts;
use jinguo_storage::place::{self as places, ChildFigures, Place};
use jinguo_storage::screening::{self as screening, Campaign, HistoryRow, TallyRow};
use jinguo_storage::{Db, Scope, StorageError, Subtree};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// A session with what its account may do, as read at one moment.
#[derive(Debug, Clone)]
pub struct SessionCaller {
    pub session: SessionRow,
    pub disabled: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub must_change_password: bool,
    /// Without the request's own parts (address, anti-forgery token).
    pub caller: Caller,
}

/// A place's lineage (the place last) and its children.
pub type Family = (Arc<Vec<Place>>, Arc<Vec<Place>>);

#[derive(Debug)]
pub struct Caches {
    /// By the hash of the session token.
    pub sessions: Memo<Option<SessionCaller>>,
    places: Memo<Option<Place>>,
    lineages: Memo<Vec<Place>>,
    /// The counties inside a subtree above a county, by its range.
    counties: Memo<Vec<String>>,
    children: Memo<Vec<Place>>,
    /// A place's lineage and its children, read together, by the place's code.
    families: Memo<Family>,
    child_figures: Memo<ChildFigures>,
    campaigns: Memo<Vec<Campaign>>,
    /// A campaign's tallies of a place and its children, by campaign, range and levels.
    campaign_tallies: Memo<Vec<TallyRow>>,
    /// A place named by its code with its lineage, children and a campaign's progress tallies,
    /// read together; by campaign and code.
    progress_families: Memo<screening::ProgressFamily>,
    /// Households per unit below a place, by range and prefix.
    households_per_unit: Memo<Vec<(String, i64)>>,
    /// A resident group's list of households, a page, masked; by the group's path and page.
    pub household_pages: Memo<crate::households::HouseholdPage>,
    households: Memo<Option<Household>>,
    households_with_persons: Memo<Option<(Household, Arc<Vec<Person>>)>>,
    histories: Memo<Vec<HistoryRow>>,
    dispute_counts: Memo<OpenCounts>,
    care_counts: Memo<(i64, i64)>,
    /// Every mechanism's figures of a place over a year (the overview's two years, the public
    /// figures), by place and year: counted as the machine itself whoever asks, so the same for
    /// every caller allowed to see them.
    pub year_figures: Memo<crate::annual::Figures>,
    /// The overview's counts of supervision and the work around it, by reader and place.
    pub work_counts: Memo<crate::supervision::WorkCounts>,
}

impl Caches {
    /// How long a value is kept at most: what another process changed is seen within this.
    pub const TTL: Duration = Duration::from_secs(2);
    const MAX_ENTRIES: usize = 20_000;
    /// Values read per household (a household with its persons, its visits) or per page of a group:
    /// many keys, each read again only within the TTL, so fewer kept. Bounds the memory they
    /// take when reads rotate over a whole county (about 2 KB a household's persons).
    const MAX_PER_HOUSEHOLD: usize = 4_096;

    /// Caches keeping values at most `ttl` (zero: none are kept).
    pub fn new(ttl: Duration) -> Self {
        let n = Self::MAX_ENTRIES;
        Self {
            sessions: Memo::new(ttl, n),
            places: Memo::new(ttl, n),
            lineages: Memo::new(ttl, n),
            counties: Memo::new(ttl, 1_000),
            children: Memo::new(ttl, n),
            families: Memo::new(ttl, n),
            child_figures: Memo::new(ttl, n),
            campaigns: Memo::new(ttl, 4),
            campaign_tallies: Memo::new(ttl, n),
            progress_families: Memo::new(ttl, n),
            households_per_unit: Memo::new(ttl, n),
            household_pages: Memo::new(ttl, Self::MAX_PER_HOUSEHOLD),
            households: Memo::new(ttl, Self::MAX_PER_HOUSEHOLD),
            households_with_persons: Memo::new(ttl, Self::MAX_PER_HOUSEHOLD),
            histories: Memo::new(ttl, Self::MAX_PER_HOUSEHOLD),
            dispute_counts: Memo::new(ttl, n),
            care_counts: Memo::new(ttl, n),
            year_figures: Memo::new(ttl, 1_000),
            work_counts: Memo::new(ttl, n),
        }
    }
}

/// Reads of one database through the caches. `source` tells the databases apart in the keys (the
/// primary and its replica may differ for a moment).
pub struct Cached<'a> {
    pub db: &'a Db,
    caches: &'a Caches,
    source: &'static str,
}

impl<'a> Cached<'a> {
    pub fn new(db: &'a Db, caches: &'a Caches, source: &'static str) -> Self {
        Self { db, caches, source }
    }

    fn key(&self, parts: std::fmt::Arguments<'_>) -> String {
        format!("{}|{parts}", self.source)
    }

    pub async fn place(&self, code: &str) -> Result<Option<Place>, StorageError> {
        let key = self.key(format_args!("{code}"));
        let p = self
            .caches
            .places
            .get(&key, || places::get(self.db, code))
            .await?;
        Ok(p.as_ref().clone())
    }

    /// A place, only when the scope covers it (as [`places::get_scoped`]).
    pub async fn place_scoped(
        &self,
        code: &str,
        scope: &jinguo_storage::Scope,
    ) -> Result<Option<Place>, StorageError> {
        if scope.is_empty() {
            return Ok(None);
        }
        Ok(self.place(code).await?.filter(|p| scope.covers(&p.path)))
    }

    pub async fn lineage(&self, place: &Place) -> Result<Arc<Vec<Place>>, StorageError> {
        self.lineage_at(&place.path).await
    }

    /// The places a materialized path names, from the top down (see [`places::lineage_at`]):
    /// a household's own path gives its group and the group's ancestors in one read.
    pub async fn lineage_at(&self, path: &str) -> Result<Arc<Vec<Place>>, StorageError> {
        let key = self.key(format_args!("{path}"));
        self.caches
            .lineages
            .get(&key, || places::lineage_at(self.db, path))
            .await
    }

    /// A place named by its code with its lineage (the place last) and its children: in one
    /// read when the place lies where its code says (a code names its ancestors), else the
    /// place by its code, then its lineage and children. `None`: no such place.
    pub async fn place_family(
        &self,
        code: &jinguo_domain::place::PlaceCode,
    ) -> Result<Option<(Place, Family)>, StorageError> {
        let path = code.path();
        let key = self.key(format_args!("{}", code.as_str()));
        let family = self
            .caches
            .families
            .get(&key, || async {
                let (lineage, children) =
                    places::lineage_and_children(self.db, &path, code.as_str()).await?;
                Ok::<_, StorageError>((Arc::new(lineage), Arc::new(children)))
            })
            .await?;
        if let Some(p) = family
            .0
            .last()
            .filter(|p| p.code == code.as_str() && p.path == path)
        {
            return Ok(Some((p.clone(), family.as_ref().clone())));
        }
        let Some(place) = self.place(code.as_str()).await? else {
            return Ok(None);
        };
        let family = (
            self.lineage(&place).await?,
            self.children(&place.code).await?,
        );
        Ok(Some((place, family)))
    }

    pub async fn children(&self, code: &str) -> Result<Arc<Vec<Place>>, StorageError> {
        let key = self.key(format_args!("{code}"));
        self.caches
            .children
            .get(&key, || places::children(self.db, code))
            .await
    }

    pub async fn child_figures(
        &self,
        parent: &Place,
        child_level: PlaceLevel,
    ) -> Result<Arc<ChildFigures>, StorageError> {
        let key = self.key(format_args!("{}|{}", parent.path, child_level.as_i16()));
        self.caches
            .child_figures
            .get(&key, || places::child_figures(self.db, parent, child_level))
            .await
    }

    pub async fn campaigns(&self) -> Result<Arc<Vec<Campaign>>, StorageError> {
        let key = self.key(format_args!(""));
        self.caches
            .campaigns
            .get(&key, || screening::campaigns(self.db))
            .await
    }

    /// A campaign's tallies of a place and of the places one level below it (see
    /// [`screening::tallies_at`]).
    pub async fn campaign_tallies(
        &self,
        campaign: Uuid,
        place: &Subtree,
        level: i16,
        child_level: i16,
    ) -> Result<Arc<Vec<TallyRow>>, StorageError> {
        let key = self.key(format_args!(
            "{campaign}|{}|{}|{level}|{child_level}",
            place.lo, place.hi
        ));
        self.caches
            .campaign_tallies
            .get(&key, || {
                screening::tallies_at(self.db, campaign, place, level, child_level)
            })
            .await
    }

    /// A campaign's progress at a place named by its code: the place, its lineage and children,
    /// the places' and the campaign's tallies of it and its units, in one read (see
    /// [`screening::progress_family`]); `None` when the place is not where its code says (the
    /// caller then finds it and reads them with [`Self::progress_family_of`]).
    pub async fn progress_family(
        &self,
        campaign: Uuid,
        code: &jinguo_domain::place::PlaceCode,
    ) -> Result<Option<(Place, Arc<screening::ProgressFamily>)>, StorageError> {
        let path = code.path();
        let found = self
            .family_at(campaign, &path, code.as_str(), code.level())
            .await?;
        let place = found
            .lineage
            .last()
            .filter(|p| p.code == code.as_str() && p.path == path)
            .cloned();
        Ok(place.map(|p| (p, found)))
    }

    /// The same for a place already read, wherever it lies.
    pub async fn progress_family_of(
        &self,
        campaign: Uuid,
        place: &Place,
    ) -> Result<Arc<screening::ProgressFamily>, StorageError> {
        self.family_at(campaign, &place.path, &place.code, place.level())
            .await
    }

    async fn family_at(
        &self,
        campaign: Uuid,
        path: &str,
        code: &str,
        level: PlaceLevel,
    ) -> Result<Arc<screening::ProgressFamily>, StorageError> {
        let levels = [level.as_i16(), level.child().unwrap_or(level).as_i16()];
        let key = self.key(format_args!("{campaign}|{code}|{path}"));
        self.caches
            .progress_families
            .get(&key, || {
                screening::progress_family(self.db, campaign, path, code, levels)
            })
            .await
    }

    /// Households below a subtree per unit (see [`screening::households_per_unit`]).
    pub async fn households_per_unit(
        &self,
        within: &Subtree,
        prefix: i32,
    ) -> Result<Arc<Vec<(String, i64)>>, StorageError> {
        let key = self.key(format_args!("{}|{}|{prefix}", within.lo, within.hi));
        self.caches
            .households_per_unit
            .get(&key, || {
                screening::households_per_unit(self.db, within, prefix)
            })
            .await
    }

    /// A household, only when the scope lets the caller see it (as [`households::get`]). Kept
    /// as stored: its sealed fields stay sealed. Read by its key, `county_code` bound with the
    /// id (the counties her scope reaches: one for the staff of a county or below), and her
    /// scope tested on the row's path; a household seen through an assignment is confirmed by
    /// the assignment's index.
    pub async fn household(
        &self,
        id: Uuid,
        scope: &Scope,
    ) -> Result<Option<Household>, StorageError> {
        if scope.is_empty() {
            return Ok(None);
        }
        let counties = self.counties(scope).await?;
        if counties.is_empty() {
            return Ok(None);
        }
        // What was not found is kept only for the same counties.
        let key = self.key(format_args!("{id}|{}", counties_key(&counties)));
        let everything = Scope::operator();
        let found = self
            .caches
            .households
            .get(&key, || {
                households::get_in(self.db, &counties, id, &everything)
            })
            .await?;
        self.admit(found.as_ref().as_ref(), scope).await
    }

    /// `household` when `scope` lets the caller see it.
    async fn admit(
        &self,
        household: Option<&Household>,
        scope: &Scope,
    ) -> Result<Option<Household>, StorageError> {
        match household {
            Some(h) if scope.covers_all(&h.path) => Ok(Some(h.clone())),
            // Seen through an assignment: the database says whether this household is hers.
            Some(h) if scope.covers(&h.path) => {
                households::get_in(self.db, std::slice::from_ref(&h.county_code), h.id, scope).await
            }
            // Emergency access to this one household.
            Some(h) if scope.admits_household(h.id) => Ok(Some(h.clone())),
            _ => Ok(None),
        }
    }

    /// A household with its persons, as stored, only when the scope lets the caller see it (as
    /// [`Self::household`]): one statement for both (see [`households::get_with_persons_in`]).
    pub async fn household_with_persons(
        &self,
        id: Uuid,
        scope: &Scope,
    ) -> Result<Option<(Household, Arc<Vec<Person>>)>, StorageError> {
        if scope.is_empty() {
            return Ok(None);
        }
        let counties = self.counties(scope).await?;
        if counties.is_empty() {
            return Ok(None);
        }
        let key = self.key(format_args!("{id}|{}", counties_key(&counties)));
        let found = self
            .caches
            .households_with_persons
            .get(&key, || async {
                Ok::<_, StorageError>(
                    households::get_with_persons_in(self.db, &counties, id)
                        .await?
                        .map(|(h, p)| (h, Arc::new(p))),
                )
            })
            .await?;
        let Some((household, persons)) = found.as_ref() else {
            return Ok(None);
        };
        Ok(self
            .admit(Some(household), scope)
            .await?
            .map(|h| (h, persons.clone())))
    }

    /// The counties a scope reaches (see [`Scope::counties`]); those inside a subtree above a
    /// county are read once a while per subtree.
    pub async fn counties(&self, scope: &Scope) -> Result<Vec<String>, StorageError> {
        let (mut counties, above) = scope.counties();
        if above.is_empty() {
            return Ok(counties);
        }
        for s in &above {
            let key = self.key(format_args!("{}|{}", s.lo, s.hi));
            let inside = self
                .caches
                .counties
                .get(&key, || places::counties_within(self.db, s))
                .await?;
            counties.extend(inside.iter().cloned());
        }
        counties.sort();
        counties.dedup();
        Ok(counties)
    }

    /// A household's visits, newest first, as stored.
    pub async fn history(
        &self,
        county: &str,
        household: Uuid,
    ) -> Result<Arc<Vec<HistoryRow>>, StorageError> {
        let key = self.key(format_args!("{county}|{household}"));
        self.caches
            .histories
            .get(&key, || screening::history(self.db, county, household))
            .await
    }

    /// Open disputes below a subtree, those of them past their due date today, and the terms of
    /// agreements past their deadline and not performed.
    pub async fn dispute_counts(
        &self,
        within: &Subtree,
        today: chrono::NaiveDate,
    ) -> Result<OpenCounts, StorageError> {
        let key = self.key(format_args!("{}|{}|{today}", within.lo, within.hi));
        let counts = self
            .caches
            .dispute_counts
            .get(&key, || {
                jinguo_storage::mediation::open_counts(self.db, within, today)
            })
            .await?;
        Ok(*counts)
    }

    /// People served below a subtree over a period (each once) and the entries due for review
    /// `today`.
    pub async fn care_counts(
        &self,
        within: &Subtree,
        period: jinguo_domain::care::Period,
        today: chrono::NaiveDate,
    ) -> Result<(i64, i64), StorageError> {
        let (from, to) = (period.from, period.to);
        let key = self.key(format_args!(
            "{}|{}|{from}|{to}|{today}",
            within.lo, within.hi
        ));
        let counts = self
            .caches
            .care_counts
            .get(&key, || async {
                let people = jinguo_storage::care::figures(self.db, within, from, to)
                    .await?
                    .people;
                let due = jinguo_storage::care::review_due_count(self.db, within, today).await?;
                Ok::<_, StorageError>((people, due))
            })
            .await?;
        Ok(*counts)
    }
}

/// A list of counties as part of a key: the codes themselves when few, else a digest of them.
fn counties_key(counties: &[String]) -> String {
    if counties.len() <= 8 {
        return counties.join(",");
    }
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    counties.hash(&mut h);
    format!("{}#{:016x}", counties.len(), h.finish())
}
