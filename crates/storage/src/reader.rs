//! Reads that carry their proof. A [`Reader`] says, in the terms storage needs, whom a read is
//! for: the places she manages, the households she may see, the members she is, the departments
//! she acts for, the cases opened to her by emergency access. Every reader of a table that holds
//! people or cases takes one and adds it to its query, so a row outside it is never fetched (fail
//! closed: an empty reader sees nothing).
//!
//! A row read that way comes back as [`Seen`], which only this crate can build. The records of a
//! dispute or a case (its parties, steps, referrals, evidence, consents) are read through the
//! `Seen` row they belong to, so a service cannot reach them without having read their parent
//! within the caller's reach first.

use crate::Scope;
use std::ops::Deref;
use uuid::Uuid;

/// Whom a read is for. Built by the services from the caller (`Caller::reader`), or
/// [`Reader::system`] for the machine's own work (the worker, the command line).
#[derive(Debug, Clone, Default)]
pub struct Reader {
    /// The subtrees she manages as federation staff: every dispute, case, referral, registry
    /// entry and wish in them.
    manages: Scope,
    /// The households she may read (a subtree, her assigned households, emergency access).
    sees: Scope,
    /// The mediator members she is: the disputes assigned to them.
    mediators: Vec<Uuid>,
    /// The departments she acts for: their referrals, and the cases referred to them.
    departments: Vec<Uuid>,
    /// Cases opened to her one by one (emergency access).
    cases: Vec<Uuid>,
    /// Where she handles public opinion (chair or opinion officer): the items and topics there.
    opinion: Scope,
}

impl Reader {
    /// Nothing at all.
    pub fn none() -> Reader {
        Reader::default()
    }

    /// Everything: the worker and the machine's operator, never a web request.
    pub fn system() -> Reader {
        Reader {
            manages: Scope::operator(),
            sees: Scope::operator(),
            opinion: Scope::operator(),
            ..Reader::default()
        }
    }

    pub fn new(manages: Scope, sees: Scope) -> Reader {
        Reader {
            manages,
            sees,
            ..Reader::default()
        }
    }

    pub fn with_mediators(mut self, members: impl IntoIterator<Item = Uuid>) -> Reader {
        self.mediators.extend(members);
        self
    }

    pub fn with_departments(mut self, departments: impl IntoIterator<Item = Uuid>) -> Reader {
        self.departments.extend(departments);
        self
    }

    /// The subtrees whose public opinion she handles.
    pub fn with_opinion(mut self, scope: Scope) -> Reader {
        self.opinion = scope;
        self
    }

    /// The subtrees whose public opinion she handles.
    pub fn opinion(&self) -> &Scope {
        &self.opinion
    }

    pub fn with_cases(mut self, cases: impl IntoIterator<Item = Uuid>) -> Reader {
        self.cases.extend(cases);
        self
    }

    /// The subtrees she manages.
    pub fn manages(&self) -> &Scope {
        &self.manages
    }

    /// The households she may read.
    pub fn sees(&self) -> &Scope {
        &self.sees
    }

    pub fn mediators(&self) -> &[Uuid] {
        &self.mediators
    }

    pub fn departments(&self) -> &[Uuid] {
        &self.departments
    }

    /// Whether every row of `within` is hers already because she manages all of it: a list over
    /// such a place needs no clause beyond its own range (subtrees are nested or disjoint).
    pub(crate) fn manages_all(&self, within: &crate::Subtree) -> bool {
        self.manages.covers_all(&within.lo)
    }

    /// ` AND (path in a managed subtree OR <alternatives>)`; `alternatives` pushes its own
    /// ` OR …` terms and returns whether it pushed any.
    fn push_reach<DB: sqlx::Database>(
        &self,
        q: &mut sqlx::QueryBuilder<DB>,
        path_col: &str,
        alternatives: impl FnOnce(&mut sqlx::QueryBuilder<DB>, bool) -> bool,
    ) where
        for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    {
        q.push(" AND (");
        let mut any = false;
        if self.manages.has_subtrees() {
            q.push("(1 = 1");
            self.manages.push_filter(q, path_col);
            q.push(")");
            any = true;
        }
        any |= alternatives(q, any);
        if !any {
            q.push("1 = 0");
        }
        q.push(")");
    }

    /// The filter for disputes: managed, or assigned to a mediator she is.
    pub(crate) fn push_dispute_filter<DB: sqlx::Database>(
        &self,
        q: &mut sqlx::QueryBuilder<DB>,
        alias: &str,
    ) where
        for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
        for<'t> Uuid: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    {
        let path = col(alias, "path");
        let mediator = col(alias, "mediator_id");
        self.push_reach(q, &path, |q, before| {
            push_in(q, before, &mediator, &self.mediators)
        });
    }

    /// The filter for cases: managed, opened to her, or referred to a department she acts for.
    pub(crate) fn push_case_filter<DB: sqlx::Database>(
        &self,
        q: &mut sqlx::QueryBuilder<DB>,
        alias: &str,
    ) where
        for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
        for<'t> Uuid: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    {
        let path = col(alias, "path");
        let id = col(alias, "id");
        let county = col(alias, "county_code");
        self.push_reach(q, &path, |q, before| {
            let mut any = push_in(q, before, &id, &self.cases);
            if !self.departments.is_empty() {
                if before || any {
                    q.push(" OR ");
                }
                q.push("EXISTS (SELECT 1 FROM referral rr WHERE rr.county_code = ")
                    .push(&county)
                    .push(" AND rr.case_id = ")
                    .push(&id)
                    .push(" AND (");
                push_in(q, false, "rr.department_id", &self.departments);
                q.push("))");
                any = true;
            }
            any
        });
    }

    /// The filter for referrals: of a managed case, or to a department she acts for.
    pub(crate) fn push_referral_filter<DB: sqlx::Database>(
        &self,
        q: &mut sqlx::QueryBuilder<DB>,
        alias: &str,
    ) where
        for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
        for<'t> Uuid: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    {
        let path = col(alias, "path");
        let department = col(alias, "department_id");
        self.push_reach(q, &path, |q, before| {
            push_in(q, before, &department, &self.departments)
        });
    }
}

impl Reader {
    /// The filter for public-opinion topics and items: within the subtrees whose opinion she
    /// handles, nothing else (a department never).
    pub(crate) fn push_opinion_filter<DB: sqlx::Database>(
        &self,
        q: &mut sqlx::QueryBuilder<DB>,
        alias: &str,
    ) where
        for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    {
        q.push(" AND (");
        if self.opinion.has_subtrees() {
            q.push("(1 = 1");
            self.opinion.push_filter(q, &col(alias, "path"));
            q.push(")");
        } else {
            q.push("1 = 0");
        }
        q.push(")");
    }
}

impl Reader {
    /// The filter for supervision tasks: issued within a subtree she manages, or sent (as lead
    /// or co-unit) to a federation in a subtree she manages or to a department she acts for.
    pub(crate) fn push_supervision_filter<DB: sqlx::Database>(
        &self,
        q: &mut sqlx::QueryBuilder<DB>,
        alias: &str,
    ) where
        for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
        for<'t> Uuid: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    {
        let path = col(alias, "path");
        let unit_path = col(alias, "unit_path");
        let department = col(alias, "department_id");
        let county = col(alias, "county_code");
        let id = col(alias, "id");
        self.push_reach(q, &path, |q, before| {
            let mut any = before;
            if self.manages.has_subtrees() {
                q.push(" OR (1 = 1");
                self.manages.push_filter(q, &unit_path);
                q.push(")");
            }
            if !self.departments.is_empty() {
                any |= push_in(q, any, &department, &self.departments);
            }
            if self.manages.has_subtrees() || !self.departments.is_empty() {
                if any {
                    q.push(" OR ");
                }
                q.push("EXISTS (SELECT 1 FROM supervision_unit su WHERE su.county_code = ")
                    .push(&county)
                    .push(" AND su.task_id = ")
                    .push(&id)
                    .push(" AND (");
                let mut inner = false;
                if self.manages.has_subtrees() {
                    q.push("(1 = 1");
                    self.manages.push_filter(q, "su.unit_path");
                    q.push(")");
                    inner = true;
                }
                push_in(q, inner, "su.department_id", &self.departments);
                q.push("))");
                any = true;
            }
            any
        });
    }
}

impl Reader {
    /// The filter for the records attached to a chain: the record's place within a subtree she
    /// manages, or a step of it taken by a federation in a subtree she manages or by a
    /// department she acts for.
    pub(crate) fn push_chain_filter<DB: sqlx::Database>(
        &self,
        q: &mut sqlx::QueryBuilder<DB>,
        alias: &str,
    ) where
        for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
        for<'t> Uuid: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    {
        let county = col(alias, "county_code");
        let id = col(alias, "id");
        self.push_reach(q, &col(alias, "path"), |q, before| {
            if !self.manages.has_subtrees() && self.departments.is_empty() {
                return false;
            }
            if before {
                q.push(" OR ");
            }
            q.push("EXISTS (SELECT 1 FROM chain_run_step cs WHERE cs.county_code = ")
                .push(&county)
                .push(" AND cs.run_id = ")
                .push(&id)
                .push(" AND (");
            let mut inner = false;
            if self.manages.has_subtrees() {
                q.push("(1 = 1");
                self.manages.push_filter(q, "cs.unit_path");
                q.push(")");
                inner = true;
            }
            push_in(q, inner, "cs.department_id", &self.departments);
            q.push("))");
            true
        });
    }
}

impl Reader {
    /// The filter for typical cases: within a subtree she manages, or published for everyone.
    pub(crate) fn push_typical_filter<DB: sqlx::Database>(
        &self,
        q: &mut sqlx::QueryBuilder<DB>,
        alias: &str,
    ) where
        for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    {
        let status = col(alias, "status");
        let public = col(alias, "is_public");
        self.push_reach(q, &col(alias, "path"), |q, before| {
            if before {
                q.push(" OR ");
            }
            q.push("(")
                .push(status)
                .push(" = 'published' AND ")
                .push(public)
                .push(")");
            true
        });
    }
}

impl Reader {
    /// The filter for hotline calls: within a subtree she manages, nothing else.
    pub(crate) fn push_managed_filter<DB: sqlx::Database>(
        &self,
        q: &mut sqlx::QueryBuilder<DB>,
        alias: &str,
    ) where
        for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    {
        self.push_reach(q, &col(alias, "path"), |_, _| false);
    }
}

/// `alias.name`.
fn col(alias: &str, name: &str) -> String {
    format!("{alias}.{name}")
}

/// ` OR column IN (…)` (or without `OR` when nothing came before); false when `ids` is empty.
fn push_in<DB: sqlx::Database>(
    q: &mut sqlx::QueryBuilder<DB>,
    before: bool,
    column: &str,
    ids: &[Uuid],
) -> bool
where
    for<'t> Uuid: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    if ids.is_empty() {
        return false;
    }
    if before {
        q.push(" OR ");
    }
    q.push(column).push(" IN (");
    let mut sep = q.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
    q.push(")");
    true
}

/// A row read within a [`Reader`]'s reach: only this crate builds one, so holding it proves the
/// caller may see the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen<T>(T);

impl<T> Seen<T> {
    pub(crate) fn new(row: T) -> Seen<T> {
        Seen(row)
    }

    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Seen<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}
