//! Coverage of the responsibility network (组不漏户、户不漏人), computed from assignments, never
//! stored as a number: the units nobody answers for, the members with nothing or too much, the
//! households without a women's representative.

use crate::audit::{Record, record};
use crate::{Caller, ServiceError, Services, clock};
use jinguo_domain::mask;
use jinguo_domain::place::{PlaceCode, PlaceLevel};
use jinguo_storage::assignment as store;
use jinguo_storage::db_tx;
use jinguo_storage::place::{self as places, Place};
use uuid::Uuid;

/// By default, more than this many households is too much for one women's representative …
pub const MAX_HOUSEHOLDS: i64 = 100;
/// … and more than this many units for one executive (configuration keys
/// `max_households_per_representative`, `max_units_per_executive`).
pub const MAX_UNITS: i64 = 10;

#[derive(Debug, Clone)]
pub struct Gap {
    pub code: String,
    pub name: String,
    pub level: PlaceLevel,
}

/// A resident group with households no women's representative answers for.
#[derive(Debug, Clone, PartialEq)]
pub struct UncoveredGroup {
    /// The group's code.
    pub code: String,
    /// The group's name.
    pub name: String,
    /// Its households without a representative.
    pub households: i64,
}

#[derive(Debug, Clone)]
pub struct MemberLoad {
    pub id: Uuid,
    /// Masked.
    pub name: String,
    pub role: String,
    pub place_path: String,
    pub units: i64,
}

#[derive(Debug, Clone)]
pub struct Coverage {
    pub place: Place,
    pub lineage: Vec<Place>,
    /// Subdistricts, villages and resident groups below the place that nobody answers for.
    pub uncovered_units: Vec<Gap>,
    /// Households without a representative, by resident group.
    pub uncovered_households: Vec<UncoveredGroup>,
    pub members: i64,
    /// Members answering for nothing.
    pub idle: Vec<MemberLoad>,
    /// Members answering for more than the limit.
    pub overloaded: Vec<MemberLoad>,
    /// The same, rolled up for each unit one level down, for drilling down.
    pub children: Vec<ChildCoverage>,
}

/// The gaps below one unit of the level down.
#[derive(Debug, Clone)]
pub struct ChildCoverage {
    pub place: Place,
    pub uncovered_units: i64,
    pub uncovered_households: i64,
    pub idle: i64,
    pub overloaded: i64,
}

impl Services {
    /// A member's load, her name opened and masked.
    fn member_load(&self, m: store::MemberLoadRow) -> Result<MemberLoad, ServiceError> {
        Ok(MemberLoad {
            name: mask::name(&self.open("member", "name", &m.id, &m.name)?),
            id: m.id,
            role: m.role,
            place_path: m.path,
            units: m.units,
        })
    }
}

impl Coverage {
    pub fn households_without_representative(&self) -> i64 {
        self.uncovered_households.iter().map(|g| g.households).sum()
    }
    pub fn complete(&self) -> bool {
        self.uncovered_units.is_empty()
            && self.uncovered_households.is_empty()
            && self.idle.is_empty()
    }
}

impl Services {
    /// The coverage below one place, for those who may read it.
    pub async fn coverage(&self, caller: &Caller, code: &str) -> Result<Coverage, ServiceError> {
        let code = PlaceCode::parse(code).map_err(|_| ServiceError::NotFound)?;
        let scope = caller.household_read_scope();
        // The place with its lineage and children, kept only when her scope covers it.
        let (place, (lineage, units)) = self
            .cached_figures()
            .place_family(&code)
            .await?
            .filter(|(p, _)| scope.covers(&p.path))
            .ok_or(ServiceError::NotFound)?;
        let lineage = lineage.as_ref().clone();
        let within = place.subtree();
        let levels: Vec<i16> = [PlaceLevel::Township, PlaceLevel::Village, PlaceLevel::Group]
            .into_iter()
            .filter(|level| *level > place.level())
            .map(PlaceLevel::as_i16)
            .collect();
        // The members' loads and the units answered for in one read (the county's shard alone on
        // a distributed database), then the places nobody answers for.
        let (loads, answered) = store::loads_and_answered(self.figures_db(), &within).await?;
        let mut uncovered_units = Vec::new();
        for p in store::places_not_answered(self.figures_db(), &within, &levels, &answered).await? {
            if let Some(level) = PlaceLevel::from_i16(p.level) {
                uncovered_units.push(Gap {
                    code: p.code,
                    name: p.name,
                    level,
                });
            }
        }
        // A women's representative answers for households of her own group only, one
        // representative per household (both enforced when assigning), so the households of a
        // group that someone answers for are the sum of its representatives' loads.
        let mut covered: std::collections::HashMap<&str, i64> = Default::default();
        for m in &loads {
            if m.role == "representative" {
                *covered.entry(m.path.as_str()).or_default() += m.units;
            }
        }
        let mut uncovered_households = Vec::new();
        for g in store::households_per_named_group(self.figures_db(), &within).await? {
            let gap = g.households - covered.get(g.path.as_str()).copied().unwrap_or(0);
            if gap > 0 {
                uncovered_households.push(UncoveredGroup {
                    code: g.code,
                    name: g.name,
                    households: gap,
                });
            }
        }
        let members = loads.len() as i64;
        let mut idle = Vec::new();
        let mut overloaded = Vec::new();
        for row in loads {
            // Members of resident groups answer for nothing one level down when there is nothing
            // below them to answer for; everyone else is idle without a unit.
            let limit = if row.role == "representative" {
                self.security.max_households
            } else {
                self.security.max_units
            };
            // Names are opened only for the members listed.
            if row.units == 0 {
                idle.push(self.member_load(row)?);
            } else if row.units > limit {
                overloaded.push(self.member_load(row)?);
            }
        }
        let mut children = Vec::new();
        for child in units.iter().cloned() {
            let inside = |code: &str| code.starts_with(&child.code);
            children.push(ChildCoverage {
                uncovered_units: uncovered_units.iter().filter(|g| inside(&g.code)).count() as i64,
                uncovered_households: uncovered_households
                    .iter()
                    .filter(|g| inside(&g.code))
                    .map(|g| g.households)
                    .sum(),
                idle: idle
                    .iter()
                    .filter(|m| m.place_path.starts_with(&child.path))
                    .count() as i64,
                overloaded: overloaded
                    .iter()
                    .filter(|m| m.place_path.starts_with(&child.path))
                    .count() as i64,
                place: child,
            });
        }
        Ok(Coverage {
            children,
            place,
            lineage,
            uncovered_units,
            uncovered_households,
            members,
            idle,
            overloaded,
        })
    }

    /// The active members at and below a place with what each answers for (names masked).
    pub async fn coverage_members(
        &self,
        caller: &Caller,
        code: &str,
    ) -> Result<Vec<MemberLoad>, ServiceError> {
        let place = places::get_scoped(&self.db, code, &caller.household_read_scope())
            .await?
            .ok_or(ServiceError::NotFound)?;
        store::member_loads(&self.db, &place.subtree())
            .await?
            .into_iter()
            .map(|m| self.member_load(m))
            .collect()
    }

    /// A member leaves her post, for a reason (required, on the audit entry): her term and her
    /// assignments end, and what she answered for shows as a gap at once. History is kept.
    pub async fn member_leave(
        &self,
        caller: &Caller,
        member: Uuid,
        reason: &str,
    ) -> Result<u64, ServiceError> {
        let m = jinguo_storage::member::get(&self.db, &caller.manage_scope(), member)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let (county, id, path, ended) = (m.county_code, m.id, m.path, m.ended_on);
        if ended.is_some() {
            return Err(ServiceError::Conflict);
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(crate::error::invalid("reason", "required"));
        }
        if reason.chars().count() > 500 {
            return Err(crate::error::invalid("reason", "too_long"));
        }
        let today = clock::today();
        let n = db_tx!(&self.db, tx => {
            let n = store::end_member(tx, &county, id, today).await?;
            record(tx, &self.keys, caller, Record::new("member.leave").target(format!("member:{id}")).place(path.clone())
                .reason(reason).detail(format!("assignments_ended={n}"))).await?;
            Ok::<u64, jinguo_storage::StorageError>(n)
        })?;
        Ok(n)
    }
}
