//! Imports are bounded, on both databases, through the command (`jinguo import households`) and
//! the API (`POST /api/v1/imports/households`): a compression bomb, a 10 MB cell and a file of a
//! million bad rows are each refused with a clear message while memory stays under 300 MB; the
//! configured size and row count of an import hold on both, and the HTTP body limit is the
//! configured size. The large files are made here, in the test.

use crate::cli::jinguo;
use crate::support::{self, both_backends};
use jinguo_storage::Backend;
use std::io::Write;

/// What a process may grow by while it refuses a file.
const BOUND_MB: u64 = 300;

fn status_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap()
}

/// Runs `f` and answers how far this process's peak resident memory (`VmHWM`) rose above what
/// it held before, in MB. The peak is reset first where the kernel allows it
/// (`/proc/self/clear_refs`), so that an earlier peak cannot hide this one.
pub async fn peak_growth_mb<T>(f: impl std::future::Future<Output = T>) -> (T, u64) {
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = if reset {
        status_kb("VmRSS:")
    } else {
        status_kb("VmHWM:")
    };
    let out = f.await;
    let peak = status_kb("VmHWM:");
    (out, peak.saturating_sub(before) / 1024)
}

/// The largest peak resident memory of the commands this test ran and waited for, in MB.
fn children_peak_mb() -> u64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        assert_eq!(
            libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr()),
            0
        );
        usage.assume_init()
    };
    usage.ru_maxrss as u64 / 1024
}

/// Escapes text for XML.
fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Writes one row of inline strings.
fn sheet_row(w: &mut dyn Write, number: u64, cells: &[&str]) {
    write!(w, "<row r=\"{number}\">").unwrap();
    for (i, c) in cells.iter().enumerate() {
        let col = char::from(b'A' + i as u8);
        write!(
            w,
            "<c r=\"{col}{number}\" t=\"inlineStr\"><is><t>{}</t></is></c>",
            xml(c)
        )
        .unwrap();
    }
    w.write_all(b"</row>").unwrap();
}

/// A workbook of one sheet, written part by part as a stream (the test holds only the
/// compressed bytes): `rows` writes the sheet's rows; `shared_a` bytes of `a` make one shared
/// string (0: no shared strings part).
pub fn workbook(rows: impl FnOnce(&mut dyn Write), shared_a: u64) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().large_file(shared_a > u32::MAX as u64);
    let shared_rel = if shared_a > 0 {
        "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>"
    } else {
        ""
    };
    let parts = [
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/><Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/></Types>".to_string(),
        ),
        (
            "_rels/.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>".to_string(),
        ),
        (
            "xl/workbook.xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"户\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>".to_string(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>{shared_rel}</Relationships>"),
        ),
    ];
    for (name, text) in parts {
        z.start_file(name, opts).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    if shared_a > 0 {
        z.start_file("xl/sharedStrings.xml", opts).unwrap();
        z.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"1\" uniqueCount=\"1\"><si><t>").unwrap();
        let chunk = vec![b'a'; 1 << 20];
        let mut left = shared_a;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            z.write_all(&chunk[..n]).unwrap();
            left -= n as u64;
        }
        z.write_all(b"</t></si></sst>").unwrap();
    }
    z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    z.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>").unwrap();
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut z);
        rows(&mut w);
        w.flush().unwrap();
    }
    z.write_all(b"</sheetData></worksheet>").unwrap();
    z.finish().unwrap().into_inner()
}

const HEADER: [&str; 6] = [
    "户编号",
    "小组编码",
    "家庭住址",
    "姓名",
    "身份证号",
    "与户主关系",
];

/// A household sheet whose shared strings expand to 400 MB (about 400 KB compressed).
fn bomb() -> Vec<u8> {
    workbook(|w| sheet_row(w, 1, &HEADER), 400 << 20)
}

/// A CSV household sheet whose row 3 holds a cell of 10 MB in the column 备注.
fn large_cell_csv() -> Vec<u8> {
    let mut csv = String::from("户编号,小组编码,家庭住址,姓名,身份证号,与户主关系,备注\n");
    csv.push_str("A1,530181001001001,测试路1号,甲,110101199001010014,户主,\n");
    csv.push_str("A2,530181001001001,测试路2号,乙,110101199001020010,户主,");
    csv.push_str(&"长".repeat((10 << 20) / 3));
    csv.push('\n');
    csv.into_bytes()
}

/// A workbook of a million rows, every one of them wrong in every column.
fn million_bad_rows() -> Vec<u8> {
    workbook(
        |w| {
            sheet_row(w, 1, &HEADER);
            for n in 0..1_000_000u64 {
                let cells = [
                    format!("H{}", n / 3),
                    format!("G{n}"),
                    String::new(),
                    format!("某{n}"),
                    format!("{n}"),
                    "?".to_string(),
                ];
                let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
                sheet_row(w, n + 2, &refs);
            }
        },
        0,
    )
}

/// `jinguo import households FILE --lang en` on a database: (success, stdout).
fn import_command(url: &str, data_dir: &std::path::Path, file: &std::path::Path) -> (bool, String) {
    let out = jinguo()
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--database-url")
        .arg(url)
        .args(["import", "households", "--lang", "en"])
        .arg(file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    (out.status.success(), stdout)
}

async fn the_command_refuses_bombs_cells_and_floods(b: Backend) {
    let t = support::fresh(b).await;
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, Vec<u8>, &str); 3] = [
        ("bomb.xlsx", bomb(), "compression bomb"),
        (
            "cell.csv",
            large_cell_csv(),
            "Row 3, column \"备注\": holds more than 32 KB",
        ),
        ("flood.xlsx", million_bad_rows(), "problems"),
    ];
    let mut flood = String::new();
    for (name, bytes, says) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let (ok, out) = import_command(&t.url, dir.path(), &file);
        assert!(!ok, "{name} was taken");
        let head: String = out.chars().take(2000).collect();
        assert!(out.contains(says), "{name}: {head}");
        let peak = children_peak_mb();
        eprintln!("{name}: the command's peak so far {peak} MB");
        assert!(peak < BOUND_MB, "{name}: the command peaked at {peak} MB");
        flood = out;
    }
    // The flood: a thousand problems listed, every one counted.
    let listed = flood.lines().filter(|l| l.starts_with("Row ")).count();
    let summary = flood.lines().last().unwrap_or_default();
    assert_eq!(listed, 1000, "{summary}");
    assert!(summary.starts_with("1000000 rows"), "{summary}");
    let count: u64 = summary
        .split(": ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(count >= 4_000_000, "{summary}");
    let (households,): (i64,) = count_households(&t.db).await;
    assert_eq!(households, 0);
}
both_backends!(command, super::the_command_refuses_bombs_cells_and_floods);

async fn count_households(db: &jinguo_storage::Db) -> (i64,) {
    match db {
        jinguo_storage::Db::Sqlite(s) => sqlx::query_as("SELECT count(*) FROM household")
            .fetch_one(&s.read)
            .await
            .unwrap(),
        jinguo_storage::Db::Postgres(p) => sqlx::query_as("SELECT count(*) FROM household")
            .fetch_one(p)
            .await
            .unwrap(),
    }
}

/// POSTs a sheet to the import endpoint as `who`; (status, body).
async fn post_sheet(
    base: &str,
    who: &support::Session,
    bytes: Vec<u8>,
) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/imports/households?commit=true"))
        .header("cookie", &who.cookie)
        .header("x-csrf-token", &who.csrf)
        .header("accept-language", "en")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("{status} {ct}: not JSON: {}", &text[..text.len().min(300)]));
    (status, body)
}

async fn the_api_refuses_bombs_cells_and_floods(b: Backend) {
    let t = support::fresh(b).await;
    let s = support::services(&t.db);
    s.ensure_demo_shaped(7, support::SMALL).await.unwrap();
    support::account(&s, "anning", jinguo_domain::account::Role::Staff, "530181").await;
    let who = support::session(&s, "anning", false).await;
    let srv = support::serve(s.clone()).await;
    let (before,) = count_households(&t.db).await;

    let (bomb_bytes, cell, flood) = (bomb(), large_cell_csv(), million_bad_rows());
    let ((status, r), grew) = peak_growth_mb(post_sheet(&srv.base, &who, bomb_bytes)).await;
    eprintln!("bomb: the server grew by {grew} MB");
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["committed"], false);
    assert_eq!(r["issues"][0]["code"], "file.zip_bomb", "{r}");
    let msg = r["issues"][0]["message"].as_str().unwrap();
    assert!(msg.contains("compression bomb"), "{msg}");
    assert!(grew < BOUND_MB, "the bomb took the server up by {grew} MB");

    let ((status, r), grew) = peak_growth_mb(post_sheet(&srv.base, &who, cell)).await;
    eprintln!("10 MB cell: the server grew by {grew} MB");
    assert_eq!(status, 200, "{r}");
    let cell_issue = r["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "cell.too_large")
        .unwrap_or_else(|| panic!("{r}"));
    assert_eq!(
        (cell_issue["row"].as_u64(), cell_issue["column"].as_str()),
        (Some(3), Some("备注"))
    );
    assert!(
        grew < BOUND_MB,
        "a 10 MB cell took the server up by {grew} MB"
    );

    let ((status, r), grew) = peak_growth_mb(post_sheet(&srv.base, &who, flood)).await;
    eprintln!("a million bad rows: the server grew by {grew} MB");
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["rows"], 1_000_000);
    assert_eq!(r["issues"].as_array().unwrap().len(), 1000);
    assert!(
        r["issue_count"].as_u64().unwrap() >= 4_000_000,
        "{}",
        r["issue_count"]
    );
    assert!(
        grew < BOUND_MB,
        "a million bad rows took the server up by {grew} MB"
    );
    assert_eq!(count_households(&t.db).await.0, before);
}
both_backends!(api, super::the_api_refuses_bombs_cells_and_floods);

/// The configured size and row count of an import: the command and the API refuse a file past
/// either with a message that says the limit, and the API's body limit is the same size.
async fn configured_limits(b: Backend) {
    let t = support::fresh(b).await;
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("户编号,小组编码,家庭住址,姓名,身份证号,与户主关系\n");
    for n in 0..40 {
        csv.push_str(&format!("B{n},530181001001001,测试路{n}号,某,x,户主\n"));
    }
    assert!(csv.len() > 1024);
    let file = dir.path().join("forty.csv");
    std::fs::write(&file, &csv).unwrap();
    let run = |env: (&str, &str)| {
        let out = jinguo()
            .env(env.0, env.1)
            .arg("--data-dir")
            .arg(dir.path())
            .arg("--database-url")
            .arg(&t.url)
            .args(["import", "households", "--lang", "en"])
            .arg(&file)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (ok, out) = run(("JINGUO_MAX_IMPORT_ROWS", "5"));
    assert!(!ok);
    assert!(out.contains("has more than 5 rows"), "{out}");
    let (ok, out) = run(("JINGUO_MAX_IMPORT_BYTES", "1024"));
    assert!(!ok);
    assert!(out.contains("larger than an import takes (1 KB)"), "{out}");

    let mut s = support::services(&t.db);
    s.ensure_demo_shaped(7, support::SMALL).await.unwrap();
    support::account(&s, "anning", jinguo_domain::account::Role::Staff, "530181").await;
    let who = support::session(&s, "anning", false).await;
    s.imports.max_bytes = 64 << 10;
    s.imports.max_rows = 5;
    let srv = support::serve(s.clone()).await;
    let (status, r) = post_sheet(&srv.base, &who, csv.clone().into_bytes()).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        r["issues"].as_array().unwrap().last().unwrap()["code"],
        "file.too_many_rows"
    );
    // One byte past the configured size: refused before it is read, as problem+json.
    let (status, r) = post_sheet(&srv.base, &who, vec![b'x'; (64 << 10) + 1]).await;
    assert_eq!(status, 413, "{r}");
    assert_eq!(
        support::fields(&r),
        vec![("file".to_string(), "file.too_large".to_string())]
    );
    assert!(r["detail"].as_str().unwrap().contains("64 KB"), "{r}");
}
both_backends!(limits, super::configured_limits);
