//! A household read by id, by its key, whoever asks: staff of the county read one of every
//! subdistrict, with and without the caches, the same answer; staff of a village get 404 for
//! another village's household; the trivial `/livez` reads nothing.

use crate::support::{self, both_backends};
use jinguo_domain::account::Role;
use jinguo_services::Services;
use jinguo_services::caches::Caches;
use jinguo_services::demo::Shape;
use jinguo_storage::Backend;
use reqwest::StatusCode;
use std::sync::Arc;
use std::time::Duration;

/// At least one resident group in every village (Anning has 102), two households each.
const EVERY_VILLAGE: Shape = Shape {
    groups: 110,
    households: 220,
    city_executives: 1,
    subdistrict_executives: 9,
    village_executives: 10,
    representatives: 10,
    screened: 20,
    medium_risks: 1,
    mediation_teams: false,
    care: false,
    current: false,
};

/// One household of every subdistrict: (subdistrict code, village code, household id).
async fn one_per_subdistrict(s: &Services) -> Vec<(String, String, uuid::Uuid)> {
    let staff = support::county_staff();
    let county = s.place_view(&staff, "530181").await.unwrap();
    let mut out = Vec::new();
    for town in &county.children {
        let t = s.place_view(&staff, &town.place.code).await.unwrap();
        let village = &t.children[0].place;
        let v = s.place_view(&staff, &village.code).await.unwrap();
        let group = &v.children[0].place;
        let page = s.group_households(&staff, &group.code, 1).await.unwrap();
        out.push((
            town.place.code.clone(),
            village.code.clone(),
            page.lines[0].id,
        ));
    }
    out
}

async fn get(c: &reqwest::Client, url: &str, cookie: &str) -> (StatusCode, String) {
    let r = c.get(url).header("cookie", cookie).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn households_are_read_by_key(b: Backend) {
    let t = support::fresh(b).await;
    let s = support::services(&t.db);
    let r = s.ensure_demo_shaped(11, EVERY_VILLAGE).await.unwrap();
    assert_eq!(r.households, 220);
    let homes = one_per_subdistrict(&s).await;
    assert_eq!(homes.len(), 9, "Anning has 9 subdistricts");

    // The same reads through services whose caches keep nothing: the same answers.
    let mut cold = s.clone();
    cold.caches = Arc::new(Caches::new(Duration::ZERO));
    let staff = support::county_staff();
    let city = support::caller(Role::Staff, "53/5301/");
    for (_, _, id) in &homes {
        let warm = s.household_view(&staff, *id).await.unwrap();
        let again = cold.household_view(&staff, *id).await.unwrap();
        assert_eq!(
            format!("{:?}", warm.household),
            format!("{:?}", again.household)
        );
        assert_eq!(
            format!("{:?}", warm.persons),
            format!("{:?}", again.persons)
        );
        assert!(!warm.persons.is_empty());
        assert!(warm.persons.iter().all(|p| p.id_number.contains('*')));
        // Staff above the county (whose counties are read from the places) see it too.
        let above = cold.household_view(&city, *id).await.unwrap();
        assert_eq!(
            format!("{:?}", above.household),
            format!("{:?}", warm.household)
        );
    }

    support::account(&s, "county", Role::Staff, "530181").await;
    let (other_town, other_village, other_id) = homes[1].clone();
    let (_, village, own_id) = homes[0].clone();
    assert_ne!(other_village, village);
    support::account(&s, "village", Role::Staff, &village).await;
    let county = support::session(&s, "county", false).await;
    let one_village = support::session(&s, "village", false).await;

    let srv = support::serve(s.clone()).await;
    let cold_srv = support::serve(cold.clone()).await;
    let c = reqwest::Client::new();
    let (status, body) = get(&c, &format!("{}/livez", srv.base), "").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));

    let reads_before = crate::caches::reads_of(&s, "household.read").await;
    for base in [&srv.base, &cold_srv.base] {
        for (town, _, id) in &homes {
            let (status, page) = get(&c, &format!("{base}/households/{id}"), &county.cookie).await;
            assert_eq!(status, StatusCode::OK, "page of a household of {town}");
            let (status, api) = get(
                &c,
                &format!("{base}/api/v1/households/{id}"),
                &county.cookie,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "API, a household of {town}");
            let dto: serde_json::Value = serde_json::from_str(&api).unwrap();
            assert_eq!(dto["id"], id.to_string());
            let persons = dto["persons"].as_array().unwrap();
            assert!(!persons.is_empty());
            for p in persons {
                let number = p["id_number"].as_str().unwrap();
                assert!(number.contains('*'), "masked: {number}");
                assert!(
                    page.contains(number),
                    "the page shows the same masked number"
                );
            }
        }
        // Staff of one village: her own household, and not another village's, page and API.
        for (id, expected) in [(own_id, StatusCode::OK), (other_id, StatusCode::NOT_FOUND)] {
            for path in ["/households/", "/api/v1/households/"] {
                let url = format!("{base}{path}{id}");
                let (status, _) = get(&c, &url, &one_village.cookie).await;
                assert_eq!(status, expected, "{path}, {other_town} against {village}");
            }
        }
        // An id that is no household: 404 as well.
        let nobody = uuid::Uuid::now_v7();
        let (status, _) = get(
            &c,
            &format!("{base}/api/v1/households/{nobody}"),
            &county.cookie,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    // Every read answered is on the log: 9 pages and 9 API reads by the county, 2 by the
    // village, on each server.
    assert_eq!(
        crate::caches::reads_of(&s, "household.read").await,
        reads_before + 2 * (9 * 2 + 2)
    );
}
both_backends!(by_key, super::households_are_read_by_key);
