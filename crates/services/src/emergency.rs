//! Emergency access ("break the glass"): a federation worker who must see one household outside
//! her scope at once asks for it with a reason. It covers one record, read-only, never an export,
//! for at most `emergency_max_minutes`; a second person of the county federation approves it, or,
//! when the worker marks it urgent, it is granted at once and waits in the approvers' queue for a
//! review after the fact. The security administrator and the county federation's chair are told
//! at once; the request, the decision, every read under it and the review are on the audit log.

use crate::access::{Caller, EmergencyTarget};
use crate::audit::{Record, record};
use crate::error::invalid;
use crate::inbox::Chain;
use crate::{ServiceError, Services, clock};
use chrono::{DateTime, Duration, Utc};
use jinguo_domain::ValidationErrors;
use jinguo_domain::account::Role;
use jinguo_domain::place::PlaceLevel;
use jinguo_storage::emergency::{self as store, EmergencyRow};
use jinguo_storage::{Scope, StorageError, Subtree, db_tx};
use std::collections::HashMap;
use uuid::Uuid;

/// A reason must say something: at least this many characters …
pub const REASON_MIN_CHARS: usize = 10;
/// … of which at least this many different ones.
const REASON_MIN_DISTINCT: usize = 5;
/// Requests one account may make in a day.
pub const REQUESTS_PER_DAY: i64 = 5;

/// What the worker asks for.
#[derive(Debug, Clone)]
pub struct EmergencyRequest {
    /// `household` (the default) or `dv_case`.
    pub kind: String,
    /// The record: a household's 19-digit code or id, a case's id.
    pub target: String,
    pub reason: String,
    pub minutes: i64,
    /// Granted at once, reviewed after.
    pub urgent: bool,
}

/// A request or grant of emergency access, as a page or the API shows it.
#[derive(Debug, Clone)]
pub struct EmergencyLine {
    pub id: Uuid,
    pub username: String,
    pub target_kind: String,
    pub target_id: Uuid,
    /// A person's household (kind `person`): where she is read.
    pub household_id: Option<Uuid>,
    pub target_path: String,
    pub reason: String,
    pub minutes: i64,
    pub urgent: bool,
    /// `requested`, `granted`, `refused`, `ended` or `expired`.
    pub status: &'static str,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<String>,
    pub review_note: Option<String>,
    /// Hers: she may end it, and open the household while it runs.
    pub mine: bool,
    /// Waiting for the caller's approval.
    pub may_decide: bool,
    /// Urgent, not yet reviewed, and the caller may review it.
    pub may_review: bool,
}

/// The level of the place a grant's path names (`53/5301/530181/` is a county).
fn level_of(path: &str) -> Option<PlaceLevel> {
    let n = path.trim_end_matches('/').split('/').count();
    PlaceLevel::from_i16(i16::try_from(n).ok()?)
}

/// The county's path of a path at or below a county.
fn county_path(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    (parts.len() >= 3).then(|| format!("{}/", parts[..3].join("/")))
}

fn check_reason(reason: &str, errs: &mut ValidationErrors) {
    let mut distinct: Vec<char> = reason.chars().filter(|c| !c.is_whitespace()).collect();
    let long = distinct.len() >= REASON_MIN_CHARS;
    distinct.sort_unstable();
    distinct.dedup();
    if !long || distinct.len() < REASON_MIN_DISTINCT {
        errs.push("reason", "emergency.reason");
    }
}

impl Services {
    /// The counties in which the caller may ask for emergency access (by the configured roles).
    fn emergency_counties(&self, caller: &Caller) -> Vec<String> {
        caller
            .grants
            .iter()
            .filter(|g| g.expires_at.is_none() && caller.has_role(g.role))
            .filter(|g| {
                let level = level_of(&g.scope_path);
                self.security
                    .emergency_roles
                    .iter()
                    .any(|(r, l)| *r == g.role && Some(*l) == level)
            })
            .filter_map(|g| county_path(&g.scope_path))
            .collect()
    }

    /// Whether the caller may ask for emergency access at all (for the page's form).
    pub fn may_request_emergency(&self, caller: &Caller) -> bool {
        !self.emergency_counties(caller).is_empty()
    }

    /// The longest emergency access may last, in minutes.
    pub fn emergency_max_minutes(&self) -> i64 {
        self.security.emergency_max_minutes
    }

    /// Asks for emergency access to one household or one case. Urgent: granted at once (reviewed after);
    /// otherwise it waits for a second person of the county federation.
    pub async fn request_emergency(
        &self,
        caller: &Caller,
        r: &EmergencyRequest,
    ) -> Result<EmergencyLine, ServiceError> {
        let account = caller.account_id.ok_or(ServiceError::Forbidden)?;
        let counties = self.emergency_counties(caller);
        if counties.is_empty() {
            return Err(ServiceError::Forbidden);
        }
        // An exception, not a habit: a few requests a day, so that no one floods the approvers.
        let day_start = clock::day_start(clock::today());
        let mut asked = 0;
        for action in ["emergency.request", "emergency.grant_urgent"] {
            asked +=
                jinguo_storage::audit::count_since(&self.db, account, action, day_start).await?;
        }
        if asked >= REQUESTS_PER_DAY {
            return Err(ServiceError::RateLimited);
        }
        let mut errs = ValidationErrors::new();
        let reason = r.reason.trim();
        check_reason(reason, &mut errs);
        if !(1..=self.security.emergency_max_minutes).contains(&r.minutes) {
            errs.push("minutes", "minutes.range");
        }
        let kind = match r.kind.trim() {
            "" | "household" => "household",
            "person" => "person",
            "dv_case" => "dv_case",
            _ => {
                errs.push("kind", "invalid");
                ""
            }
        };
        // The record, wherever it lies: (county, id, path), and a person's household.
        let mut household_of_person = None;
        let found = match kind {
            "household" => self
                .emergency_household(&r.target, &counties)
                .await?
                .map(|h| (h.county_code, h.id, h.path)),
            "person" => match Uuid::parse_str(r.target.trim()) {
                Ok(id) => {
                    // Found within her counties only, never shown.
                    let within = Scope::of_paths(counties.iter().map(String::as_str));
                    let p = jinguo_storage::household::person_place(&self.db, id, &within).await?;
                    household_of_person = p.as_ref().map(|p| p.household_id);
                    p.map(|p| (p.county_code, p.id, p.path))
                }
                Err(_) => None,
            },
            "dv_case" => match Uuid::parse_str(r.target.trim()) {
                // Found within her counties only (checked again below), never shown.
                Ok(id) => jinguo_storage::linkage::case(
                    &self.db,
                    &jinguo_storage::Reader::new(
                        Scope::of_paths(counties.iter().map(String::as_str)),
                        Scope::none(),
                    ),
                    id,
                )
                .await?
                .map(|c| (c.county_code.clone(), c.id, c.path.clone())),
                Err(_) => None,
            },
            _ => None,
        };
        // Another county's records are not hers to ask for: not found, as if they did not exist.
        let found = found.filter(|(county, _, path)| {
            county_path(path).is_some_and(|c| counties.contains(&c)) && county.len() == 6
        });
        if !kind.is_empty() {
            match &found {
                None => errs.push("target", "not_found"),
                Some((_, id, path)) => {
                    let (visible, target) = match (kind, household_of_person) {
                        ("household", _) => (
                            caller.household_read_scope().covers_all(path),
                            EmergencyTarget::Household(*id),
                        ),
                        ("person", Some(household)) => (
                            caller.household_read_scope().covers_all(path),
                            EmergencyTarget::Person {
                                person: *id,
                                household,
                            },
                        ),
                        _ => (caller.manages(path), EmergencyTarget::Case(*id)),
                    };
                    if visible {
                        errs.push("target", "emergency.not_needed");
                    } else if caller.emergency_for(target).is_some() {
                        errs.push("target", "emergency.already");
                    }
                }
            }
        }
        errs.clone().into_result()?;
        let Some((county_code, target_id, target_path)) = found else {
            return Err(errs.into());
        };
        let now = clock::now();
        let id = Uuid::now_v7();
        let row = EmergencyRow {
            county_code,
            id,
            account_id: account,
            target_kind: kind.into(),
            target_id,
            household_id: household_of_person,
            target_path: target_path.clone(),
            reason: self.seal("emergency_access", "reason", &id, reason)?,
            minutes: r.minutes,
            urgent: r.urgent,
            status: if r.urgent { "granted" } else { "requested" }.into(),
            requested_at: now,
            decided_at: r.urgent.then_some(now),
            decided_by: None,
            decision_note: None,
            expires_at: r.urgent.then(|| now + Duration::minutes(r.minutes)),
            reviewed_at: None,
            reviewed_by: None,
            review_note: None,
        };
        let county = county_path(&target_path).unwrap_or_default();
        let told = self.emergency_audience(&county, account).await?;
        let told_kind = if r.urgent {
            "emergency.urgent"
        } else {
            "emergency.requested"
        };
        let params = format!("{}|{}", caller.username, r.minutes);
        let action = if r.urgent {
            "emergency.grant_urgent"
        } else {
            "emergency.request"
        };
        let detail = format!(
            "emergency={} minutes={} urgent={}",
            row.id, r.minutes, r.urgent
        );
        db_tx!(&self.db, tx => {
            store::insert(tx, &row).await?;
            self.tell(tx, &only(&told), told_kind, &params, "/emergency", 0, now).await?;
            record(tx, &self.keys, caller, Record::new(action).target(target_of(&row))
                .place(target_path.clone()).reason(reason).detail(detail.clone())).await
        })?;
        self.emergency_line(caller, &mut HashMap::new(), row).await
    }

    /// A household named by its code or its id, wherever it lies (only to check a request).
    async fn emergency_household(
        &self,
        named: &str,
        counties: &[String],
    ) -> Result<Option<jinguo_storage::household::Household>, ServiceError> {
        let named = named.trim();
        let everything = Scope::of_paths(counties.iter().map(String::as_str));
        if let Ok(id) = Uuid::parse_str(named) {
            return Ok(jinguo_storage::household::get(&self.db, id, &everything).await?);
        }
        if named.len() != 19 || !named.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(None);
        }
        let found =
            jinguo_storage::household::by_codes(&self.db, &named[..6], &[named.to_string()])
                .await?;
        match found.first() {
            Some(h) => Ok(jinguo_storage::household::get(&self.db, h.id, &everything).await?),
            None => Ok(None),
        }
    }

    /// Who is told of a request at once: the county federation's chair (staff over the whole
    /// county) and the security administrators over the county, not the worker herself.
    async fn emergency_audience(
        &self,
        county: &str,
        requester: Uuid,
    ) -> Result<Vec<Uuid>, ServiceError> {
        let mut out =
            jinguo_storage::linkage::accounts_at(&self.db, Role::Staff.key(), county).await?;
        let mut prefix = String::new();
        for part in county.trim_end_matches('/').split('/') {
            prefix.push_str(part);
            prefix.push('/');
            out.extend(
                jinguo_storage::linkage::accounts_at(&self.db, Role::SecurityAdmin.key(), &prefix)
                    .await?,
            );
        }
        out.sort();
        out.dedup();
        out.retain(|a| *a != requester);
        Ok(out)
    }

    /// A request the caller may decide or review: staff managing its county, never its holder.
    async fn emergency_to_decide(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<EmergencyRow, ServiceError> {
        let row = store::get(&self.db, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let county = county_path(&row.target_path).unwrap_or_default();
        if !caller.manages(&county) {
            return Err(ServiceError::NotFound);
        }
        if caller.account_id == Some(row.account_id) {
            return Err(ServiceError::Forbidden);
        }
        Ok(row)
    }

    /// Approves or refuses a request waiting for a decision. Approved, it runs from now for the
    /// minutes asked.
    pub async fn decide_emergency(
        &self,
        caller: &Caller,
        id: Uuid,
        approve: bool,
        note: &str,
    ) -> Result<(), ServiceError> {
        let row = self.emergency_to_decide(caller, id).await?;
        let by = caller.account_id.ok_or(ServiceError::Forbidden)?;
        if row.status != "requested" {
            return Err(invalid("id", "emergency.decided"));
        }
        let note = note.trim().to_string();
        if !approve && note.chars().count() < 2 {
            return Err(invalid("note", "required"));
        }
        let now = clock::now();
        let (status, until, action, kind) = if approve {
            (
                "granted",
                Some(now + Duration::minutes(row.minutes)),
                "emergency.approve",
                "emergency.approved",
            )
        } else {
            ("refused", None, "emergency.refuse", "emergency.refused")
        };
        let params = format!("{}|{}", caller.username, row.minutes);
        let sealed = self.seal("emergency_access", "decision_note", &row.id, &note)?;
        let decided = db_tx!(&self.db, tx => {
            if !store::decide(tx, &row.county_code, row.id, status, by, &sealed, now, until).await? {
                return Ok(false);
            }
            self.tell(tx, &only(&[row.account_id]), kind, &params, "/emergency", 0, now).await?;
            record(tx, &self.keys, caller, Record::new(action).target(target_of(&row))
                .place(row.target_path.clone()).reason(note.clone())
                .detail(format!("emergency={}", row.id))).await?;
            Ok::<bool, StorageError>(true)
        })?;
        if !decided {
            return Err(invalid("id", "emergency.decided"));
        }
        Ok(())
    }

    /// Reviews an urgent grant after the fact: the approver says whether it was justified.
    pub async fn review_emergency(
        &self,
        caller: &Caller,
        id: Uuid,
        justified: bool,
        note: &str,
    ) -> Result<(), ServiceError> {
        let row = self.emergency_to_decide(caller, id).await?;
        let by = caller.account_id.ok_or(ServiceError::Forbidden)?;
        if !row.urgent || row.reviewed_at.is_some() {
            return Err(invalid("id", "emergency.reviewed"));
        }
        let note = note.trim();
        if note.chars().count() < 2 {
            return Err(invalid("note", "required"));
        }
        let text = format!(
            "{}：{note}",
            if justified {
                "justified"
            } else {
                "unjustified"
            }
        );
        let now = clock::now();
        let sealed = self.seal("emergency_access", "review_note", &row.id, &text)?;
        let reviewed = db_tx!(&self.db, tx => {
            if !store::review(tx, &row.county_code, row.id, by, &sealed, now).await? {
                return Ok(false);
            }
            record(tx, &self.keys, caller, Record::new("emergency.review").target(target_of(&row))
                .place(row.target_path.clone()).reason(note)
                .detail(format!("emergency={} justified={justified}", row.id))).await?;
            Ok::<bool, StorageError>(true)
        })?;
        if !reviewed {
            return Err(invalid("id", "emergency.reviewed"));
        }
        Ok(())
    }

    /// Ends one's own request or grant before its time.
    pub async fn end_emergency(&self, caller: &Caller, id: Uuid) -> Result<(), ServiceError> {
        let account = caller.account_id.ok_or(ServiceError::Forbidden)?;
        let row = store::get(&self.db, id)
            .await?
            .filter(|r| r.account_id == account)
            .ok_or(ServiceError::NotFound)?;
        let now = clock::now();
        let ended = db_tx!(&self.db, tx => {
            if !store::end(tx, &row.county_code, row.id, account, now).await? {
                return Ok(false);
            }
            record(tx, &self.keys, caller, Record::new("emergency.end").target(target_of(&row))
                .place(row.target_path.clone()).detail(format!("emergency={}", row.id))).await?;
            Ok::<bool, StorageError>(true)
        })?;
        if !ended {
            return Err(invalid("id", "emergency.decided"));
        }
        Ok(())
    }

    /// Emergency access the caller may see: her own; for staff managing a county, its requests
    /// and grants (the approvers' queue); for the security administrator, those inside her scope.
    /// Newest first, at most 200.
    pub async fn emergencies(&self, caller: &Caller) -> Result<Vec<EmergencyLine>, ServiceError> {
        let account = caller.account_id.ok_or(ServiceError::Forbidden)?;
        let mut paths: Vec<String> = Vec::new();
        for g in &caller.grants {
            if !caller.has_role(g.role) {
                continue;
            }
            let watches = g.role == Role::SecurityAdmin
                || (g.role == Role::Staff
                    && level_of(&g.scope_path).is_some_and(|l| l <= PlaceLevel::County));
            if watches {
                paths.push(g.scope_path.clone());
            }
        }
        let mut rows: Vec<EmergencyRow> = Vec::new();
        if paths.is_empty() {
            rows = store::list(&self.db, "", "", Some(account), 200).await?;
        }
        for p in &paths {
            let s = Subtree::of_path(p);
            for r in store::list(&self.db, &s.lo, &s.hi, Some(account), 200).await? {
                if !rows.iter().any(|x| x.id == r.id) {
                    rows.push(r);
                }
            }
        }
        rows.sort_by(|a, b| b.requested_at.cmp(&a.requested_at).then(b.id.cmp(&a.id)));
        rows.truncate(200);
        let mut out = Vec::with_capacity(rows.len());
        let mut names = HashMap::new();
        for r in rows {
            out.push(self.emergency_line(caller, &mut names, r).await?);
        }
        Ok(out)
    }

    /// An account's username, read once per list (`names` keeps those already read).
    async fn username(
        &self,
        names: &mut HashMap<Uuid, String>,
        id: Option<Uuid>,
    ) -> Result<Option<String>, StorageError> {
        let Some(id) = id else { return Ok(None) };
        if let Some(n) = names.get(&id) {
            return Ok(Some(n.clone()));
        }
        let n = jinguo_storage::account::by_id(&self.db, id)
            .await?
            .map(|a| a.username)
            .unwrap_or_default();
        names.insert(id, n.clone());
        Ok(Some(n))
    }

    /// A free text of a request as written: opened when sealed (requests made before free texts
    /// were sealed hold them in clear).
    fn open_note(&self, id: &Uuid, column: &str, value: &str) -> String {
        if jinguo_crypto::kid_of(value).is_none() {
            return value.to_string();
        }
        self.open("emergency_access", column, id, value)
            .unwrap_or_else(|_| "(sealed: does not open)".into())
    }

    /// Re-seals the free texts of emergency requests not under key `kid` (a key rotation).
    /// Returns how many values were sealed again.
    pub async fn reseal_emergency(&self, kid: &str) -> Result<u64, ServiceError> {
        let mut n = 0;
        for row in store::all_notes(&self.db).await? {
            let mut changed = false;
            let mut again = |column: &str, v: &str| -> Result<String, ServiceError> {
                if jinguo_crypto::kid_of(v) == Some(kid) {
                    return Ok(v.to_string());
                }
                changed = true;
                n += 1;
                let plain = if jinguo_crypto::kid_of(v).is_some() {
                    self.open("emergency_access", column, &row.id, v)?
                } else {
                    v.to_string()
                };
                self.seal("emergency_access", column, &row.id, &plain)
            };
            let reason = again("reason", &row.reason)?;
            let decision = match &row.decision_note {
                Some(v) => Some(again("decision_note", v)?),
                None => None,
            };
            let review = match &row.review_note {
                Some(v) => Some(again("review_note", v)?),
                None => None,
            };
            if changed {
                db_tx!(&self.db, tx => store::reseal_notes(tx, &row.county_code, row.id, &reason,
                    decision.as_deref(), review.as_deref()).await)?;
            }
        }
        Ok(n)
    }

    async fn emergency_line(
        &self,
        caller: &Caller,
        names: &mut HashMap<Uuid, String>,
        r: EmergencyRow,
    ) -> Result<EmergencyLine, ServiceError> {
        let now = clock::now();
        let status = match r.status.as_str() {
            "requested" => "requested",
            "granted" if r.expires_at.is_some_and(|t| t > now) => "granted",
            "granted" => "expired",
            "refused" => "refused",
            _ => "ended",
        };
        let mine = caller.account_id == Some(r.account_id);
        let county = county_path(&r.target_path).unwrap_or_default();
        let approver = !mine && caller.manages(&county);
        Ok(EmergencyLine {
            id: r.id,
            username: self
                .username(names, Some(r.account_id))
                .await?
                .unwrap_or_default(),
            target_kind: r.target_kind.clone(),
            target_id: r.target_id,
            household_id: r.household_id,
            target_path: r.target_path.clone(),
            reason: self.open_note(&r.id, "reason", &r.reason),
            minutes: r.minutes,
            urgent: r.urgent,
            status,
            requested_at: r.requested_at,
            decided_by: self.username(names, r.decided_by).await?,
            decision_note: r
                .decision_note
                .as_deref()
                .map(|n| self.open_note(&r.id, "decision_note", n)),
            expires_at: r.expires_at,
            reviewed_by: self.username(names, r.reviewed_by).await?,
            review_note: r
                .review_note
                .as_deref()
                .map(|n| self.open_note(&r.id, "review_note", n)),
            mine,
            may_decide: approver && status == "requested",
            may_review: approver && r.urgent && r.reviewed_at.is_none(),
        })
    }
}

/// The audit log's name of the record a request is for (`household:…`, `case:…`).
fn target_of(row: &EmergencyRow) -> String {
    match row.target_kind.as_str() {
        "dv_case" => format!("case:{}", row.target_id),
        "person" => format!("person:{}", row.target_id),
        _ => format!("household:{}", row.target_id),
    }
}

/// Told in the inbox only (no robot, no text message: they would carry who asked and where).
fn only(accounts: &[Uuid]) -> Chain {
    Chain {
        accounts: accounts.to_vec(),
        webhook: None,
        sms: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_counties_of_paths() {
        assert_eq!(level_of("53/5301/530181/"), Some(PlaceLevel::County));
        assert_eq!(
            level_of("53/5301/530181/530181001/"),
            Some(PlaceLevel::Township)
        );
        assert_eq!(
            county_path("53/5301/530181/530181001/530181001001/").as_deref(),
            Some("53/5301/530181/")
        );
        assert_eq!(county_path("53/5301/"), None);
    }

    #[test]
    fn a_reason_must_say_something() {
        let refused = |r: &str| {
            let mut e = ValidationErrors::new();
            check_reason(r, &mut e);
            !e.0.is_empty()
        };
        assert!(refused("紧急"));
        assert!(refused("aaaaaaaaaaaaaaa"));
        assert!(refused("          "));
        assert!(!refused("受害人来电求助，需核实住址"));
        assert!(!refused("victim called, verify the address"));
    }
}
