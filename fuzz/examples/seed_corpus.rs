//! Writes the seed corpus of every fuzz target into `fuzz/corpus/<target>/`: small valid and
//! nearly valid inputs. Envelopes and backups are sealed with random nonces, so a new run
//! rewrites those files with other bytes.
//!
//! cd fuzz && cargo run --example seed_corpus

use chrono::NaiveDate;
use jinguo_domain::resident_id::ResidentId;
use jinguo_fuzz::{AAD, KNOWN_PLAINTEXTS, XLSX_PARTS, keyring_with_active, today, workbook_from_parts};
use jinguo_interchange::{Cell, Sheet, read_households_csv, read_households_xlsx, read_table, xlsx};
use std::fs;
use std::io::{Cursor, Read};
use std::path::PathBuf;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// A valid ID number of address 110101 (odd `seq`: male).
fn id(y: i32, m: u32, d: u32, seq: u16) -> String {
    ResidentId::compose(110101, date(y, m, d), seq).as_str().to_string()
}

fn gb18030(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// The sheet, shared strings and styles of a workbook, NUL-separated (see
/// `jinguo_fuzz::workbook_from_parts`).
fn parts(book: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(book)).expect("a zip file");
    let mut out = Vec::new();
    for (i, name) in XLSX_PARTS.iter().enumerate() {
        if i > 0 {
            out.push(0);
        }
        if let Ok(mut f) = zip.by_name(name) {
            f.read_to_end(&mut out).expect("reading a part");
        }
    }
    out
}

/// Asserts that a CSV seed meant to be valid is: `n` rows, all accepted.
fn all_accepted_csv(bytes: &[u8], n: usize) {
    let rows: Vec<_> = read_households_csv(bytes, today())
        .map_err(|e| e.code())
        .expect("a household sheet")
        .collect::<Result<_, _>>()
        .map_err(|e| e.code())
        .expect("readable to the end");
    assert_eq!(rows.len(), n);
    for r in &rows {
        assert!(r.result.is_ok(), "{r:?}");
    }
}

struct Corpus(PathBuf);

impl Corpus {
    fn write(&self, target: &str, name: &str, bytes: impl AsRef<[u8]>) {
        let dir = self.0.join(target);
        fs::create_dir_all(&dir).expect("creating the corpus folder");
        fs::write(dir.join(name), bytes).expect("writing a seed");
    }
}

const HEADER: &str = "户编号,小组编码,家庭住址,姓名,身份证号,性别,出生日期,联系电话,与户主关系";

fn households_csv(c: &Corpus) {
    let t = "households_csv";
    let valid = format!(
        "{HEADER}\n\
         H001,110101001001001,东城区景山街道1号,张伟,{},男,1980-01-02,13812345678,户主\n\
         H001,110101001001001,东城区景山街道1号,李芳,{},女,1982/3/4,,配偶\n\
         H001,110101001001001,东城区景山街道1号,张小明,{},,,,子\n\
         H002,110101001001002,东城区景山街道2号,王秀英,{},女,,+86 139 0000 1111,户主\n",
        id(1980, 1, 2, 11),
        id(1982, 3, 4, 22),
        id(2010, 5, 6, 33),
        id(1950, 7, 8, 44),
    );
    all_accepted_csv(valid.as_bytes(), 4);
    c.write(t, "valid_utf8.csv", &valid);
    c.write(t, "valid_gb18030.csv", gb18030(&valid));
    let crlf = format!(
        "\u{feff}{HEADER}\r\n\
         \t530181001001,530181001001001,\"连然街道,金色大道1号\",欧阳娜娜,{},女,19900307,+86-13812345678,户主\r\n\
         \r\n\
         \t530181001001,530181001001001,\"连然街道,金色大道1号\",欧阳小明,{},,2015年6月1日,,儿子\r\n",
        id(1990, 3, 7, 2),
        id(2015, 6, 1, 1),
    );
    all_accepted_csv(crlf.as_bytes(), 2);
    c.write(t, "valid_bom_crlf.csv", crlf);
    let english = format!(
        "Relationship, Name ,ID Number,note,group_code,household_code,address\n\
         head,赵敏,{},remark,110101001001001,7,Street 1\n\
         spouse,张无忌,{},,110101001001001,7,Street 1\n",
        id(1990, 2, 3, 2),
        id(1989, 1, 1, 1),
    );
    all_accepted_csv(english.as_bytes(), 2);
    c.write(t, "english_headers.csv", english);
    let mut bad_check = id(1980, 1, 2, 11);
    bad_check.replace_range(17.., if bad_check.ends_with('0') { "1" } else { "0" });
    let refused = format!(
        "{HEADER}\n\
         H1,110101001001001,一号,甲,{bad_check},,,,户主\n\
         H1,110101001001002,二号,乙,{},女,1982-03-05,1381234567,户主\n\
         H2,11010100100100,三号,丙,{},,,,配偶\n\
         H1,110101001001001,一号,丁,110105491231002,男,,12800138000,老板\n\
         ,110101001001001,,,{},,,,\n\
         H3,110101001001001,\"未闭合,戊,,,,,\n",
        id(1982, 3, 4, 22),
        id(1982, 3, 4, 22),
        id(2030, 1, 1, 1),
    );
    c.write(t, "refused_rows.csv", refused);
    c.write(t, "missing_columns.csv", "姓名,身份证号,性别\n张三,x,男\n");
    c.write(t, "header_only.csv", format!("{HEADER}\n\n"));
}

fn household_sheet() -> Sheet {
    let text = |s: &str| Cell::Text(s.to_string());
    let g = "110101001001001";
    Sheet {
        name: "户籍人口".into(),
        headers: HEADER.split(',').map(String::from).collect(),
        rows: vec![
            vec![
                text("H001"),
                text(g),
                text("东城区景山街道1号"),
                text("张伟"),
                text(&id(1980, 1, 2, 11)),
                text("男"),
                Cell::Date(date(1980, 1, 2)),
                text("13812345678"),
                text("户主"),
            ],
            vec![
                text("H001"),
                text(g),
                text("东城区景山街道1号"),
                text("李芳"),
                text(&id(1982, 3, 4, 22)),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                text("配偶"),
            ],
        ],
    }
}

fn other_kinds_sheet() -> Sheet {
    let text = |s: &str| Cell::Text(s.to_string());
    Sheet {
        name: "Sheet1".into(),
        headers: [
            "household_code",
            "group_code",
            "address",
            "name",
            "id_number",
            "birth_date",
            "phone",
            "relationship",
        ]
        .map(String::from)
        .to_vec(),
        rows: vec![
            vec![
                Cell::Int(17),
                Cell::Int(110101001001001),
                text("一号"),
                text("甲"),
                text(&id(1980, 1, 2, 11)),
                text("1980/1/2"),
                Cell::Float(13812345678.0),
                text("户主"),
            ],
            vec![
                Cell::Int(17),
                text("110101001001001"),
                text("一号"),
                text("乙"),
                Cell::Float(110101198203040220.0),
                Cell::Date(date(1982, 3, 4)),
                Cell::Empty,
                text("配偶"),
            ],
        ],
    }
}

fn households_xlsx(c: &Corpus) {
    let t = "households_xlsx";
    let valid = xlsx(&[household_sheet()]).expect("workbook");
    c.write(t, "valid.xlsx", &valid);
    let valid_parts = parts(&valid);
    let rows: Vec<_> = read_households_xlsx(&workbook_from_parts(&valid_parts), today())
        .expect("the parts make a workbook")
        .collect::<Result<_, _>>()
        .expect("the rows read");
    assert!(rows.len() == 2 && rows.iter().all(|r| r.result.is_ok()), "{rows:?}");
    c.write(t, "valid.parts", valid_parts);
    let kinds = xlsx(&[other_kinds_sheet()]).expect("workbook");
    c.write(t, "other_kinds.xlsx", &kinds);
    c.write(t, "other_kinds.parts", parts(&kinds));
}

fn tables(c: &Corpus) {
    let t = "read_table";
    let csv = "姓名, 职务 ,区划代码\n李梅,妇女代表,530181001001001\n\n王芳,执委,530181001\n";
    c.write(t, "members.csv", csv);
    c.write(t, "members_gb18030.csv", gb18030(csv));
    c.write(t, "quoted.csv", "\u{feff}name,\"role\"\r\n\"a\"\"b\",\"x\ny\"\r\n,,\r\n");
    let book = xlsx(&[Sheet {
        name: "成员".into(),
        headers: vec!["姓名".into(), "职务".into(), "届次".into()],
        rows: vec![
            vec![
                Cell::Text("李梅".into()),
                Cell::Text("执委".into()),
                Cell::Int(3),
            ],
            vec![Cell::Empty, Cell::Empty, Cell::Date(date(2024, 1, 1))],
        ],
    }])
    .expect("workbook");
    c.write(t, "members.xlsx", &book);
    let members = parts(&book);
    let table = read_table(&workbook_from_parts(&members)).map_err(|e| e.code()).expect("a table");
    assert_eq!(table.rows.len(), 2);
    c.write(t, "members.parts", members);
}

fn resident_id(c: &Corpus) {
    let t = "resident_id";
    let mut wrong_check = id(1990, 3, 7, 1);
    wrong_check.replace_range(17.., if wrong_check.ends_with('1') { "2" } else { "1" });
    let mut leap = "53018120000229001".to_string();
    leap.push(jinguo_domain::resident_id::check_char(leap.as_bytes()));
    for (name, s) in [
        ("standard", "11010519491231002X".to_string()),
        ("composed", id(1990, 3, 7, 1)),
        ("spaced_lowercase", " 110105 19491231 002x ".to_string()),
        ("fifteen_digits", "110105491231002".to_string()),
        ("old_birth", "440524188001010014".to_string()),
        ("leap_day", leap),
        ("wrong_check", wrong_check),
        ("x_inside", "1101051949123100X2".to_string()),
        ("no_province", "990101197001010021".to_string()),
        ("month_13", "530181199013010121".to_string()),
    ] {
        c.write(t, name, s);
    }
}

fn place_code(c: &Corpus) {
    let t = "place_code";
    for (name, s) in [
        ("province", "53"),
        ("prefecture", "5301"),
        ("county", "530181"),
        ("township", "530181001"),
        ("village", "530181001001"),
        ("group", "530181001001001"),
        ("spaced", " 530181006201 "),
        ("zeros", "000000"),
        ("bad_length", "53018100"),
    ] {
        c.write(t, name, s);
    }
}

fn phone(c: &Corpus) {
    let t = "phone";
    for (name, s) in [
        ("plain", "13812345678"),
        ("plus86", "+86 138 1234 5678"),
        ("plus86_dash", "+86-13812345678"),
        ("0086", "008619912345678"),
        ("wrong_second", "12800138000"),
        ("landline", "0871-6512345"),
    ] {
        c.write(t, name, s);
    }
}

fn field_envelope(c: &Corpus) {
    let t = "field_envelope";
    for active in ["k1", "k2"] {
        let ring = keyring_with_active(active);
        for (i, plain) in KNOWN_PLAINTEXTS.iter().enumerate() {
            // The backup seed's NUL is not field text.
            if plain.contains('\0') {
                continue;
            }
            let sealed = ring.encrypt(plain, AAD).expect("encrypting");
            c.write(t, &format!("{active}_{i}"), sealed);
        }
    }
    let sealed = keyring_with_active("k1").encrypt("11010519491231002X", AAD).expect("encrypting");
    let payload = sealed.rsplit_once('.').map(|(_, p)| p).unwrap_or_default();
    c.write(t, "unknown_kid", format!("v1.xc20.k7.{payload}"));
    c.write(t, "other_version", format!("v2.xc20.k1.{payload}"));
    c.write(t, "not_base64", "v1.xc20.k1.not*base64");
    c.write(t, "plain_text", "zhang.san@example.cn");
}

fn backup_stream(c: &Corpus) {
    let t = "backup_stream";
    for active in ["k1", "k2"] {
        let ring = keyring_with_active(active);
        for (i, plain) in KNOWN_PLAINTEXTS.iter().enumerate() {
            let mut sealed = Vec::new();
            ring.seal_stream(plain.as_bytes(), &mut sealed).expect("sealing");
            c.write(t, &format!("{active}_{i}"), &sealed);
            if i == 4 {
                let mut extra = sealed.clone();
                extra.push(0);
                c.write(t, &format!("{active}_{i}_extra_byte"), extra);
                c.write(t, &format!("{active}_{i}_cut"), &sealed[..sealed.len() - 3]);
            }
        }
    }
    c.write(t, "header_only", b"JGBK1\x02k2\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f");
    c.write(t, "not_a_backup", b"SQLite format 3\0");
}

fn main() {
    let c = Corpus(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus"));
    households_csv(&c);
    households_xlsx(&c);
    tables(&c);
    resident_id(&c);
    place_code(&c);
    phone(&c);
    field_envelope(&c);
    backup_stream(&c);
}
