//! Reading the household sheet from CSV (streamed) and XLSX (first sheet, from memory).

use crate::ReadError;
use crate::columns::{Column, Layout};
use crate::encoding::{SourceEncoding, Utf8Reader};
use crate::household::Checker;
use crate::row::{Cell, Kind, Row, RowError, parse_row};
use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use std::borrow::Cow;
use std::io::{Cursor, Read};

/// Reads a household sheet in CSV, UTF-8 or GB18030, row by row.
///
/// The header row is read at once: a file lacking required columns is refused before any
/// row ([`ReadError::MissingColumns`]). Rows come out in file order, those of a household
/// together once its last row has been read. Blank rows are skipped (and still counted).
/// `today` bounds birth dates.
///
/// The iterator yields `Err` only for a file that cannot be read on (an I/O error, bytes
/// that are not text in the file's encoding); it ends after that.
pub fn read_households_csv<R: Read>(reader: R, today: NaiveDate) -> Result<CsvRows<R>, ReadError> {
    let text = Utf8Reader::new(reader)?;
    let encoding = text.encoding();
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(BlankLines::new(text));
    let mut record = csv::ByteRecord::new();
    let has_header = csv
        .read_byte_record(&mut record)
        .map_err(|e| ReadError::from_csv(e, 1))?;
    if !has_header {
        return Err(ReadError::Empty);
    }
    let headers = csv::StringRecord::from_byte_record(record.clone())
        .map_err(|_| ReadError::Encoding { row: Some(1) })?;
    let layout = Layout::from_headers(headers.iter())?;
    Ok(CsvRows {
        csv,
        record,
        checker: Checker::new(layout),
        today,
        number: 1,
        encoding,
        done: false,
    })
}

/// The rows of a CSV household sheet; see [`read_households_csv`].
pub struct CsvRows<R: Read> {
    csv: csv::Reader<BlankLines<Utf8Reader<R>>>,
    record: csv::ByteRecord,
    checker: Checker,
    today: NaiveDate,
    number: u64,
    encoding: SourceEncoding,
    done: bool,
}

impl<R: Read> CsvRows<R> {
    /// The encoding the file was found in.
    pub fn encoding(&self) -> SourceEncoding {
        self.encoding
    }
}

impl<R: Read> Iterator for CsvRows<R> {
    type Item = Result<Row, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(row) = self.checker.pop() {
                return Some(Ok(row));
            }
            if self.done {
                return None;
            }
            match self.csv.read_byte_record(&mut self.record) {
                Ok(true) => {
                    self.number += 1;
                    let mut fields = Vec::with_capacity(self.record.len());
                    for f in self.record.iter() {
                        match std::str::from_utf8(f) {
                            Ok(s) => fields.push(s.trim()),
                            Err(_) => {
                                self.done = true;
                                return Some(Err(ReadError::Encoding {
                                    row: Some(self.number),
                                }));
                            }
                        }
                    }
                    // Empty rows, and the mark an export in clear ends with (`#…`), are no data.
                    if fields.iter().all(|f| f.is_empty()) || is_mark(&fields) {
                        continue;
                    }
                    let layout = self.checker.layout();
                    let parsed = parse_row(self.number, layout, self.today, |c| {
                        Cell::text(
                            layout
                                .index(c)
                                .and_then(|i| fields.get(i).copied())
                                .unwrap_or(""),
                        )
                    });
                    self.checker.push(parsed);
                }
                Ok(false) => {
                    self.done = true;
                    self.checker.finish();
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(ReadError::from_csv(e, self.number + 1)));
                }
            }
        }
    }
}

/// Reads the first sheet of an XLSX workbook as a household sheet. The first row of the
/// sheet's used range is the header; rows are numbered as the spreadsheet numbers them.
/// Dates may be real dates or text. An ID number stored as a number has lost digits and is
/// refused (`id_number.as_number`). Otherwise as [`read_households_csv`].
pub fn read_households_xlsx(bytes: &[u8], today: NaiveDate) -> Result<XlsxRows, ReadError> {
    let mut rows = first_sheet_rows(bytes)?.into_iter();
    let header: Vec<String> = match rows.next() {
        Some((_, h)) => h.iter().map(|c| cell(c).text.into_owned()).collect(),
        None => return Err(ReadError::Empty),
    };
    let layout = Layout::from_headers(header.iter().map(String::as_str))?;
    Ok(XlsxRows {
        rows,
        checker: Checker::new(layout),
        today,
        done: false,
    })
}

/// The widest sheet read: more columns than any sheet of ours has.
const MAX_COLUMNS: u32 = 256;

/// The first sheet's rows that hold a value, in order, each as (the spreadsheet's row number,
/// its cells from column A to its last value). Read cell by cell, so that memory follows the
/// cells present, never the rectangle they span: two cells far apart cost two cells. A cell past
/// [`MAX_COLUMNS`], or a workbook the reader cannot take (including one that makes it panic), is
/// [`ReadError::Format`].
fn first_sheet_rows(bytes: &[u8]) -> Result<Vec<(u64, Vec<Data>)>, ReadError> {
    std::panic::catch_unwind(|| {
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| ReadError::Format)?;
        let Some(name) = book.sheet_names().first().cloned() else {
            return Err(ReadError::Empty);
        };
        let mut reader = book
            .worksheet_cells_reader(&name)
            .map_err(|_| ReadError::Format)?;
        let mut rows: std::collections::BTreeMap<u32, Vec<Data>> = Default::default();
        while let Some(c) = reader.next_cell().map_err(|_| ReadError::Format)? {
            let (r, col) = c.get_position();
            let value = Data::from(c.get_value().clone());
            if value == Data::Empty {
                continue;
            }
            if col >= MAX_COLUMNS {
                return Err(ReadError::Format);
            }
            let row = rows.entry(r).or_default();
            let col = col as usize;
            if row.len() <= col {
                row.resize(col + 1, Data::Empty);
            }
            row[col] = value;
        }
        Ok(rows
            .into_iter()
            .map(|(r, cells)| (u64::from(r) + 1, cells))
            .collect())
    })
    .unwrap_or(Err(ReadError::Format))
}

/// The rows of an XLSX household sheet; see [`read_households_xlsx`].
pub struct XlsxRows {
    /// The rows after the header: (the spreadsheet's row number, cells).
    rows: std::vec::IntoIter<(u64, Vec<Data>)>,
    checker: Checker,
    today: NaiveDate,
    done: bool,
}

impl Iterator for XlsxRows {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        loop {
            if let Some(row) = self.checker.pop() {
                return Some(row);
            }
            if self.done {
                return None;
            }
            let Some((number, row)) = self.rows.next() else {
                self.done = true;
                self.checker.finish();
                continue;
            };
            let cells: Vec<Cell<'_>> = row.iter().map(cell).collect();
            if cells.iter().all(Cell::is_blank) {
                continue;
            }
            let layout = self.checker.layout();
            let parsed = parse_row(number, layout, self.today, |c: Column| {
                layout
                    .index(c)
                    .and_then(|i| cells.get(i).cloned())
                    .unwrap_or(Cell::text(""))
            });
            self.checker.push(parsed);
        }
    }
}

/// A cell of a workbook as text, and whether it was a number or a date.
fn cell(d: &Data) -> Cell<'_> {
    let text = |s: String| Cell {
        text: Cow::Owned(s),
        kind: Kind::Text,
    };
    match d {
        Data::String(s) => Cell {
            text: Cow::Borrowed(s.trim()),
            kind: Kind::Text,
        },
        Data::Int(i) => Cell {
            text: Cow::Owned(i.to_string()),
            kind: Kind::Number,
        },
        Data::Float(f) => Cell {
            text: Cow::Owned(render_number(*f)),
            kind: Kind::Number,
        },
        Data::Bool(b) => text(b.to_string()),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            match NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d)) {
                Some(date) => date_cell(date),
                None => text(dt.as_f64().to_string()),
            }
        }
        Data::DateTime(dt) => text(dt.as_f64().to_string()),
        Data::DateTimeIso(s) => match crate::row::parse_date(s) {
            Some(date) => date_cell(date),
            None => text(s.clone()),
        },
        Data::DurationIso(s) => text(s.clone()),
        Data::Error(e) => text(e.to_string()),
        Data::Empty => Cell::text(""),
    }
}

fn date_cell(date: NaiveDate) -> Cell<'static> {
    Cell {
        text: Cow::Owned(date.format("%Y-%m-%d").to_string()),
        kind: Kind::Date(date),
    }
}

/// A number as a person would type it: integers without a decimal point or exponent.
fn render_number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e17 {
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

/// Keeps the empty lines of a CSV stream, which the csv crate skips but a spreadsheet counts
/// as rows: an empty line outside quotes gets a space, making it a record of one blank cell,
/// so that records and spreadsheet rows stay one to one. Quoting follows RFC 4180 as the csv
/// crate reads it (a quote opens a quoted cell only at the start of a cell).
pub(crate) struct BlankLines<R> {
    inner: R,
    buf: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    in_quotes: bool,
    /// Just after a closing quote: another quote is an escaped one (`""`).
    just_closed: bool,
    field_start: bool,
    line_start: bool,
    /// The last byte was a `\r` ending a line (a `\n` next completes it).
    after_cr: bool,
}

impl<R: Read> BlankLines<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            buf: vec![0; 16 * 1024],
            out: Vec::with_capacity(32 * 1024),
            out_pos: 0,
            in_quotes: false,
            just_closed: false,
            field_start: true,
            // The first line is the header: a blank one stays blank.
            line_start: false,
            after_cr: false,
        }
    }

    fn push(&mut self, b: u8) {
        let out = &mut self.out;
        if self.in_quotes {
            if b == b'"' {
                self.in_quotes = false;
                self.just_closed = true;
            }
            out.push(b);
            return;
        }
        let after_cr = std::mem::replace(&mut self.after_cr, false);
        let just_closed = std::mem::replace(&mut self.just_closed, false);
        match b {
            b'\n' if after_cr => {}
            b'\n' | b'\r' => {
                if self.line_start {
                    out.push(b' ');
                }
                self.line_start = true;
                self.field_start = true;
                self.after_cr = b == b'\r';
            }
            b'"' if self.field_start || just_closed => {
                self.in_quotes = true;
                self.field_start = false;
                self.line_start = false;
            }
            b',' => {
                self.field_start = true;
                self.line_start = false;
            }
            _ => {
                self.field_start = false;
                self.line_start = false;
            }
        }
        out.push(b);
    }
}

impl<R: Read> Read for BlankLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.out_pos == self.out.len() {
            let n = self.inner.read(&mut self.buf)?;
            if n == 0 {
                return Ok(0);
            }
            self.out.clear();
            self.out_pos = 0;
            let chunk = std::mem::take(&mut self.buf);
            for &b in &chunk[..n] {
                self.push(b);
            }
            self.buf = chunk;
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep(s: &str) -> String {
        let mut out = String::new();
        BlankLines::new(s.as_bytes())
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn empty_lines_are_kept_outside_quotes_only() {
        assert_eq!(keep("h\n\nc\n\n\nd\n"), "h\n \nc\n \n \nd\n");
        assert_eq!(keep("h\r\n\r\nc\r\n"), "h\r\n \r\nc\r\n");
        assert_eq!(keep("h\n\"a\n\nb\",x\n\nc"), "h\n\"a\n\nb\",x\n \nc");
        // An escaped quote does not end the quoted cell; a quote inside an unquoted one is a
        // character.
        assert_eq!(keep("h\n\"a\"\"\n\n\"\n\n"), "h\n\"a\"\"\n\n\"\n \n");
        assert_eq!(keep("h\nab\"c\n\nd"), "h\nab\"c\n \nd");
    }
}

/// A small sheet of any layout (members, assignments …), read whole: the header row and the
/// other rows with the number a spreadsheet shows (the header is row 1), cells trimmed. CSV in
/// UTF-8 or GB18030, or the first sheet of an XLSX workbook (chosen from the file's first bytes).
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
}

impl Table {
    /// The index of the first header that is one of `names` (compared without spaces or `*`).
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        let clean = |h: &str| -> String {
            h.chars()
                .filter(|c| !c.is_whitespace() && *c != '*' && *c != '\u{feff}')
                .collect::<String>()
                .to_lowercase()
        };
        self.headers
            .iter()
            .position(|h| names.iter().any(|n| clean(h) == clean(n)))
    }
}

/// The columns of a sheet read by a spec: (field, headers recognised, the first being the one
/// named when the column is missing).
pub type ColumnSpec = [(&'static str, &'static [&'static str])];

/// Where a spec's columns are in a [`Table`].
pub struct Columns {
    spec: &'static ColumnSpec,
    index: Vec<Option<usize>>,
    written: Vec<String>,
}

impl Columns {
    /// Finds the spec's columns among the table's headers.
    pub fn find(table: &Table, spec: &'static ColumnSpec) -> Columns {
        let index: Vec<Option<usize>> = spec.iter().map(|(_, names)| table.column(names)).collect();
        let written = index
            .iter()
            .zip(spec)
            .map(|(i, (_, names))| {
                i.and_then(|c| table.headers.get(c).cloned())
                    .unwrap_or_else(|| names[0].to_string())
            })
            .collect();
        Columns {
            spec,
            index,
            written,
        }
    }

    /// The cell of column `i` (of the spec) in a row, empty when absent.
    pub fn get(&self, cells: &[String], i: usize) -> String {
        self.index[i]
            .and_then(|c| cells.get(c))
            .cloned()
            .unwrap_or_default()
    }

    /// The error `code` at row `row`, column `i` (of the spec).
    pub fn error(&self, row: u64, i: usize, code: &'static str) -> RowError {
        RowError {
            row,
            column: self.written[i].clone(),
            field: self.spec[i].0.to_string(),
            code,
            other_row: None,
        }
    }

    /// The column of the spec for a field, if it has one.
    pub fn of_field(&self, field: &str) -> Option<usize> {
        self.spec.iter().position(|(f, _)| *f == field)
    }

    /// `column.missing` for each of the `required` columns (of the spec) the table lacks.
    pub fn missing(&self, required: &[usize]) -> Vec<RowError> {
        required
            .iter()
            .filter(|i| self.index[**i].is_none())
            .map(|i| self.error(1, *i, "column.missing"))
            .collect()
    }
}

pub fn read_table(bytes: &[u8]) -> Result<Table, ReadError> {
    let mut all: Vec<(u64, Vec<String>)> = Vec::new();
    if bytes.starts_with(b"PK\x03\x04") {
        for (number, row) in first_sheet_rows(bytes)? {
            all.push((
                number,
                row.iter().map(|c| cell(c).text.into_owned()).collect(),
            ));
        }
    } else {
        let (text, _) = crate::decode(bytes)?;
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(BlankLines::new(text.as_bytes()));
        for (i, rec) in csv.records().enumerate() {
            let rec = rec.map_err(|_| ReadError::Format)?;
            all.push((
                i as u64 + 1,
                rec.iter()
                    .map(|c| {
                        c.trim_matches(|ch: char| ch.is_whitespace() || ch == '\u{feff}')
                            .to_string()
                    })
                    .collect(),
            ));
        }
    }
    let mut rows = all.into_iter();
    let Some((_, headers)) = rows.next() else {
        return Err(ReadError::Empty);
    };
    Ok(Table {
        headers,
        rows: rows
            .filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
            .filter(|(_, r)| !is_mark(r))
            .collect(),
    })
}

/// The row that marks an export in clear (who, when, why): its first cell starts with `#` and
/// nothing else is filled.
fn is_mark<S: AsRef<str>>(fields: &[S]) -> bool {
    fields
        .first()
        .is_some_and(|f| f.as_ref().trim_start_matches('\u{feff}').starts_with('#'))
        && fields.iter().skip(1).all(|f| f.as_ref().is_empty())
}

#[cfg(test)]
mod table_tests {
    use super::*;

    #[test]
    fn tables_in_csv_and_xlsx() {
        let csv = "姓名, 职务 ,区划代码\n李梅,妇女代表,530181001001001\n\n王芳,执委,530181001\n";
        let t = read_table(csv.as_bytes()).unwrap();
        assert_eq!(t.column(&["职务", "role"]), Some(1));
        assert_eq!(t.rows[1].0, 4, "blank lines keep their number");
        assert_eq!(t.rows[1].1[0], "王芳");
        let (gb, _, _) = encoding_rs::GB18030.encode(csv);
        assert_eq!(read_table(&gb).unwrap().rows, t.rows);
        let book = crate::xlsx(&[crate::Sheet {
            name: "成员".into(),
            headers: vec!["姓名".into(), "职务".into()],
            rows: vec![vec![
                crate::Cell::Text("李梅".into()),
                crate::Cell::Text("执委".into()),
            ]],
        }])
        .unwrap();
        let x = read_table(&book).unwrap();
        assert_eq!((x.rows[0].0, x.rows[0].1[1].as_str()), (2, "执委"));
    }
}
