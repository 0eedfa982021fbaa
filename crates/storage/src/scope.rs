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

/// What a caller may see: a union of subtrees. Empty means nothing (fail closed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    subtrees: Vec<Subtree>,
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
        }
    }

    pub fn of_paths<'a>(paths: impl IntoIterator<Item = &'a str>) -> Scope {
        Scope {
            subtrees: paths.into_iter().map(Subtree::of_path).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.subtrees.is_empty()
    }

    /// Whether a row with this path lies inside.
    pub fn covers(&self, path: &str) -> bool {
        self.subtrees
            .iter()
            .any(|s| path >= s.lo.as_str() && path < s.hi.as_str())
    }

    /// The subtree of `path`, when the caller may see all of it.
    pub fn narrow(&self, path: &str) -> Option<Subtree> {
        self.covers(path).then(|| Subtree::of_path(path))
    }

    /// The part of a subtree the scope lets one see, as a scope of its own. Subtrees are nested or
    /// disjoint, so the intersection is computed here once instead of for every row: a place that
    /// lies inside the scope keeps its own range and costs the query nothing more.
    pub fn within(&self, place: &Subtree) -> Scope {
        let mut subtrees = Vec::new();
        for s in &self.subtrees {
            if place.lo >= s.lo && place.hi <= s.hi {
                subtrees = vec![place.clone()];
                break;
            }
            if s.lo >= place.lo && s.hi <= place.hi {
                subtrees.push(s.clone());
            }
        }
        Scope { subtrees }
    }

    /// Appends ` AND (col >= lo AND col < hi OR …)` to a query; an empty scope matches nothing.
    pub fn push_filter<DB: sqlx::Database>(
        &self,
        q: &mut sqlx::QueryBuilder<DB>,
        column: &'static str,
    ) where
        for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    {
        if self.subtrees.is_empty() {
            q.push(" AND 1 = 0");
            return;
        }
        q.push(" AND (");
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
        q.push(")");
    }
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
                subtrees: vec![town.clone()]
            }
        );
        let county = Subtree::of_path("53/5301/530181/");
        assert_eq!(s.within(&county), s);
        assert!(s.within(&Subtree::of_path("53/5301/530102/")).is_empty());
        assert_eq!(
            Scope::operator().within(&county),
            Scope {
                subtrees: vec![county]
            }
        );
    }
}
