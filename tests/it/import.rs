//! Household sheets on both databases: a preview lists every problem by row and column and writes
//! nothing; a commit writes the file in one go; the same file again changes nothing; UTF-8,
//! GB18030 and XLSX read the same; an export imports back unchanged.

use crate::storage::{far_group, first_group};
use crate::support::{self, both_backends, with_small_demo};
use chrono::NaiveDate;
use jinguo_domain::account::Role;
use jinguo_domain::resident_id::ResidentId;
use jinguo_services::import::SheetSource;
use jinguo_services::{Caller, ServiceError, Services};
use jinguo_storage::Backend;

fn id(year: i32, seq: u16) -> String {
    ResidentId::compose(110101, NaiveDate::from_ymd_opt(year, 5, 4).unwrap(), seq)
        .as_str()
        .to_string()
}

/// Three new households of `group`, seven persons.
fn sheet(group: &str) -> String {
    let mut s = String::from("户编号,小组编码,家庭住址,姓名,身份证号,联系电话,与户主关系\n");
    let rows = [
        (
            "T01",
            "测试路1号",
            "王建国",
            id(1970, 1),
            "13812345678",
            "户主",
        ),
        ("T01", "测试路1号", "李秀英", id(1972, 2), "", "配偶"),
        ("T01", "测试路1号", "王小明", id(2001, 3), "", "子女"),
        (
            "T02",
            "测试路2号",
            "赵敏",
            id(1985, 4),
            "13987654321",
            "户主",
        ),
        ("T02", "测试路2号", "钱伟", id(1983, 5), "", "配偶"),
        ("T03", "测试路3号", "孙丽", id(1990, 6), "", "户主"),
        ("T03", "测试路3号", "孙奶奶", id(1940, 8), "", "父母"),
    ];
    for (h, addr, name, idn, phone, rel) in rows {
        s.push_str(&format!(
            "{group}{h},{group},{addr},{name},{idn},{phone},{rel}\n"
        ));
    }
    s
}

/// (row, code) of each problem listed.
fn found(issues: &[jinguo_services::import::Issue]) -> Vec<(Option<u64>, &'static str)> {
    issues.iter().map(|i| (i.row(), i.code())).collect()
}

async fn households_in(s: &Services, group: &str) -> i64 {
    s.group_households(&support::county_staff(), group, 1)
        .await
        .unwrap()
        .total
}

async fn import_preview_commit_reimport(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let group = first_group(&s).await;
    let before = households_in(&s, &group).await;
    let csv = sheet(&group);

    // Preview: everything new, nothing written.
    let r = s
        .import_households(
            &staff,
            &SheetSource::CsvBytes(csv.clone().into_bytes()),
            false,
        )
        .await
        .unwrap();
    assert_eq!(r.issue_count, 0, "{:?}", r.issues);
    assert_eq!((r.rows, r.households, r.new_persons), (7, 3, 7));
    assert!(!r.committed);
    assert_eq!(households_in(&s, &group).await, before);

    // GB18030 and XLSX read the same.
    let (gb, _, _) = encoding_rs::GB18030.encode(&csv);
    let r = s
        .import_households(&staff, &SheetSource::CsvBytes(gb.into_owned()), false)
        .await
        .unwrap();
    assert_eq!(
        (r.encoding, r.new_persons, r.issue_count),
        (Some("GB18030"), 7, 0)
    );
    let today = jinguo_services::clock::today();
    let rows: Vec<_> = jinguo_interchange::read_households_csv(csv.as_bytes(), today)
        .unwrap()
        .map(|r| r.unwrap().result.unwrap())
        .collect();
    let book = jinguo_interchange::xlsx(&[jinguo_interchange::households_sheet("户", rows.iter())])
        .unwrap();
    let r = s
        .import_households(&staff, &SheetSource::from_bytes(book.clone()), false)
        .await
        .unwrap();
    assert_eq!((r.encoding, r.new_persons, r.issue_count), (None, 7, 0));

    // Commit, then the same file again: nothing changes.
    let r = s
        .import_households(&staff, &SheetSource::Xlsx(book.into()), true)
        .await
        .unwrap();
    assert!(r.committed);
    assert_eq!((r.new_households, r.new_persons), (3, 7));
    assert_eq!(households_in(&s, &group).await, before + 3);
    let again = s
        .import_households(
            &staff,
            &SheetSource::CsvBytes(csv.clone().into_bytes()),
            true,
        )
        .await
        .unwrap();
    assert!(again.committed);
    assert_eq!(
        (
            again.new_persons,
            again.unchanged_persons,
            again.issue_count
        ),
        (0, 7, 0)
    );
    assert_eq!(households_in(&s, &group).await, before + 3);
    // The new households are sealed and masked like any other; an export gives them back.
    let out = s
        .export_households(&support::county_exporter(), &group, "核对导入结果")
        .await
        .unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.contains("王建国") && text.contains(&id(1970, 1)));
    let back = s
        .import_households(&staff, &SheetSource::CsvBytes(out), true)
        .await
        .unwrap();
    assert_eq!(back.issue_count, 0, "{:?}", back.issues);
    assert_eq!((back.households as i64, back.new_persons), (before + 3, 0));
    assert!(matches!(
        s.export_households(&support::county_exporter(), &group, "")
            .await,
        Err(ServiceError::Invalid(_))
    ));
}
both_backends!(
    preview_commit_reimport,
    super::import_preview_commit_reimport
);

async fn bad_rows_are_listed_and_nothing_is_written(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let group = first_group(&s).await;
    let (far, _) = far_group(&s).await;
    let before = households_in(&s, &group).await;
    // An ID number already registered in another household, an unknown group, a bad check
    // character, a group outside the importer's place.
    let taken = String::from_utf8(
        s.export_households(&support::county_exporter(), &group, "查重核对")
            .await
            .unwrap(),
    )
    .unwrap()
    .lines()
    .nth(1)
    .unwrap()
    .split(',')
    .nth(4)
    .unwrap()
    .trim()
    .to_string();
    let mut bad_id = id(1980, 9);
    bad_id.replace_range(17..18, if bad_id.ends_with('0') { "1" } else { "0" });
    let unknown = format!("{}999", &group[..12]);
    let csv = format!(
        "户编号,小组编码,家庭住址,姓名,身份证号,与户主关系\n\
         {group}X1,{group},测试路1号,甲,{taken},户主\n\
         {unknown}X2,{unknown},测试路2号,乙,{},户主\n\
         {group}X3,{group},测试路3号,丙,{bad_id},户主\n\
         {far}X4,{far},测试路4号,丁,{},户主\n",
        id(1981, 1),
        id(1982, 1),
    );
    let lianran = support::caller(Role::Staff, "53/5301/530181/530181001/");
    let r = s
        .import_households(&lianran, &SheetSource::CsvBytes(csv.into_bytes()), true)
        .await
        .unwrap();
    assert!(!r.committed);
    assert_eq!(
        found(&r.issues),
        vec![
            (Some(2), "id_number.duplicate"),
            (Some(3), "group_code.unknown"),
            (Some(4), "id_number.checksum"),
            (Some(5), "group_code.outside_scope"),
        ]
    );
    let msg = r.issues[2].message(jinguo_domain::Lang::Zh);
    assert!(msg.starts_with("第4行「身份证号」"), "{msg}");
    let en = r.issues[1].message(jinguo_domain::Lang::En);
    assert!(en.starts_with("Row 3"), "{en}");
    assert_eq!(households_in(&s, &group).await, before);
    // A missing column is named before any row.
    let r = s
        .import_households(
            &staff,
            &SheetSource::CsvBytes("户编号,姓名\nA,甲\n".as_bytes().to_vec()),
            true,
        )
        .await
        .unwrap();
    assert_eq!(r.issues[0].code(), "column.missing");
    // Representatives and administrators do not import.
    let rep = support::caller(Role::Representative, "53/5301/530181/");
    assert!(matches!(
        s.import_households(&rep, &SheetSource::CsvBytes(Vec::new()), false)
            .await,
        Err(ServiceError::Forbidden)
    ));
    let _ = Caller::operator();
}
both_backends!(bad_rows, super::bad_rows_are_listed_and_nothing_is_written);

/// The import page and the API over a real server: a sheet is checked, shown with its figures,
/// and written only when confirmed; the API imports the same way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_page_and_api() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let group = first_group(&s).await;
    let before = households_in(&s, &group).await;
    support::account(&s, "anning", Role::Staff, "530181").await;
    support::may_export(&s, "anning", "530181").await;
    let srv = support::serve(s.clone()).await;
    let (cookie, csrf) = support::login(&srv.base, "anning", support::PASSWORD).await;
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let text = sheet(&group);
    let (gb, _, _) = encoding_rs::GB18030.encode(&text);
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(gb.into_owned()).file_name("名册.csv"),
        );
    let page = c
        .post(format!("{}/imports", srv.base))
        .header("cookie", &cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("id=\"import-valid\""), "{html}");
    assert_eq!(households_in(&s, &group).await, before);
    let token = crate::support::form_value(&html, "token");
    let done = c
        .post(format!("{}/imports/confirm", srv.base))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str()), ("token", token.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(done.contains("id=\"import-done\""), "{done}");
    assert_eq!(households_in(&s, &group).await, before + 3);
    // The token is used up.
    let again = c
        .post(format!("{}/imports/confirm", srv.base))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str()), ("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 422);

    // The API: a bad row is named, in English when asked.
    let bad = sheet(&group).replace("户主\n", "boss\n");
    let r: serde_json::Value = c
        .post(format!(
            "{}/api/v1/imports/households?commit=true",
            srv.base
        ))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .header("accept-language", "en")
        .body(bad)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["committed"], false);
    assert_eq!(r["issues"][0]["row"], 2);
    let msg = r["issues"][0]["message"].as_str().unwrap();
    assert!(msg.starts_with("Row 2, column \"与户主关系\""), "{msg}");
    let export = format!("{}/api/v1/places/{group}/households/export", srv.base);
    let csv = c
        .post(&export)
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"reason": "ab"}))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 422, "a reason of four characters or more");
    // A link on another site cannot trigger it: a GET is no export, and a POST without the
    // session's anti-forgery token is refused.
    let get = c
        .get(format!(
            "{export}?reason=%E6%A0%B8%E5%AF%B9%E5%90%8D%E5%86%8C"
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 405);
    let forged = c
        .post(&export)
        .header("cookie", &cookie)
        .json(&serde_json::json!({"reason": "核对名册信息"}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    // Marked in the file: who, when, why; the day's limit counts every export in clear.
    let ok = c
        .post(&export)
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"reason": "核对名册信息"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let text = ok.text().await.unwrap();
    let mark = text.lines().last().unwrap().trim_matches('"');
    assert!(
        mark.starts_with("# 明文导出") && mark.contains("核对名册信息"),
        "{mark}"
    );
}

async fn members_sheet(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let group = first_group(&s).await;
    let village = &group[..12];
    // The export of a village's members imports back unchanged.
    let out = s
        .export_members(&support::county_exporter(), village, "核对成员名册")
        .await
        .unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.starts_with("\u{feff}姓名,职务,区划代码"), "{text}");
    let again = s.import_members(&staff, &out, true).await.unwrap();
    assert_eq!(again.issue_count, 0, "{:?}", again.issues);
    assert!(again.committed);
    assert_eq!((again.new_members, again.new_assignments), (0, 0));
    assert_eq!(again.unchanged_members, again.rows);

    // A representative leaves; a new one is imported with two of her households.
    let reps = s.coverage_members(&staff, &group).await.unwrap();
    let mine: Vec<String> = {
        let all = s.group_households(&staff, &group, 1).await.unwrap().lines;
        let county = &group[..6];
        let mut v = Vec::new();
        for h in all {
            let holders = jinguo_storage::screening::household_members(&s.db, county, h.id)
                .await
                .unwrap();
            if holders == vec![reps[0].id] {
                v.push(h.code.clone());
            }
        }
        v
    };
    s.member_leave(&staff, reps[0].id, "调任").await.unwrap();
    let gaps = s
        .coverage(&staff, &group)
        .await
        .unwrap()
        .households_without_representative();
    let sheet = format!(
        "姓名,职务,区划代码,联系电话,任期开始,包保单位\n李梅,妇女代表,{group},13812345678,2026-01-01,{}、{}\n",
        mine[0], mine[1]
    );
    let preview = s
        .import_members(&staff, sheet.as_bytes(), false)
        .await
        .unwrap();
    assert_eq!(
        (
            preview.new_members,
            preview.new_assignments,
            preview.issue_count
        ),
        (1, 2, 0)
    );
    assert_eq!(
        s.coverage(&staff, &group)
            .await
            .unwrap()
            .households_without_representative(),
        gaps
    );
    let done = s
        .import_members(&staff, sheet.as_bytes(), true)
        .await
        .unwrap();
    assert!(done.committed);
    assert_eq!(
        s.coverage(&staff, &group)
            .await
            .unwrap()
            .households_without_representative(),
        gaps - 2
    );
    let twice = s
        .import_members(&staff, sheet.as_bytes(), true)
        .await
        .unwrap();
    assert_eq!(
        (
            twice.new_members,
            twice.new_assignments,
            twice.unchanged_members
        ),
        (0, 0, 1)
    );

    // Bad rows, each named by row and column; nothing written.
    let (far, _) = far_group(&s).await;
    let bad = format!(
        "姓名,职务,区划代码,任期开始,包保单位\n\
         甲,执委,{group},2026-01-01,\n\
         乙,妇女代表,530181999999999,2026-01-01,\n\
         丙,执委,{village},2026-01-01,{far}\n\
         丁,执委,{village},2026-01-01,\n\
         丁,执委,{village},2026-01-01,\n"
    );
    let r = s
        .import_members(&staff, bad.as_bytes(), true)
        .await
        .unwrap();
    assert!(!r.committed);
    assert_eq!(
        found(&r.issues),
        vec![
            (Some(2), "member.wrong_level"),
            (Some(3), "place.unknown"),
            (Some(4), "assignment.outside_federation"),
            (Some(6), "member.duplicate_in_file"),
        ]
    );
    assert!(
        r.issues[3]
            .message(jinguo_domain::Lang::Zh)
            .contains("见第5行")
    );
    let missing = s
        .import_members(&staff, "姓名,职务\n甲,执委\n".as_bytes(), false)
        .await
        .unwrap();
    assert_eq!(
        missing.issues.iter().map(|i| i.code()).collect::<Vec<_>>(),
        vec!["column.missing", "column.missing"]
    );
}
both_backends!(members, super::members_sheet);

/// Under serializable isolation an import that meets a concurrent write is refused by PostgreSQL
/// and run again: the second run reads the file afresh, and the whole file is there once, with
/// nothing left of the first run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_run_again_after_a_conflict_is_whole() {
    let (t, s) = with_small_demo(Backend::Postgres).await;
    let s = support::serializable(&t, s).await;
    let group = first_group(&s).await;
    let before = households_in(&s, &group).await;
    let mut csv = String::from("户编号,小组编码,家庭住址,姓名,身份证号,与户主关系\n");
    for k in 0..2_000u16 {
        let birth = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Duration::days(k.into());
        for (j, rel) in ["户主", "配偶"].iter().enumerate() {
            let idn = ResidentId::compose(110101, birth, 2 + 2 * j as u16);
            csv.push_str(&format!(
                "{group}R{k:05},{group},测试路{k}号,某某,{},{rel}\n",
                idn.as_str()
            ));
        }
    }
    let before_retries = jinguo_storage::db::TX_RETRIES.load(std::sync::atomic::Ordering::Relaxed);
    // Entries about no county appended meanwhile, to the chain the import's own entry goes to.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (s, done) = (s.clone(), done.clone());
        tokio::spawn(async move {
            for _ in 0..40 {
                if done.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                s.note_read(
                    &jinguo_services::Caller::operator(),
                    jinguo_services::audit::Record::new("test.entry"),
                )
                .await
                .unwrap();
                // Spread over the import's first run, which they make run again.
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            }
        })
    };
    let r = s
        .import_households(
            &support::county_staff(),
            &SheetSource::CsvBytes(csv.into_bytes()),
            true,
        )
        .await
        .unwrap();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.await.unwrap();
    let retries =
        jinguo_storage::db::TX_RETRIES.load(std::sync::atomic::Ordering::Relaxed) - before_retries;
    eprintln!("{retries} transactions run again");
    assert!(retries > 0, "no conflict arose: the test proved nothing");
    assert!(r.committed);
    assert_eq!((r.new_households, r.new_persons), (2_000, 4_000));
    assert_eq!(households_in(&s, &group).await, before + 2_000);
    let jinguo_storage::Db::Postgres(p) = &s.db else {
        unreachable!()
    };
    let (persons,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM person p JOIN household h ON h.county_code = p.county_code \
         AND h.id = p.household_id WHERE h.code LIKE '%R%'",
    )
    .fetch_one(p)
    .await
    .unwrap();
    assert_eq!(persons, 4_000);
}

/// The same new file imported twice at once: both checks find nothing stored, so neither looks
/// up again while writing; the unique keys let one write it and refuse the other (a conflict),
/// or the second finds everything already there. Never a household or a person twice.
async fn the_same_file_imported_twice_at_once(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let group = first_group(&s).await;
    let before = households_in(&s, &group).await;
    let mut csv = String::from("户编号,小组编码,家庭住址,姓名,身份证号,与户主关系\n");
    for k in 0..1_500u16 {
        let birth = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Duration::days(k.into());
        let idn = ResidentId::compose(110101, birth, 2);
        csv.push_str(&format!(
            "{group}T{k:05},{group},测试路{k}号,某某,{},户主\n",
            idn.as_str()
        ));
    }
    let import = |s: Services, csv: String| async move {
        s.import_households(
            &support::county_staff(),
            &SheetSource::CsvBytes(csv.into_bytes()),
            true,
        )
        .await
    };
    let (a, b2) = tokio::join!(
        tokio::spawn(import(s.clone(), csv.clone())),
        tokio::spawn(import(s.clone(), csv.clone()))
    );
    let mut written = 0;
    for r in [a.unwrap(), b2.unwrap()] {
        match r {
            Ok(r) if r.new_households == 1_500 => written += 1,
            Ok(r) => assert_eq!((r.new_households, r.new_persons), (0, 0), "{r:?}"),
            Err(ServiceError::Conflict) => eprintln!("refused: a conflict"),
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(written, 1);
    assert_eq!(households_in(&s, &group).await, before + 1_500);
}
both_backends!(twice_at_once, super::the_same_file_imported_twice_at_once);
