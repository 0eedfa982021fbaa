//! Tests of reading and writing whole files, in memory.

use crate::*;
use chrono::NaiveDate;
use jinguo_domain::person::{Relationship, Sex};
use jinguo_domain::phone::Mobile;
use jinguo_domain::place::PlaceCode;
use jinguo_domain::resident_id::ResidentId;
use std::io::Read;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A test ID number (address code 110101 only); odd `seq` is male.
fn id(y: i32, m: u32, d: u32, seq: u16) -> ResidentId {
    ResidentId::compose(110101, date(y, m, d), seq)
}

const HEADER: &str = "户编号,小组编码,家庭住址,姓名,身份证号,性别,出生日期,联系电话,与户主关系";

fn sample() -> String {
    format!(
        "{HEADER}\n\
         H001,110101001001001,东城区景山街道1号,张伟,{},男,1980-01-02,13812345678,户主\n\
         H001,110101001001001,东城区景山街道1号,李芳,{},女,1982/3/4,,配偶\n\
         H001,110101001001001,东城区景山街道1号,张小明,{},,,,子\n\
         H002,110101001001002,东城区景山街道2号,王秀英,{},女,,+86 139 0000 1111,户主\n",
        id(1980, 1, 2, 11).as_str(),
        id(1982, 3, 4, 22).as_str(),
        id(2010, 5, 6, 33).as_str(),
        id(1950, 7, 8, 44).as_str(),
    )
}

fn expected() -> Vec<PersonRow> {
    let g1 = PlaceCode::parse("110101001001001").unwrap();
    let g2 = PlaceCode::parse("110101001001002").unwrap();
    let a1 = "东城区景山街道1号".to_string();
    vec![
        PersonRow {
            household_code: "H001".into(),
            group_code: g1.clone(),
            address: a1.clone(),
            name: "张伟".into(),
            id_number: id(1980, 1, 2, 11),
            sex: Sex::Male,
            birth_date: date(1980, 1, 2),
            phone: Some(Mobile::parse("13812345678").unwrap()),
            relationship: Relationship::Head,
        },
        PersonRow {
            household_code: "H001".into(),
            group_code: g1.clone(),
            address: a1.clone(),
            name: "李芳".into(),
            id_number: id(1982, 3, 4, 22),
            sex: Sex::Female,
            birth_date: date(1982, 3, 4),
            phone: None,
            relationship: Relationship::Spouse,
        },
        PersonRow {
            household_code: "H001".into(),
            group_code: g1,
            address: a1,
            name: "张小明".into(),
            id_number: id(2010, 5, 6, 33),
            sex: Sex::Male,
            birth_date: date(2010, 5, 6),
            phone: None,
            relationship: Relationship::Child,
        },
        PersonRow {
            household_code: "H002".into(),
            group_code: g2,
            address: "东城区景山街道2号".into(),
            name: "王秀英".into(),
            id_number: id(1950, 7, 8, 44),
            sex: Sex::Female,
            birth_date: date(1950, 7, 8),
            phone: Some(Mobile::parse("13900001111").unwrap()),
            relationship: Relationship::Head,
        },
    ]
}

fn gb18030(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// Every row of a CSV file, `Err` for a file that cannot be read.
fn csv_rows(bytes: &[u8]) -> Result<Vec<Row>, ReadError> {
    read_households_csv(bytes, today())?.collect()
}

fn persons(rows: Vec<Row>) -> Vec<PersonRow> {
    rows.into_iter()
        .map(|r| {
            r.result
                .unwrap_or_else(|e| panic!("row {}: {e:?}", r.number))
        })
        .collect()
}

/// (row, column, code) of every error of a file.
fn errors(bytes: &[u8]) -> Vec<(u64, String, &'static str)> {
    csv_rows(bytes)
        .unwrap()
        .into_iter()
        .filter_map(|r| r.result.err())
        .flatten()
        .map(|e| (e.row, e.column, e.code))
        .collect()
}

fn e(row: u64, column: &str, code: &'static str) -> (u64, String, &'static str) {
    (row, column.to_string(), code)
}

/// A reader that gives a few bytes at a time, to cross every buffer boundary.
struct Trickle<'a>(&'a [u8], usize);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.1).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn utf8_bom_and_gb18030_read_the_same() {
    let text = sample();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());
    let gb = gb18030(&text);
    assert!(std::str::from_utf8(&gb).is_err());
    for (bytes, encoding) in [
        (text.as_bytes().to_vec(), SourceEncoding::Utf8),
        (bom, SourceEncoding::Utf8Bom),
        (gb, SourceEncoding::Gb18030),
    ] {
        let reader = read_households_csv(bytes.as_slice(), today()).unwrap();
        assert_eq!(reader.encoding(), encoding);
        let rows: Vec<Row> = reader.collect::<Result<_, _>>().unwrap();
        assert_eq!(
            rows.iter().map(|r| r.number).collect::<Vec<_>>(),
            [2, 3, 4, 5]
        );
        assert_eq!(persons(rows), expected(), "{encoding:?}");
        let (decoded, found) = decode(&bytes).unwrap();
        assert_eq!(found, encoding);
        assert_eq!(decoded, text);
    }
}

#[test]
fn large_files_stream_in_either_encoding() {
    // ~40 bytes of Chinese per row, 5000 rows: far beyond the sniffed head and every chunk.
    let mut text = format!("{HEADER}\n");
    for h in 0..2500u16 {
        let y = 1950 + i32::from(h % 50);
        for (k, rel) in ["户主", "配偶"].into_iter().enumerate() {
            text.push_str(&format!(
                "户{h},110101001001001,北京市东城区景山街道第{h}号院,欧阳娜娜,{},,,,{rel}\n",
                id(
                    y,
                    1 + u32::from(h % 12),
                    1 + u32::from(h % 28),
                    h % 500 * 2 + k as u16
                )
                .as_str()
            ));
        }
    }
    let gb = gb18030(&text);
    assert!(gb.len() > 2 * SNIFF_LEN);
    for bytes in [text.as_bytes(), gb.as_slice()] {
        for step in [7, 4096, 1 << 20] {
            let rows: Vec<Row> = read_households_csv(Trickle(bytes, step), today())
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(rows.len(), 5000);
            assert_eq!(rows[4999].number, 5001);
            let p = persons(rows);
            assert_eq!(p[4999].household_code, "户2499");
            assert_eq!(p[4999].address, "北京市东城区景山街道第2499号院");
        }
    }
}

#[test]
fn english_headers_in_any_order_and_other_columns() {
    let text = format!(
        "Relationship, Name ,ID Number,note,group_code,household_code,address\n\
         head,赵敏,{},remark,110101001001001,7,Street 1\n",
        id(1990, 2, 3, 2).as_str()
    );
    let p = persons(csv_rows(text.as_bytes()).unwrap());
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].name, "赵敏");
    assert_eq!(p[0].sex, Sex::Female);
    assert_eq!(p[0].birth_date, date(1990, 2, 3));
    assert_eq!(p[0].relationship, Relationship::Head);
    assert_eq!(p[0].household_code, "7");
}

#[test]
fn missing_columns_are_refused_before_any_row() {
    let text = "姓名,身份证号,性别\n张三,x,男\n";
    let err = read_households_csv(text.as_bytes(), today()).err().unwrap();
    match &err {
        ReadError::MissingColumns(c) => assert_eq!(
            c,
            &[
                Column::HouseholdCode,
                Column::GroupCode,
                Column::Address,
                Column::Relationship
            ]
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.code(), "column.missing");
    assert_eq!(
        err.message(jinguo_domain::Lang::Zh),
        "缺少必需的列：「户编号」、「小组编码」、「家庭住址」、「与户主关系」"
    );
    assert!(
        err.message(jinguo_domain::Lang::En)
            .starts_with("Required columns are missing: \"household_code\" (户编号)")
    );
    assert!(matches!(
        read_households_csv(&b""[..], today()).err(),
        Some(ReadError::Empty)
    ));
    assert!(matches!(
        read_households_csv(&b"\xFF\xFEa\0"[..], today()).err(),
        Some(ReadError::Encoding { row: None })
    ));
}

/// One household line: household, group, address, name, id, sex, birth, phone, relationship.
fn line(cells: [&str; 9]) -> String {
    cells.join(",") + "\n"
}

#[test]
fn bad_cells_name_row_column_and_code() {
    let good = id(1980, 1, 2, 11);
    let mut bad_check = good.as_str().to_string();
    let last = if bad_check.ends_with('1') { "2" } else { "1" };
    bad_check.replace_range(17.., last);
    let f = id(1982, 3, 4, 22);
    let text = [
        format!("{HEADER}\n"),
        line([
            "H1",
            "110101001001001",
            "一号",
            "甲",
            &bad_check,
            "",
            "",
            "",
            "户主",
        ]),
        line([
            "H1",
            "110101001001001",
            "一号",
            "乙",
            f.as_str(),
            "男",
            "",
            "",
            "老板",
        ]),
        line([
            "H1",
            "110101001001001",
            "一号",
            "丙",
            id(2000, 1, 1, 31).as_str(),
            "",
            "2000-01-02",
            "123",
            "子",
        ]),
        line([
            "H1",
            "1101010010",
            "一号",
            "",
            id(2001, 1, 1, 31).as_str(),
            "x",
            "",
            "",
            "女",
        ]),
    ]
    .concat();
    assert_eq!(
        errors(text.as_bytes()),
        vec![
            e(2, "身份证号", "id_number.checksum"),
            e(3, "与户主关系", "relationship.unknown"),
            e(3, "身份证号", "id_number.sex_mismatch"),
            e(4, "联系电话", "phone.format"),
            e(4, "身份证号", "id_number.birth_mismatch"),
            e(5, "小组编码", "group_code.format"),
            e(5, "姓名", "required"),
            e(5, "性别", "sex.unknown"),
            e(5, "小组编码", "household.conflict"),
        ]
    );
}

#[test]
fn households_must_agree_have_one_head_and_not_repeat() {
    let g = "110101001001001";
    let text = [
        format!("{HEADER}\n"),
        // H1: the address differs on row 3, two heads (row 4).
        line([
            "H1",
            g,
            "一号",
            "甲",
            id(1980, 1, 1, 1).as_str(),
            "",
            "",
            "",
            "户主",
        ]),
        line([
            "H1",
            g,
            "二号",
            "乙",
            id(1980, 1, 1, 2).as_str(),
            "",
            "",
            "",
            "配偶",
        ]),
        line([
            "H1",
            g,
            "一号",
            "丙",
            id(1980, 1, 1, 3).as_str(),
            "",
            "",
            "",
            "户主",
        ]),
        // H2: no head (reported on its first row, 5); a duplicate ID number on row 6.
        line([
            "H2",
            g,
            "三号",
            "丁",
            id(1980, 1, 1, 4).as_str(),
            "",
            "",
            "",
            "配偶",
        ]),
        line([
            "H2",
            g,
            "三号",
            "戊",
            id(1980, 1, 1, 1).as_str(),
            "",
            "",
            "",
            "子女",
        ]),
        // H1 again, after H2: split.
        line([
            "H1",
            g,
            "一号",
            "己",
            id(1980, 1, 1, 5).as_str(),
            "",
            "",
            "",
            "户主",
        ]),
    ]
    .concat();
    let rows = csv_rows(text.as_bytes()).unwrap();
    assert_eq!(
        rows.iter().map(|r| r.number).collect::<Vec<_>>(),
        [2, 3, 4, 5, 6, 7]
    );
    assert!(rows[0].result.is_ok());
    let all: Vec<RowError> = rows
        .into_iter()
        .filter_map(|r| r.result.err())
        .flatten()
        .collect();
    let got: Vec<(u64, &str, &str, Option<u64>)> = all
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.code, e.other_row))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "家庭住址", "household.conflict", Some(2)),
            (4, "与户主关系", "household.two_heads", Some(2)),
            (5, "与户主关系", "household.no_head", None),
            (6, "身份证号", "id_number.duplicate_in_file", Some(2)),
            (7, "户编号", "household.split", Some(2)),
        ]
    );
    assert_eq!(
        all[3].message(jinguo_domain::Lang::Zh),
        "第6行「身份证号」：在本文件中出现了两次（见第2行）"
    );
    assert_eq!(all[2].field, "relationship");
}

#[test]
fn a_household_too_large_is_refused_whole() {
    let mut text = format!("{HEADER}\n");
    for k in 0..=MAX_HOUSEHOLD_ROWS {
        let rel = if k == 0 { "户主" } else { "其他" };
        let born = date(1950, 1, 1) + chrono::Days::new(k as u64);
        text.push_str(&line([
            "H1",
            "110101001001001",
            "集体户",
            "某",
            ResidentId::compose(110101, born, 1).as_str(),
            "",
            "",
            "",
            rel,
        ]));
    }
    text.push_str(&line([
        "H2",
        "110101001001001",
        "二号",
        "乙",
        id(1990, 1, 1, 2).as_str(),
        "",
        "",
        "",
        "户主",
    ]));
    let rows = csv_rows(text.as_bytes()).unwrap();
    assert_eq!(rows.len(), MAX_HOUSEHOLD_ROWS + 2);
    assert!(rows.windows(2).all(|w| w[0].number + 1 == w[1].number));
    for r in &rows[..=MAX_HOUSEHOLD_ROWS] {
        let errs = r.result.as_ref().err().unwrap();
        assert_eq!(errs[0].code, "household.too_large");
    }
    assert!(rows[MAX_HOUSEHOLD_ROWS + 1].result.is_ok());
}

#[test]
fn blank_rows_are_skipped_and_quoted_newlines_count_one_row() {
    let text = format!(
        "{HEADER}\n,,,,,,,,\n\
         H1,110101001001001,\"一号\n二楼\",甲,{},,,,户主\n\n\
         H2,110101001001001,二号,乙,{},,,,户主\n",
        id(1980, 1, 1, 1).as_str(),
        id(1980, 1, 1, 3).as_str()
    );
    let rows = csv_rows(text.as_bytes()).unwrap();
    // Row 2 is blank; the quoted address spans two lines of row 3; row 4 is blank.
    assert_eq!(rows.iter().map(|r| r.number).collect::<Vec<_>>(), [3, 5]);
    assert_eq!(persons(rows)[0].address, "一号\n二楼");
}

#[test]
fn bytes_that_are_not_text_stop_the_reading() {
    // UTF-8 at the beginning, then a stray byte far beyond the sniffed head.
    let mut text = sample().into_bytes();
    while text.len() < SNIFF_LEN + 100 {
        text.extend_from_slice(b"\n");
    }
    text.extend_from_slice(b"H9,110101001001001,\xE4,x,y,,,,\xFF\n");
    let result = csv_rows(&text);
    assert!(
        matches!(result, Err(ReadError::Encoding { row: Some(r) }) if r > 5),
        "{result:?}"
    );
    // Not GB18030 either: refused whole.
    assert!(matches!(
        decode(b"\x81\x20abc"),
        Err(ReadError::Encoding { row: None })
    ));
}

#[test]
fn csv_export_reads_back_unchanged() {
    let rows = expected();
    let mut out = Vec::new();
    write_households_csv(&mut out, &rows).unwrap();
    assert!(out.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&out[3..]).unwrap();
    assert!(text.starts_with(HEADER), "{text}");
    assert!(text.contains("儿媳/女婿") || text.contains("子女"));
    let back = read_households_csv(out.as_slice(), today()).unwrap();
    assert_eq!(back.encoding(), SourceEncoding::Utf8Bom);
    let back: Vec<Row> = back.collect::<Result<_, _>>().unwrap();
    assert_eq!(persons(back), rows);
}

#[test]
fn xlsx_round_trip() {
    let rows = expected();
    let bytes = xlsx(&[households_sheet("户籍人口", &rows)]).unwrap();
    assert!(bytes.starts_with(b"PK"));
    let back: Vec<Row> = read_households_xlsx(&bytes, today())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        back.iter().map(|r| r.number).collect::<Vec<_>>(),
        [2, 3, 4, 5]
    );
    assert_eq!(persons(back), rows);
}

#[test]
fn xlsx_cells_of_other_kinds() {
    let g = "110101001001001";
    let text = |s: &str| Cell::Text(s.to_string());
    let sheet = Sheet {
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
            // Codes and phone as numbers, birth date as text: fine.
            vec![
                Cell::Int(17),
                Cell::Int(110101001001001),
                text("一号"),
                text("甲"),
                text(id(1980, 1, 2, 11).as_str()),
                text("1980/1/2"),
                Cell::Float(13812345678.0),
                text("户主"),
            ],
            // An ID number stored as a number has lost digits.
            vec![
                Cell::Int(17),
                text(g),
                text("一号"),
                text("乙"),
                Cell::Float(110101198203040220.0),
                Cell::Date(date(1982, 3, 4)),
                Cell::Empty,
                text("配偶"),
            ],
            // A real date that disagrees with the ID number.
            vec![
                Cell::Int(17),
                text(g),
                text("一号"),
                text("丙"),
                text(id(2010, 5, 6, 33).as_str()),
                Cell::Date(date(2010, 5, 7)),
                Cell::Empty,
                text("子女"),
            ],
        ],
    };
    let bytes = xlsx(&[sheet]).unwrap();
    let rows: Vec<Row> = read_households_xlsx(&bytes, today())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 3);
    let first = rows[0].result.as_ref().unwrap();
    assert_eq!(first.household_code, "17");
    assert_eq!(first.group_code.as_str(), g);
    assert_eq!(
        first.phone.as_ref().map(Mobile::as_str),
        Some("13812345678")
    );
    let codes = |r: &Row| -> Vec<(String, &'static str)> {
        r.result
            .as_ref()
            .err()
            .unwrap()
            .iter()
            .map(|e| (e.column.clone(), e.code))
            .collect()
    };
    assert_eq!(
        codes(&rows[1]),
        vec![("id_number".to_string(), "id_number.as_number")]
    );
    assert_eq!(
        codes(&rows[2]),
        vec![("id_number".to_string(), "id_number.birth_mismatch")]
    );
    let msg = rows[1].result.as_ref().err().unwrap()[0].message(jinguo_domain::Lang::Zh);
    assert!(msg.contains("文本"), "{msg}");
}

#[test]
fn xlsx_of_several_sheets_and_bad_input() {
    let sheets = [
        Sheet {
            name: "一".into(),
            headers: vec!["a".into(), "b".into()],
            rows: vec![vec![Cell::Float(1.5), Cell::Text("x".into())]],
        },
        Sheet {
            name: "二".into(),
            headers: vec!["c".into()],
            rows: vec![],
        },
    ];
    let bytes = xlsx(&sheets).unwrap();
    // The first sheet is not a household sheet.
    assert!(matches!(
        read_households_xlsx(&bytes, today()).err(),
        Some(ReadError::MissingColumns(_))
    ));
    assert!(matches!(
        read_households_xlsx(b"not a workbook", today()).err(),
        Some(ReadError::Format)
    ));
    // A sheet name Excel refuses is made fit (it comes from what a user typed, such as a
    // statistical table's name), not refused with the whole workbook.
    let bad = Sheet {
        name: "a/b".into(),
        ..Sheet::default()
    };
    let book = xlsx(&[bad]).unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(book)).unwrap();
    let mut names = String::new();
    std::io::Read::read_to_string(&mut z.by_name("xl/workbook.xml").unwrap(), &mut names).unwrap();
    assert!(names.contains("name=\"a_b\""), "{names}");
}

/// Two cells at opposite corners of a sheet cost two cells, not the 17 billion between them; a
/// cell past the widest sheet read refuses the file. (Reading such a workbook into calamine's
/// dense range would try to allocate 512 GB and abort the process.)
#[test]
fn xlsx_with_cells_far_apart() {
    let book = |row: u32, col: u16| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "household_code").unwrap();
        ws.write_string(row, col, "x").unwrap();
        wb.save_to_buffer().unwrap()
    };
    let far = book(1_048_575, 16_383);
    assert!(matches!(read_table(&far), Err(ReadError::Format)));
    assert!(read_households_xlsx(&far, today()).is_err());
    let tall = book(1_048_575, 1);
    let t = read_table(&tall).unwrap();
    assert_eq!(t.headers, vec!["household_code".to_string()]);
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.rows[0].0, 1_048_576);
}

/// Cells a spreadsheet would run as formulas are written with a single quote in front, quoted,
/// in every CSV this crate writes; the readers give back the text as it was: a phone in
/// international form, a negative amount, a hyperlink formula.
#[test]
fn formulas_are_neutralised_and_read_back() {
    let risky = [
        "=HYPERLINK(\"http://example.com\",\"x\")",
        "+8613812345678",
        "-5",
        "@SUM(A1)",
        "\tx",
        "plain",
    ];
    let mut out = Vec::new();
    write_table_csv(
        &mut out,
        &["值", "说明"],
        risky
            .iter()
            .map(|r| vec![r.to_string(), "530181001001001".into()]),
    )
    .unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(
        text.contains("\n\"'+8613812345678\",\t530181001001001\n"),
        "{text}"
    );
    assert!(
        text.contains("\n\"'=HYPERLINK(\"\"http://example.com\"\",\"\"x\"\")\","),
        "{text}"
    );
    assert!(text.contains("\nplain,"), "{text}");
    let table = read_table(&out).unwrap();
    let back: Vec<&str> = table.rows.iter().map(|(_, r)| r[0].as_str()).collect();
    // Every value as written, the tab in front of `x` included.
    assert_eq!(back, risky);
    assert_eq!(formula_safe("-5"), "'-5");
    assert_eq!(formula_safe("5-"), "5-");

    // The household sheet: a name and an address that look like formulas.
    let mut rows = expected();
    rows[0].name = "=1+2".into();
    rows[1].address = "-负一楼".into();
    rows[2].address = rows[1].address.clone();
    rows[0].address = "@地址".into();
    let mut out = Vec::new();
    write_households_csv(&mut out, &rows[..1]).unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.contains(",\"'@地址\",\"'=1+2\","), "{text}");
    let back: Vec<Row> = read_households_csv(out.as_slice(), today())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(persons(back), rows[..1]);
}

/// A cell larger than [`MAX_CELL_BYTES`] refuses its row, naming row and column, in CSV and in
/// a workbook, whatever the column; in a table read whole it refuses the file.
#[test]
fn cells_too_large_are_refused_by_row_and_column() {
    let big = "x".repeat(MAX_CELL_BYTES + 1);
    let csv = format!(
        "{},备注\n{},\n{},{big}\n",
        HEADER,
        sample_row(0),
        sample_row(1)
    );
    let rows: Vec<Row> = read_households_csv(csv.as_bytes(), today())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(rows[0].result.is_ok(), "{:?}", rows[0]);
    let errors = rows[1].result.as_ref().unwrap_err();
    assert_eq!(
        errors
            .iter()
            .map(|e| (e.row, e.column.as_str(), e.code))
            .collect::<Vec<_>>(),
        vec![(3, "备注", "cell.too_large")]
    );
    assert!(
        errors[0]
            .message(jinguo_domain::Lang::Zh)
            .starts_with("第3行「备注」")
    );
    let sheet = Sheet {
        name: "户".into(),
        headers: HEADER.split(',').map(str::to_string).collect(),
        rows: vec![vec![
            Cell::Text("H9".into()),
            Cell::Empty,
            Cell::Empty,
            // Within a workbook's 32,767 characters, past 32 KB of UTF-8.
            Cell::Text("长".repeat(11_000)),
        ]],
    };
    let book = xlsx(&[sheet]).unwrap();
    let rows: Vec<Row> = read_households_xlsx(&book, today())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let errors = rows[0].result.as_ref().unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| (e.column.as_str(), e.code) == ("姓名", "cell.too_large")),
        "{errors:?}"
    );
    assert!(
        !errors
            .iter()
            .any(|e| e.column == "姓名" && e.code != "cell.too_large")
    );
    let table = format!("姓名,职务\n甲,{big}\n");
    match read_table(table.as_bytes()) {
        Err(e @ ReadError::CellTooLarge { .. }) => {
            assert_eq!(
                e.message(jinguo_domain::Lang::En),
                format!(
                    "Row 2, column \"职务\": {}",
                    message("cell.too_large", jinguo_domain::Lang::En)
                )
            );
        }
        other => panic!("{:?}", other.map(|t| t.rows.len())),
    }
}

/// The mark an export in clear ends with (`# …` in the first cell) is skipped in a workbook as
/// in CSV.
#[test]
fn the_mark_of_an_export_is_no_row_in_a_workbook() {
    let rows = expected();
    let mut sheet = households_sheet("户", &rows);
    sheet
        .rows
        .push(vec![Cell::Text("# 明文导出 export in clear: 某某".into())]);
    let book = xlsx(&[sheet]).unwrap();
    let back: Vec<Row> = read_households_xlsx(&book, today())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(persons(back), rows);
}

fn sample_row(i: usize) -> String {
    sample().lines().nth(i + 1).unwrap().to_string()
}
