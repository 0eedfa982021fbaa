//! Screening campaigns (排查): staff open a campaign over a place with a checklist; women's
//! representatives visit the households they answer for and grade the risk of family conflict;
//! medium and high risk open a dispute. Progress is read from the campaigns' tallies, which the
//! transactions that record visits keep (per place and risk, at every level of the tree).

use crate::audit::{Record, record};
use crate::error::invalid;
use crate::{Caller, ServiceError, Services, clock};
use chrono::NaiveDate;
use jinguo_domain::Kind as _;
use jinguo_domain::audit::AuditEntry;
use jinguo_domain::place::{PlaceCode, PlaceLevel};
use jinguo_domain::screening::{CampaignInput, Item, Risk, VisitInput};
use jinguo_storage::place::{self as places, Place};
use jinguo_storage::screening::{self as store, Campaign, NewDispute, Visit};
use jinguo_storage::{StorageError, db_tx, household};
use uuid::Uuid;

/// A campaign as the interfaces show it.
#[derive(Debug, Clone)]
pub struct CampaignView {
    pub id: Uuid,
    pub name: String,
    pub place_code: String,
    pub place_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub checklist: Vec<Item>,
    /// Open for visits today.
    pub open: bool,
}

/// Screening progress of one unit: households, visited, risks found by colour, overdue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub households: i64,
    pub screened: i64,
    /// Visits by risk: none, low, medium, high.
    pub risks: [i64; 4],
    /// Households not visited once the campaign's period is over.
    pub overdue: i64,
}

impl Tally {
    fn add_visits(&mut self, risk: &str, n: i64) {
        self.screened += n;
        if let Some(r) = Risk::parse(risk) {
            self.risks[r as usize] += n;
        }
    }
    pub fn percent(&self) -> f64 {
        if self.households == 0 {
            0.0
        } else {
            100.0 * self.screened as f64 / self.households as f64
        }
    }
}

#[derive(Debug, Clone)]
pub struct UnitProgress {
    pub place: Place,
    pub tally: Tally,
}

#[derive(Debug, Clone)]
pub struct Progress {
    pub campaign: CampaignView,
    pub place: Place,
    pub lineage: Vec<Place>,
    pub tally: Tally,
    /// Disputes opened by this campaign's visits below the place, by risk (medium, high).
    pub disputes: [i64; 2],
    pub units: Vec<UnitProgress>,
    /// The period the visits were counted over, when one was asked for (the whole campaign
    /// without one).
    pub period: Option<jinguo_domain::period::Period>,
}

/// One household of a campaign's list, with its risk once visited.
#[derive(Debug, Clone)]
pub struct CampaignHousehold {
    pub id: Uuid,
    pub code: String,
    pub risk: Option<Risk>,
}

#[derive(Debug, Clone)]
pub struct HouseholdList {
    pub campaign: CampaignView,
    pub place: Place,
    pub households: Vec<CampaignHousehold>,
    /// Households she may see below the place, and how many are visited.
    pub total: i64,
    pub screened: i64,
    pub page: i64,
    pub pages: i64,
}

/// What recording a visit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitOutcome {
    pub visit_id: Uuid,
    /// False when the same submission had already been recorded (a retry).
    pub created: bool,
    pub dispute_id: Option<Uuid>,
}

/// One visit of a household's risk history.
#[derive(Debug, Clone)]
pub struct VisitLine {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub campaign_name: String,
    pub visited_on: NaiveDate,
    pub risk: Risk,
    pub findings: Vec<Item>,
    pub note: Option<String>,
    pub followup: bool,
    pub recorded_by: String,
}

/// A household's screening: its history, and the campaigns in which she may record a visit now.
#[derive(Debug, Clone)]
pub struct HouseholdScreening {
    pub history: Vec<VisitLine>,
    pub open_campaigns: Vec<CampaignView>,
    /// Some visits carry a note she may not read (she reads the household under emergency
    /// access only).
    pub notes_withheld: bool,
}

pub const HOUSEHOLDS_PER_PAGE: i64 = 50;

impl Services {
    fn campaign_view(&self, c: &Campaign, place_name: String) -> CampaignView {
        let today = clock::today();
        CampaignView {
            id: c.id,
            name: c.name.clone(),
            place_code: c.place_code.clone(),
            place_name,
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            checklist: Item::split(&c.checklist),
            open: c.starts_on <= today && today <= c.ends_on,
        }
    }

    async fn view_of(&self, c: &Campaign) -> Result<CampaignView, ServiceError> {
        let name = self
            .cached()
            .place(&c.place_code)
            .await?
            .map(|p| p.name)
            .unwrap_or_default();
        Ok(self.campaign_view(c, name))
    }

    /// Whether the caller takes part in a campaign: it covers a place she reads, or lies inside it.
    pub(crate) fn sees_campaign(caller: &Caller, c: &Campaign) -> bool {
        let scope = caller.household_read_scope();
        if scope.is_empty() {
            return false;
        }
        scope.covers(&c.path)
            || caller
                .grants
                .iter()
                .filter(|g| g.role.reads_households())
                .any(|g| g.scope_path.starts_with(&c.path))
            || caller.is_operator()
    }

    pub(crate) async fn visible_campaign(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<Campaign, ServiceError> {
        store::campaign(&self.db, id)
            .await?
            .filter(|c| Self::sees_campaign(caller, c))
            .ok_or(ServiceError::NotFound)
    }

    /// Opens a campaign over a place the caller manages in full (federation staff).
    pub async fn create_campaign(
        &self,
        caller: &Caller,
        input: &CampaignInput,
    ) -> Result<CampaignView, ServiceError> {
        if !caller.has_role(jinguo_domain::account::Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let v = input.validate()?;
        let place = match PlaceCode::parse(&v.place) {
            Ok(code) => places::get(&self.db, code.as_str()).await?,
            Err(_) => None,
        }
        .ok_or_else(|| invalid("place", "not_found"))?;
        if place.level() < PlaceLevel::County {
            return Err(invalid("place", "invalid"));
        }
        let scope = caller.household_write_scope();
        if !scope.covers_all(&place.path) {
            return Err(ServiceError::Forbidden);
        }
        let county = place.county();
        let c = Campaign {
            county_code: county,
            id: Uuid::now_v7(),
            name: v.name,
            place_code: place.code.clone(),
            path: place.path.clone(),
            starts_on: v.starts_on,
            ends_on: v.ends_on,
            checklist: Item::join(&v.checklist),
            created_by: caller.username.clone(),
        };
        let now = clock::now();
        db_tx!(&self.db, tx => {
            store::insert_campaign(tx, &c, now).await?;
            record(tx, &self.keys, caller, Record::new("campaign.create").target(format!("campaign:{}", c.id))
                .place(c.path.clone())).await
        })?;
        Ok(self.campaign_view(&c, place.name))
    }

    /// The campaigns the caller takes part in, newest first.
    pub async fn campaigns(&self, caller: &Caller) -> Result<Vec<CampaignView>, ServiceError> {
        let mut out = Vec::new();
        for c in store::campaigns(&self.db).await? {
            if Self::sees_campaign(caller, &c) {
                out.push(self.view_of(&c).await?);
            }
        }
        Ok(out)
    }

    /// A campaign's progress at a place (its own place when `code` is `None`): households,
    /// screened, risks by colour and overdue, for the place and for each unit below it.
    pub async fn campaign_progress(
        &self,
        caller: &Caller,
        id: Uuid,
        code: Option<&str>,
    ) -> Result<Progress, ServiceError> {
        let read = self.cached_figures();
        let c = read
            .campaigns()
            .await?
            .iter()
            .find(|c| c.id == id && Self::sees_campaign(caller, c))
            .cloned()
            .ok_or(ServiceError::NotFound)?;
        let scope = caller.household_read_scope();
        // A place named by its code, for a caller who reads the whole of it: the place, its
        // family and its tallies in one read, when it is where its code says.
        let together = match code.map(PlaceCode::parse) {
            Some(Ok(named)) if !scope.is_empty() && scope.covers_all(&named.path()) => {
                read.progress_family(c.id, &named).await?
            }
            _ => None,
        };
        let (place, family, together) = match together {
            Some((place, _)) if !place.path.starts_with(&c.path) => {
                return Err(ServiceError::NotFound);
            }
            Some((place, f)) => (place, None, Some(f)),
            None => {
                let (place, family) = self.progress_place(caller, &c, code).await?;
                (place, family, None)
            }
        };
        // Whoever reads the whole place: its family and the tallies in one read, unless they came
        // with the place.
        let together = match together {
            Some(f) => Some(f),
            None if scope.covers_all(&place.path) => {
                Some(read.progress_family_of(c.id, &place).await?)
            }
            None => None,
        };
        let (lineage, children) = match (&together, family) {
            (Some(f), _) => (f.lineage.clone(), Some(f.children.clone())),
            (None, Some((l, c))) => (l, Some(c)),
            (None, None) => (read.lineage(&place).await?, None),
        };
        let lineage = lineage.as_ref().clone();
        // The campaign's place lies on the progress place's lineage: its name is there already.
        let campaign = match (lineage.iter().chain([&place])).find(|p| p.code == c.place_code) {
            Some(p) => self.campaign_view(&c, p.name.clone()),
            None => self.view_of(&c).await?,
        };
        let over = clock::today() > c.ends_on;
        if !scope.covers_all(&place.path) {
            // A women's representative: her own households, those her list shows and she opens.
            let tally = self.own_tally(c.id, &place, &scope, over).await?;
            return Ok(Progress {
                campaign,
                place,
                lineage,
                disputes: [tally.risks[2], tally.risks[3]],
                tally,
                units: Vec::new(),
                period: None,
            });
        }
        let child_level = place.level().child();
        let mut tally = Tally::default();
        let mut per_unit: std::collections::BTreeMap<String, Tally> = Default::default();
        // The places' and the campaign's tallies of the place and its units, read with it.
        let Some(f) = &together else {
            return Err(ServiceError::Internal(
                "the tallies of a place read whole were not read".into(),
            ));
        };
        let (figures, rows) = (&f.figures, &f.tallies);
        // Households from the places' tallies: the place's row and its units' one level down.
        tally.households = figures.0.households;
        for (unit, f) in &figures.1 {
            per_unit.entry(unit.clone()).or_default().households = f.households;
        }
        // Visits and disputes from the campaign's tallies: the place's own rows and its units'.
        let mut disputes = [0, 0];
        for r in rows.iter() {
            let t = if r.path == place.path {
                match Risk::parse(&r.risk) {
                    Some(Risk::Medium) => disputes[0] += r.disputes,
                    Some(Risk::High) => disputes[1] += r.disputes,
                    _ => {}
                }
                &mut tally
            } else {
                per_unit.entry(r.path.clone()).or_default()
            };
            t.add_visits(&r.risk, r.visits);
        }
        let overdue = |t: &mut Tally| {
            if over {
                t.overdue = t.households - t.screened;
            }
        };
        overdue(&mut tally);
        let mut units = Vec::new();
        if child_level.is_some() {
            let children = match children {
                Some(c) => c,
                None => read.children(&place.code).await?,
            };
            for child in children.iter() {
                let mut t = per_unit.remove(&child.path).unwrap_or_default();
                overdue(&mut t);
                units.push(UnitProgress {
                    place: child.clone(),
                    tally: t,
                });
            }
        }
        Ok(Progress {
            campaign,
            place,
            lineage,
            tally,
            disputes,
            units,
            period: None,
        })
    }

    /// A campaign's progress at a place with its visits counted over `period` (the whole
    /// campaign without one): households screened, risks found and the disputes they opened are
    /// those of the visits made in the period, within what the caller reads; households and
    /// overdue are those of today.
    pub async fn campaign_progress_in(
        &self,
        caller: &Caller,
        id: Uuid,
        code: Option<&str>,
        period: Option<jinguo_domain::period::Period>,
    ) -> Result<Progress, ServiceError> {
        let mut p = self.campaign_progress(caller, id, code).await?;
        let Some(period) = period else {
            return Ok(p);
        };
        let scope = caller.household_read_scope();
        let visited = Some((period.from, period.to));
        let count = |t: &mut Tally, rows: Vec<(String, i64)>| {
            t.screened = 0;
            t.risks = [0; 4];
            for (risk, n) in rows {
                t.add_visits(&risk, n);
            }
        };
        // The place's visits, then each unit's.
        let mut subtrees = vec![p.place.subtree()];
        subtrees.extend(p.units.iter().map(|u| u.place.subtree()));
        let mut counted = Vec::with_capacity(subtrees.len());
        for within in &subtrees {
            counted.push(
                jinguo_storage::worklist::visits_by_risk(&self.db, id, within, &scope, visited)
                    .await?,
            );
        }
        let mut counted = counted.into_iter();
        if let Some(rows) = counted.next() {
            count(&mut p.tally, rows);
        }
        p.disputes = [p.tally.risks[2], p.tally.risks[3]];
        for (u, rows) in p.units.iter_mut().zip(counted) {
            count(&mut u.tally, rows);
        }
        p.period = Some(period);
        Ok(p)
    }

    /// The newest campaigns (at most `n`) over a place the caller reads, each with its visits
    /// below the place by risk (none, low, medium, high): the screening lines of the dashboard.
    /// The newest `n` campaigns covering a place that the caller sees, without their figures
    /// (a representative's home page counts them from her worklist).
    pub async fn campaigns_covering(
        &self,
        caller: &Caller,
        place: &Place,
        n: usize,
    ) -> Result<Vec<CampaignView>, ServiceError> {
        let mut out = Vec::new();
        for c in self
            .cached_figures()
            .campaigns()
            .await?
            .iter()
            .filter(|c| place.path.starts_with(&c.path) && Self::sees_campaign(caller, c))
            .take(n)
        {
            out.push(self.view_of(c).await?);
        }
        Ok(out)
    }

    pub async fn campaigns_at(
        &self,
        caller: &Caller,
        place: &Place,
        n: usize,
    ) -> Result<Vec<(CampaignView, [i64; 4])>, ServiceError> {
        let mut out = Vec::new();
        let read = self.cached_figures();
        let scope = caller.household_read_scope();
        let own = !scope.covers_all(&place.path);
        for c in read
            .campaigns()
            .await?
            .iter()
            .filter(|c| place.path.starts_with(&c.path) && Self::sees_campaign(caller, c))
            .take(n)
        {
            let mut risks = [0; 4];
            if own {
                risks = self.own_tally(c.id, place, &scope, false).await?.risks;
                out.push((self.view_of(c).await?, risks));
                continue;
            }
            // The place's own rows of the campaign's tallies, one a risk.
            let level = place.level().as_i16();
            for t in read
                .campaign_tallies(c.id, &place.subtree(), level, level)
                .await?
                .iter()
                .filter(|t| t.path == place.path)
            {
                if let Some(r) = Risk::parse(&t.risk) {
                    risks[r as usize] += t.visits;
                }
            }
            out.push((self.view_of(c).await?, risks));
        }
        Ok(out)
    }

    /// A campaign's tally over the households a caller reaches below a place when she does not
    /// see all of it (a women's representative): the same reach as her list and her household
    /// page, never the whole group's figures.
    async fn own_tally(
        &self,
        campaign: Uuid,
        place: &Place,
        scope: &jinguo_storage::Scope,
        over: bool,
    ) -> Result<Tally, ServiceError> {
        let within = place.subtree();
        let (households, _) = store::households_count(&self.db, campaign, &within, scope).await?;
        let mut tally = Tally {
            households,
            ..Tally::default()
        };
        for (risk, n) in
            jinguo_storage::worklist::visits_by_risk(&self.db, campaign, &within, scope, None)
                .await?
        {
            tally.add_visits(&risk, n);
        }
        if over {
            tally.overdue = tally.households - tally.screened;
        }
        Ok(tally)
    }

    /// The place of a progress or household list: inside the campaign and readable; with its
    /// lineage (from the top down, ending with the place) and its children when they were read
    /// on the way.
    async fn progress_place(
        &self,
        caller: &Caller,
        c: &Campaign,
        code: Option<&str>,
    ) -> Result<(Place, Option<crate::caches::Family>), ServiceError> {
        let scope = caller.household_read_scope();
        let place = match code {
            Some(_) if scope.is_empty() => None,
            Some(code) => {
                let code = PlaceCode::parse(code).map_err(|_| ServiceError::NotFound)?;
                // The place with its lineage and children.
                return self
                    .cached_figures()
                    .place_family(&code)
                    .await?
                    .filter(|(p, _)| scope.covers(&p.path) && p.path.starts_with(&c.path))
                    .map(|(p, f)| (p, Some(f)))
                    .ok_or(ServiceError::NotFound);
            }
            None if scope.covers(&c.path) => self.cached_figures().place(&c.place_code).await?,
            // She reads less than the campaign covers: her own place within it.
            None => match caller
                .grants
                .iter()
                .find(|g| g.role.reads_households() && g.scope_path.starts_with(&c.path))
            {
                Some(g) => {
                    let code = g.scope_path.trim_end_matches('/').rsplit('/').next();
                    self.cached_figures()
                        .place(code.unwrap_or_default())
                        .await?
                }
                None => None,
            },
        };
        place
            .filter(|p| p.path.starts_with(&c.path))
            .map(|p| (p, None))
            .ok_or(ServiceError::NotFound)
    }

    /// The households of a campaign below a place that the caller may see, with their risk once
    /// visited; `only_open` lists those still to visit. A women's representative sees the
    /// households she answers for.
    pub async fn campaign_households(
        &self,
        caller: &Caller,
        id: Uuid,
        code: Option<&str>,
        only_open: bool,
        page: i64,
    ) -> Result<HouseholdList, ServiceError> {
        let c = self.visible_campaign(caller, id).await?;
        let campaign = self.view_of(&c).await?;
        let (place, _) = self.progress_place(caller, &c, code).await?;
        let scope = caller.household_read_scope();
        let within = place.subtree();
        let (total, screened) = store::households_count(&self.db, c.id, &within, &scope).await?;
        let shown = if only_open { total - screened } else { total };
        let pages = ((shown + HOUSEHOLDS_PER_PAGE - 1) / HOUSEHOLDS_PER_PAGE).max(1);
        if page < 1 || page > pages {
            return Err(invalid("page", "page.range"));
        }
        let households = store::households_page(
            &self.db,
            c.id,
            &within,
            &scope,
            only_open,
            (page - 1) * HOUSEHOLDS_PER_PAGE,
            HOUSEHOLDS_PER_PAGE,
        )
        .await?
        .into_iter()
        .map(|h| CampaignHousehold {
            id: h.id,
            code: h.code,
            risk: h.risk.as_deref().and_then(Risk::parse),
        })
        .collect();
        Ok(HouseholdList {
            campaign,
            place,
            households,
            total,
            screened,
            page,
            pages,
        })
    }

    /// Records a screening visit. She must answer for the household (a representative) or manage
    /// its place (staff); the date lies in the campaign's period and not in the future; the
    /// findings are items of the checklist. A retried submission (same key) returns the visit it
    /// already made; a second visit in the same campaign is refused. Medium and high risk open a
    /// dispute in the same transaction.
    pub async fn record_visit(
        &self,
        caller: &Caller,
        campaign: Uuid,
        household_id: Uuid,
        input: &VisitInput,
    ) -> Result<VisitOutcome, ServiceError> {
        let c = self.visible_campaign(caller, campaign).await?;
        let write = caller.household_write_scope();
        let Some(h) = household::get(&self.db, household_id, &write).await? else {
            // Seen but not hers (another representative's household in her group): say so.
            let read_place =
                household::get(&self.db, household_id, &jinguo_storage::Scope::operator())
                    .await?
                    .filter(|h| write.covers(&h.path));
            return match read_place {
                Some(_) => Err(invalid("household", "visit.not_assigned")),
                None => Err(ServiceError::NotFound),
            };
        };
        if !h.path.starts_with(&c.path) {
            return Err(invalid("household", "household.outside_campaign"));
        }
        let checklist = Item::split(&c.checklist);
        let v = input.validate(&checklist, c.starts_on, c.ends_on, clock::today())?;
        let assigned = store::household_members(&self.db, &h.county_code, h.id).await?;
        let member_id = caller
            .members
            .iter()
            .copied()
            .find(|m| assigned.contains(m));
        let visit_id = Uuid::now_v7();
        let findings = Item::join(&v.findings);
        let row = Visit {
            county_code: h.county_code.clone(),
            id: visit_id,
            campaign_id: c.id,
            household_id: h.id,
            path: h.path.clone(),
            member_id,
            visited_on: v.visited_on,
            risk: v.risk.key().to_string(),
            findings: self.seal("visit", "findings", &visit_id, &findings)?,
            note: match &v.note {
                Some(n) => Some(self.seal("visit", "note", &visit_id, n)?),
                None => None,
            },
            followup: v.followup,
            request_key: v.request_key.clone(),
            recorded_by: caller.username.clone(),
        };
        let dispute = v.risk.opens_dispute().then(|| NewDispute {
            county_code: h.county_code.clone(),
            id: Uuid::now_v7(),
            household_id: h.id,
            path: h.path.clone(),
            visit_id,
            risk: v.risk.key().to_string(),
            opened_on: v.visited_on,
            due_on: jinguo_domain::mediation::due_on(
                jinguo_domain::mediation::Source::Screening,
                false,
                v.visited_on,
                None,
                &self.limits,
            ),
        });
        let now = clock::now();
        let result = db_tx!(&self.db, tx => {
            if let Some(done) = store::visit_by_key(tx, &h.county_code, &v.request_key).await? {
                same_visit(tx, done, c.id, h.id).await
            } else if store::screened(tx, &h.county_code, c.id, h.id).await? {
                Ok(Err(invalid("household", "visit.already_screened")))
            } else {
                store::insert_visits(tx, std::slice::from_ref(&row), now).await?;
                if let Some(d) = &dispute {
                    store::insert_disputes(tx, std::slice::from_ref(d), now).await?;
                }
                let detail = match &dispute {
                    Some(d) => format!("campaign={} dispute={}", c.id, d.id),
                    None => format!("campaign={}", c.id),
                };
                record(tx, &self.keys, caller, Record::new("visit.create").target(format!("household:{}", h.id))
                    .place(h.path.clone()).detail(detail)).await?;
                Ok(Ok(VisitOutcome { visit_id, created: true, dispute_id: dispute.as_ref().map(|d| d.id) }))
            }
        });
        match result {
            Ok(outcome) => outcome,
            // Two submissions of the same key at the same moment: the other one won.
            Err(StorageError::Conflict(_)) => db_tx!(&self.db, tx => {
                match store::visit_by_key(tx, &h.county_code, &v.request_key).await? {
                    Some(done) => same_visit(tx, done, c.id, h.id).await,
                    None => Ok(Err(invalid("household", "visit.already_screened"))),
                }
            })?,
            Err(e) => Err(e.into()),
        }
    }

    /// A household's risk history and the campaigns open to a visit now. Findings and notes are
    /// opened, so the read is audited.
    pub async fn household_screening(
        &self,
        caller: &Caller,
        household_id: Uuid,
    ) -> Result<HouseholdScreening, ServiceError> {
        let h = self
            .cached()
            .household(household_id, &caller.household_read_scope())
            .await?
            .ok_or(ServiceError::NotFound)?;
        self.screening_of(caller, &h, &[]).await
    }

    /// `lineage`: the places above the household when already read (a campaign's place is
    /// one of them, with its name), or none.
    async fn screening_of(
        &self,
        caller: &Caller,
        h: &household::Household,
        lineage: &[Place],
    ) -> Result<HouseholdScreening, ServiceError> {
        let (screening, read) = self.screening_unnoted(caller, h, lineage).await?;
        if let Some(read) = read {
            self.note_reads(vec![read]).await?;
        }
        Ok(screening)
    }

    /// The same, with the audit entry of the visits read (none when there are none), not yet
    /// recorded: the caller of this records it before anything read is answered.
    pub(crate) async fn screening_unnoted(
        &self,
        caller: &Caller,
        h: &household::Household,
        lineage: &[Place],
    ) -> Result<(HouseholdScreening, Option<AuditEntry>), ServiceError> {
        let read = self.cached();
        let write_scope = caller.household_write_scope();
        // A whole subtree needs no second read; a household assigned to her does.
        let writable = write_scope.covers_all(&h.path)
            || (write_scope.covers(&h.path)
                && household::get(&self.db, h.id, &write_scope)
                    .await?
                    .is_some());
        let mut history = Vec::new();
        let mut notes_withheld = false;
        for r in read.history(&h.county_code, h.id).await?.iter() {
            let findings = self.open("visit", "findings", &r.id, &r.findings)?;
            // Notes are read by those who answer for the household or manage its place, never
            // under emergency access alone.
            let note = match &r.note {
                Some(n) if writable => Some(self.open("visit", "note", &r.id, n)?),
                Some(_) => {
                    notes_withheld = true;
                    None
                }
                None => None,
            };
            history.push(VisitLine {
                id: r.id,
                campaign_id: r.campaign_id,
                campaign_name: r.campaign_name.clone(),
                visited_on: r.visited_on,
                risk: Risk::stored(&r.risk)?,
                findings: Item::split(&findings),
                note,
                followup: r.followup,
                recorded_by: r.recorded_by.clone(),
            });
        }
        let mut open_campaigns = Vec::new();
        if writable {
            for c in self.cached().campaigns().await?.iter() {
                let v = self.campaign_view(c, String::new());
                if v.open
                    && h.path.starts_with(&c.path)
                    && Self::sees_campaign(caller, c)
                    && !history.iter().any(|l| l.campaign_id == c.id)
                {
                    open_campaigns.push(match lineage.iter().find(|p| p.code == c.place_code) {
                        Some(p) => self.campaign_view(c, p.name.clone()),
                        None => self.view_of(c).await?,
                    });
                }
            }
        }
        let read = (!history.is_empty()).then(|| {
            let notes = history.iter().filter(|l| l.note.is_some()).count();
            crate::audit::entry(
                caller,
                Record::new("visit.read")
                    .target(format!("household:{}", h.id))
                    .place(h.path.clone())
                    .detail(format!("visits={} notes={notes}", history.len())),
            )
        });
        let screening = HouseholdScreening {
            history,
            open_campaigns,
            notes_withheld,
        };
        Ok((screening, read))
    }
}

/// The visit a submission key already made, as the answer to its retry (with the dispute it
/// opened); a key reused for another household or campaign is refused.
async fn same_visit(
    tx: &mut jinguo_storage::DbConn<'_>,
    done: Visit,
    campaign: Uuid,
    household: Uuid,
) -> Result<Result<VisitOutcome, ServiceError>, StorageError> {
    if done.campaign_id != campaign || done.household_id != household {
        return Ok(Err(invalid("request_key", "invalid")));
    }
    let dispute_id = store::dispute_of_visit(tx, &done.county_code, done.id).await?;
    Ok(Ok(VisitOutcome {
        visit_id: done.id,
        created: false,
        dispute_id,
    }))
}
