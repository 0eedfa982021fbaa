//! A subtree of the place hierarchy, as a range over materialized paths.

/// All rows whose `path` starts with `prefix`. Paths consist of digits and `/`, and a prefix
/// always ends with `/`, so the upper bound replaces that last `/` with `0`, the next character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subtree {
    pub lo: String,
    pub hi: String,
}

impl Subtree {
    pub fn of_path(prefix: &str) -> Subtree {
        let lo = prefix.to_string();
        let hi = match prefix.strip_suffix('/') {
            Some(p) => format!("{p}0"),
            None => format!("{prefix}\u{10FFFF}"),
        };
        Subtree { lo, hi }
    }

    /// The whole tree.
    pub fn all() -> Subtree {
        Subtree {
            lo: String::new(),
            hi: "~".into(),
        }
    }

    /// The county this subtree lies in, when it is a county's or lies below one.
    pub fn county(&self) -> Option<&str> {
        county_of_path(&self.lo)
    }

    /// ` AND path_col >= lo AND path_col < hi`, and ` AND county_col = ` its county when the
    /// subtree lies in one: on a database distributed by county that reaches the county's shard
    /// alone instead of asking every shard for the range.
    pub fn push_within<DB: sqlx::Database>(
        &self,
        q: &mut sqlx::QueryBuilder<DB>,
        path_col: &str,
        county_col: &str,
    ) where
        for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    {
        q.push(" AND ")
            .push(path_col)
            .push(" >= ")
            .push_bind(self.lo.clone());
        q.push(" AND ")
            .push(path_col)
            .push(" < ")
            .push_bind(self.hi.clone());
        if let Some(county) = self.county() {
            q.push(" AND ")
                .push(county_col)
                .push(" = ")
                .push_bind(county.to_string());
        }
    }
}

impl Subtree {
    /// The text [`Self::push_within`] pushes, with its values numbered from `$first`, and the
    /// values in their order: for a statement written once for both backends.
    pub fn within_sql(
        &self,
        path_col: &str,
        county_col: &str,
        first: usize,
    ) -> (String, Vec<String>) {
        let mut sql = format!(
            " AND {path_col} >= ${first} AND {path_col} < ${}",
            first + 1
        );
        let mut values = vec![self.lo.clone(), self.hi.clone()];
        if let Some(county) = self.county() {
            sql.push_str(&format!(" AND {county_col} = ${}", first + 2));
            values.push(county.to_string());
        }
        (sql, values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        let s = Subtree::of_path("53/5301/");
        assert!("53/5301/530181/".to_string() >= s.lo && "53/5301/530181/".to_string() < s.hi);
        assert!("53/5302/" >= s.hi.as_str());
        assert!("53/5301" < s.lo.as_str());
    }
}

/// What a caller may see: a union of subtrees, and of the households a member answers for within a
/// subtree (a women's representative sees her own households, not her whole group). Empty means
/// nothing (fail closed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    subtrees: Vec<Subtree>,
    assigned: Vec<(Subtree, uuid::Uuid)>,
    /// Single households admitted by emergency access (read-only: only read scopes carry them).
    households: Vec<uuid::Uuid>,
}

impl Scope {
    /// Nothing at all.
    pub fn none() -> Scope {
        Scope::default()
    }

    /// Everything: for the machine's operator at the command line, never for a web request.
    pub fn operator() -> Scope {
        Scope {
            subtrees: vec![Subtree::all()],
            ..Scope::default()
        }
    }

    pub fn of_paths<'a>(paths: impl IntoIterator<Item = &'a str>) -> Scope {
        Scope {
            subtrees: paths.into_iter().map(Subtree::of_path).collect(),
            ..Scope::default()
        }
    }

    /// Adds the households `member` currently answers for below `path`.
    pub fn with_assigned(mut self, path: &str, member: uuid::Uuid) -> Scope {
        self.assigned.push((Subtree::of_path(path), member));
        self
    }

    /// Adds one household, wherever it lies (emergency access to one record).
    pub fn with_household(mut self, household: uuid::Uuid) -> Scope {
        self.households.push(household);
        self
    }

    /// Whether this household was admitted on its own (by emergency access).
    /// The counties this scope reaches, as far as its paths tell: the county code of each of
    /// its subtrees at county level or below, and the subtrees above a county (a city, a
    /// province, everything), whose counties only the place table knows. A scope admitting
    /// households one by one (emergency access) may reach any county: the whole tree is among
    /// the subtrees above. Tables keyed by `(county_code, id)` are read with these bound.
    pub fn counties(&self) -> (Vec<String>, Vec<Subtree>) {
        let mut counties = Vec::new();
        let mut above = Vec::new();
        let paths = self
            .subtrees
            .iter()
            .chain(self.assigned.iter().map(|(s, _)| s));
        for s in paths {
            match county_of_path(&s.lo) {
                Some(c) => counties.push(c.to_string()),
                None => above.push(s.clone()),
            }
        }
        if !self.households.is_empty() {
            above.push(Subtree::all());
        }
        counties.sort();
        counties.dedup();
        (counties, above)
    }

    pub fn admits_household(&self, household: uuid::Uuid) -> bool {
        self.households.contains(&household)
    }

    /// Whether whole subtrees are in it (not only assigned or single households).
    pub fn has_subtrees(&self) -> bool {
        !self.subtrees.is_empty()
    }

    pub fn is_empty(&self) -> bool {
        self.subtrees.is_empty() && self.assigned.is_empty() && self.households.is_empty()
    }

    /// Whether places with this path lie inside: a whole subtree, or the unit whose households a
    /// member answers for (the place is seen, not every household in it).
    pub fn covers(&self, path: &str) -> bool {
        let inside = |s: &Subtree| path >= s.lo.as_str() && path < s.hi.as_str();
        self.subtrees.iter().any(inside) || self.assigned.iter().any(|(s, _)| inside(s))
    }

    /// Whether the whole subtree of `path` is visible, not only assigned households in it.
    pub fn covers_all(&self, path: &str) -> bool {
        self.subtrees
            .iter()
            .any(|s| path >= s.lo.as_str() && path < s.hi.as_str())
    }

    /// The subtree of `path`, when the caller may see all of it.
    pub fn narrow(&self, path: &str) -> Option<Subtree> {
        self.covers_all(path).then(|| Subtree::of_path(path))
    }

    /// The part of a subtree the scope lets one see, as a scope of its own. Subtrees are nested or
    /// disjoint, so the intersection is computed here once instead of for every row: a place that
    /// lies inside the scope keeps its own range and costs the query nothing more.
    pub fn within(&self, place: &Subtree) -> Scope {
        let mut subtrees = Vec::new();
        for s in &self.subtrees {
            if place.lo >= s.lo && place.hi <= s.hi {
                return Scope {
                    subtrees: vec![place.clone()],
                    ..Scope::default()
                };
            }
            if s.lo >= place.lo && s.hi <= place.hi {
                subtrees.push(s.clone());
            }
        }
        let mut assigned = Vec::new();
        for (s, m) in &self.assigned {
            if place.lo >= s.lo && place.hi <= s.hi {
                assigned.push((place.clone(), *m));
            } else if s.lo >= place.lo && s.hi <= place.hi {
                assigned.push((s.clone(), *m));
            }
        }
        // Households admitted one by one (emergency access) are read by id, never listed.
        Scope {
            subtrees,
            assigned,
            households: Vec::new(),
        }
    }

    /// Appends ` AND (col >= lo AND col < hi OR …)` to a query over rows of a whole subtree; an
    /// empty scope matches nothing, and so do assigned households (they need
    /// [`Scope::push_household_filter`]).
    pub fn push_filter<DB: sqlx::Database>(&self, q: &mut sqlx::QueryBuilder<DB>, column: &str)
    where
        for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    {
        if self.subtrees.is_empty() {
            q.push(" AND 1 = 0");
            return;
        }
        q.push(" AND (");
        self.push_ranges(q, column);
        q.push(")");
    }

    /// The same for rows that belong to a household (`county_col`, `household_col` name it): a
    /// member's assigned households are matched through her current assignments.
    pub fn push_household_filter<DB: sqlx::Database>(
        &self,
        q: &mut sqlx::QueryBuilder<DB>,
        path_col: &'static str,
        county_col: &'static str,
        household_col: &'static str,
    ) where
        for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
        for<'t> uuid::Uuid: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    {
        if self.is_empty() {
            q.push(" AND 1 = 0");
            return;
        }
        q.push(" AND (");
        self.push_ranges(q, path_col);
        for (i, h) in self.households.iter().enumerate() {
            if i > 0 || !self.subtrees.is_empty() {
                q.push(" OR ");
            }
            q.push(household_col).push(" = ").push_bind(*h);
        }
        let before = !self.subtrees.is_empty() || !self.households.is_empty();
        for (i, (s, m)) in self.assigned.iter().enumerate() {
            if i > 0 || before {
                q.push(" OR ");
            }
            push_range_and(q, path_col, s);
            q.push("EXISTS (SELECT 1 FROM assignment sa WHERE sa.county_code = ")
                .push(county_col)
                .push(" AND sa.household_id = ")
                .push(household_col)
                .push(" AND sa.ended_on IS NULL AND sa.member_id = ")
                .push_bind(*m)
                .push("))");
        }
        q.push(")");
    }

    /// The households this scope admits one by one (a member's current assignments, emergency
    /// access), as the pseudonyms a table keeps of its households (`pseudonym` computes them:
    /// storage holds no key). For [`Scope::push_household_ref_filter`].
    pub async fn household_refs(
        &self,
        db: &crate::Db,
        pseudonym: &(dyn Fn(&uuid::Uuid) -> String + Sync),
    ) -> Result<HouseholdRefs, crate::StorageError> {
        let mut assigned = Vec::with_capacity(self.assigned.len());
        for (s, m) in &self.assigned {
            let member = *m;
            let ids: Vec<uuid::Uuid> = crate::db_run!(db, p => sqlx::query_scalar(
                "SELECT household_id FROM assignment WHERE member_id = $1 AND ended_on IS NULL \
                 AND household_id IS NOT NULL")
                .bind(member).fetch_all(p).await)?;
            assigned.push((s.clone(), ids.iter().map(pseudonym).collect()));
        }
        Ok(HouseholdRefs {
            assigned,
            single: self.households.iter().map(pseudonym).collect(),
        })
    }

    /// [`Scope::push_household_filter`] for rows that keep a pseudonym of their household
    /// (`ref_col`) instead of its id: whole subtrees by path, single and assigned households by
    /// their pseudonyms, computed beforehand by [`Scope::household_refs`].
    pub fn push_household_ref_filter<DB: sqlx::Database>(
        &self,
        q: &mut sqlx::QueryBuilder<DB>,
        path_col: &'static str,
        ref_col: &'static str,
        refs: &HouseholdRefs,
    ) where
        for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    {
        if self.is_empty() {
            q.push(" AND 1 = 0");
            return;
        }
        q.push(" AND (");
        self.push_ranges(q, path_col);
        let mut before = !self.subtrees.is_empty();
        let push_in = |q: &mut sqlx::QueryBuilder<DB>, list: &[String]| {
            q.push(ref_col).push(" IN (");
            let mut sep = q.separated(", ");
            for r in list {
                sep.push_bind(r.clone());
            }
            q.push(")");
        };
        if !refs.single.is_empty() {
            if before {
                q.push(" OR ");
            }
            push_in(q, &refs.single);
            before = true;
        }
        for (s, list) in &refs.assigned {
            if list.is_empty() {
                continue;
            }
            if before {
                q.push(" OR ");
            }
            push_range_and(q, path_col, s);
            push_in(q, list);
            q.push(")");
            before = true;
        }
        if !before {
            q.push("1 = 0");
        }
        q.push(")");
    }

    fn push_ranges<DB: sqlx::Database>(&self, q: &mut sqlx::QueryBuilder<DB>, column: &str)
    where
        for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    {
        for (i, s) in self.subtrees.iter().enumerate() {
            if i > 0 {
                q.push(" OR ");
            }
            q.push("(")
                .push(column)
                .push(" >= ")
                .push_bind(s.lo.clone());
            q.push(" AND ")
                .push(column)
                .push(" < ")
                .push_bind(s.hi.clone())
                .push(")");
        }
    }
}

/// `(col >= lo AND col < hi AND ` — the caller adds the last term and the `)`.
/// The county code in a materialized path (its third segment), when the path is at county
/// level or below.
pub fn county_of_path(path: &str) -> Option<&str> {
    path.split('/').nth(2).filter(|c| c.len() == 6)
}

fn push_range_and<DB: sqlx::Database>(q: &mut sqlx::QueryBuilder<DB>, column: &str, s: &Subtree)
where
    for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    q.push("(")
        .push(column)
        .push(" >= ")
        .push_bind(s.lo.clone());
    q.push(" AND ")
        .push(column)
        .push(" < ")
        .push_bind(s.hi.clone());
    q.push(" AND ");
}

/// The households a [`Scope`] admits one by one, as pseudonyms (see
/// [`Scope::household_refs`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HouseholdRefs {
    assigned: Vec<(Subtree, Vec<String>)>,
    single: Vec<String>,
}

#[cfg(test)]
mod scope_tests {
    use super::*;

    #[test]
    fn fail_closed_and_narrowing() {
        assert!(!Scope::none().covers("53/"));
        let s = Scope::of_paths(["53/5301/530181/530181006/"]);
        assert!(s.covers("53/5301/530181/530181006/530181006201/"));
        assert!(!s.covers("53/5301/530181/"));
        assert!(!s.covers("53/5301/530181/530181007/"));
        assert!(s.narrow("53/5301/530181/").is_none());
        // Intersections: a place inside keeps its range; a scope inside a place is what remains.
        let town = Subtree::of_path("53/5301/530181/530181006/530181006201/");
        assert_eq!(
            s.within(&town),
            Scope {
                subtrees: vec![town.clone()],
                ..Scope::default()
            }
        );
        let county = Subtree::of_path("53/5301/530181/");
        assert_eq!(s.within(&county), s);
        assert!(s.within(&Subtree::of_path("53/5301/530102/")).is_empty());
        assert_eq!(
            Scope::operator().within(&county),
            Scope {
                subtrees: vec![county.clone()],
                ..Scope::default()
            }
        );
    }

    #[test]
    fn assigned_households_show_their_unit_not_its_subtree() {
        let member = uuid::Uuid::nil();
        let group = "53/5301/530181/530181001/530181001001/530181001001001/";
        let s = Scope::none().with_assigned(group, member);
        assert!(!s.is_empty());
        assert!(s.covers(group));
        assert!(!s.covers_all(group));
        assert!(s.narrow(group).is_none());
        let village = Subtree::of_path("53/5301/530181/530181001/530181001001/");
        assert_eq!(s.within(&village), s);
        assert!(
            s.within(&Subtree::of_path("53/5301/530181/530181002/"))
                .is_empty()
        );
        // A plain path filter never admits assigned households: it fails closed.
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new("SELECT 1 WHERE 1 = 1");
        s.push_filter(&mut q, "path");
        assert!(q.sql().as_str().ends_with("AND 1 = 0"));
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new("SELECT 1 WHERE 1 = 1");
        s.push_household_filter(&mut q, "h.path", "h.county_code", "h.id");
        assert!(q.sql().as_str().contains("sa.member_id"));
    }
}
