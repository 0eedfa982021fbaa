//! Writing: the household sheet as CSV, and small XLSX workbooks of any table.

use crate::columns::Column;
use crate::row::PersonRow;
use chrono::{Datelike, NaiveDate};
use jinguo_domain::Lang;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use std::io::Write;

/// Why a file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing XLSX: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// The cells of one person, in the order of [`Column::ALL`].
fn person_cells(p: &PersonRow) -> [Cell; 9] {
    [
        Cell::Text(p.household_code.clone()),
        Cell::Text(p.group_code.as_str().to_string()),
        Cell::Text(p.address.clone()),
        Cell::Text(p.name.clone()),
        Cell::Text(p.id_number.as_str().to_string()),
        Cell::Text(p.sex.label(Lang::Zh).to_string()),
        Cell::Date(p.birth_date),
        match &p.phone {
            Some(m) => Cell::Text(m.as_str().to_string()),
            None => Cell::Empty,
        },
        Cell::Text(p.relationship.label(Lang::Zh).to_string()),
    ]
}

/// Writes the household sheet as CSV: UTF-8 with a byte order mark (so that Excel opens it as
/// UTF-8), the Chinese headers of [`Column::header`], one row per person; what it writes reads
/// back unchanged with [`crate::read_households_csv`].
///
/// Codes of many digits (household code, group code, ID number) are written after a tab, the
/// usual way to keep Excel from turning them into numbers, which loses digits beyond the 15th
/// and shows them as `5.30181E+14`; the reader trims it. A cell that a spreadsheet would take
/// for a formula is neutralised ([`formula_safe`]).
pub fn write_households_csv<'a, W: Write>(
    w: W,
    rows: impl IntoIterator<Item = &'a PersonRow>,
) -> Result<(), WriteError> {
    let mut w = std::io::BufWriter::new(w);
    w.write_all(b"\xEF\xBB\xBF")?;
    write_row(&mut w, Column::ALL.map(Column::header))?;
    for p in rows {
        let record = person_cells(p).map(|c| match c {
            Cell::Text(s) => s,
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => f.to_string(),
            Cell::Empty => String::new(),
        });
        write_row(&mut w, &record)?;
    }
    w.flush()?;
    Ok(())
}

/// The first characters that make a spreadsheet (Excel, WPS, LibreOffice) read a CSV cell as a
/// formula, by the OWASP guidance on CSV injection: `=`, `+`, `-`, `@`, tab, carriage return.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell's text made safe to open in a spreadsheet, as the OWASP guidance on CSV injection
/// says: a cell starting with one of `=`, `+`, `-`, `@`, tab or carriage return gets a single
/// quote in front (and is written quoted), so that `=HYPERLINK(…)` or `+cmd|…` is shown as text,
/// never run. Every other cell is left as it is. The readers take the quote off again
/// ([`crate::read_households_csv`], [`crate::read_table`]), so `+8613812345678`, `-5` or
/// `=HYPERLINK(…)` come back as written. (A value of ours that itself begins with a single quote
/// and then one of those characters reads back without its quote.)
pub fn formula_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(FORMULA_STARTS) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The text of a cell as written by [`formula_safe`]: the quote in front of a formula's first
/// character taken off.
pub(crate) fn unneutralise(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => s,
    }
}

/// Writes one row of CSV (RFC 4180, `\n` at the end): a cell is quoted when it holds a comma,
/// a quote or a line break, and when it is neutralised ([`formula_safe`]); a code of more than
/// 11 digits gets a tab in front (see [`write_households_csv`]).
fn write_row<W: Write, S: AsRef<str>>(
    w: &mut W,
    cells: impl IntoIterator<Item = S>,
) -> std::io::Result<()> {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        let text = cell.as_ref();
        let safe = formula_safe(text);
        let neutralised = matches!(safe, std::borrow::Cow::Owned(_));
        if neutralised || safe.contains([',', '"', '\n', '\r']) {
            w.write_all(b"\"")?;
            w.write_all(safe.replace('"', "\"\"").as_bytes())?;
            w.write_all(b"\"")?;
        } else {
            if text.len() > 11 && text.bytes().all(|b| b.is_ascii_digit() || b == b'X') {
                w.write_all(b"\t")?;
            }
            w.write_all(text.as_bytes())?;
        }
    }
    w.write_all(b"\n")
}

/// A cell of a sheet to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, kept as text by Excel even when it is all digits (ID numbers, codes).
    Text(String),
    /// A whole number (exact up to 2^53, like every number in a workbook).
    Int(i64),
    Float(f64),
    /// A date, shown as `yyyy-mm-dd`.
    Date(NaiveDate),
    Empty,
}

/// A sheet to write: its name (at most 31 characters, none of `[]:*?/\`), a header row and
/// rows of cells.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sheet {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// The household sheet (the layout [`crate::read_households_xlsx`] reads) of these persons.
pub fn households_sheet<'a>(
    name: impl Into<String>,
    rows: impl IntoIterator<Item = &'a PersonRow>,
) -> Sheet {
    Sheet {
        name: name.into(),
        headers: Column::ALL.map(|c| c.header().to_string()).to_vec(),
        rows: rows.into_iter().map(|p| person_cells(p).to_vec()).collect(),
    }
}

/// Writes a workbook of these sheets: each header row bold and frozen, text cells formatted as
/// text, dates as `yyyy-mm-dd`, columns fitted to their content.
pub fn xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, WriteError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut used: Vec<String> = Vec::with_capacity(sheets.len());
    for (i, sheet) in sheets.iter().enumerate() {
        let name = sheet_name(&sheet.name, i, &used);
        let ws = book.add_worksheet();
        ws.set_name(&name)?;
        used.push(name.to_lowercase());
        for (c, h) in sheet.headers.iter().enumerate() {
            ws.write_string_with_format(0, col(c)?, h, &bold)?;
        }
        ws.set_freeze_panes(1, 0)?;
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = u32::try_from(r + 1)
                .map_err(|_| rust_xlsxwriter::XlsxError::RowColumnLimitError)?;
            for (c, v) in row.iter().enumerate() {
                let c = col(c)?;
                match v {
                    Cell::Text(s) => {
                        ws.write_string_with_format(r, c, s, &text)?;
                    }
                    // Workbooks hold every number as a double.
                    #[allow(clippy::cast_precision_loss)]
                    Cell::Int(i) => {
                        ws.write_number(r, c, *i as f64)?;
                    }
                    Cell::Float(f) => {
                        ws.write_number(r, c, *f)?;
                    }
                    // A date a workbook cannot hold (before 1900, stored before dates were
                    // checked) is written as its text rather than failing the whole workbook.
                    Cell::Date(d) => match u16::try_from(d.year()).ok().and_then(|y| {
                        ExcelDateTime::from_ymd(y, d.month() as u8, d.day() as u8).ok()
                    }) {
                        Some(day) => {
                            ws.write_datetime_with_format(r, c, day, &date)?;
                        }
                        None => {
                            ws.write_string_with_format(
                                r,
                                c,
                                d.format("%Y-%m-%d").to_string(),
                                &text,
                            )?;
                        }
                    },
                    Cell::Empty => {}
                }
            }
        }
        ws.autofit();
    }
    Ok(book.save_to_buffer()?)
}

/// A sheet's name as a workbook takes it, from what a user may have typed: the characters a
/// sheet's name cannot hold (`[ ] : * ? / \`) become `_`, apostrophes at either end are dropped,
/// at most 31 characters are kept, an empty name becomes `Sheet N`, and a name already taken
/// (workbooks compare them without case) gets ` (2)`, ` (3)` … within the 31.
fn sheet_name(wanted: &str, index: usize, used: &[String]) -> String {
    const MAX: usize = 31;
    let cleaned: String = wanted
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '_',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let cleaned = cleaned.trim().trim_matches('\'').trim();
    let base: String = if cleaned.is_empty() {
        format!("Sheet {}", index + 1)
    } else {
        cleaned.chars().take(MAX).collect()
    };
    let taken = |n: &str| used.iter().any(|u| *u == n.to_lowercase());
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|k| {
            let suffix = format!(" ({k})");
            let keep = MAX.saturating_sub(suffix.chars().count());
            let head: String = base.chars().take(keep).collect();
            format!("{}{suffix}", head.trim_end())
        })
        .find(|n| !taken(n))
        .unwrap_or(base)
}

fn col(c: usize) -> Result<u16, rust_xlsxwriter::XlsxError> {
    u16::try_from(c).map_err(|_| rust_xlsxwriter::XlsxError::RowColumnLimitError)
}

/// Writes a table as CSV (UTF-8 with a byte order mark, so that Excel opens it as such); long
/// digit codes get a leading tab and formulas are neutralised, as in [`write_households_csv`].
pub fn write_table_csv<W: Write>(
    w: W,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<(), WriteError> {
    let mut w = std::io::BufWriter::new(w);
    w.write_all(b"\xEF\xBB\xBF")?;
    write_row(&mut w, headers)?;
    for r in rows {
        write_row(&mut w, &r)?;
    }
    w.flush()?;
    Ok(())
}

/// Appends the mark of an export in clear to a CSV file: one row, its only cell starting with `#`
/// (the readers skip it), saying who took the records out, when and why.
pub fn append_csv_mark(out: &mut Vec<u8>, mark: &str) -> Result<(), WriteError> {
    let text = format!("# {}", mark.replace(['\r', '\n'], " "));
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record([text.as_str()])?;
    csv.flush()?;
    let bytes = csv.into_inner().map_err(|e| e.into_error())?;
    if !out.ends_with(b"\n") && !out.is_empty() {
        out.push(b'\n');
    }
    out.extend_from_slice(&bytes);
    Ok(())
}

#[cfg(test)]
mod sheet_name_tests {
    use super::*;

    fn names_in(book: &[u8]) -> String {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(book)).unwrap();
        let mut s = String::new();
        std::io::Read::read_to_string(&mut z.by_name("xl/workbook.xml").unwrap(), &mut s).unwrap();
        s
    }

    /// A sheet is named after what a user typed (a statistical table's name): characters a
    /// workbook refuses in a sheet's name, a name too long, or two names the same, still give
    /// a workbook, with the names made fit.
    #[test]
    fn any_name_a_user_typed_makes_a_sheet() {
        let sheet = |name: &str| Sheet {
            name: name.into(),
            headers: vec!["a".into()],
            rows: vec![vec![Cell::Int(1)]],
        };
        let book = xlsx(&[
            sheet("1 =HYPERLINK(\"http://x\")"),
            sheet("2021/2022: [对比]*?\\"),
            sheet("'quoted'"),
            sheet(&"长".repeat(40)),
            sheet("同名"),
            sheet("同名"),
            sheet(""),
        ])
        .expect("a workbook");
        let names = names_in(&book);
        for bad in [":", "/", "\\", "?", "*", "[", "]"] {
            let inside: Vec<&str> = names
                .split("<sheet ")
                .skip(1)
                .filter_map(|s| s.split("name=\"").nth(1)?.split('"').next())
                .collect();
            assert!(
                inside.iter().all(|n| !n.contains(bad)),
                "{bad} in {inside:?}"
            );
        }
        assert!(names.contains(&"长".repeat(31)) && !names.contains(&"长".repeat(32)));
        assert!(
            names.contains("name=\"同名\"") && names.contains("name=\"同名 (2)\""),
            "{names}"
        );
    }
}
