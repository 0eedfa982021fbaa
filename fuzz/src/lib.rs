//! What the fuzz targets and the seed-corpus generator share: the date files are read on, a
//! keyring with fixed test keys, the plaintexts the seeds hold, and the building of a workbook
//! from its XML parts.

use chrono::NaiveDate;
use jinguo_crypto::Keyring;
use std::borrow::Cow;
use std::io::{Cursor, Read, Write};
use std::sync::OnceLock;

/// The date files are read on (the interchange tests use the same).
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).expect("valid date")
}

/// The associated data of the seed envelopes.
pub const AAD: &str = "person/id_number/0190a1b2-0000-7000-8000-000000000001";

/// Every plaintext the seed envelopes and seed backups hold. A forged envelope or stream can
/// only decrypt to one of these (by reusing a seed's authenticated bytes).
pub const KNOWN_PLAINTEXTS: [&str; 5] = [
    "",
    "11010519491231002X",
    "张三 · 安宁市妇联",
    "a.b.c.d",
    "SQLite format 3\0jinguo backup seed",
];

/// The fixed test keys: k1 (bytes 0..32), k2 (bytes 64..96), index key (bytes 32..64).
fn keys_toml(active: &str) -> String {
    format!(
        "active = \"{active}\"\n\
         index_key = \"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\"\n\
         [keys]\n\
         k1 = \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"\n\
         k2 = \"QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=\"\n"
    )
}

/// A keyring of the fixed test keys with `active` ("k1" or "k2") as the active key.
pub fn keyring_with_active(active: &str) -> Keyring {
    Keyring::from_toml_str(&keys_toml(active)).expect("test keyring")
}

/// The keyring of the targets: k1 and k2, k2 active.
pub fn keyring() -> &'static Keyring {
    static RING: OnceLock<Keyring> = OnceLock::new();
    RING.get_or_init(|| keyring_with_active("k2"))
}

/// The workbook parts a structured XLSX input holds, in order, separated by NUL bytes.
pub const XLSX_PARTS: [&str; 3] = [
    "xl/worksheets/sheet1.xml",
    "xl/sharedStrings.xml",
    "xl/styles.xml",
];

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr defaultThemeVersion="124226"/><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;

const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

/// A workbook (stored, uncompressed) whose sheet, shared strings and styles are the
/// NUL-separated parts of `data` (missing parts are left out); the other parts are fixed.
/// Mutating the XML this way reaches the workbook reader, which mutating zip bytes rarely does.
pub fn workbook_from_parts(data: &[u8]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let fixed = [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
    ];
    for (name, text) in fixed {
        zip.start_file(name, options).expect("zip entry");
        zip.write_all(text.as_bytes()).expect("zip write");
    }
    for (name, part) in XLSX_PARTS.iter().zip(data.split(|&b| b == 0)) {
        zip.start_file(*name, options).expect("zip entry");
        zip.write_all(part).expect("zip write");
    }
    zip.finish().expect("zip finish").into_inner()
}

/// Whether bytes are a zip file (and so a workbook as it is).
pub fn is_zip(data: &[u8]) -> bool {
    data.starts_with(b"PK\x03\x04")
}

/// An XLSX input: a zip file as it is, anything else as the parts of [`workbook_from_parts`].
pub fn xlsx_input(data: &[u8]) -> Cow<'_, [u8]> {
    if is_zip(data) {
        Cow::Borrowed(data)
    } else {
        Cow::Owned(workbook_from_parts(data))
    }
}

/// A reader that gives at most `step` bytes a call, to cross every buffer boundary.
pub struct Trickle<'a> {
    pub data: &'a [u8],
    pub step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.step).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// The XLSX readers catch a panic of the workbook library and refuse the file instead; libFuzzer's
/// own panic hook would count even a caught panic as a crash. This hook stays silent, so that
/// only a panic escaping the reader (caught by `fuzz_target!`, which then aborts) is one.
pub fn count_only_escaping_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}
