//! Tools of the responsibility network (四级包保): assign units to a member in bulk, hand a
//! leaving member's units over to a successor, balance a group's households across its women's
//! representatives. Every member answers for units exactly one level down inside her own
//! federation's place; history is kept (assignments end, they are never deleted).

use crate::audit::{Record, record};
use crate::error::invalid;
use crate::{Caller, ServiceError, Services, clock};
use jinguo_domain::place::PlaceCode;
use jinguo_storage::assignment::{self as store, NewAssignment};
use jinguo_storage::member::{self as members, MemberRow};
use jinguo_storage::{db_tx, household as households, place as places};
use std::collections::{BTreeMap, HashSet};
use uuid::Uuid;

/// Most units in one bulk assignment.
pub const MAX_UNITS_AT_ONCE: usize = 2000;

/// What a bulk assignment did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assigned {
    pub added: u64,
    /// Units she already answered for.
    pub already: u64,
}

impl Services {
    /// An active member whose federation the caller manages in full.
    async fn managed_member(&self, caller: &Caller, id: Uuid) -> Result<MemberRow, ServiceError> {
        members::get(&self.db, &caller.manage_scope(), id)
            .await?
            .ok_or(ServiceError::NotFound)
            .and_then(active)
    }

    /// Assigns units to a member: for an executive, places one level below her federation's (a
    /// subdistrict, a village or a resident group, by code); for a women's representative,
    /// households of her group (by household code). All or nothing; units she already has are
    /// counted, not added twice.
    pub async fn assign_units(
        &self,
        caller: &Caller,
        member: Uuid,
        units: &[String],
    ) -> Result<Assigned, ServiceError> {
        let m = self.managed_member(caller, member).await?;
        let units: Vec<&str> = units
            .iter()
            .map(|u| u.trim())
            .filter(|u| !u.is_empty())
            .collect();
        if units.is_empty() {
            return Err(invalid("units", "required"));
        }
        if units.len() > MAX_UNITS_AT_ONCE {
            return Err(invalid("units", "too_long"));
        }
        let (rows, already) = match self.resolve_units(&m, &units).await? {
            Ok(r) => r,
            Err(code) => return Err(invalid("units", code)),
        };
        let out = Assigned {
            added: rows.len() as u64,
            already,
        };
        let now = clock::now();
        db_tx!(&self.db, tx => {
            store::insert(tx, &rows, now).await?;
            record(tx, &self.keys, caller, Record::new("assignment.create").target(format!("member:{}", m.id))
                .place(m.path.clone()).detail(format!("added={} already={}", out.added, out.already))).await
        })?;
        Ok(out)
    }

    /// The assignments that would give `units` (codes) to a member, checked: exactly one level
    /// down inside her federation (a representative: households of her group, nobody else's).
    /// Units she already answers for are counted, not repeated. `Ok(Err(code))` names the first
    /// refusal.
    pub(crate) async fn resolve_units(
        &self,
        m: &MemberRow,
        units: &[&str],
    ) -> Result<Result<(Vec<NewAssignment>, u64), &'static str>, ServiceError> {
        let level = PlaceCode::parse(&m.place_code)
            .map_err(|_| ServiceError::NotFound)?
            .level();
        let current: HashSet<String> = store::current_of(&self.db, &m.county_code, m.id)
            .await?
            .into_iter()
            .map(|a| {
                a.unit_code
                    .unwrap_or_else(|| a.household_id.map(|h| h.to_string()).unwrap_or_default())
            })
            .collect();
        let today = clock::today();
        let mut rows = Vec::new();
        let mut already = 0;
        let mut seen = HashSet::new();
        for u in units {
            if !seen.insert(u.to_string()) {
                continue;
            }
            let (unit_code, household_id, path) = if m.role == "representative" {
                let found =
                    households::by_codes(&self.db, &m.county_code, &[u.to_string()]).await?;
                let Some(households::KnownHousehold { id, path, .. }) = found.into_iter().next()
                else {
                    return Ok(Err("assignment.unknown_unit"));
                };
                if !path.starts_with(&m.path) {
                    return Ok(Err("assignment.outside_federation"));
                }
                // One representative per household: another's household is handed over, not shared.
                let holders =
                    jinguo_storage::screening::household_members(&self.db, &m.county_code, id)
                        .await?;
                if holders.iter().any(|x| *x != m.id) {
                    return Ok(Err("assignment.taken"));
                }
                (None, Some(id), path)
            } else {
                let Some(p) = places::get(&self.db, u).await? else {
                    return Ok(Err("assignment.unknown_unit"));
                };
                if !p.path.starts_with(&m.path) || p.path == m.path {
                    return Ok(Err("assignment.outside_federation"));
                }
                if Some(p.level()) != level.child() {
                    return Ok(Err("assignment.skips_level"));
                }
                (Some(p.code.clone()), None, p.path)
            };
            let key = unit_code
                .clone()
                .unwrap_or_else(|| household_id.map(|h| h.to_string()).unwrap_or_default());
            if current.contains(&key) {
                already += 1;
                continue;
            }
            rows.push(NewAssignment {
                id: Uuid::now_v7(),
                county_code: m.county_code.clone(),
                member_id: m.id,
                unit_code,
                household_id,
                path,
                started_on: today,
            });
        }
        Ok(Ok((rows, already)))
    }

    /// A member leaves and hands everything she answers for to a successor of the same role in
    /// the same federation: her assignments end and the same units pass to the successor, in one
    /// transaction. Returns how many units moved.
    pub async fn hand_over(
        &self,
        caller: &Caller,
        from: Uuid,
        to: Uuid,
    ) -> Result<u64, ServiceError> {
        let leaving = self.managed_member(caller, from).await?;
        let successor = match self.managed_member(caller, to).await {
            Ok(m) => m,
            Err(ServiceError::NotFound) => return Err(invalid("successor", "not_found")),
            Err(e) => return Err(e),
        };
        if successor.id == leaving.id
            || successor.place_code != leaving.place_code
            || successor.role != leaving.role
        {
            return Err(invalid("successor", "handover.same_post"));
        }
        let units = store::current_of(&self.db, &leaving.county_code, leaving.id).await?;
        let today = clock::today();
        let ids: Vec<Uuid> = units.iter().map(|u| u.id).collect();
        let rows: Vec<NewAssignment> = units
            .into_iter()
            .map(|u| NewAssignment {
                id: Uuid::now_v7(),
                county_code: successor.county_code.clone(),
                member_id: successor.id,
                unit_code: u.unit_code,
                household_id: u.household_id,
                path: u.path,
                started_on: today,
            })
            .collect();
        let moved = rows.len() as u64;
        let now = clock::now();
        db_tx!(&self.db, tx => {
            members::end(tx, &leaving.county_code, leaving.id, today).await?;
            store::end(tx, &leaving.county_code, &ids, today).await?;
            store::insert(tx, &rows, now).await?;
            record(tx, &self.keys, caller, Record::new("member.handover").target(format!("member:{}", leaving.id))
                .place(leaving.path.clone()).detail(format!("to={} units={moved}", successor.id))).await
        })?;
        Ok(moved)
    }

    /// Balances a resident group's households across its active women's representatives: each
    /// answers for the same number give or take one, households without anyone included, as few
    /// households moving as possible. Returns how many households changed hands.
    pub async fn balance_group(&self, caller: &Caller, code: &str) -> Result<u64, ServiceError> {
        let scope = caller.household_write_scope();
        let group = places::get(&self.db, code)
            .await?
            .filter(|p| scope.covers_all(&p.path))
            .ok_or(ServiceError::NotFound)?;
        if group.level() != jinguo_domain::place::PlaceLevel::Group {
            return Err(invalid("place", "balance.group_only"));
        }
        let reps = members::at_place(&self.db, &group.code, "representative").await?;
        if reps.is_empty() {
            return Err(invalid("place", "balance.no_representative"));
        }
        let county = group.county();
        // Who has what now; households of anyone else, or of nobody, go to the pool.
        let mut load: BTreeMap<Uuid, Vec<(Uuid, String, Uuid)>> =
            reps.iter().map(|r| (*r, Vec::new())).collect();
        let mut pool: Vec<(Uuid, String, Option<Uuid>)> = Vec::new();
        for g in store::group_households(&self.db, &group.code).await? {
            let (h, path) = (g.household_id, g.path);
            match (g.member_id, g.assignment_id) {
                (Some(m), Some(a)) if load.contains_key(&m) => {
                    if let Some(v) = load.get_mut(&m) {
                        v.push((h, path, a))
                    }
                }
                (_, a) => pool.push((h, path, a)),
            }
        }
        let total: usize = load.values().map(Vec::len).sum::<usize>() + pool.len();
        // The larger shares go to those who hold most already.
        let mut order: Vec<Uuid> = reps.clone();
        order.sort_by_key(|r| std::cmp::Reverse(load.get(r).map_or(0, Vec::len)));
        let shares = crate::demo::spread(total as u32, order.len());
        let target: BTreeMap<Uuid, usize> = order
            .iter()
            .zip(shares)
            .map(|(r, n)| (*r, n as usize))
            .collect();
        for (r, held) in load.iter_mut() {
            let keep = target.get(r).copied().unwrap_or(0);
            while held.len() > keep {
                if let Some((h, path, a)) = held.pop() {
                    pool.push((h, path, Some(a)));
                }
            }
        }
        let today = clock::today();
        let mut ended = Vec::new();
        let mut rows = Vec::new();
        for r in &order {
            let want = target.get(r).copied().unwrap_or(0);
            let have = load.get(r).map_or(0, Vec::len);
            for _ in have..want {
                let Some((h, path, old)) = pool.pop() else {
                    break;
                };
                ended.extend(old);
                rows.push(NewAssignment {
                    id: Uuid::now_v7(),
                    county_code: county.clone(),
                    member_id: *r,
                    unit_code: None,
                    household_id: Some(h),
                    path,
                    started_on: today,
                });
            }
        }
        let moved = rows.len() as u64;
        let now = clock::now();
        db_tx!(&self.db, tx => {
            store::end(tx, &county, &ended, today).await?;
            store::insert(tx, &rows, now).await?;
            record(tx, &self.keys, caller, Record::new("assignment.balance").place(group.path.clone())
                .detail(format!("moved={moved}"))).await
        })?;
        Ok(moved)
    }
}

/// A member whose term has ended answers for nothing new.
fn active(m: MemberRow) -> Result<MemberRow, ServiceError> {
    if m.ended_on.is_some() {
        Err(ServiceError::Conflict)
    } else {
        Ok(m)
    }
}
