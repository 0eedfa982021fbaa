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
use std::sync::Arc;

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
    let headers = headers.iter().map(str::to_string).collect();
    Ok(CsvRows {
        csv,
        record,
        headers,
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
    /// The header row as written.
    headers: Vec<String>,
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
                    let mut large = Vec::new();
                    for (i, f) in self.record.iter().enumerate() {
                        if f.len() > MAX_CELL_BYTES {
                            large.push(i);
                            fields.push("");
                            continue;
                        }
                        match std::str::from_utf8(f) {
                            Ok(s) => fields.push(crate::write::unneutralise(s.trim())),
                            Err(_) => {
                                self.done = true;
                                return Some(Err(ReadError::Encoding {
                                    row: Some(self.number),
                                }));
                            }
                        }
                    }
                    // Empty rows, and the mark an export in clear ends with (`#…`), are no data.
                    if large.is_empty() && (fields.iter().all(|f| f.is_empty()) || is_mark(&fields))
                    {
                        continue;
                    }
                    let layout = self.checker.layout();
                    let mut parsed = parse_row(self.number, layout, self.today, |c| {
                        Cell::text(
                            layout
                                .index(c)
                                .and_then(|i| fields.get(i).copied())
                                .unwrap_or(""),
                        )
                    });
                    refuse_large_cells(&mut parsed, &self.headers, &large);
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
/// sheet that holds a value is the header; rows are numbered as the spreadsheet numbers them.
/// Dates may be real dates or text. An ID number stored as a number has lost digits and is
/// refused (`id_number.as_number`). Otherwise as [`read_households_csv`].
///
/// The workbook is checked first ([`crate::archive`]: a compression bomb is refused before
/// anything of it is read), then its rows are streamed: a thread of its own reads the sheet
/// cell by cell and passes the rows on a few at a time, so memory holds a handful of rows
/// whatever the sheet's length. The iterator yields `Err` for a workbook that cannot be read
/// on (damaged further down); it ends after that.
pub fn read_households_xlsx(bytes: &[u8], today: NaiveDate) -> Result<XlsxRows, ReadError> {
    stream_households_xlsx(Arc::new(bytes.to_vec()), today)
}

/// [`read_households_xlsx`] of a workbook shared with the caller (read without a copy).
pub fn stream_households_xlsx(
    bytes: Arc<Vec<u8>>,
    today: NaiveDate,
) -> Result<XlsxRows, ReadError> {
    let mut sheet = SheetStream::open(bytes)?;
    let headers: Vec<String> = match sheet.next() {
        Some(Ok((_, h, _))) => h.iter().map(|c| cell(c).text.into_owned()).collect(),
        Some(Err(e)) => return Err(e),
        None => return Err(ReadError::Empty),
    };
    let layout = Layout::from_headers(headers.iter().map(String::as_str))?;
    Ok(XlsxRows {
        sheet,
        headers,
        checker: Checker::new(layout),
        today,
        done: false,
    })
}

/// The widest sheet read: more columns than any sheet of ours has.
const MAX_COLUMNS: u32 = 256;

/// The largest cell read, in bytes (of UTF-8): far more than any field of a register holds. A
/// larger cell refuses its row (`cell.too_large`, naming row and column) and is never kept.
pub const MAX_CELL_BYTES: usize = 32 * 1024;

/// The most rows a table read whole ([`read_table`]: members, services) may have.
pub const MAX_TABLE_ROWS: u64 = 100_000;

/// A row of a sheet: the spreadsheet's row number, its cells from column A to its last value,
/// and the columns whose cell was larger than [`MAX_CELL_BYTES`] (left empty in the cells).
type SheetRow = (u64, Vec<Data>, Vec<usize>);

/// What the reading thread passes on.
enum Piece {
    Row(SheetRow),
    End,
    Failed(ReadError),
}

/// The rows of a workbook's first sheet that hold a value, in sheet order, read by a thread of
/// its own. Cell by cell, so that memory follows the cells present, never the rectangle they
/// span: two cells far apart cost two cells. A cell past [`MAX_COLUMNS`], or a workbook the
/// reader cannot take (including one that makes it panic), is [`ReadError::Format`]. Dropping
/// the stream stops the thread at its next row.
struct SheetStream {
    rows: std::sync::mpsc::Receiver<Piece>,
    done: bool,
}

/// Rows passed on ahead of the reader.
const AHEAD: usize = 64;

impl SheetStream {
    fn open(bytes: Arc<Vec<u8>>) -> Result<SheetStream, ReadError> {
        crate::archive::check(&bytes)?;
        let (send, rows) = std::sync::mpsc::sync_channel(AHEAD);
        std::thread::Builder::new()
            .name("xlsx-reader".into())
            .spawn(move || {
                let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    read_sheet_rows(&bytes, &send)
                }));
                let last = match read {
                    Ok(Ok(())) => Piece::End,
                    Ok(Err(e)) => Piece::Failed(e),
                    Err(_) => Piece::Failed(ReadError::Format),
                };
                let _ = send.send(last);
            })
            .map_err(ReadError::Io)?;
        Ok(SheetStream { rows, done: false })
    }
}

impl Iterator for SheetStream {
    type Item = Result<SheetRow, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.rows.recv() {
            Ok(Piece::Row(r)) => Some(Ok(r)),
            Ok(Piece::End) => {
                self.done = true;
                None
            }
            Ok(Piece::Failed(e)) => {
                self.done = true;
                Some(Err(e))
            }
            // The thread ended without a word: it was stopped.
            Err(_) => {
                self.done = true;
                Some(Err(ReadError::Format))
            }
        }
    }
}

/// The reading thread's work: sends each row once its last cell is read; stops quietly when
/// nobody receives any more.
fn read_sheet_rows(
    bytes: &[u8],
    send: &std::sync::mpsc::SyncSender<Piece>,
) -> Result<(), ReadError> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| ReadError::Format)?;
    let Some(name) = book.sheet_names().first().cloned() else {
        return Err(ReadError::Empty);
    };
    let mut reader = book
        .worksheet_cells_reader(&name)
        .map_err(|_| ReadError::Format)?;
    let mut current: Option<(u32, Vec<Data>, Vec<usize>)> = None;
    loop {
        let next = reader.next_cell().map_err(|_| ReadError::Format)?;
        let position = next.as_ref().map(|c| c.get_position());
        if let Some((r, cells, large)) =
            current.take_if(|(r, ..)| Some(*r) != position.map(|p| p.0))
            && send
                .send(Piece::Row((u64::from(r) + 1, cells, large)))
                .is_err()
        {
            return Ok(());
        }
        let Some(c) = next else {
            return Ok(());
        };
        let (r, col) = c.get_position();
        let mut value = Data::from(c.get_value().clone());
        if value == Data::Empty {
            continue;
        }
        if col >= MAX_COLUMNS {
            return Err(ReadError::Format);
        }
        let (_, row, large) = current.get_or_insert_with(|| (r, Vec::new(), Vec::new()));
        let col = col as usize;
        if matches!(&value, Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) if s.len() > MAX_CELL_BYTES)
        {
            value = Data::Empty;
            large.push(col);
        }
        if row.len() <= col {
            row.resize(col + 1, Data::Empty);
        }
        row[col] = value;
    }
}

/// The rows of an XLSX household sheet; see [`read_households_xlsx`].
pub struct XlsxRows {
    sheet: SheetStream,
    /// The header row as written.
    headers: Vec<String>,
    checker: Checker,
    today: NaiveDate,
    done: bool,
}

impl Iterator for XlsxRows {
    type Item = Result<Row, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(row) = self.checker.pop() {
                return Some(Ok(row));
            }
            if self.done {
                return None;
            }
            let (number, row, large) = match self.sheet.next() {
                Some(Ok(r)) => r,
                Some(Err(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
                None => {
                    self.done = true;
                    self.checker.finish();
                    continue;
                }
            };
            let cells: Vec<Cell<'_>> = row.iter().map(cell).collect();
            // Empty rows, and the mark an export in clear ends with (`#…`), are no data.
            let texts: Vec<&str> = cells.iter().map(|c| c.text.as_ref()).collect();
            if large.is_empty() && (cells.iter().all(Cell::is_blank) || is_mark(&texts)) {
                continue;
            }
            let layout = self.checker.layout();
            let mut parsed = parse_row(number, layout, self.today, |c: Column| {
                layout
                    .index(c)
                    .and_then(|i| cells.get(i).cloned())
                    .unwrap_or(Cell::text(""))
            });
            refuse_large_cells(&mut parsed, &self.headers, &large);
            self.checker.push(parsed);
        }
    }
}

/// How a column is named in a message: its header as written, else its letter (A, B, … AA).
fn column_name(headers: &[String], i: usize) -> String {
    match headers.get(i).map(|h| h.trim()) {
        Some(h) if !h.is_empty() => h.trim_start_matches('\u{feff}').to_string(),
        _ => {
            let mut n = i + 1;
            let mut letters = Vec::new();
            while n > 0 {
                letters.push(b'A' + ((n - 1) % 26) as u8);
                n = (n - 1) / 26;
            }
            letters.iter().rev().map(|b| char::from(*b)).collect()
        }
    }
}

/// Refuses a row for each of its cells larger than [`MAX_CELL_BYTES`] (read as empty): that
/// refusal replaces whatever else was said of the column.
fn refuse_large_cells(parsed: &mut crate::row::Parsed, headers: &[String], large: &[usize]) {
    for &i in large {
        let column = column_name(headers, i);
        if let Err(errors) = &mut parsed.row.result {
            errors.retain(|e| e.column != column);
        }
        parsed.row.refuse(RowError {
            row: parsed.row.number,
            column,
            field: "cell".into(),
            code: "cell.too_large",
            other_row: None,
        });
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
            text: Cow::Borrowed(crate::write::unneutralise(s.trim())),
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

/// Reads a table whole (see [`Table`]). At most [`MAX_TABLE_ROWS`] rows with a value and
/// [`MAX_COLUMNS`] columns; a cell larger than [`MAX_CELL_BYTES`] refuses the file, naming its
/// row and column; a workbook is checked as [`read_households_xlsx`] checks it.
pub fn read_table(bytes: &[u8]) -> Result<Table, ReadError> {
    let mut table = Table {
        headers: Vec::new(),
        rows: Vec::new(),
    };
    let mut started = false;
    let mut take = |number: u64, cells: Vec<String>, large: &[usize]| -> Result<(), ReadError> {
        let large = large
            .first()
            .copied()
            .or_else(|| cells.iter().position(|c| c.len() > MAX_CELL_BYTES));
        if let Some(i) = large {
            return Err(ReadError::CellTooLarge {
                row: number,
                column: column_name(&table.headers, i),
            });
        }
        if cells.len() > MAX_COLUMNS as usize {
            return Err(ReadError::Format);
        }
        if !started {
            started = true;
            table.headers = cells;
        } else if cells.iter().any(|c| !c.is_empty()) && !is_mark(&cells) {
            if table.rows.len() as u64 >= MAX_TABLE_ROWS {
                return Err(ReadError::TooManyRows {
                    limit: MAX_TABLE_ROWS,
                });
            }
            table.rows.push((number, cells));
        }
        Ok(())
    };
    if bytes.starts_with(b"PK\x03\x04") {
        for row in SheetStream::open(Arc::new(bytes.to_vec()))? {
            let (number, row, large) = row?;
            let cells: Vec<String> = row.iter().map(|c| cell(c).text.into_owned()).collect();
            take(number, cells, &large)?;
        }
    } else {
        let (text, _) = crate::decode(bytes)?;
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(BlankLines::new(text.as_bytes()));
        for (i, rec) in csv.records().enumerate() {
            let rec = rec.map_err(|_| ReadError::Format)?;
            let mut cells: Vec<String> = rec
                .iter()
                .map(|c| {
                    crate::write::unneutralise(
                        c.trim_matches(|ch: char| ch.is_whitespace() || ch == '\u{feff}'),
                    )
                    .to_string()
                })
                .collect();
            while cells.last().is_some_and(String::is_empty) {
                cells.pop();
            }
            take(i as u64 + 1, cells, &[])?;
        }
    }
    if !started {
        return Err(ReadError::Empty);
    }
    Ok(table)
}

/// The row that marks an export in clear (who, when, why): its first cell starts with `#` and
/// nothing else is filled. Readers of an exported file skip it (it is no data).
pub fn is_mark<S: AsRef<str>>(fields: &[S]) -> bool {
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
