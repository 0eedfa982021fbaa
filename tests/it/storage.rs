//! Storage and service contracts, the same on SQLite and PostgreSQL.

use crate::support::{self, all_backends, both_backends, fresh, with_small_demo};
use jinguo_domain::person::PersonInput;
use jinguo_services::{Caller, ServiceError, Services};
use jinguo_storage::{Backend, Db, Subtree};

#[tokio::test]
async fn schemas_of_both_backends_stay_in_step() {
    let lite = fresh(Backend::Sqlite).await;
    let pg = fresh(Backend::Postgres).await;
    let a = lite.db.schema_columns().await.unwrap();
    let b = pg.db.schema_columns().await.unwrap();
    assert!(a.len() > 30, "schema looks empty: {a:?}");
    assert_eq!(a, b, "SQLite and PostgreSQL schemas differ");
    assert_eq!(
        Db::migration_versions(Backend::Sqlite),
        Db::migration_versions(Backend::Postgres),
        "migration files differ between backends"
    );
}

async fn migrations_are_idempotent(b: Backend) {
    let t = fresh(b).await;
    t.db.migrate().await.unwrap();
    t.db.migrate().await.unwrap();
    t.db.ping().await.unwrap();
}
all_backends!(migrations_twice, super::migrations_are_idempotent);

/// On a Citus coordinator, `migrate` distributes every table that carries `county_code` by it
/// (all colocated, so that a county's rows of every table are on one node) and makes every other
/// table, and the places, a reference table; the same schema as on a plain PostgreSQL, which
/// has no placement at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_distribute_by_county_on_citus() {
    use jinguo_storage::db::{Placement, REFERENCE_TABLES_WITH_COUNTY, placements};
    let plain = fresh(Backend::Postgres).await;
    let Db::Postgres(p) = &plain.db else {
        unreachable!()
    };
    assert!(placements(p).await.unwrap().is_empty());
    if support::citus().is_none() {
        return;
    }
    support::on_citus(async {
        let t = fresh(Backend::Postgres).await;
        let Db::Postgres(p) = &t.db else {
            unreachable!()
        };
        let cols = t.db.schema_columns().await.unwrap();
        assert_eq!(cols, plain.db.schema_columns().await.unwrap());
        let mut expected: Vec<(String, Placement)> = Vec::new();
        for (table, _) in &cols {
            if expected.last().is_some_and(|(t, _)| t == table) {
                continue;
            }
            let county = cols.contains(&(table.clone(), "county_code".to_string()));
            let placement = if county && !REFERENCE_TABLES_WITH_COUNTY.contains(&table.as_str()) {
                Placement::ByCounty
            } else {
                Placement::Reference
            };
            expected.push((table.clone(), placement));
        }
        assert_eq!(placements(p).await.unwrap(), expected);
        for large in ["household", "person", "visit", "audit", "audit_head", "dv_case"] {
            assert!(expected.contains(&(large.to_string(), Placement::ByCounty)), "{large}");
        }
        let (groups, column): (i64, String) = sqlx::query_as(
            "SELECT count(DISTINCT colocationid), min(column_to_column_name(logicalrelid, partkey)) \
             FROM pg_dist_partition WHERE partmethod = 'h'",
        )
        .fetch_one(p)
        .await
        .unwrap();
        assert_eq!((groups, column.as_str()), (1, "county_code"));
        // The coordinator is a node of its own metadata, holding a copy of every reference
        // table and no shard of a county's table.
        let on_coordinator = |kind: &'static str| {
            sqlx::query_scalar::<_, String>(
                "SELECT c.relname::text FROM pg_dist_placement pl \
                 JOIN pg_dist_shard sh ON sh.shardid = pl.shardid \
                 JOIN pg_dist_partition d ON d.logicalrelid = sh.logicalrelid \
                 JOIN pg_class c ON c.oid = sh.logicalrelid \
                 WHERE pl.groupid = 0 AND d.partmethod = $1 ORDER BY 1",
            )
            .bind(kind)
            .fetch_all(p)
        };
        let mut references: Vec<String> = expected
            .iter()
            .filter(|(_, pl)| *pl == Placement::Reference)
            .map(|(t, _)| t.clone())
            .collect();
        references.sort();
        let mut copied = on_coordinator("n").await.unwrap();
        copied.sort();
        assert_eq!(copied, references);
        assert!(on_coordinator("h").await.unwrap().is_empty());
        // Again: nothing left to place.
        t.db.migrate().await.unwrap();
        assert_eq!(placements(p).await.unwrap(), expected);
        let (nodes,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM pg_dist_node WHERE groupid = 0")
                .fetch_one(p)
                .await
                .unwrap();
        assert_eq!(nodes, 1);
    })
    .await;
}

/// Writes NBS-shaped CSV files (one of them gzipped) with a row whose parent is missing.
pub fn division_files(dir: &std::path::Path) {
    use std::io::Write;
    std::fs::write(dir.join("provinces.csv"), "code,name\n53,\"云南省\"\n").unwrap();
    std::fs::write(
        dir.join("cities.csv"),
        "code,name,provinceCode\n5301,\"昆明市\",53\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("areas.csv"),
        "code,name,cityCode,provinceCode\n530181,\"安宁市\",5301,53\n530102,\"五华区\",5301,53\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("streets.csv"),
        "code,name,areaCode,provinceCode,cityCode\n530181001,\"连然街道\",530181,53,5301\n530181002,\"金方街道\",530181,53,5301\n999999001,\"无上级\",999999,99,9999\n",
    )
    .unwrap();
    let gz = std::fs::File::create(dir.join("villages.csv.gz")).unwrap();
    let mut w = flate2::write::GzEncoder::new(gz, flate2::Compression::fast());
    w.write_all(
        "code,name,streetCode,provinceCode,cityCode,areaCode\n530181001001,\"文化路社区居委会\",530181001,53,5301,530181\n530181002001,\"金方路社区居委会\",530181002,53,5301,530181\n"
            .as_bytes(),
    )
    .unwrap();
    w.finish().unwrap();
}

async fn import_places(b: Backend) {
    let t = fresh(b).await;
    let s = support::services(&t.db);
    let dir = tempfile::tempdir().unwrap();
    division_files(dir.path());
    let r = s
        .import_places(&Caller::operator(), dir.path())
        .await
        .unwrap();
    assert_eq!((r.files, r.places, r.orphans), (5, 8, 1));
    let levels = jinguo_storage::place::count_by_level(&t.db, &Subtree::all())
        .await
        .unwrap();
    assert_eq!(levels, vec![(1, 1), (2, 1), (3, 2), (4, 2), (5, 2)]);
    // Importing again duplicates nothing and takes renames.
    std::fs::write(dir.path().join("provinces.csv"), "code,name\n53,\"云南\"\n").unwrap();
    s.import_places(&Caller::operator(), dir.path())
        .await
        .unwrap();
    let again = jinguo_storage::place::count_by_level(&t.db, &Subtree::all())
        .await
        .unwrap();
    assert_eq!(again, levels);
    let p = jinguo_storage::place::get(&t.db, "53")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.name, "云南");
    let v = s
        .place_view(&support::county_staff(), "530181")
        .await
        .unwrap();
    assert_eq!(
        v.lineage
            .iter()
            .map(|p| p.code.as_str())
            .collect::<Vec<_>>(),
        ["53", "5301", "530181"]
    );
    assert_eq!(v.children.len(), 2);
    assert_eq!(v.figures.townships, 2);
    assert_eq!(v.figures.villages, 2);
    // A place above the counties has a tally row in each of them: its figures add them up,
    // and each county below has its own.
    let prefecture = support::caller(jinguo_domain::account::Role::Staff, "53/5301/");
    let v = s.place_view(&prefecture, "5301").await.unwrap();
    assert_eq!((v.figures.townships, v.figures.villages), (2, 2));
    let by_code: Vec<(&str, i64)> = v
        .children
        .iter()
        .map(|c| (c.place.code.as_str(), c.figures.townships))
        .collect();
    assert_eq!(by_code, [("530102", 0), ("530181", 2)]);
}
all_backends!(import, super::import_places);

async fn figures_roll_up(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    assert_eq!(
        s.home_place(&support::county_staff()).as_deref(),
        Some("530181")
    );
    let county = s
        .place_view(&support::county_staff(), "530181")
        .await
        .unwrap();
    assert_eq!(county.figures.townships, 9);
    assert_eq!(county.figures.villages, 102);
    assert_eq!(county.figures.groups, 20);
    assert_eq!(county.figures.households, 600);
    assert_eq!(county.figures.executives, 3 + 18 + 40);
    assert_eq!(county.figures.representatives, 60);
    assert_eq!(county.children.len(), 9);
    // Every child's figures add up to the parent's (the county's own executives aside).
    let sum: i64 = county.children.iter().map(|c| c.figures.households).sum();
    assert_eq!(sum, 600);
    let sum: i64 = county.children.iter().map(|c| c.figures.executives).sum();
    assert_eq!(sum, 18 + 40);
    // Drill down to a group that has households.
    let town = county
        .children
        .iter()
        .find(|c| c.figures.households > 0)
        .unwrap();
    let tv = s
        .place_view(&support::county_staff(), &town.place.code)
        .await
        .unwrap();
    assert_eq!(tv.figures.households, town.figures.households);
    let village = tv
        .children
        .iter()
        .find(|c| c.figures.households > 0)
        .unwrap();
    let vv = s
        .place_view(&support::county_staff(), &village.place.code)
        .await
        .unwrap();
    let group = vv.children.first().unwrap();
    assert_eq!(group.figures.households, 30);
    let page = s
        .group_households(&support::county_staff(), &group.place.code, 1)
        .await
        .unwrap();
    assert_eq!((page.total, page.pages, page.lines.len()), (30, 1, 30));
    assert!(matches!(
        s.group_households(&support::county_staff(), &group.place.code, 2)
            .await,
        Err(ServiceError::Invalid(_))
    ));
    // The household, masked.
    let h = s
        .household_view(&support::county_staff(), page.lines[0].id)
        .await
        .unwrap();
    assert!((2..=4).contains(&h.persons.len()));
    for p in &h.persons {
        assert!(p.name.contains('*'), "name not masked");
        assert_eq!(p.id_number.matches('*').count(), 10, "ID not masked");
    }
    assert_eq!(h.lineage.last().unwrap().code, group.place.code);
    // Unknown places and households are not found.
    assert!(matches!(
        s.place_view(&support::county_staff(), "530181999").await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        s.place_view(&support::county_staff(), "abc").await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        s.household_view(&support::county_staff(), uuid::Uuid::now_v7())
            .await,
        Err(ServiceError::NotFound)
    ));
}
all_backends!(figures, super::figures_roll_up);

async fn demo_is_deterministic_and_reused(b: Backend) {
    let (t1, s1) = with_small_demo(b).await;
    let again = s1.ensure_demo_shaped(7, support::SMALL).await.unwrap();
    assert!(!again.created, "a second run must reuse the data");
    let (_t2, s2) = with_small_demo(Backend::Sqlite).await;
    let a = s1
        .place_view(&support::county_staff(), "530181001")
        .await
        .unwrap();
    let b2 = s2
        .place_view(&support::county_staff(), "530181001")
        .await
        .unwrap();
    let group = a
        .children
        .iter()
        .find(|c| c.figures.households > 0)
        .map(|c| c.place.code.clone());
    if let Some(v) = group {
        let vv = s1.place_view(&support::county_staff(), &v).await.unwrap();
        let g = &vv.children[0].place.code;
        let l1 = s1
            .group_households(&support::county_staff(), g, 1)
            .await
            .unwrap();
        let l2 = s2
            .group_households(&support::county_staff(), g, 1)
            .await
            .unwrap();
        assert_eq!(l1.lines[0].id, l2.lines[0].id, "same seed, same ids");
        assert_eq!(l1.lines[0].head_name, l2.lines[0].head_name);
    }
    assert_eq!(a.figures, b2.figures);
    drop(t1);
}
both_backends!(demo_reuse, super::demo_is_deterministic_and_reused);

fn person(id_number: &str) -> PersonInput {
    PersonInput {
        name: "张小芳".into(),
        sex: "female".into(),
        birth_date: "1949-12-31".into(),
        id_number: id_number.into(),
        phone: "+86 138 1234 5678".into(),
        relationship: "spouse".into(),
    }
}

async fn adding_persons(b: Backend) {
    let (t, s) = with_small_demo(b).await;
    let county = Subtree::of_path("53/5301/530181/");
    let before = jinguo_storage::household::count_persons(&t.db, &county)
        .await
        .unwrap();
    let group = first_group(&s).await;
    let hid = s
        .group_households(&support::county_staff(), &group, 1)
        .await
        .unwrap()
        .lines[0]
        .id;
    let v0 = s
        .household_view(&support::county_staff(), hid)
        .await
        .unwrap()
        .household
        .version;

    // Bad input: every field named, nothing written.
    let bad = PersonInput {
        name: String::new(),
        sex: "女".into(),
        birth_date: "1949-12-31".into(),
        id_number: "110105194912310021".into(),
        phone: "12345".into(),
        relationship: "spouse".into(),
    };
    match s.add_person(&support::county_staff(), hid, v0, &bad).await {
        Err(ServiceError::Invalid(e)) => {
            let fields: Vec<_> = e.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
            assert_eq!(
                fields,
                [
                    ("name", "required"),
                    ("id_number", "id_number.checksum"),
                    ("phone", "phone.format")
                ]
            );
        }
        other => panic!("expected invalid, got {other:?}"),
    }
    assert_eq!(
        jinguo_storage::household::count_persons(&t.db, &county)
            .await
            .unwrap(),
        before
    );

    // A good person is written, the household's version moves on.
    s.add_person(
        &support::county_staff(),
        hid,
        v0,
        &person("11010519491231002X"),
    )
    .await
    .unwrap();
    let h = s
        .household_view(&support::county_staff(), hid)
        .await
        .unwrap();
    assert_eq!(h.household.version, v0 + 1);
    assert!(
        h.persons
            .iter()
            .any(|p| p.id_number == "1101**********002X"
                && p.phone.as_deref() == Some("138****5678"))
    );
    assert_eq!(
        jinguo_storage::household::count_persons(&t.db, &county)
            .await
            .unwrap(),
        before + 1
    );

    // The same ID number again is refused, by name.
    match s
        .add_person(
            &support::county_staff(),
            hid,
            v0 + 1,
            &person("11010519491231002x"),
        )
        .await
    {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.0[0].code, "id_number.duplicate"),
        other => panic!("expected duplicate, got {other:?}"),
    }
    // A stale version (someone else saved meanwhile) is a conflict, and nothing is written.
    let other = jinguo_domain::resident_id::ResidentId::compose(
        110101,
        chrono::NaiveDate::from_ymd_opt(1990, 3, 8).unwrap(),
        2,
    );
    let mut p = person(other.as_str());
    p.birth_date = "1990-03-08".into();
    assert!(matches!(
        s.add_person(&support::county_staff(), hid, v0, &p).await,
        Err(ServiceError::Conflict)
    ));
    assert_eq!(
        jinguo_storage::household::count_persons(&t.db, &county)
            .await
            .unwrap(),
        before + 1
    );
    // With the current version it goes through.
    s.add_person(&support::county_staff(), hid, v0 + 1, &p)
        .await
        .unwrap();
    // Outside the subtree the household is not there.
    let elsewhere = jinguo_storage::Scope::of_paths(["53/5301/530102/"]);
    assert!(
        jinguo_storage::household::get(&t.db, hid, &elsewhere)
            .await
            .unwrap()
            .is_none()
    );
}
all_backends!(add_person, super::adding_persons);

/// Two writers saving against the same version: exactly one wins.
async fn concurrent_edits(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let group = first_group(&s).await;
    let hid = s
        .group_households(&support::county_staff(), &group, 1)
        .await
        .unwrap()
        .lines[1]
        .id;
    let v0 = s
        .household_view(&support::county_staff(), hid)
        .await
        .unwrap()
        .household
        .version;
    let mk = |seq| {
        let id = jinguo_domain::resident_id::ResidentId::compose(
            110101,
            chrono::NaiveDate::from_ymd_opt(1991, 1, 1).unwrap(),
            seq,
        );
        let mut p = person(id.as_str());
        p.birth_date = "1991-01-01".into();
        p
    };
    let (a, b2) = (mk(2), mk(4));
    let staff = support::county_staff();
    let (r1, r2) = tokio::join!(
        s.add_person(&staff, hid, v0, &a),
        s.add_person(&staff, hid, v0, &b2)
    );
    let ok = [r1.is_ok(), r2.is_ok()].iter().filter(|x| **x).count();
    assert_eq!(ok, 1, "one save wins: {r1:?} {r2:?}");
    assert!(matches!(r1, Err(ServiceError::Conflict)) || matches!(r2, Err(ServiceError::Conflict)));
}
all_backends!(concurrent, super::concurrent_edits);

/// A resident group with households outside 连然街道 (530181001), and its subdistrict's code.
pub async fn far_group(s: &Services) -> (String, String) {
    let staff = support::county_staff();
    let county = s.place_view(&staff, "530181").await.unwrap();
    let other = county
        .children
        .iter()
        .find(|c| c.place.code != "530181001" && c.figures.households > 0)
        .unwrap();
    let town = s.place_view(&staff, &other.place.code).await.unwrap();
    let village = town
        .children
        .iter()
        .find(|c| c.figures.households > 0)
        .unwrap();
    let village = s.place_view(&staff, &village.place.code).await.unwrap();
    (
        village.children[0].place.code.clone(),
        other.place.code.clone(),
    )
}

/// The households of the first page of the first group's list, as the county's staff see it.
pub async fn first_group_households(s: &Services) -> Vec<uuid::Uuid> {
    let group = first_group(s).await;
    s.group_households(&support::county_staff(), &group, 1)
        .await
        .unwrap()
        .lines
        .iter()
        .map(|l| l.id)
        .collect()
}

pub async fn first_group(s: &Services) -> String {
    let county = s
        .place_view(&support::county_staff(), "530181")
        .await
        .unwrap();
    let town = county
        .children
        .iter()
        .find(|c| c.figures.households > 0)
        .unwrap();
    let tv = s
        .place_view(&support::county_staff(), &town.place.code)
        .await
        .unwrap();
    let village = tv
        .children
        .iter()
        .find(|c| c.figures.households > 0)
        .unwrap();
    let vv = s
        .place_view(&support::county_staff(), &village.place.code)
        .await
        .unwrap();
    vv.children[0].place.code.clone()
}

/// The full Anning demo has the reference figures, computed from the records.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anning_demo_has_the_reference_shape() {
    let t = fresh(Backend::Sqlite).await;
    let s = support::services(&t.db);
    let r = s.ensure_demo(2021).await.unwrap();
    assert!(r.created);
    let v = s
        .place_view(&support::county_staff(), "530181")
        .await
        .unwrap();
    assert_eq!(v.place.name, "安宁市");
    assert_eq!(v.figures.townships, 9);
    assert_eq!(v.figures.villages, 102);
    assert_eq!(v.figures.groups, 517);
    assert_eq!(v.figures.households, 150_551);
    assert_eq!(v.figures.executives, 33 + 289 + 1_618);
    assert_eq!(v.figures.representatives, 3_214);
    let townships_execs: i64 = v.children.iter().map(|c| c.figures.executives).sum();
    assert_eq!(
        townships_execs,
        289 + 1_618,
        "city executives sit at the county"
    );
    let persons = jinguo_storage::household::count_persons(&t.db, &Subtree::of_path(&v.place.path))
        .await
        .unwrap();
    assert!((2 * 150_551..=4 * 150_551).contains(&persons), "{persons}");
    // Every generated ID number and phone is valid and agrees with the person's sex and birth date;
    // the unique key (county, blind index of the ID number) would have refused a twin.
    let Db::Sqlite(lite) = &t.db else {
        unreachable!()
    };
    let rows: Vec<(uuid::Uuid, String, String, String, Option<String>)> =
        sqlx::query_as("SELECT id, id_number, sex, birth_date, phone FROM person")
            .fetch_all(&lite.read)
            .await
            .unwrap();
    assert_eq!(rows.len() as i64, persons);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    for (pid, sealed, sex, birth, phone) in &rows {
        assert!(sealed.starts_with("v1.xc20.k1."), "stored encrypted");
        let id = s.open("person", "id_number", pid, sealed).unwrap();
        let parsed = jinguo_domain::resident_id::ResidentId::parse(&id, today).unwrap();
        assert_eq!(parsed.sex().key(), sex);
        assert_eq!(parsed.birth_date(), s.open_birth_date(pid, birth).unwrap());
        if let Some(p) = phone {
            jinguo_domain::phone::Mobile::parse(&s.open("person", "phone", pid, p).unwrap())
                .unwrap();
        }
    }
    let coverage = s
        .coverage(&support::county_staff(), "530181")
        .await
        .unwrap();
    assert!(
        coverage.complete(),
        "the Anning demo is fully covered: {:?} {:?}",
        coverage.uncovered_units.len(),
        coverage.idle.len()
    );
    assert_eq!(coverage.members, 33 + 289 + 1_618 + 3_214);
    assert!(coverage.overloaded.is_empty());
    let sample = s
        .group_households(&support::county_staff(), "530181001001001", 1)
        .await
        .unwrap();
    assert_eq!(sample.lines.len(), 50);
    // The 2021 screening campaign, counted from its visits: 59,692 of 150,551 households screened,
    // 23 medium-risk disputes found.
    let staff = support::county_staff();
    let campaign = s
        .campaigns(&staff)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == jinguo_services::demo::CAMPAIGN_2021)
        .unwrap();
    let p = s
        .campaign_progress(&staff, campaign.id, None)
        .await
        .unwrap();
    assert_eq!((p.tally.screened, p.tally.households), (59_692, 150_551));
    assert_eq!((p.tally.risks[2], p.disputes[0]), (23, 23));
    // … and all 23 mediated to an agreement: a success rate of 100%, computed from the records.
    let f = s
        .dispute_figures_in(
            &staff,
            "530181",
            Some(jinguo_domain::period::Period::year(2021).unwrap()),
        )
        .await
        .unwrap();
    assert_eq!((f.total, f.agreed, f.not_agreed), (23, 23, 0));
    assert_eq!(f.success_rate, Some(1.0));
    assert_eq!(f.average_days_to_conclude, Some(7.0));
    // The three full coverages hold: a mediator at each of the 102 villages and communities, a
    // woman lawyer and a federation executive in each of the 9 subdistricts' teams.
    let cov = s.mediation_coverage(&staff, "530181").await.unwrap();
    assert_eq!((cov.villages, cov.villages_covered), (102, 102));
    assert_eq!(cov.teams, 9);
    assert!(cov.gaps.is_empty(), "{:?}", cov.gaps);
    assert_eq!(cov.mediators.len(), 102 + 2 * 9);
    // Care in 2021, from the records: 1,203 health checks, 3,000+ green channels (each woman
    // counted once among the people served), 612 wishes fulfilled, 120 events reaching 3,632
    // children.
    let care = s
        .care_figures(
            &staff,
            "530181",
            jinguo_domain::care::Period::year(2021).unwrap(),
        )
        .await
        .unwrap();
    let kind = |k: jinguo_domain::care::ServiceKind| {
        care.by_kind
            .iter()
            .find(|(x, _)| *x == k)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    assert_eq!(kind(jinguo_domain::care::ServiceKind::HealthCheck), 1_203);
    assert!(kind(jinguo_domain::care::ServiceKind::GreenChannel) >= 3_000);
    assert_eq!(care.people_served, 700 + 503 + 400 + 1_000 + 952);
    let confirmed = care
        .wishes
        .iter()
        .find(|(k, _)| k == "confirmed")
        .map(|(_, n)| *n);
    // Wishes by status are today's (the current year's fulfilled ones among them); those
    // fulfilled in 2021 are counted by the period.
    assert!(confirmed.is_some_and(|n| n >= 612), "{confirmed:?}");
    assert_eq!(care.wishes_fulfilled, 612);
    let before = s
        .care_figures(
            &staff,
            "530181",
            jinguo_domain::care::Period::year(2020).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!((before.wishes_fulfilled, before.people_served), (0, 0));
    assert_eq!((care.events.events, care.events.children), (120, 3_632));
    // 165 most-beautiful families named and 1,200+ family events in 2021, from the records; the
    // public page lists them, names masked unless the family consented.
    let [nominated, _, named, events, _] = s
        .family_figures(&staff, &Subtree::of_path(&v.place.path), 2021)
        .await
        .unwrap();
    assert_eq!((nominated, named), (165, 165));
    assert!(events >= 1_200, "{events}");
    let (year, public) = s.public_families(Some("2021")).await.unwrap();
    assert_eq!((year, public.len()), (Some(2021), 165));
    assert!(public.iter().any(|p| p.name.contains('*')));
    // The annual report of 2021 reproduces every figure of the seed's table (PRODUCT.md) that
    // the demo holds, counted from the records.
    annual_report_has_the_seed_figures(&s, &staff).await;
}

/// The rows of the reference figures in shared/PRODUCT.md that the demo holds, as written there.
const SEED_TABLE: &str = "\
| women representatives → households | 3,214 → 150,551 households |
| households screened in 2021 / medium-risk disputes found / mediated successfully | 59,692 / 23 / 100% |
| health checks for mothers in difficulty and women sanitation workers | 1,203 women |
| medical green channel opened | 3,000+ women (mothers in difficulty, bereaved mothers, left-behind and migrant women) |
| children's micro-wishes fulfilled by donors | 612 |
| \"bring love home\" (把爱带回家) events / children reached | 120 / 3,632 |
| departments in the anti-domestic-violence mechanism / in the 24-hour rights linkage | 19 / 8 |";

/// The numbers of a row of the seed's table: "59,692 / 23 / 100%" → [59692, 23, 100], with
/// whether each is a floor ("3,000+").
fn seed_numbers(row: &str) -> Vec<(i64, bool)> {
    let value = row.trim_matches('|').rsplit('|').next().unwrap_or_default();
    let mut out = Vec::new();
    let mut digits = String::new();
    let mut chars = value.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch.is_ascii_digit() {
            digits.push(ch);
        } else if ch == ','
            && !digits.is_empty()
            && chars.peek().is_some_and(|c| c.is_ascii_digit())
        {
            continue;
        } else if !digits.is_empty() {
            out.push((digits.parse().unwrap(), ch == '+'));
            digits.clear();
        }
    }
    if !digits.is_empty() {
        out.push((digits.parse().unwrap(), false));
    }
    out
}

async fn annual_report_has_the_seed_figures(s: &Services, staff: &jinguo_services::Caller) {
    use jinguo_domain::report::Figure;
    // The departments of the mechanism, as `jinguo demo` gives them to the county.
    s.ensure_departments(&jinguo_services::Caller::operator(), "530181")
        .await
        .unwrap();
    let r = s.annual_report(staff, "530181", 2021).await.unwrap();
    let rows: Vec<Vec<(i64, bool)>> = SEED_TABLE.lines().map(seed_numbers).collect();
    let same = |(want, floor): (i64, bool), got: i64, what: &str| {
        if floor {
            assert!(got >= want, "{what}: {got} < {want}");
        } else {
            assert_eq!(got, want, "{what}");
        }
    };
    same(rows[0][1], r.this.get(Figure::Households), "households");
    same(rows[1][0], r.this.get(Figure::Screened), "screened");
    same(rows[1][1], r.this.get(Figure::MediumRisks), "medium risks");
    same(rows[1][1], r.this.get(Figure::Disputes), "disputes");
    same(rows[1][1], r.this.get(Figure::Agreed), "mediated");
    same(
        rows[1][2],
        (r.this.success_rate.unwrap() * 100.0).round() as i64,
        "success rate",
    );
    same(
        rows[2][0],
        r.this.get(Figure::HealthChecks),
        "health checks",
    );
    same(
        rows[3][0],
        r.this.get(Figure::GreenChannels),
        "green channels",
    );
    same(rows[4][0], r.this.get(Figure::Wishes), "wishes");
    same(rows[5][0], r.this.get(Figure::Events), "events");
    same(rows[5][1], r.this.get(Figure::Children), "children");
    same(rows[6][0], r.departments.0, "departments");
    same(rows[6][1], r.departments.1, "in the linkage");
    // As published: the lines show them so.
    let line = |k: &str| r.lines().into_iter().find(|l| l.key == k).unwrap();
    assert_eq!(line("screened").this, "59,692");
    assert_eq!(line("medium_risks").this, "23");
    assert_eq!(line("success_rate").this, "100.0%");
    assert_eq!(line("health_checks").this, "1,203");
    assert_eq!(line("wishes").this, "612");
    assert_eq!(line("children").this, "3,632");
    // By subdistrict, adding up to the county.
    assert_eq!(r.units.len(), 9);
    let screened: i64 = r
        .units
        .iter()
        .map(|u| u.figures.get(Figure::Screened))
        .sum();
    assert_eq!(screened, 59_692);
}

/// Lists over a place keep only what the caller's scope covers.
async fn lists_intersect_the_scope(b: Backend) {
    let (t, s) = with_small_demo(b).await;
    let county = Subtree::of_path("53/5301/530181/");
    let all = jinguo_storage::household::count_visible(
        &t.db,
        &county,
        &jinguo_storage::Scope::operator(),
    )
    .await
    .unwrap();
    assert_eq!(all, 600);
    let staff = support::county_staff();
    let town_view = s.place_view(&staff, "530181001").await.unwrap();
    let town = jinguo_storage::Scope::of_paths(["53/5301/530181/530181001/"]);
    let seen = jinguo_storage::household::count_visible(&t.db, &county, &town)
        .await
        .unwrap();
    assert_eq!(seen, town_view.figures.households);
    let page = jinguo_storage::household::list_page(&t.db, &county, &town, 0, 1000)
        .await
        .unwrap();
    assert_eq!(page.len() as i64, seen);
    assert!(page.iter().all(|(_, code)| code.starts_with("530181001")));
    assert!(
        jinguo_storage::household::list_page(&t.db, &county, &jinguo_storage::Scope::none(), 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
all_backends!(scoped_lists, super::lists_intersect_the_scope);

/// Coverage is computed: a gap appears when a representative leaves, at once.
async fn coverage_gaps(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let before = s.coverage(&staff, "530181").await.unwrap();
    assert!(before.uncovered_units.is_empty());
    assert_eq!(before.households_without_representative(), 0);
    // Village executives of villages without resident groups have nothing to answer for.
    assert!(before.idle.iter().all(|m| m.role == "executive"));
    let group = first_group(&s).await;
    let reps = s.coverage_members(&staff, &group).await.unwrap();
    assert_eq!(reps.len(), 3);
    assert_eq!(reps.iter().map(|r| r.units).sum::<i64>(), 30);
    let leaving = &reps[0];
    let ended = s.member_leave(&staff, leaving.id, "调任").await.unwrap();
    assert_eq!(ended as i64, leaving.units);
    let after = s.coverage(&staff, "530181").await.unwrap();
    assert_eq!(after.households_without_representative(), leaving.units);
    assert_eq!(after.uncovered_households[0].code, group);
    assert!(!after.complete());
    // Rolled up: the subdistrict holding the group shows the gap, the others none.
    let town = &group[..9];
    for ch in &after.children {
        let expect = if ch.place.code == town {
            leaving.units
        } else {
            0
        };
        assert_eq!(ch.uncovered_households, expect, "{}", ch.place.code);
    }
    let down = s.coverage(&staff, town).await.unwrap();
    assert_eq!(
        down.children
            .iter()
            .map(|c| c.uncovered_households)
            .sum::<i64>(),
        leaving.units
    );
    assert!(matches!(
        s.member_leave(&staff, leaving.id, "调任").await,
        Err(ServiceError::Conflict)
    ));
    // Outside one's scope a member is not found.
    let (far, _) = far_group(&s).await;
    let other = s.coverage_members(&staff, &far).await.unwrap()[0].id;
    let town = support::caller(
        jinguo_domain::account::Role::Staff,
        "53/5301/530181/530181001/",
    );
    assert!(matches!(
        s.member_leave(&town, other, "调任").await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        s.coverage(&town, &far).await,
        Err(ServiceError::NotFound)
    ));
}
all_backends!(coverage, super::coverage_gaps);

/// The PostgreSQL schema is ready to be distributed by county: every primary and unique key of a
/// table carrying `county_code` contains it (but `place`, a small reference table that a
/// distributed engine copies to every node), the large tables all carry it, and no column draws
/// its value from a sequence (ids are made by the application).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_is_ready_for_distribution_by_county() {
    let t = fresh(Backend::Postgres).await;
    let Db::Postgres(p) = &t.db else {
        unreachable!()
    };
    let without: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, i.relname::text FROM pg_index x \
         JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid \
         WHERE x.indisunique AND c.relnamespace = current_schema()::regnamespace AND c.relname <> 'place' \
           AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'county_code') \
           AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid \
                AND a.attname = 'county_code' AND a.attnum = ANY(x.indkey))",
    )
    .fetch_all(p)
    .await
    .unwrap();
    assert!(
        without.is_empty(),
        "unique keys without the county: {without:?}"
    );
    let carrying: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND column_name = 'county_code' ORDER BY 1",
    )
    .fetch_all(p)
    .await
    .unwrap();
    let carrying: Vec<&str> = carrying.iter().map(|r| r.0.as_str()).collect();
    for large in [
        "assignment",
        "campaign",
        "consent",
        "dispute",
        "federation",
        "household",
        "member",
        "person",
        "visit",
    ] {
        assert!(carrying.contains(&large), "{large} lacks county_code");
    }
    let sequenced: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND column_default LIKE 'nextval%'",
    )
    .fetch_all(p)
    .await
    .unwrap();
    assert!(sequenced.is_empty(), "{sequenced:?}");
}

async fn integrity_check(b: Backend) {
    let (t, s) = with_small_demo(b).await;
    let lines = s.check(&Caller::operator()).await.unwrap();
    assert!(lines.iter().all(|l| l.ok), "{lines:?}");
    assert!(lines.iter().any(|l| l.name == "audit chain"));
    assert!(lines.iter().any(|l| l.name == "tallies"));
    assert!(matches!(
        s.check(&support::county_staff()).await,
        Err(ServiceError::Forbidden)
    ));
    // A group's tally changed behind the application's back is found.
    let (group, _) = support::first_household(&s).await;
    let path = s
        .place_view(&support::county_staff(), &group)
        .await
        .unwrap()
        .place
        .path;
    let bump = "UPDATE group_tally SET households = households + 1 WHERE path = $1";
    match &t.db {
        Db::Sqlite(x) => sqlx::query(bump)
            .bind(&path)
            .execute(&x.write)
            .await
            .map(|_| ()),
        Db::Postgres(x) => sqlx::query(bump).bind(&path).execute(x).await.map(|_| ()),
    }
    .unwrap();
    let lines = s.check(&Caller::operator()).await.unwrap();
    let tallies = lines.iter().find(|l| l.name == "tallies").unwrap();
    assert!(
        !tallies.ok && tallies.detail.starts_with("1 "),
        "{tallies:?}"
    );
    // An audit entry changed behind the application's back (its guarding triggers removed
    // first) is found.
    let sql = "UPDATE audit SET detail = 'changed' WHERE seq = 1";
    support::drop_audit_guards(&t.db).await;
    support::exec(&t.db, sql).await.unwrap();
    let lines = s.check(&Caller::operator()).await.unwrap();
    let audit = lines.iter().find(|l| l.name == "audit chain").unwrap();
    assert!(!audit.ok, "{audit:?}");
}
all_backends!(check, super::integrity_check);

/// A household and its persons read in one statement are what the two reads of them give, the
/// head first; an unknown id, or the right id in another county, finds nothing.
async fn household_with_persons_in_one_read(b: Backend) {
    use jinguo_storage::household as hh;
    let (t, s) = with_small_demo(b).await;
    let group = first_group(&s).await;
    let lines = s
        .group_households(&support::county_staff(), &group, 1)
        .await
        .unwrap()
        .lines;
    assert!(lines.len() >= 5);
    let county = vec!["530181".to_string()];
    let everything = jinguo_storage::Scope::operator();
    for line in &lines {
        let (h, persons) = hh::get_with_persons_in(&t.db, &county, line.id)
            .await
            .unwrap()
            .expect("the household is found");
        let alone = hh::get_in(&t.db, &county, line.id, &everything)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (h.id, &h.path, &h.address, h.version),
            (alone.id, &alone.path, &alone.address, alone.version)
        );
        let two_reads = hh::persons(&t.db, &alone).await.unwrap();
        assert!(!persons.is_empty());
        assert_eq!(
            persons
                .iter()
                .map(|p| (p.id, p.head, &p.name, &p.id_number, &p.phone))
                .collect::<Vec<_>>(),
            two_reads
                .iter()
                .map(|p| (p.id, p.head, &p.name, &p.id_number, &p.phone))
                .collect::<Vec<_>>()
        );
        assert_eq!(persons[0].head, 1, "the head comes first");
        assert!(persons.iter().all(|p| p.household_id == h.id));
    }
    assert!(
        hh::get_with_persons_in(&t.db, &county, uuid::Uuid::now_v7())
            .await
            .unwrap()
            .is_none()
    );
    let elsewhere = vec!["530102".to_string()];
    assert!(
        hh::get_with_persons_in(&t.db, &elsewhere, lines[0].id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        hh::get_with_persons_in(&t.db, &[], lines[0].id)
            .await
            .unwrap()
            .is_none()
    );
}
all_backends!(
    household_with_persons,
    super::household_with_persons_in_one_read
);
