//! Names, birth dates, relationships and the links to persons sealed at rest: nothing of the
//! demo's people in the database's bytes, values written in clear by an earlier version sealed
//! once at start, search by name through blind indexes, key rotation over the new values.

use crate::support::{self, both_backends, county_staff, with_small_demo};
use jinguo_domain::account::Role;
use jinguo_services::Services;
use jinguo_services::households::NameQuery;
use jinguo_storage::mediation::{SealedColumn, sealed_values};
use jinguo_storage::{Backend, Db, household};

/// Every value of a sealed column, opened.
async fn opened(s: &Services, which: SealedColumn) -> Vec<String> {
    let (table, column) = which.sealed_for();
    let mut out = Vec::new();
    let mut after = (uuid::Uuid::nil(), -1_i64);
    loop {
        let rows = sealed_values(&s.db, which, after, 1000).await.unwrap();
        let Some(last) = rows.last() else { break };
        after = (last.id, last.seq);
        for v in rows {
            assert!(
                jinguo_crypto::kid_of(&v.value).is_some(),
                "{table}.{column} holds a value in clear"
            );
            out.push(s.open(table, column, &v.id, &v.value).unwrap());
        }
    }
    out
}

/// The database's stored bytes: the SQLite file and its WAL, or every row of every table of
/// PostgreSQL as text.
async fn stored_bytes(t: &support::TestDb) -> Vec<u8> {
    match &t.db {
        Db::Sqlite(_) => {
            let path = t.url.trim_start_matches("sqlite://").to_string();
            let mut bytes = std::fs::read(&path).unwrap();
            if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
                bytes.extend_from_slice(&wal);
            }
            bytes
        }
        Db::Postgres(p) => {
            let tables: Vec<(String,)> = sqlx::query_as(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
            )
            .fetch_all(p)
            .await
            .unwrap();
            let mut bytes = Vec::new();
            for (table,) in tables {
                let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT t::text FROM \"{table}\" t"
                )))
                .fetch_all(p)
                .await
                .unwrap();
                for (r,) in rows {
                    bytes.extend_from_slice(r.as_bytes());
                }
            }
            bytes
        }
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    !found_in(haystack, [needle]).is_empty()
}

/// The needles (of 3 bytes or more) found in the haystack, in one pass over it.
fn found_in<'a>(haystack: &[u8], needles: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut by_start: std::collections::HashMap<&[u8], Vec<&'a str>> = Default::default();
    for n in needles {
        assert!(n.len() >= 3, "{n}");
        by_start.entry(&n.as_bytes()[..3]).or_default().push(n);
    }
    let mut found = std::collections::BTreeSet::new();
    for i in 0..haystack.len().saturating_sub(2) {
        if let Some(ns) = by_start.get(&haystack[i..i + 3]) {
            for n in ns {
                if haystack[i..].starts_with(n.as_bytes()) {
                    found.insert(*n);
                }
            }
        }
    }
    found.into_iter().collect()
}

async fn demo_holds_no_name_id_number_or_phone(b: Backend) {
    let (t, s) = with_small_demo(b).await;
    // Every generated value, read with the key.
    let names = opened(&s, SealedColumn::PersonName).await;
    let members = opened(&s, SealedColumn::MemberName).await;
    assert_eq!(
        names.len(),
        opened(&s, SealedColumn::PersonBirthDate).await.len()
    );
    assert!(names.len() > 1000, "{}", names.len());
    assert!(!members.is_empty());
    let mut numbers = Vec::new();
    let mut after = uuid::Uuid::nil();
    loop {
        let rows = household::sealed_pairs(&s.db, household::SealedPair::Person, after, 1000)
            .await
            .unwrap();
        let Some(last) = rows.last() else { break };
        after = last.id;
        for r in rows {
            numbers.push(s.open("person", "id_number", &r.id, &r.first).unwrap());
            if let Some(p) = r.second {
                numbers.push(s.open("person", "phone", &r.id, &p).unwrap());
            }
        }
    }
    let mut after = uuid::Uuid::nil();
    loop {
        let rows = household::sealed_members(&s.db, after, 1000).await.unwrap();
        let Some(last) = rows.last() else { break };
        after = last.id;
        for r in rows {
            if let Some(p) = r.phone {
                numbers.push(s.open("member", "phone", &r.id, &p).unwrap());
            }
        }
    }
    assert!(numbers.len() > names.len());
    // A woman served while in a registry (a note given), then leaving it with a reason.
    let (note, reason) = ("其子在昆明打工，每月寄钱", "丈夫去世后随女儿迁往昆明");
    let entry = served_entry(&s, note).await;
    s.entry_step(&county_staff(), entry, "leave", 2, reason)
        .await
        .unwrap();
    assert_eq!(
        opened(&s, SealedColumn::EntryLeftReason).await,
        vec![reason.to_string()]
    );
    assert_eq!(
        opened(&s, SealedColumn::ServiceNote).await,
        vec![note.to_string()]
    );
    // A case whose victim is a registered person (the case names her household), her consent
    // to share given by a guardian, and a consent of a person given by a guardian.
    let (case, household, _, guardians) = case_of_registered_victim(&s).await;
    let bytes = stored_bytes(&t).await;
    for clear in [note, reason].into_iter().chain(guardians) {
        assert!(!contains(&bytes, clear), "{clear} in clear in the database");
    }
    assert!(bytes.len() > 100_000, "{}", bytes.len());
    // The links that tell a status: a case to its household, a consent (to publish: a child's
    // wish) to its person. Nothing next to those rows names the household or the person.
    let mut links = vec![(case, household)];
    links.extend(consent_links(&s).await);
    assert!(links.len() >= 3, "{links:?}");
    assert_links_sealed(&t, &["dv_case", "consent"], &links).await;
    // A name that is also a part of a public name (a place, a federation) is no finding.
    let public = stored_public_names(&s.db).await;
    let needles = names
        .iter()
        .chain(&members)
        .filter(|n| !public.iter().any(|p| p.contains(n.as_str())))
        .chain(&numbers)
        .map(String::as_str);
    let found = found_in(&bytes, needles);
    assert!(
        found.is_empty(),
        "{} values in clear in the database, e.g. {:?}",
        found.len(),
        &found[..found.len().min(5)]
    );
}
both_backends!(
    demo_database_holds_no_name_id_number_or_phone,
    super::demo_holds_no_name_id_number_or_phone
);

/// A person of the first household entered in a registry (proposed and verified, version 2)
/// and given legal aid with a note; returns the entry.
async fn served_entry(s: &Services, note: &str) -> uuid::Uuid {
    let staff = county_staff();
    let (_, hid) = support::first_household(s).await;
    let person = s
        .household_reveal(&staff, hid, "核对登记名单")
        .await
        .unwrap()
        .persons[0]
        .id;
    let today = jinguo_services::clock::today();
    let input = jinguo_domain::care::EntryInput {
        person_id: Some(person),
        registry: "mothers_in_difficulty".into(),
        criteria: "低保户".into(),
        surveyed_by: "妇女代表".into(),
        next_review_on: (today + chrono::Duration::days(365)).to_string(),
        ..Default::default()
    };
    let entry = s.propose_entry(&staff, "530181", &input).await.unwrap();
    s.entry_step(&staff, entry, "verify", 1, "").await.unwrap();
    let service = jinguo_domain::care::ServiceInput {
        kind: "legal_aid".into(),
        registry: "mothers_in_difficulty".into(),
        on: today.to_string(),
        note: note.into(),
        ..Default::default()
    };
    s.record_services(&staff, "530181", &service, &[person])
        .await
        .unwrap();
    entry
}

/// A case registered with a person of the first household as its victim, a consent to share
/// given by her guardian, a consent (sensitive data) of another person given by a guardian, and
/// a child's wish published under her guardian's consent; returns the case, the household, and
/// the person of the consent, and the guardians' names.
async fn case_of_registered_victim(
    s: &Services,
) -> (uuid::Uuid, uuid::Uuid, uuid::Uuid, [&'static str; 2]) {
    let staff = county_staff();
    let (group, hid) = support::first_household(s).await;
    let view = s.household_view(&staff, hid).await.unwrap();
    let victim = view.persons[0].id;
    let case: jinguo_domain::linkage::CaseInput = serde_json::from_value(serde_json::json!({
        "victim_person_id": victim, "victim_name": "", "relationship": "丈夫",
        "violence": ["psychological"], "severity": "minor", "source": "hotline",
        "consent_to_share": false, "received_on": jinguo_services::clock::today().to_string(),
        "narrative": "电话求助"}))
    .unwrap();
    let case = s.register_case(&staff, &group[..12], &case).await.unwrap();
    let guardians = ["上官婉儿", "诸葛明月"];
    s.record_share_consent(
        &staff,
        case,
        &jinguo_services::consent::ShareConsentInput {
            guardian_name: guardians[0].into(),
            guardian_relationship: "母亲".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let other = view.persons.last().unwrap().id;
    s.record_consent(
        &staff,
        other,
        &jinguo_services::consent::NewConsent {
            purpose: "sensitive_data".into(),
            basis: "consent".into(),
            guardian_name: Some(guardians[1].into()),
            guardian_relationship: Some("母亲".into()),
        },
    )
    .await
    .unwrap();
    // A child's wish, published under her guardian's consent.
    let wish = jinguo_domain::care::WishInput {
        person_id: Some(support::child_of_group(s, &group).await),
        wish: "一套课外书".into(),
        guardian_consent: true,
        guardian_name: "李梅".into(),
        guardian_relationship: "母亲".into(),
    };
    let wish = s.propose_wish(&staff, &group, &wish).await.unwrap();
    s.wish_step(&staff, wish, "approve", 1, "").await.unwrap();
    (case, hid, other, guardians)
}

/// Every consent with the id of its person, opened with the key.
async fn consent_links(s: &Services) -> Vec<(uuid::Uuid, uuid::Uuid)> {
    let mut out = Vec::new();
    let mut after = (uuid::Uuid::nil(), -1_i64);
    loop {
        let rows = sealed_values(&s.db, SealedColumn::ConsentPerson, after, 1000)
            .await
            .unwrap();
        let Some(last) = rows.last() else { break };
        after = (last.id, last.seq);
        for v in rows {
            assert!(
                jinguo_crypto::kid_of(&v.value).is_some(),
                "consent.person holds an id in clear"
            );
            out.push((
                v.id,
                s.open_id("consent", "person", &v.id, &v.value).unwrap(),
            ));
        }
    }
    out
}

/// No row of `links` (row id, the id it links to) has the linked id next to it in the stored
/// bytes (SQLite: on the page of the file or of the WAL where the row's id is), or in the rows of
/// `tables` as text (PostgreSQL).
async fn assert_links_sealed(
    t: &support::TestDb,
    tables: &[&str],
    links: &[(uuid::Uuid, uuid::Uuid)],
) {
    match &t.db {
        Db::Sqlite(_) => {
            let path = t.url.trim_start_matches("sqlite://").to_string();
            let file = std::fs::read(&path).unwrap();
            let wal = std::fs::read(format!("{path}-wal")).unwrap_or_default();
            // The page size, from the file's header (1 stands for 65536).
            let size = match u16::from_be_bytes([file[16], file[17]]) {
                1 => 65536,
                n => n as usize,
            };
            // The file is a sequence of pages; the WAL a 32-byte header, then frames of a
            // 24-byte header and a page.
            let pages = |bytes: &[u8], start: usize, stride: usize, skip: usize| {
                let mut out = Vec::new();
                let mut at = start;
                while at + skip + size <= bytes.len() {
                    out.push(bytes[at + skip..at + skip + size].to_vec());
                    at += stride;
                }
                out
            };
            let mut all = pages(&file, 0, size, 0);
            all.extend(pages(&wal, 32, size + 24, 24));
            let mut rows = 0;
            for (row, linked) in links {
                for page in all.iter().filter(|p| holds(p, row.as_bytes())) {
                    rows += 1;
                    for form in id_forms(linked) {
                        assert!(
                            !holds(page, &form),
                            "{linked} next to row {row} in the file"
                        );
                    }
                }
            }
            assert!(
                rows >= links.len(),
                "the rows were not found in the file ({rows})"
            );
        }
        Db::Postgres(p) => {
            let mut text = String::new();
            for table in tables {
                let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT t::text FROM \"{table}\" t"
                )))
                .fetch_all(p)
                .await
                .unwrap();
                text.extend(rows.into_iter().map(|(r,)| r));
            }
            assert!(!text.is_empty(), "{tables:?} are empty");
            for (_, linked) in links {
                for form in &id_forms(linked)[1..] {
                    assert!(!holds(text.as_bytes(), form), "{linked} in {tables:?}");
                }
            }
        }
    }
}

async fn stored_public_names(db: &Db) -> Vec<String> {
    let sql = "SELECT name FROM place UNION ALL SELECT name FROM federation";
    match db {
        Db::Sqlite(l) => sqlx::query_as::<_, (String,)>(sql).fetch_all(&l.read).await,
        Db::Postgres(p) => sqlx::query_as::<_, (String,)>(sql).fetch_all(p).await,
    }
    .unwrap()
    .into_iter()
    .map(|(n,)| n)
    .collect()
}

async fn upgrade_seals_clear_values(b: Backend) {
    let (t, s) = with_small_demo(b).await;
    // The demo wrote everything sealed: the step at start finds nothing to do.
    let first = s.seal_clear_values().await.unwrap();
    assert_eq!((first.sealed, first.indexed), (0, 0), "{first:?}");
    let staff = county_staff();
    let (_, hid) = support::first_household(&s).await;
    let view = s.household_view(&staff, hid).await.unwrap();
    let village = &view.household.path;
    let village_code = view.household.group_code[..12].to_string();
    // A dispute naming one of its persons, a case naming her as the victim.
    let victim = view.persons[0].id;
    let intake: jinguo_domain::mediation::IntakeInput = serde_json::from_value(serde_json::json!({
        "kind": "elder_support", "source": "hotline", "risk": "medium",
        "received_on": jinguo_services::clock::today().to_string(),
        "parties": [{"person_id": victim, "relationship": "母亲"}, {"name": "张某", "relationship": "儿子"}],
        "narrative": "老人反映儿子长期不支付赡养费", "consent": true
    }))
    .unwrap();
    let dispute = s
        .register_dispute(&staff, &village_code, &intake, true)
        .await
        .unwrap()
        .id;
    // As an earlier version wrote them: a person, a member and the links in clear.
    let person = uuid::Uuid::now_v7();
    let member = uuid::Uuid::now_v7();
    let county = "530181";
    let blob = |id: uuid::Uuid| match b {
        Backend::Sqlite => format!("X'{}'", id.simple()),
        Backend::Postgres => format!("'{id}'"),
    };
    let village_path = format!(
        "{}/",
        village.trim_end_matches('/').rsplit_once('/').unwrap().0
    );
    let number = s
        .seal("person", "id_number", &person, "53018119900308002X")
        .unwrap();
    support::exec(
        &t.db,
        &format!(
            "INSERT INTO person (county_code, id, household_id, path, name, sex, birth_date, \
             id_number, id_number_index, relationship, created_at, updated_at) VALUES \
             ('{county}', {}, {}, '{village}', '欧阳娜娜', 'female', '1990-03-08', '{number}', \
             'upgrade-index', 'other', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')",
            blob(person),
            blob(hid)
        ),
    )
    .await
    .unwrap();
    support::exec(
        &t.db,
        &format!(
            "INSERT INTO member (county_code, id, place_code, path, role, name, started_on, \
             created_at) VALUES ('{county}', {}, '{village_code}', '{}', 'volunteer', '司马春花', \
             '2020-01-01', '2020-01-01T00:00:00Z')",
            blob(member),
            village_path
        ),
    )
    .await
    .unwrap();
    let hex = victim.simple().to_string();
    support::exec(
        &t.db,
        &format!(
            "UPDATE dispute_party SET person = '{hex}', person_ref = NULL WHERE person IS NOT NULL"
        ),
    )
    .await
    .unwrap();
    support::exec(
        &t.db,
        "INSERT INTO pending_seal (step) VALUES ('names') ON CONFLICT DO NOTHING",
    )
    .await
    .unwrap();

    let r = s.seal_clear_values().await.unwrap();
    // Name, birth date and relationship of the person, the member's name, the party's person.
    assert_eq!(r.sealed, 5, "{r:?}");
    assert_eq!(r.indexed, 1, "{r:?}");
    assert_eq!(r.referenced, 1, "{r:?}");
    // Done once: a second start does nothing.
    assert_eq!(
        s.seal_clear_values().await.unwrap(),
        jinguo_services::sealed::SealReport::default()
    );
    // Nothing left in clear, and everything reads as before.
    let bytes = stored_bytes(&t).await;
    for clear in ["欧阳娜娜", "司马春花", hex.as_str()] {
        assert!(!contains(&bytes, clear), "{clear} still in clear");
    }
    let after = s.household_view(&staff, hid).await.unwrap();
    assert!(
        after
            .persons
            .iter()
            .any(|p| p.id == person && p.name == "欧**娜"),
        "{:?}",
        after.persons
    );
    let hits = s
        .find_persons(
            &staff,
            &NameQuery {
                surname: "欧阳".into(),
                given_name: "娜娜".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![person]);
    let (d, _) = s.dispute(&staff, dispute).await.unwrap();
    assert_eq!(d.parties[0].person_id, Some(victim));
    // The party's pseudonym still finds the open dispute of that person.
    let again = s
        .register_dispute(&staff, &village_code, &intake, false)
        .await;
    assert!(
        matches!(again, Err(jinguo_services::ServiceError::PossibleDuplicate(ref v)) if v.contains(&dispute)),
        "{again:?}"
    );
}
both_backends!(
    clear_values_of_an_earlier_version_are_sealed_once_at_start,
    super::upgrade_seals_clear_values
);

async fn upgrade_seals_clear_notes(b: Backend) {
    let (t, s) = with_small_demo(b).await;
    served_entry(&s, "").await;
    support::account(&s, "w-staff", Role::Staff, "530181").await;
    let staff = support::caller_of(&s, "w-staff", support::PASSWORD).await;
    // A case registered: its first step.
    let case: jinguo_domain::linkage::CaseInput = serde_json::from_value(serde_json::json!({
        "victim_name": "某女", "relationship": "丈夫", "violence": ["psychological"],
        "severity": "minor", "source": "hotline", "consent_to_share": false,
        "received_on": jinguo_services::clock::today().to_string(), "narrative": "电话求助"}))
    .unwrap();
    s.register_case(&staff, "530181", &case).await.unwrap();
    assert_eq!(s.seal_clear_values().await.unwrap().sealed, 0);
    // As an earlier version wrote them: one note or reason of each kind in clear.
    let notes = [
        (
            SealedColumn::EntryLeftReason,
            "UPDATE registry_entry SET left_reason = '丈夫去世后随女儿迁往昆明' \
             WHERE id = (SELECT id FROM registry_entry ORDER BY id LIMIT 1)",
            "丈夫去世后随女儿迁往昆明",
        ),
        (
            SealedColumn::ServiceNote,
            "UPDATE care_service SET note = '体检发现其长期失眠，需心理疏导' \
             WHERE id = (SELECT id FROM care_service ORDER BY id LIMIT 1)",
            "体检发现其长期失眠，需心理疏导",
        ),
        (
            SealedColumn::CaseStepNote,
            "UPDATE case_step SET note = '施暴者携刀上门' \
             WHERE case_id = (SELECT case_id FROM case_step ORDER BY case_id LIMIT 1) AND seq = 1",
            "施暴者携刀上门",
        ),
    ];
    for (_, sql, _) in &notes {
        support::exec(&t.db, sql).await.unwrap();
    }
    support::exec(
        &t.db,
        "INSERT INTO pending_seal (step) VALUES ('notes') ON CONFLICT DO NOTHING",
    )
    .await
    .unwrap();
    let r = s.seal_clear_values().await.unwrap();
    assert_eq!(r.sealed, 3, "{r:?}");
    assert_eq!(
        s.seal_clear_values().await.unwrap(),
        jinguo_services::sealed::SealReport::default()
    );
    let bytes = stored_bytes(&t).await;
    for (which, _, clear) in notes {
        assert!(!contains(&bytes, clear), "{clear} still in clear");
        assert!(
            opened(&s, which).await.iter().any(|v| v == clear),
            "{which:?} does not open to {clear}"
        );
    }
}
both_backends!(
    clear_notes_of_an_earlier_version_are_sealed_once_at_start,
    super::upgrade_seals_clear_notes
);

async fn search_by_name(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = county_staff();
    let (group, hid) = support::first_household(&s).await;
    let view = s
        .household_reveal(&staff, hid, "核对姓名检索")
        .await
        .unwrap();
    let p = &view.persons[0];
    let (surname, given) = jinguo_domain::person::split_name(&p.name);
    let find = |q: NameQuery| {
        let s = s.clone();
        async move { s.find_persons(&county_staff(), &q).await }
    };
    // The whole name, with stray spaces.
    let hits = find(NameQuery {
        name: format!(" {surname} {given} "),
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(
        hits.iter().any(|h| h.id == p.id && h.household_id == hid),
        "{hits:?}"
    );
    assert!(hits.iter().all(|h| h.name.starts_with(surname)));
    // Surname and given name.
    let hits = find(NameQuery {
        surname: surname.into(),
        given_name: given.into(),
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(hits.iter().any(|h| h.id == p.id), "{hits:?}");
    // The surname alone finds more people of that surname.
    let by_surname = find(NameQuery {
        surname: surname.into(),
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(by_surname.len() > hits.len(), "{}", by_surname.len());
    // Another name finds nobody; someone outside the place finds nothing.
    let none = find(NameQuery {
        name: format!("{surname}无此人"),
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(none.is_empty());
    let other = support::caller(Role::Staff, "53/5301/530181/530181001/");
    let elsewhere = s
        .find_persons(
            &other,
            &NameQuery {
                name: p.name.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        elsewhere.iter().all(|h| h.id != p.id) || group.starts_with("530181001"),
        "{elsewhere:?}"
    );
    // Nothing to search by: refused on its field.
    match find(NameQuery {
        given_name: given.into(),
        ..Default::default()
    })
    .await
    {
        Err(jinguo_services::ServiceError::Invalid(e)) => {
            assert_eq!(e.0.first().map(|f| f.field.as_str()), Some("name"))
        }
        other => panic!("{other:?}"),
    }
    // An administrator has no household scope at all.
    let admin = support::caller(Role::SystemAdmin, "53/5301/530181/");
    assert!(matches!(
        s.find_persons(
            &admin,
            &NameQuery {
                name: p.name.clone(),
                ..Default::default()
            }
        )
        .await,
        Err(jinguo_services::ServiceError::Forbidden)
    ));
}
both_backends!(
    search_by_name_goes_through_blind_indexes,
    super::search_by_name
);

async fn rotation_reseals_names(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let r = s.rotate_keys(&jinguo_services::Caller::operator()).await;
    // Keys given in memory cannot be rotated in place: a key file is needed.
    assert!(r.is_err());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.toml");
    let ring = s.keys.get();
    ring.save(&path).unwrap();
    let mut s2 = s.clone();
    s2.keys = std::sync::Arc::new(jinguo_services::sealed::KeyStore::from_file(
        jinguo_services::Keyring::load(&path).unwrap(),
        path.clone(),
    ));
    case_of_registered_victim(&s2).await;
    // A hotline call, a review meeting with a task and a supervision task: their sealed
    // columns are re-sealed too.
    let staff = support::county_staff();
    let today = jinguo_services::clock::today();
    let yesterday = today - chrono::Duration::days(1);
    s2.record_call(
        &staff,
        &jinguo_domain::hotline::CallInput {
            called_at: format!("{yesterday}T09:00"),
            caller_name: "张小芳".into(),
            caller_phone: "13812345678".into(),
            place: "530181001".into(),
            kind: "consultation".into(),
            summary: "咨询离婚财产分割".into(),
            action: "advice".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    s2.add_meeting(
        &staff,
        "530181",
        &jinguo_services::meetings::MeetingInput {
            met_on: today.to_string(),
            attendees: "主席".into(),
            conclusions: "持续关注".into(),
            tasks: vec![jinguo_services::meetings::TaskInput {
                task: "回访".into(),
                owner: "连然街道妇联".into(),
                due_by: today.to_string(),
            }],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    s2.issue_task(
        &staff,
        "530181",
        &jinguo_domain::supervision::TaskInput {
            title: "会议部署督办".into(),
            source: "meeting".into(),
            lead_place: "530181001".into(),
            owner_name: "王主任".into(),
            issued_on: today.to_string(),
            deadline: (today + chrono::Duration::days(10)).to_string(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let names_before = opened(&s2, SealedColumn::PersonName).await;
    let report = s2
        .rotate_keys(&jinguo_services::Caller::operator())
        .await
        .unwrap();
    assert!(
        report.mediation as usize >= 3 * names_before.len(),
        "{report:?}"
    );
    for which in [
        SealedColumn::PersonName,
        SealedColumn::PersonBirthDate,
        SealedColumn::PersonRelationship,
        SealedColumn::MemberName,
        SealedColumn::CaseHousehold,
        SealedColumn::ConsentPerson,
        SealedColumn::ConsentGuardianName,
        SealedColumn::CaseConsentGuardianName,
        SealedColumn::HotlineCallerName,
        SealedColumn::HotlineCallerPhone,
        SealedColumn::HotlineSummary,
        SealedColumn::SupervisionTitle,
        SealedColumn::SupervisionOwnerName,
        SealedColumn::MeetingAttendees,
        SealedColumn::MeetingConclusions,
        SealedColumn::MeetingTaskText,
        SealedColumn::MeetingTaskOwner,
    ] {
        let rows = sealed_values(&s2.db, which, (uuid::Uuid::nil(), -1), 50)
            .await
            .unwrap();
        assert!(!rows.is_empty());
        for v in rows {
            assert_eq!(jinguo_crypto::kid_of(&v.value), Some(report.kid.as_str()));
        }
    }
    assert_eq!(opened(&s2, SealedColumn::PersonName).await, names_before);
    // What was re-sealed still reads.
    let log = s2
        .hotline_log(&staff, Some(&yesterday.format("%Y-%m").to_string()))
        .await
        .unwrap();
    assert!(log.calls.iter().any(|c| c.caller_phone == "138****5678"));
}
both_backends!(
    key_rotation_reseals_names_birth_dates_and_relationships,
    super::rotation_reseals_names
);

/// The ids of the persons and households registry entries, wishes and event participants link
/// to, opened with the key, each with the id of the row that holds it.
async fn care_links(s: &Services) -> Vec<(uuid::Uuid, uuid::Uuid)> {
    let mut out = Vec::new();
    for which in SealedColumn::SEALED_SINCE_0031 {
        let (table, column) = which.sealed_for();
        let mut after = (uuid::Uuid::nil(), -1_i64);
        loop {
            let rows = sealed_values(&s.db, which, after, 1000).await.unwrap();
            let Some(last) = rows.last() else { break };
            after = (last.id, last.seq);
            for v in rows {
                assert!(
                    jinguo_crypto::kid_of(&v.value).is_some(),
                    "{table}.{column} holds an id in clear"
                );
                out.push((v.id, s.open_id(table, column, &v.id, &v.value).unwrap()));
            }
        }
    }
    out
}

/// The forms an id takes in stored bytes: raw (a SQLite blob), hex, and hyphenated text.
fn id_forms(id: &uuid::Uuid) -> [Vec<u8>; 3] {
    [
        id.as_bytes().to_vec(),
        id.simple().to_string().into_bytes(),
        id.to_string().into_bytes(),
    ]
}

fn holds(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A person of the first household in a registry and served, and registered at an event: the
/// links of the care tables, sealed.
async fn registry_links_sealed(b: Backend) {
    let (t, s) = with_small_demo(b).await;
    let entry = served_entry(&s, "").await;
    let staff = county_staff();
    let detail = s.entry(&staff, entry).await.unwrap();
    let (person, household) = (detail.entry.person_id, detail.entry.household_id);
    let event: jinguo_domain::care::EventInput = serde_json::from_value(serde_json::json!({
        "kind": "legal", "name": "法律讲座", "on": jinguo_services::clock::today().to_string(),
        "place": "社区活动室", "organiser": "安宁市妇联", "persons": [person]}))
    .unwrap();
    s.record_event(&staff, "530181", &event).await.unwrap();
    let links = care_links(&s).await;
    // The entry's person and household, the participant.
    assert_eq!(links.len(), 3, "{links:?}");
    assert!(links.contains(&(entry, person)) && links.contains(&(entry, household)));
    // What a copy of the database holds next to the registry: no id of the person or household.
    let near: Vec<_> = links
        .iter()
        .flat_map(|(row, _)| [(*row, person), (*row, household)])
        .collect();
    assert_links_sealed(
        &t,
        &[
            "registry_entry",
            "care_service",
            "wish",
            "care_event_person",
        ],
        &near,
    )
    .await;
    // Everything still reads through the key: her entry, found again by her pseudonym.
    let list = s.entries(&staff, "530181", None, false, 100).await.unwrap();
    assert!(list.iter().any(|e| e.id == entry && e.person_id == person));
    let year = serve_again(&s, person).await;
    let figures = s.care_figures(&staff, "530181", year).await.unwrap();
    // Two services, one person served.
    assert_eq!(figures.people_served, 1);
    // The event's one registered participant, read through her sealed id.
    assert_eq!((figures.events.events, figures.events.participants), (1, 1));
}
both_backends!(
    registry_links_are_sealed_next_to_the_registry,
    super::registry_links_sealed
);

/// Relief given to a person of a registry (her entry found by her pseudonym); this year.
async fn serve_again(s: &Services, person: uuid::Uuid) -> jinguo_domain::care::Period {
    let again = jinguo_domain::care::ServiceInput {
        kind: "relief".into(),
        registry: "mothers_in_difficulty".into(),
        on: jinguo_services::clock::today().to_string(),
        goods: "米面油".into(),
        visited_by: "妇女代表".into(),
        ..Default::default()
    };
    s.record_services(&county_staff(), "530181", &again, &[person])
        .await
        .unwrap();
    jinguo_domain::care::Period::year(chrono::Datelike::year(&jinguo_services::clock::today()))
        .unwrap()
}

async fn upgrade_seals_clear_links(b: Backend) {
    let (t, s) = with_small_demo(b).await;
    let entry = served_entry(&s, "").await;
    let staff = county_staff();
    let before = s.entry(&staff, entry).await.unwrap().entry;
    let (person, household) = (before.person_id, before.household_id);
    // As the migration leaves a link written by an earlier version: the ids in clear, no
    // pseudonyms yet.
    let clear = |id: uuid::Uuid| clear_id(b, id);
    support::exec(
        &t.db,
        &format!(
            "UPDATE registry_entry SET person = '{}', household = '{}', person_ref = NULL, \
             household_ref = NULL",
            clear(person),
            clear(household)
        ),
    )
    .await
    .unwrap();
    support::exec(&t.db, "UPDATE care_service SET person_ref = NULL")
        .await
        .unwrap();
    seal_pending(&t, "links").await;
    let r = s.seal_clear_values().await.unwrap();
    assert_eq!((r.sealed, r.linked), (2, 2), "{r:?}");
    assert_eq!(
        s.seal_clear_values().await.unwrap(),
        jinguo_services::sealed::SealReport::default()
    );
    let bytes = stored_bytes(&t).await;
    for id in [person, household] {
        assert!(!contains(&bytes, &id.simple().to_string()), "{id} in clear");
    }
    assert_eq!(care_links(&s).await.len(), 2);
    // It reads as before, and her pseudonym finds her entry again.
    assert_eq!(s.entry(&staff, entry).await.unwrap().entry, before);
    let year = serve_again(&s, person).await;
    assert_eq!(
        s.care_figures(&staff, "530181", year)
            .await
            .unwrap()
            .people_served,
        1
    );
}
both_backends!(
    clear_links_of_an_earlier_version_are_sealed_once_at_start,
    super::upgrade_seals_clear_links
);

/// An id as a migration copies it in clear: hex on SQLite, text on PostgreSQL.
fn clear_id(b: Backend, id: uuid::Uuid) -> String {
    match b {
        Backend::Sqlite => id.simple().to_string(),
        Backend::Postgres => id.to_string(),
    }
}

/// Leaves a step of sealing pending, as a migration does.
async fn seal_pending(t: &support::TestDb, step: &str) {
    support::exec(
        &t.db,
        &format!("INSERT INTO pending_seal (step) VALUES ('{step}') ON CONFLICT DO NOTHING"),
    )
    .await
    .unwrap();
}

/// As migration 0055 leaves a database written by an earlier version: a case's household and
/// consents' persons as plain ids without pseudonyms, guardians' names in clear. The step at
/// start seals them once, and every reader answers as before.
async fn upgrade_seals_clear_case_and_consent_links(b: Backend) {
    let (t, s) = with_small_demo(b).await;
    let staff = county_staff();
    let (case, household, person, guardians) = case_of_registered_victim(&s).await;
    let links = consent_links(&s).await;
    let consents = links.len();
    // Her consent found by her pseudonym, the guardian named, the wishes published under their
    // consents.
    let readers = || async {
        let staff = county_staff();
        assert!(
            s.has_consent(&staff, person, "sensitive_data")
                .await
                .unwrap()
        );
        let shared = s.share_consents(&staff, case).await.unwrap();
        assert_eq!(shared[0].guardian_name.as_deref(), Some(guardians[0]));
        s.public_wishes().await.unwrap().len()
    };
    let published = readers().await;
    assert!(published > 0);
    let clear = |id: uuid::Uuid| clear_id(b, id);
    support::exec(
        &t.db,
        &format!(
            "UPDATE dv_case SET household = '{}' WHERE household IS NOT NULL",
            clear(household)
        ),
    )
    .await
    .unwrap();
    for (row, person) in &links {
        let row = match b {
            Backend::Sqlite => format!("X'{}'", row.simple()),
            Backend::Postgres => format!("'{row}'"),
        };
        support::exec(
            &t.db,
            &format!(
                "UPDATE consent SET person = '{}', person_ref = NULL WHERE id = {row}",
                clear(*person)
            ),
        )
        .await
        .unwrap();
    }
    support::exec(
        &t.db,
        &format!("UPDATE consent SET guardian_name = '{}' WHERE guardian_name IS NOT NULL AND purpose = 'sensitive_data'", guardians[1]),
    )
    .await
    .unwrap();
    support::exec(
        &t.db,
        &format!(
            "UPDATE case_consent SET guardian_name = '{}' WHERE guardian_name IS NOT NULL",
            guardians[0]
        ),
    )
    .await
    .unwrap();
    seal_pending(&t, "consent_links").await;
    let r = s.seal_clear_values().await.unwrap();
    // The case's household, every consent's person, two guardians' names; every consent's
    // pseudonym.
    assert_eq!(r.sealed as usize, 1 + consents + 2, "{r:?}");
    assert_eq!(r.linked as usize, consents, "{r:?}");
    assert_eq!(
        s.seal_clear_values().await.unwrap(),
        jinguo_services::sealed::SealReport::default()
    );
    let bytes = stored_bytes(&t).await;
    for clear in guardians {
        assert!(!contains(&bytes, clear), "{clear} still in clear");
    }
    assert_eq!(consent_links(&s).await, links);
    let mut all = links.clone();
    all.push((case, household));
    assert_links_sealed(&t, &["dv_case", "consent"], &all).await;
    if b == Backend::Sqlite {
        // The hex the migration copied is gone from the file, its free pages included.
        for (_, id) in &all {
            assert!(!contains(&bytes, &clear(*id)), "{id} in clear");
        }
    }
    assert_eq!(
        opened(&s, SealedColumn::CaseHousehold).await,
        vec![household.to_string()]
    );
    // Everything reads as before.
    assert_eq!(readers().await, published);
    assert_eq!(
        s.withdraw_consent(&staff, person, "sensitive_data")
            .await
            .unwrap(),
        1
    );
    assert!(
        !s.has_consent(&staff, person, "sensitive_data")
            .await
            .unwrap()
    );
}
both_backends!(
    clear_case_and_consent_links_of_an_earlier_version_are_sealed_once_at_start,
    super::upgrade_seals_clear_case_and_consent_links
);
