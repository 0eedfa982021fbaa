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
