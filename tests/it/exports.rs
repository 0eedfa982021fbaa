//! Exports on both databases: every CSV cell a spreadsheet would run as a formula is neutralised
//! (a single quote in front, quoted) and the import reads it back as written; `jinguo export
//! households --out NAME.xlsx` writes a workbook and refuses a name it cannot honour; the dry run
//! of an import counts the new households the commit then adds; an exported sheet, the mark of
//! the export in clear included, goes as it is into `jinguo bench import` and its yardsticks.

use crate::cli::jinguo;
use crate::storage::first_group;
use crate::support::{self, both_backends, with_small_demo};
use chrono::NaiveDate;
use jinguo_domain::resident_id::ResidentId;
use jinguo_services::import::SheetSource;
use jinguo_storage::Backend;

pub(crate) fn id(k: u32, seq: u16) -> String {
    let birth = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Duration::days(k.into());
    ResidentId::compose(110101, birth, seq).as_str().to_string()
}

/// Text a spreadsheet would take for a formula, each a name or an address of the sheet.
const RISKY: [&str; 6] = [
    "=HYPERLINK(\"http://example.com/x?a=1\",\"点击查看\")",
    "+1",
    "-5",
    "@x",
    "=1+2",
    "+cmd|' /C calc'!A0",
];

async fn formulas_are_neutralised_and_read_back(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let group = first_group(&s).await;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "户编号",
        "小组编码",
        "家庭住址",
        "姓名",
        "身份证号",
        "与户主关系",
    ])
    .unwrap();
    for (k, text) in RISKY.iter().enumerate() {
        let code = format!("{group}F{k}");
        let number = id(k as u32, 2);
        w.write_record([code.as_str(), &group, text, text, &number, "户主"])
            .unwrap();
    }
    let sheet = w.into_inner().unwrap();
    let r = s
        .import_households(&staff, &SheetSource::CsvBytes(sheet), true)
        .await
        .unwrap();
    assert!(r.committed, "{:?}", r.issues);

    let out = s
        .export_households(&support::county_exporter(), &group, "核对导入结果")
        .await
        .unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    // No cell of the file starts as a formula; a tab only ever precedes a code of digits.
    let mut cells = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(out.as_slice());
    let mut neutralised = 0;
    for record in cells.records() {
        for cell in record.unwrap().iter() {
            let cell = cell.trim_start_matches('\u{feff}');
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\r']),
                "a formula in the export: {cell}"
            );
            if let Some(code) = cell.strip_prefix('\t') {
                assert!(
                    code.bytes().all(|b| b.is_ascii_digit() || b == b'X'),
                    "{cell:?}"
                );
            }
            neutralised += usize::from(cell.starts_with('\''));
        }
    }
    assert_eq!(neutralised, RISKY.len() * 2, "name and address of each");
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://example.com/x?a=1\"\",\"\"点击查看\"\")\""),
        "{text}"
    );
    // Read back, every value is the one written.
    let today = jinguo_services::clock::today();
    let rows: Vec<_> = jinguo_interchange::read_households_csv(out.as_slice(), today)
        .unwrap()
        .map(|r| r.unwrap().result.unwrap())
        .filter(|p| p.household_code.contains('F'))
        .collect();
    let mut back: Vec<(String, String)> = rows
        .iter()
        .map(|p| (p.name.clone(), p.address.clone()))
        .collect();
    back.sort();
    let mut written: Vec<(String, String)> = RISKY
        .iter()
        .map(|t| (t.to_string(), t.to_string()))
        .collect();
    written.sort();
    assert_eq!(back, written);
    // And the import of the export changes nothing.
    let again = s
        .import_households(&staff, &SheetSource::CsvBytes(out), true)
        .await
        .unwrap();
    assert_eq!(
        (again.issue_count, again.new_persons, again.new_households),
        (0, 0, 0),
        "{:?}",
        again.issues
    );
}
both_backends!(formulas, super::formulas_are_neutralised_and_read_back);

/// The dry run counts the new households (and persons) the commit then adds, including a
/// household whose rows span two of the import's batches and not a household already there.
async fn dry_run_counts_what_the_commit_adds(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let group = first_group(&s).await;
    let existing = s.group_households(&staff, &group, 1).await.unwrap().lines[0]
        .code
        .clone();
    let exported = s
        .export_households(&support::county_exporter(), &group, "核对导入结果")
        .await
        .unwrap();
    let today = jinguo_services::clock::today();
    let registered: Vec<_> = jinguo_interchange::read_households_csv(exported.as_slice(), today)
        .unwrap()
        .map(|r| r.unwrap().result.unwrap())
        .filter(|p| p.household_code == existing)
        .collect();
    let mut csv = String::from("户编号,小组编码,家庭住址,姓名,身份证号,与户主关系\n");
    // 500 new households of three persons: the import's batches of 1,000 rows split one.
    for k in 0..500u32 {
        for (j, rel) in ["户主", "配偶", "子女"].iter().enumerate() {
            csv.push_str(&format!(
                "{group}D{k:04},{group},测试路{k}号,某某,{},{rel}\n",
                id(k, 2 + 2 * j as u16)
            ));
        }
    }
    // A new person in a household already registered (its persons as they are, and one more):
    // no new household.
    for p in &registered {
        csv.push_str(&format!(
            "{existing},{group},{},{},{},{}\n",
            p.address,
            p.name,
            p.id_number.as_str(),
            p.relationship.key()
        ));
    }
    csv.push_str(&format!(
        "{existing},{group},{},新成员,{},子女\n",
        registered[0].address,
        id(900, 4)
    ));
    let preview = s
        .import_households(
            &staff,
            &SheetSource::CsvBytes(csv.clone().into_bytes()),
            false,
        )
        .await
        .unwrap();
    assert_eq!(preview.issue_count, 0, "{:?}", preview.issues);
    let done = s
        .import_households(&staff, &SheetSource::CsvBytes(csv.into_bytes()), true)
        .await
        .unwrap();
    assert!(done.committed);
    assert_eq!((done.new_households, done.new_persons), (500, 1501));
    assert_eq!(
        (preview.new_households, preview.new_persons),
        (done.new_households, done.new_persons)
    );
}
both_backends!(dry_run, super::dry_run_counts_what_the_commit_adds);

/// The small demo in a fresh database whose key file is in a data folder of its own, so that a
/// command given that folder opens what the services sealed.
async fn small_demo_with_data_dir(
    b: Backend,
) -> (
    support::TestDb,
    tempfile::TempDir,
    jinguo_services::Services,
) {
    let t = support::fresh(b).await;
    let dir = tempfile::tempdir().unwrap();
    let keys = jinguo_services::Keyring::load_or_create(&dir.path().join("keys.toml")).unwrap();
    let mut s = jinguo_services::Services::new(
        t.db.clone(),
        std::sync::Arc::new(jinguo_services::sealed::KeyStore::fixed(keys)),
    );
    s.linkage.worker = false;
    s.ensure_demo_shaped(7, support::SMALL).await.unwrap();
    (t, dir, s)
}

/// `jinguo export households PLACE --reason REASON --out OUT` on a data folder and a database.
fn export_command(
    dir: &std::path::Path,
    url: &str,
    place: &str,
    reason: &str,
    out: &std::path::Path,
) -> std::process::Output {
    jinguo()
        .arg("--data-dir")
        .arg(dir)
        .arg("--database-url")
        .arg(url)
        .args(["export", "households", place, "--reason", reason, "--out"])
        .arg(out)
        .output()
        .unwrap()
}

/// `jinguo export households --out NAME.xlsx` writes a workbook that imports back; a name that
/// is neither .csv nor .xlsx is refused and nothing is written.
async fn the_command_exports_a_workbook(b: Backend) {
    let (t, dir, s) = small_demo_with_data_dir(b).await;
    let group = first_group(&s).await;
    let households = s
        .group_households(&support::county_staff(), &group, 1)
        .await
        .unwrap()
        .total;
    let export =
        |out: &std::path::Path| export_command(dir.path(), &t.url, &group, "核对名册信息", out);
    let book = dir.path().join("名册.XLSX");
    let done = export(&book);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let bytes = std::fs::read(&book).unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"), "not a workbook");
    let today = jinguo_services::clock::today();
    let rows: Vec<_> = jinguo_interchange::read_households_xlsx(&bytes, today)
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert!(rows.iter().all(|r| r.result.is_ok()), "{rows:?}");
    let mut codes: Vec<&str> = rows.iter().map(|r| r.household_code.as_str()).collect();
    codes.dedup();
    assert_eq!(codes.len() as i64, households);
    let again = s
        .import_households(
            &support::county_staff(),
            &SheetSource::from_bytes(bytes),
            true,
        )
        .await
        .unwrap();
    assert_eq!(
        (again.issue_count, again.new_persons, again.rows),
        (0, 0, rows.len() as u64)
    );

    for name in ["名册.ods", "名册"] {
        let other = dir.path().join(name);
        let refused = export(&other);
        assert!(!refused.status.success());
        let says = String::from_utf8_lossy(&refused.stderr);
        assert!(says.contains("must end in .csv or .xlsx"), "{says}");
        assert!(!other.exists());
    }
}
both_backends!(xlsx_command, super::the_command_exports_a_workbook);

/// The sheet `jinguo export households` writes, its last row the mark of the export in clear,
/// is read as it is by `jinguo bench import` and by the yardstick of the backend (`bench insert`
/// on SQLite, `bench copy` on PostgreSQL): every person of the export, and not the mark. A row of
/// another width is still refused by the yardstick.
async fn an_exported_sheet_goes_into_the_benchmarks_as_is(b: Backend) {
    let (t, dir, _s) = small_demo_with_data_dir(b).await;
    let sheet = dir.path().join("households.csv");
    let done = export_command(
        dir.path(),
        &t.url,
        "530181",
        "benchmark of the import",
        &sheet,
    );
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let bytes = std::fs::read(&sheet).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    let last = text.trim_end().lines().last().unwrap();
    assert!(
        last.starts_with("\"# ") && last.contains("benchmark of the import"),
        "the export ends with its mark, quoted: {last}"
    );
    let today = jinguo_services::clock::today();
    let persons = jinguo_interchange::read_households_csv(bytes.as_slice(), today)
        .unwrap()
        .filter(|r| r.as_ref().unwrap().result.is_ok())
        .count();
    assert!(persons > 1200, "the small demo's persons: {persons}");
    let persons = persons.to_string();

    // `bench …` into a database of its own; its printed line, split into words.
    let bench = |what: &str, file: &std::path::Path| {
        let what = what.to_string();
        let file = file.to_path_buf();
        async move {
            let into = support::fresh(b).await;
            let data = tempfile::tempdir().unwrap();
            let out = jinguo()
                .arg("--data-dir")
                .arg(data.path())
                .arg("--database-url")
                .arg(&into.url)
                .args(["bench", &what])
                .arg(&file)
                .output()
                .unwrap();
            let said = String::from_utf8_lossy(&out.stdout).to_string();
            let err = String::from_utf8_lossy(&out.stderr).to_string();
            (out.status.success(), said, err)
        }
    };
    let (ok, said, err) = bench("import", &sheet).await;
    assert!(ok, "{err}");
    let words: Vec<&str> = said.split_whitespace().collect();
    assert_eq!(words[..3], ["import", persons.as_str(), "600"], "{said}");

    let yardstick = match b {
        Backend::Sqlite => "insert",
        Backend::Postgres => "copy",
    };
    let (ok, said, err) = bench(yardstick, &sheet).await;
    assert!(ok, "{err}");
    let words: Vec<&str> = said.split_whitespace().collect();
    assert_eq!(words[..2], [yardstick, persons.as_str()], "{said}");

    // A row cut short is no mark: refused, with its line.
    let mut cut = text.clone();
    let at = cut.rfind("\n\"#").unwrap();
    cut.insert_str(at + 1, "\t5301810010010010001,\t530181001001001\n");
    let broken = dir.path().join("cut.csv");
    std::fs::write(&broken, cut).unwrap();
    let (ok, _, err) = bench(yardstick, &broken).await;
    assert!(!ok);
    assert!(err.contains("2 fields where the header has 9"), "{err}");
}
both_backends!(
    exported_sheet_benchmarks,
    super::an_exported_sheet_goes_into_the_benchmarks_as_is
);
