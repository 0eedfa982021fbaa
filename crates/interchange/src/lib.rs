#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
//! The file formats of household import and export. Pure: no database, no async.
//!
//! **The household sheet** has one row per person; the rows of a household follow each other,
//! repeating its code, resident group and address. Columns are found by their header, in
//! Chinese or English, in any order (see [`Column`]); other columns are ignored.
//!
//! | column | headers | |
//! | --- | --- | --- |
//! | household code | 户编号, 户号, `household_code` | required |
//! | resident group | 小组编码, 所属小组, 小组代码, `group_code` | required, 15-digit code |
//! | address | 家庭住址, 地址, 住址, `address` | required |
//! | name | 姓名, `name` | required |
//! | ID number | 身份证号, 公民身份号码, 身份证号码, `id_number` | required, GB 11643 |
//! | sex | 性别, `sex` | optional; agrees with the ID number |
//! | birth date | 出生日期, `birth_date` | optional; agrees with the ID number |
//! | phone | 联系电话, 手机号, 手机号码, `phone` | optional; a mobile number |
//! | relationship | 与户主关系, `relationship` | required; see [`parse_relationship`] |
//!
//! Reading: [`read_households_csv`] streams any [`std::io::Read`] in UTF-8 or GB18030;
//! [`read_households_xlsx`] reads the first sheet of a workbook. Both yield [`Row`]s: the row
//! number as a spreadsheet shows it, and a [`PersonRow`] or the [`RowError`]s of the row. The
//! fields are checked by the domain's rules ([`jinguo_domain::person::PersonInput::validate`]);
//! the rows together: the rows of a household follow each other and agree on its group and
//! address, a household has exactly one head (户主) and at most [`MAX_HOUSEHOLD_ROWS`] persons,
//! and an ID number appears once in the file. Rows come out in file order, the rows of a
//! household together once its last row has been read (so every row comes out once, with all
//! its errors); memory stays flat apart from the ID numbers and household codes seen (a whole
//! process reading 450,000 persons peaked at 36 MB).
//!
//! Writing: [`write_households_csv`] writes what the reader reads back unchanged; [`xlsx`]
//! writes workbooks of any table ([`Sheet`], [`Cell`]), [`households_sheet`] being the household
//! sheet.
//!
//! Messages: every error carries a code; [`message`] gives its reason in zh-CN or en.

mod columns;
pub mod docx;
mod encoding;
mod household;
mod message;
mod read;
mod row;
mod write;

#[cfg(test)]
mod tests;

pub use columns::Column;
pub use encoding::{SNIFF_LEN, SourceEncoding, decode};
pub use household::MAX_HOUSEHOLD_ROWS;
pub use message::{field_label, message};
pub use read::{
    ColumnSpec, Columns, CsvRows, Table, XlsxRows, read_households_csv, read_households_xlsx,
    read_table,
};
pub use row::{
    ADDRESS_MAX_CHARS, HOUSEHOLD_CODE_MAX_CHARS, PersonRow, Row, RowError, parse_date,
    parse_relationship,
};
pub use write::{
    Cell, Sheet, WriteError, append_csv_mark, households_sheet, write_households_csv,
    write_table_csv, xlsx,
};

use jinguo_domain::Lang;

/// Why a file cannot be read at all (as opposed to a refused row, a [`RowError`]).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not text in UTF-8 or GB18030 (`row`: where it was found, if past the beginning).
    #[error("file.encoding")]
    Encoding { row: Option<u64> },
    /// No header row.
    #[error("file.empty")]
    Empty,
    /// Not a CSV or XLSX file that can be read (damaged, or of another format).
    #[error("file.format")]
    Format,
    /// Required columns the header row lacks, each listed.
    #[error("column.missing")]
    MissingColumns(Vec<Column>),
    /// Two headers name the same column (the second, as written).
    #[error("column.duplicate")]
    DuplicateColumn(String),
    #[error("reading the file: {0}")]
    Io(#[source] std::io::Error),
}

impl ReadError {
    /// Machine-readable reason.
    pub fn code(&self) -> &'static str {
        match self {
            ReadError::Encoding { .. } => "file.encoding",
            ReadError::Empty => "file.empty",
            ReadError::Format => "file.format",
            ReadError::MissingColumns(_) => "column.missing",
            ReadError::DuplicateColumn(_) => "column.duplicate",
            ReadError::Io(_) => "file.io",
        }
    }

    /// The message shown to the user, in her language.
    pub fn message(&self, lang: Lang) -> String {
        let file = field_label("file", lang);
        let sep = lang.pick("：", ": ");
        match self {
            ReadError::MissingColumns(cols) => {
                let list: Vec<String> = cols
                    .iter()
                    .map(|c| match lang {
                        Lang::Zh => format!("「{}」", c.header()),
                        Lang::En => format!("\"{}\" ({})", c.field(), c.header()),
                    })
                    .collect();
                match lang {
                    Lang::Zh => format!("缺少必需的列：{}", list.join("、")),
                    Lang::En => format!("Required columns are missing: {}", list.join(", ")),
                }
            }
            ReadError::DuplicateColumn(h) => match lang {
                Lang::Zh => format!("「{h}」{}", message("column.duplicate", lang)),
                Lang::En => format!("Column \"{h}\" {}", message("column.duplicate", lang)),
            },
            ReadError::Encoding { row: Some(r) } => match lang {
                Lang::Zh => format!("第{r}行{sep}{}", message("file.encoding", lang)),
                Lang::En => format!("Row {r}{sep}{}", message("file.encoding", lang)),
            },
            ReadError::Io(e) => format!("{file}{sep}{e}"),
            other => format!("{file}{sep}{}", message(other.code(), lang)),
        }
    }

    pub(crate) fn from_csv(e: csv::Error, row: u64) -> Self {
        match e.into_kind() {
            csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
                ReadError::Encoding { row: Some(row) }
            }
            csv::ErrorKind::Io(io) => ReadError::Io(io),
            csv::ErrorKind::Utf8 { .. } => ReadError::Encoding { row: Some(row) },
            _ => ReadError::Format,
        }
    }
}
