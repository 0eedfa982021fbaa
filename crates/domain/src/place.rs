//! Places (区划): official statistical division codes down to the village, and resident groups
//! below them with codes the project defines (village code + 3 digits).
//!
//! Every place has a materialized path of its ancestors' codes, e.g.
//! `53/5301/530181/530181006/530181006201/530181006201001/`; a subtree is `path LIKE prefix || '%'`.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceLevel {
    Province = 1,
    Prefecture = 2,
    County = 3,
    Township = 4,
    Village = 5,
    Group = 6,
}

impl PlaceLevel {
    pub const ALL: [PlaceLevel; 6] = [
        PlaceLevel::Province,
        PlaceLevel::Prefecture,
        PlaceLevel::County,
        PlaceLevel::Township,
        PlaceLevel::Village,
        PlaceLevel::Group,
    ];

    pub fn from_i16(n: i16) -> Option<Self> {
        Self::ALL
            .get(usize::try_from(n).ok()?.checked_sub(1)?)
            .copied()
    }

    pub fn as_i16(self) -> i16 {
        self as i16
    }

    /// How many digits a code of this level has.
    pub fn code_len(self) -> usize {
        match self {
            PlaceLevel::Province => 2,
            PlaceLevel::Prefecture => 4,
            PlaceLevel::County => 6,
            PlaceLevel::Township => 9,
            PlaceLevel::Village => 12,
            PlaceLevel::Group => 15,
        }
    }

    pub fn from_code_len(len: usize) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code_len() == len)
    }

    pub fn child(self) -> Option<Self> {
        Self::from_i16(self.as_i16() + 1)
    }

    pub fn key(self) -> &'static str {
        match self {
            PlaceLevel::Province => "province",
            PlaceLevel::Prefecture => "prefecture",
            PlaceLevel::County => "county",
            PlaceLevel::Township => "township",
            PlaceLevel::Village => "village",
            PlaceLevel::Group => "group",
        }
    }

    /// The level's name in the UI.
    pub fn label(self, lang: crate::Lang) -> &'static str {
        let (zh, en) = match self {
            PlaceLevel::Province => ("省", "province"),
            PlaceLevel::Prefecture => ("市（州）", "prefecture"),
            PlaceLevel::County => ("县（市、区）", "county"),
            PlaceLevel::Township => ("乡镇（街道）", "township / subdistrict"),
            PlaceLevel::Village => ("村（社区）", "village / community"),
            PlaceLevel::Group => ("村（居）民小组", "resident group"),
        };
        match lang {
            crate::Lang::Zh => zh,
            crate::Lang::En => en,
        }
    }
}

/// A place code whose length tells its level.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlaceCode(String);

impl PlaceCode {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(FieldError::new("code", "required"));
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) || PlaceLevel::from_code_len(s.len()).is_none() {
            return Err(FieldError::new("code", "code.format"));
        }
        // No province is numbered 00 (GB/T 2260), so neither is anything below one; lower
        // segments may be zero (441900 is Dongguan, 350527000 a township of Jinmen).
        if s.starts_with("00") {
            return Err(FieldError::new("code", "code.format"));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> PlaceLevel {
        PlaceLevel::from_code_len(self.0.len()).unwrap_or(PlaceLevel::Group)
    }

    /// The code one level up, if any.
    pub fn parent(&self) -> Option<PlaceCode> {
        let lvl = self.level();
        let up = PlaceLevel::from_i16(lvl.as_i16() - 1)?;
        Some(PlaceCode(self.0[..up.code_len()].to_string()))
    }

    /// The county code (first 6 digits) for places at county level and below; the distribution
    /// key of every large table.
    pub fn county(&self) -> Option<&str> {
        (self.0.len() >= 6).then(|| &self.0[..6])
    }

    /// The materialized path: every ancestor's code and its own, each followed by `/`.
    pub fn path(&self) -> String {
        let mut out = String::with_capacity(64);
        for lvl in PlaceLevel::ALL {
            if lvl.code_len() > self.0.len() {
                break;
            }
            out.push_str(&self.0[..lvl.code_len()]);
            out.push('/');
        }
        out
    }

    /// A resident group's code: its village code followed by a 3-digit number.
    pub fn group(village: &PlaceCode, number: u16) -> Option<PlaceCode> {
        (village.level() == PlaceLevel::Village && (1..=999).contains(&number))
            .then(|| PlaceCode(format!("{}{:03}", village.0, number)))
    }
}

impl TryFrom<String> for PlaceCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PlaceCode::parse(&s).map_err(|e| e.code.to_string())
    }
}

impl From<PlaceCode> for String {
    fn from(c: PlaceCode) -> String {
        c.0
    }
}

impl std::fmt::Display for PlaceCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_paths_and_parents() {
        let g = PlaceCode::parse("530181006201001").unwrap_or_else(|e| unreachable!("{e:?}"));
        assert_eq!(g.level(), PlaceLevel::Group);
        assert_eq!(
            g.path(),
            "53/5301/530181/530181006/530181006201/530181006201001/"
        );
        assert_eq!(g.parent().map(|p| p.0), Some("530181006201".to_string()));
        assert_eq!(g.county(), Some("530181"));
        let p = PlaceCode::parse("53").unwrap_or_else(|e| unreachable!("{e:?}"));
        assert_eq!(p.parent(), None);
        assert_eq!(p.county(), None);
        assert_eq!(p.path(), "53/");
    }

    #[test]
    fn refuses_bad_codes() {
        for bad in [
            "",
            "5",
            "530",
            "53018100",
            "5301810062011",
            "53018a",
            "000000",
            "000001",
            "00",
        ] {
            assert!(PlaceCode::parse(bad).is_err(), "{bad}");
        }
        // Zero segments below a province are real codes.
        for good in ["441900", "350527000", "350527000000"] {
            let code = PlaceCode::parse(good).unwrap();
            assert!(
                code.parent()
                    .is_some_and(|p| PlaceCode::parse(p.as_str()).is_ok())
            );
        }
    }

    #[test]
    fn group_codes() {
        let v = PlaceCode::parse("530181006201").unwrap_or_else(|e| unreachable!("{e:?}"));
        assert_eq!(
            PlaceCode::group(&v, 7).map(|c| c.0),
            Some("530181006201007".into())
        );
        assert_eq!(PlaceCode::group(&v, 0), None);
        let t = PlaceCode::parse("530181006").unwrap_or_else(|e| unreachable!("{e:?}"));
        assert_eq!(PlaceCode::group(&t, 1), None);
    }
}
