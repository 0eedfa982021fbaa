//! The columns of the household sheet and how headers are recognised.

use crate::ReadError;

/// A column of the household sheet (one row per person).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    HouseholdCode,
    GroupCode,
    Address,
    Name,
    IdNumber,
    Sex,
    BirthDate,
    Phone,
    Relationship,
}

impl Column {
    /// Every column, in the order exports write them.
    pub const ALL: [Column; 9] = [
        Column::HouseholdCode,
        Column::GroupCode,
        Column::Address,
        Column::Name,
        Column::IdNumber,
        Column::Sex,
        Column::BirthDate,
        Column::Phone,
        Column::Relationship,
    ];

    /// The field name (as errors and the API spell it), also the English header.
    pub fn field(self) -> &'static str {
        match self {
            Column::HouseholdCode => "household_code",
            Column::GroupCode => "group_code",
            Column::Address => "address",
            Column::Name => "name",
            Column::IdNumber => "id_number",
            Column::Sex => "sex",
            Column::BirthDate => "birth_date",
            Column::Phone => "phone",
            Column::Relationship => "relationship",
        }
    }

    /// The Chinese header that exports write.
    pub fn header(self) -> &'static str {
        self.headers()[0]
    }

    /// Every Chinese header recognised for this column (besides the field name in English).
    pub fn headers(self) -> &'static [&'static str] {
        match self {
            Column::HouseholdCode => &["户编号", "户号"],
            Column::GroupCode => &["小组编码", "所属小组", "小组代码"],
            Column::Address => &["家庭住址", "地址", "住址"],
            Column::Name => &["姓名"],
            Column::IdNumber => &["身份证号", "公民身份号码", "身份证号码"],
            Column::Sex => &["性别"],
            Column::BirthDate => &["出生日期"],
            Column::Phone => &["联系电话", "手机号", "手机号码"],
            Column::Relationship => &["与户主关系"],
        }
    }

    /// Whether a file must have this column (sex and birth date come from the ID number; the
    /// phone is optional).
    pub fn required(self) -> bool {
        !matches!(self, Column::Sex | Column::BirthDate | Column::Phone)
    }

    /// The column a header names: trimmed, a trailing `*` (marking a required column) ignored,
    /// English in any case with spaces or hyphens for underscores.
    pub fn recognise(header: &str) -> Option<Column> {
        let h = header
            .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
            .trim_end_matches(['*', '＊'])
            .trim();
        let english: String = h
            .chars()
            .map(|c| match c {
                ' ' | '-' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        Self::ALL
            .into_iter()
            .find(|c| c.field() == english || c.headers().contains(&h))
    }
}

/// Where each column is in a file, and its header as written there.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    index: [Option<usize>; 9],
    written: [String; 9],
}

impl Layout {
    /// Recognises a header row; missing required columns are all reported at once.
    pub(crate) fn from_headers<'a>(
        headers: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, ReadError> {
        let mut layout = Layout {
            index: [None; 9],
            written: Default::default(),
        };
        for (i, h) in headers.into_iter().enumerate() {
            if let Some(c) = Column::recognise(h) {
                let slot = c as usize;
                if layout.index[slot].is_some() {
                    return Err(ReadError::DuplicateColumn(h.trim().to_string()));
                }
                layout.index[slot] = Some(i);
                layout.written[slot] = h.trim().trim_start_matches('\u{feff}').to_string();
            }
        }
        let missing: Vec<Column> = Column::ALL
            .into_iter()
            .filter(|c| c.required() && layout.index[*c as usize].is_none())
            .collect();
        if missing.is_empty() {
            Ok(layout)
        } else {
            Err(ReadError::MissingColumns(missing))
        }
    }

    /// The position of a column in the row, if the file has it.
    pub(crate) fn index(&self, c: Column) -> Option<usize> {
        self.index[c as usize]
    }

    /// The header of a column as the file writes it (the Chinese header if the file lacks it).
    pub(crate) fn written(&self, c: Column) -> &str {
        match self.written[c as usize].as_str() {
            "" => c.header(),
            w => w,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_either_language() {
        assert_eq!(Column::recognise(" 姓名* "), Some(Column::Name));
        assert_eq!(Column::recognise("公民身份号码"), Some(Column::IdNumber));
        assert_eq!(Column::recognise("ID Number"), Some(Column::IdNumber));
        assert_eq!(Column::recognise("group_code"), Some(Column::GroupCode));
        assert_eq!(
            Column::recognise("\u{feff}户编号"),
            Some(Column::HouseholdCode)
        );
        assert_eq!(Column::recognise("备注"), None);
    }

    #[test]
    fn every_missing_column_is_listed() {
        let e = Layout::from_headers(["姓名", "身份证号", "备注"]).err();
        match e {
            Some(ReadError::MissingColumns(m)) => assert_eq!(
                m,
                vec![
                    Column::HouseholdCode,
                    Column::GroupCode,
                    Column::Address,
                    Column::Relationship
                ]
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            Layout::from_headers(["姓名", "name"]),
            Err(ReadError::DuplicateColumn(h)) if h == "name"
        ));
    }
}
