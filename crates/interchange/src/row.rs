//! One row of the household sheet: one person, with the household she belongs to.
//! The person's fields are checked by the domain's own rules ([`PersonInput::validate`]); this
//! module only brings the cells to the form those rules expect.

use crate::columns::{Column, Layout};
use crate::message::{field_label, message};
use chrono::NaiveDate;
use jinguo_domain::Lang;
use jinguo_domain::person::{PersonInput, Relationship, Sex};
use jinguo_domain::phone::Mobile;
use jinguo_domain::place::{PlaceCode, PlaceLevel};
use jinguo_domain::resident_id::ResidentId;
use std::borrow::Cow;

/// Longest household code accepted, in characters.
pub const HOUSEHOLD_CODE_MAX_CHARS: usize = 32;
/// Longest address accepted, in characters.
pub const ADDRESS_MAX_CHARS: usize = 200;

/// One person of the household sheet, every field checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    /// The household's code as the file gives it (rows with the same code follow each other).
    pub household_code: String,
    /// The resident group (村（居）民小组) of the household: a 15-digit place code.
    pub group_code: PlaceCode,
    pub address: String,
    pub name: String,
    pub id_number: ResidentId,
    /// From the sex column if the file has one (it then agrees with the ID number), else from
    /// the ID number.
    pub sex: Sex,
    /// Likewise from the birth date column or the ID number.
    pub birth_date: NaiveDate,
    pub phone: Option<Mobile>,
    pub relationship: Relationship,
}

/// One refused cell (or row) of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The row as a spreadsheet numbers it: the header is row 1.
    pub row: u64,
    /// The column's header as written in the file.
    pub column: String,
    /// The field concerned (`id_number`, `group_code` …).
    pub field: String,
    /// Machine-readable reason; see [`crate::message`].
    pub code: &'static str,
    /// The other row involved, for a conflict between rows (the first row with the same ID
    /// number, the household's first row or its first head).
    pub other_row: Option<u64>,
}

impl RowError {
    pub(crate) fn new(row: u64, layout: &Layout, column: Column, code: &'static str) -> Self {
        Self {
            row,
            column: layout.written(column).to_string(),
            field: column.field().to_string(),
            code,
            other_row: None,
        }
    }

    pub(crate) fn with_other_row(mut self, other: u64) -> Self {
        self.other_row = Some(other);
        self
    }

    /// The message shown to the user, e.g. `第7行「身份证号」：校验码不正确，请核对`.
    pub fn message(&self, lang: Lang) -> String {
        let reason = message(self.code, lang);
        let column = if self.column.is_empty() {
            field_label(&self.field, lang).to_string()
        } else {
            self.column.clone()
        };
        match (lang, self.other_row) {
            (Lang::Zh, None) => format!("第{}行「{column}」：{reason}", self.row),
            (Lang::Zh, Some(o)) => format!("第{}行「{column}」：{reason}（见第{o}行）", self.row),
            (Lang::En, None) => format!("Row {}, column \"{column}\": {reason}", self.row),
            (Lang::En, Some(o)) => {
                format!(
                    "Row {}, column \"{column}\": {reason} (see row {o})",
                    self.row
                )
            }
        }
    }
}

/// One row read from a file: its number as a spreadsheet shows it (the header is row 1), the
/// household code it gives (trimmed, possibly empty), and the person or what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub number: u64,
    pub household_code: String,
    pub result: Result<PersonRow, Vec<RowError>>,
}

impl Row {
    pub(crate) fn refuse(&mut self, e: RowError) {
        match &mut self.result {
            Ok(_) => self.result = Err(vec![e]),
            Err(v) => v.push(e),
        }
    }
}

/// What a cell held.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    Text,
    /// A number (XLSX); the text is its plain rendering.
    Number,
    /// A date (XLSX); the text is `YYYY-MM-DD`.
    Date(NaiveDate),
}

/// A cell: its text (trimmed by the reader of the row) and what kind of value it was.
#[derive(Debug, Clone)]
pub(crate) struct Cell<'a> {
    pub text: Cow<'a, str>,
    pub kind: Kind,
}

impl<'a> Cell<'a> {
    pub(crate) fn text(s: &'a str) -> Self {
        Cell {
            text: Cow::Borrowed(s),
            kind: Kind::Text,
        }
    }
    pub(crate) fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// What the checks across rows need from a row, whatever else is wrong with it.
pub(crate) struct Parsed {
    pub row: Row,
    pub group: String,
    pub address: String,
    pub id: Option<ResidentId>,
    pub relationship: Option<Relationship>,
}

/// Relationship to the head as files write it: the domain's keys and labels, the common
/// Chinese words for each (子, 女, 父亲 …) and the English keys or labels in any case.
pub fn parse_relationship(s: &str) -> Option<Relationship> {
    use Relationship::*;
    let s = s.trim();
    let r = match s {
        "户主" => Head,
        "配偶" | "妻" | "妻子" | "夫" | "丈夫" => Spouse,
        "子女" | "子" | "女" | "儿子" | "女儿" | "长子" | "次子" | "三子" | "长女" | "次女"
        | "三女" | "养子" | "养女" | "继子" | "继女" => Child,
        "父母" | "父亲" | "母亲" | "父" | "母" => Parent,
        "孙子女" | "孙子" | "孙女" | "外孙子女" | "外孙子" | "外孙女" => {
            Grandchild
        }
        "祖父母" | "祖父" | "祖母" | "外祖父母" | "外祖父" | "外祖母" => {
            Grandparent
        }
        "兄弟姐妹" | "兄" | "弟" | "姐" | "妹" | "哥哥" | "弟弟" | "姐姐" | "妹妹" => {
            Sibling
        }
        "儿媳/女婿" | "儿媳" | "女婿" => ChildInLaw,
        "其他" | "其它" => Other,
        _ => {
            let lower = s.to_ascii_lowercase();
            return Relationship::parse(&lower).or_else(|| {
                Relationship::ALL
                    .into_iter()
                    .find(|r| r.label(Lang::En) == lower)
            });
        }
    };
    Some(r)
}

/// A date as spreadsheets write it: `1985-06-01`, `1985/6/1`, `1985.6.1`, `19850601`,
/// `1985年6月1日`, optionally followed by a time.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let s = s.split([' ', 'T']).next().unwrap_or(s);
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(s, "%Y%m%d").ok();
    }
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"]
        .into_iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
}

/// Checks one row's cells. `cell(c)` is the cell of column `c` (blank if the file lacks it).
pub(crate) fn parse_row<'a>(
    number: u64,
    layout: &Layout,
    today: NaiveDate,
    cell: impl Fn(Column) -> Cell<'a>,
) -> Parsed {
    let mut errors = Vec::new();
    let err = |c: Column, code: &'static str| RowError::new(number, layout, c, code);

    // The household.
    let household = cell(Column::HouseholdCode);
    let household_code = household.text.trim().to_string();
    if household_code.is_empty() {
        errors.push(err(Column::HouseholdCode, "required"));
    } else if household.kind == Kind::Number && household_code.len() > 15 {
        errors.push(err(Column::HouseholdCode, "cell.as_number"));
    } else if household_code.chars().count() > HOUSEHOLD_CODE_MAX_CHARS {
        errors.push(err(Column::HouseholdCode, "too_long"));
    }
    let group = cell(Column::GroupCode).text.trim().to_string();
    let group_code = if group.is_empty() {
        errors.push(err(Column::GroupCode, "required"));
        None
    } else {
        match PlaceCode::parse(&group) {
            Ok(c) if c.level() == PlaceLevel::Group => Some(c),
            _ => {
                errors.push(err(Column::GroupCode, "group_code.format"));
                None
            }
        }
    };
    let address = cell(Column::Address).text.trim().to_string();
    if address.is_empty() {
        errors.push(err(Column::Address, "required"));
    } else if address.chars().count() > ADDRESS_MAX_CHARS {
        errors.push(err(Column::Address, "too_long"));
    }

    // The person, by the domain's rules. Sex and birth date, when not given, are the ID
    // number's; the domain then finds them consistent.
    let id_cell = cell(Column::IdNumber);
    let id_as_number = id_cell.kind == Kind::Number;
    let id = if id_as_number {
        errors.push(err(Column::IdNumber, "id_number.as_number"));
        None
    } else {
        ResidentId::parse(&id_cell.text, today).ok()
    };
    let sex_cell = cell(Column::Sex);
    let sex_given = !sex_cell.is_blank();
    let sex = if sex_given {
        sex_cell.text.trim().to_string()
    } else {
        id.as_ref()
            .map(|i| i.sex().key().to_string())
            .unwrap_or_default()
    };
    let birth_cell = cell(Column::BirthDate);
    let birth_given = !birth_cell.is_blank();
    let birth_date = match birth_cell.kind {
        Kind::Date(d) => d.format("%Y-%m-%d").to_string(),
        _ if birth_given => match parse_date(&birth_cell.text) {
            Some(d) => d.format("%Y-%m-%d").to_string(),
            None => birth_cell.text.trim().to_string(),
        },
        _ => id
            .as_ref()
            .map(|i| i.birth_date().format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
    };
    let relationship_text = cell(Column::Relationship).text.trim().to_string();
    let relationship = parse_relationship(&relationship_text);
    let input = PersonInput {
        name: cell(Column::Name).text.into_owned(),
        sex,
        birth_date,
        id_number: if id_as_number {
            String::new()
        } else {
            id_cell.text.into_owned()
        },
        phone: cell(Column::Phone).text.into_owned(),
        relationship: match relationship {
            Some(r) => r.key().to_string(),
            None => relationship_text,
        },
    };
    let person = match input.validate(today) {
        Ok(p) => Some(p),
        Err(refused) => {
            for e in refused.0 {
                let column = match e.field.as_str() {
                    "name" => Column::Name,
                    "sex" => Column::Sex,
                    "birth_date" => Column::BirthDate,
                    "id_number" => Column::IdNumber,
                    "phone" => Column::Phone,
                    _ => Column::Relationship,
                };
                // Blank optional columns whose value the ID number could not give, and the
                // number already refused for being a number, say nothing more.
                let already_said = (column == Column::Sex && !sex_given && e.code == "required")
                    || (column == Column::BirthDate && !birth_given && e.code == "required")
                    || (column == Column::IdNumber && id_as_number);
                if !already_said {
                    errors.push(err(column, e.code));
                }
            }
            None
        }
    };
    let result = match (person, group_code) {
        (Some(p), Some(group_code)) if errors.is_empty() => Ok(PersonRow {
            household_code: household_code.clone(),
            group_code,
            address: address.clone(),
            name: p.name,
            id_number: p.id_number,
            sex: p.sex,
            birth_date: p.birth_date,
            phone: p.phone,
            relationship: p.relationship,
        }),
        _ => Err(errors),
    };
    Parsed {
        row: Row {
            number,
            household_code,
            result,
        },
        group,
        address,
        id,
        relationship,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relationship_words() {
        assert_eq!(parse_relationship("户主"), Some(Relationship::Head));
        assert_eq!(parse_relationship("女"), Some(Relationship::Child));
        assert_eq!(parse_relationship("母亲"), Some(Relationship::Parent));
        assert_eq!(parse_relationship("女婿"), Some(Relationship::ChildInLaw));
        assert_eq!(
            parse_relationship("儿媳/女婿"),
            Some(Relationship::ChildInLaw)
        );
        assert_eq!(parse_relationship("Spouse"), Some(Relationship::Spouse));
        assert_eq!(
            parse_relationship("child_in_law"),
            Some(Relationship::ChildInLaw)
        );
        assert_eq!(
            parse_relationship("head of household"),
            Some(Relationship::Head)
        );
        assert_eq!(parse_relationship("老板"), None);
    }

    #[test]
    fn date_writings() {
        let d = NaiveDate::from_ymd_opt(1985, 6, 1);
        for s in [
            "1985-06-01",
            "1985/6/1",
            "1985.06.01",
            "19850601",
            "1985年6月1日",
            "1985-06-01 00:00:00",
        ] {
            assert_eq!(parse_date(s), d, "{s}");
        }
        assert_eq!(parse_date("1985-02-30"), None);
        assert_eq!(parse_date("June 1985"), None);
    }

    #[test]
    fn messages_name_row_and_column() {
        let e = RowError {
            row: 7,
            column: "身份证号".into(),
            field: "id_number".into(),
            code: "id_number.checksum",
            other_row: None,
        };
        assert_eq!(
            e.message(Lang::Zh),
            "第7行「身份证号」：校验码不正确，请核对"
        );
        let e = RowError {
            other_row: Some(3),
            code: "id_number.duplicate_in_file",
            ..e
        };
        assert_eq!(
            e.message(Lang::En),
            "Row 7, column \"身份证号\": appears twice in this file (see row 3)"
        );
    }
}
