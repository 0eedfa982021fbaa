//! Persons of a household and the rules their fields obey.

use crate::error::ValidationErrors;
use crate::phone::Mobile;
use crate::resident_id::ResidentId;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const NAME_MAX_CHARS: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

kind!(Sex);
kind!(Relationship);

impl Sex {
    pub const ALL: [Sex; 2] = [Sex::Male, Sex::Female];

    pub fn key(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
    pub fn parse(s: &str) -> Option<Sex> {
        match s.trim() {
            "male" | "m" | "M" | "男" | "1" => Some(Sex::Male),
            "female" | "f" | "F" | "女" | "2" => Some(Sex::Female),
            _ => None,
        }
    }
    pub fn label(self, lang: crate::Lang) -> &'static str {
        match self {
            Sex::Male => lang.pick("男", "male"),
            Sex::Female => lang.pick("女", "female"),
        }
    }
}

/// Relationship to the head of household (与户主关系).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    Head,
    Spouse,
    Child,
    Parent,
    Grandchild,
    Grandparent,
    Sibling,
    ChildInLaw,
    Other,
}

impl Relationship {
    pub const ALL: [Relationship; 9] = [
        Relationship::Head,
        Relationship::Spouse,
        Relationship::Child,
        Relationship::Parent,
        Relationship::Grandchild,
        Relationship::Grandparent,
        Relationship::Sibling,
        Relationship::ChildInLaw,
        Relationship::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Relationship::Head => "head",
            Relationship::Spouse => "spouse",
            Relationship::Child => "child",
            Relationship::Parent => "parent",
            Relationship::Grandchild => "grandchild",
            Relationship::Grandparent => "grandparent",
            Relationship::Sibling => "sibling",
            Relationship::ChildInLaw => "child_in_law",
            Relationship::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Relationship> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|r| r.key() == s || r.label(crate::Lang::Zh) == s)
    }

    pub fn label(self, lang: crate::Lang) -> &'static str {
        let (zh, en) = match self {
            Relationship::Head => ("户主", "head of household"),
            Relationship::Spouse => ("配偶", "spouse"),
            Relationship::Child => ("子女", "child"),
            Relationship::Parent => ("父母", "parent"),
            Relationship::Grandchild => ("孙子女", "grandchild"),
            Relationship::Grandparent => ("祖父母", "grandparent"),
            Relationship::Sibling => ("兄弟姐妹", "sibling"),
            Relationship::ChildInLaw => ("儿媳/女婿", "child-in-law"),
            Relationship::Other => ("其他", "other"),
        };
        lang.pick(zh, en)
    }
}

/// A person's fields as a form or an API call delivers them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PersonInput {
    pub name: String,
    pub sex: String,
    pub birth_date: String,
    pub id_number: String,
    #[serde(default)]
    pub phone: String,
    pub relationship: String,
}

/// A person whose every field has been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPerson {
    pub name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub id_number: ResidentId,
    pub phone: Option<Mobile>,
    pub relationship: Relationship,
}

impl PersonInput {
    /// Checks every field and their consistency (sex and birth date against the ID number).
    /// All refused fields are reported at once.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidPerson, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let name = self.name.trim();
        if name.is_empty() {
            errs.push("name", "required");
        } else if name.chars().count() > NAME_MAX_CHARS {
            errs.push("name", "too_long");
        }
        let sex = match self.sex.trim() {
            "" => {
                errs.push("sex", "required");
                None
            }
            s => {
                let v = Sex::parse(s);
                if v.is_none() {
                    errs.push("sex", "sex.unknown");
                }
                v
            }
        };
        let birth = match self.birth_date.trim() {
            "" => {
                errs.push("birth_date", "required");
                None
            }
            s => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) if d > today => {
                    errs.push("birth_date", "birth_date.future");
                    None
                }
                Ok(d) => crate::screening::in_range(&mut errs, "birth_date", d),
                Err(_) => {
                    errs.push("birth_date", "birth_date.format");
                    None
                }
            },
        };
        let id = errs.check(ResidentId::parse(&self.id_number, today));
        let phone = if self.phone.trim().is_empty() {
            None
        } else {
            errs.check(Mobile::parse(&self.phone))
        };
        let relationship = match self.relationship.trim() {
            "" => {
                errs.push("relationship", "required");
                None
            }
            s => {
                let r = Relationship::parse(s);
                if r.is_none() {
                    errs.push("relationship", "relationship.unknown");
                }
                r
            }
        };
        if let Some(id) = &id {
            if let Some(sex) = sex
                && id.sex() != sex
            {
                errs.push("id_number", "id_number.sex_mismatch");
            }
            if let Some(b) = birth
                && id.birth_date() != b
            {
                errs.push("id_number", "id_number.birth_mismatch");
            }
        }
        match (sex, birth, id, relationship) {
            (Some(sex), Some(birth_date), Some(id_number), Some(relationship))
                if errs.is_empty() =>
            {
                Ok(ValidPerson {
                    name: name.to_string(),
                    sex,
                    birth_date,
                    id_number,
                    phone,
                    relationship,
                })
            }
            _ => Err(errs),
        }
    }
}

/// Compound surnames (复姓) still in use; a name starting with one of these has a two-character
/// surname. Every other Chinese name has a one-character surname.
pub const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "澹台", "公冶", "申屠", "太史", "端木", "钟离", "独孤", "南宫", "西门",
    "万俟", "闻人", "赫连", "呼延", "东郭", "百里", "第五", "左丘", "谷梁", "拓跋",
];

/// A name as it is compared for search: without any white space (a full-width space included).
pub fn normalize_name(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A normalised name's surname and given name: a compound surname of [`COMPOUND_SURNAMES`], else
/// the first character. A name written with a middle dot (a transliterated name such as
/// 阿依古丽·买买提) has no surname in this sense: the whole name is the given name.
pub fn split_name(name: &str) -> (&str, &str) {
    if name.contains(['·', '•', '.']) {
        return ("", name);
    }
    if let Some(s) = COMPOUND_SURNAMES.iter().find(|s| name.starts_with(**s))
        && name.len() > s.len()
    {
        return name.split_at(s.len());
    }
    match name.char_indices().nth(1) {
        Some((at, _)) => name.split_at(at),
        None => ("", name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_surname_and_given_name() {
        assert_eq!(split_name("张小芳"), ("张", "小芳"));
        assert_eq!(split_name("欧阳娜娜"), ("欧阳", "娜娜"));
        assert_eq!(split_name("司马光"), ("司马", "光"));
        assert_eq!(split_name("欧阳"), ("欧", "阳"));
        assert_eq!(split_name("阿依古丽·买买提"), ("", "阿依古丽·买买提"));
        assert_eq!(split_name("王"), ("", "王"));
        assert_eq!(normalize_name(" 欧阳\u{3000}娜娜 "), "欧阳娜娜");
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default()
    }

    fn input() -> PersonInput {
        PersonInput {
            name: "张小芳".into(),
            sex: "female".into(),
            birth_date: "1949-12-31".into(),
            id_number: "11010519491231002X".into(),
            phone: "13812345678".into(),
            relationship: "户主".into(),
        }
    }

    #[test]
    fn a_consistent_person_is_accepted() {
        let p = input()
            .validate(today())
            .unwrap_or_else(|e| unreachable!("{e:?}"));
        assert_eq!(p.relationship, Relationship::Head);
        assert_eq!(p.sex, Sex::Female);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = PersonInput {
            name: " ".into(),
            sex: "x".into(),
            birth_date: "2030-01-01".into(),
            id_number: "110105194912310021".into(),
            phone: "123".into(),
            relationship: "boss".into(),
        };
        let errs = bad.validate(today()).err().unwrap_or_default();
        let fields: Vec<(&str, &str)> = errs.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            vec![
                ("name", "required"),
                ("sex", "sex.unknown"),
                ("birth_date", "birth_date.future"),
                ("id_number", "id_number.checksum"),
                ("phone", "phone.format"),
                ("relationship", "relationship.unknown"),
            ]
        );
    }

    #[test]
    fn sex_and_birth_date_must_match_the_id() {
        let mut p = input();
        p.sex = "男".into();
        p.birth_date = "1950-01-01".into();
        let errs = p.validate(today()).err().unwrap_or_default();
        let codes: Vec<&str> = errs.0.iter().map(|e| e.code).collect();
        assert_eq!(
            codes,
            vec!["id_number.sex_mismatch", "id_number.birth_mismatch"]
        );
        let msg = errs.0[0].message(crate::Lang::Zh);
        assert!(msg.starts_with("公民身份号码："), "{msg}");
        let msg = errs.0[0].message(crate::Lang::En);
        assert!(msg.starts_with("Resident ID number: "), "{msg}");
    }
}
