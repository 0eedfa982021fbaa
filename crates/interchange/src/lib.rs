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

pub mod archive;
mod columns;
pub mod docx;
mod encoding;
mod household;
mod message;
pub mod pdf;
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
    ColumnSpec, Columns, CsvRows, MAX_CELL_BYTES, MAX_TABLE_ROWS, Table, XlsxRows, is_mark,
    read_households_csv, read_households_xlsx, read_table, stream_households_xlsx,
};
pub use row::{
    ADDRESS_MAX_CHARS, HOUSEHOLD_CODE_MAX_CHARS, PersonRow, Row, RowError, parse_date,
    parse_relationship,
};
pub use write::{
    Cell, Sheet, WriteError, append_csv_mark, formula_safe, households_sheet, write_households_csv,
    write_table_csv, xlsx,
};

use jinguo_domain::Lang;

/// A number of bytes as people read it: `64 MB`, `512 KB`.
fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KB", bytes >> 10)
    } else {
        format!("{bytes} B")
    }
}

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
    /// Larger than an import takes (`limit`: bytes).
    #[error("file.too_large")]
    TooLarge { limit: u64 },
    /// More rows than an import takes (`limit`: rows after the header).
    #[error("file.too_many_rows")]
    TooManyRows { limit: u64 },
    /// A workbook whose parts are too many (`file.zip_parts`) or expand too much
    /// (`file.zip_bomb`); see [`archive`].
    #[error("{0}")]
    Archive(&'static str),
    /// A cell larger than [`MAX_CELL_BYTES`] in a table read whole (a household sheet refuses
    /// the row instead, with the same code).
    #[error("cell.too_large")]
    CellTooLarge { row: u64, column: String },
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
            ReadError::TooLarge { .. } => "file.too_large",
            ReadError::TooManyRows { .. } => "file.too_many_rows",
            ReadError::Archive(code) => code,
            ReadError::CellTooLarge { .. } => "cell.too_large",
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
            ReadError::TooLarge { limit } => match lang {
                Lang::Zh => format!(
                    "{file}{sep}超过导入上限 {}，请分成几个文件导入",
                    size(*limit)
                ),
                Lang::En => format!(
                    "{file}{sep}is larger than an import takes ({}); split it into several files",
                    size(*limit)
                ),
            },
            ReadError::TooManyRows { limit } => match lang {
                Lang::Zh => format!("{file}{sep}超过导入上限 {limit} 行，请分成几个文件导入"),
                Lang::En => format!(
                    "{file}{sep}has more than {limit} rows, the most an import takes; split it into several files"
                ),
            },
            ReadError::CellTooLarge { row, column } => RowError {
                row: *row,
                column: column.clone(),
                field: "cell".into(),
                code: "cell.too_large",
                other_row: None,
            }
            .message(lang),
            ReadError::Io(e) => format!("{file}{sep}{e}"),
            other => format!("{file}{sep}{}", message(other.code(), lang)),
        }
    }

    /// The row concerned, if the problem lies in one.
    pub fn row(&self) -> Option<u64> {
        match self {
            ReadError::Encoding { row } => *row,
            ReadError::CellTooLarge { row, .. } => Some(*row),
            _ => None,
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
