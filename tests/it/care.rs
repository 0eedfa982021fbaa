//! Care through the API, on both databases: the registries, an entry's life cycle (proposed,
//! verified, active, reviewed, left), a person in several registries but once in each, review
//! reminders, services one by one and a whole day at once (all or nothing), refusals, figures
//! that count each person once, and the audit log.

use crate::support::{self, Api, all_backends, both_backends, fields, serve, with_small_demo};
use jinguo_domain::account::Role;
use jinguo_services::Caller;
use jinguo_services::audit::AuditQuery;
use jinguo_storage::Backend;
use serde_json::{Value, json};

async fn care_end_to_end(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let operator = Caller::operator();
    assert_eq!(s.ensure_registries(&operator, "530181").await.unwrap(), 6);
    assert_eq!(s.ensure_registries(&operator, "530181").await.unwrap(), 0);
    let county_staff = support::county_staff();
    let (_, hid) = support::first_household(&s).await;
    let persons: Vec<uuid::Uuid> = s
        .household_view(&county_staff, hid)
        .await
        .unwrap()
        .persons
        .iter()
        .map(|p| p.id)
        .collect();
    let (p1, p2) = (persons[0], persons[1]);
    support::account(&s, "k-staff", Role::Staff, "530181").await;
    let staff = support::session(&s, "k-staff", false).await;
    let srv = serve(s.clone()).await;
    let api = Api {
        base: srv.base.clone(),
        http: reqwest::Client::new(),
    };
    let today = jinguo_services::clock::today();
    let in_a_year = (today + chrono::Duration::days(365)).to_string();

    let (st, regs) = api
        .send(&staff, "GET", "/api/v1/places/530181/registries", None)
        .await;
    assert_eq!(st, 200, "{regs}");
    assert_eq!(regs.as_array().unwrap().len(), 6);

    // Refused: every field named; a review date before the entry.
    let entries = "/api/v1/places/530181/registry-entries";
    let (st, p) = api
        .send(
            &staff,
            "POST",
            entries,
            Some(json!({"next_review_on": (today - chrono::Duration::days(1)).to_string()})),
        )
        .await;
    assert_eq!(st, 422, "{p}");
    let f = fields(&p);
    for want in [
        ("person_id", "required"),
        ("registry", "required"),
        ("criteria", "required"),
        ("surveyed_by", "required"),
        ("next_review_on", "entry.review_before_entry"),
    ] {
        assert!(
            f.contains(&(want.0.into(), want.1.into())),
            "{want:?} in {f:?}"
        );
    }
    let propose = |person: uuid::Uuid, registry: &str, review: &str| {
        json!({"person_id": person, "registry": registry, "criteria": "低保户，丈夫重病",
            "evidence": "低保证号 5301810012345", "surveyed_by": "妇女代表王某", "next_review_on": review})
    };
    let (st, e1) = api
        .send(
            &staff,
            "POST",
            entries,
            Some(propose(p1, "mothers_in_difficulty", &in_a_year)),
        )
        .await;
    assert_eq!(st, 201, "{e1}");
    let e1 = e1["id"].as_str().unwrap().to_string();
    // Once in a registry; in several registries.
    let (st, p) = api
        .send(
            &staff,
            "POST",
            entries,
            Some(propose(p1, "mothers_in_difficulty", &in_a_year)),
        )
        .await;
    assert_eq!(
        (st, fields(&p)),
        (422, vec![("registry".into(), "entry.duplicate".into())]),
        "{p}"
    );
    let (st, _) = api
        .send(
            &staff,
            "POST",
            entries,
            Some(propose(p1, "sanitation_workers", &in_a_year)),
        )
        .await;
    assert_eq!(st, 201);

    // A service to someone not (yet) in the registry: refused, naming her place in the list.
    let services = "/api/v1/places/530181/care-services";
    let check = json!({"kind": "health_check", "registry": "mothers_in_difficulty",
        "on": today.to_string(), "result": "血压偏高，建议复查", "persons": [p1]});
    let (st, p) = api
        .send(&staff, "POST", services, Some(check.clone()))
        .await;
    assert_eq!(
        (st, fields(&p)),
        (
            422,
            vec![("persons[0]".into(), "service.not_in_registry".into())]
        ),
        "{p}"
    );

    // The life cycle: verified before active; two people at once, the second gets 409.
    let steps = format!("/api/v1/registry-entries/{e1}/steps");
    let (st, p) = api
        .send(
            &staff,
            "POST",
            &steps,
            Some(json!({"step": "activate", "expected_version": 1})),
        )
        .await;
    assert_eq!(
        (st, fields(&p)),
        (422, vec![("step".into(), "entry.step".into())]),
        "{p}"
    );
    let (st, v) = api
        .send(
            &staff,
            "POST",
            &steps,
            Some(json!({"step": "verify", "expected_version": 1})),
        )
        .await;
    assert_eq!(
        (st, v["status"].clone(), v["verified_by"].clone()),
        (200, json!("verified"), json!("k-staff")),
        "{v}"
    );
    let (st, _) = api
        .send(
            &staff,
            "POST",
            &steps,
            Some(json!({"step": "verify", "expected_version": 1})),
        )
        .await;
    assert!(st == 409 || st == 422, "{st}");
    let (st, v) = api
        .send(
            &staff,
            "POST",
            &steps,
            Some(json!({"step": "activate", "expected_version": 2})),
        )
        .await;
    assert_eq!((st, v["status"].clone()), (200, json!("active")), "{v}");

    // p2 too, verified; then one health-check day for both, and relief for p1.
    let (_, e2) = api
        .send(
            &staff,
            "POST",
            entries,
            Some(propose(p2, "mothers_in_difficulty", &in_a_year)),
        )
        .await;
    let e2 = e2["id"].as_str().unwrap().to_string();
    let (st, _) = api
        .send(
            &staff,
            "POST",
            &format!("/api/v1/registry-entries/{e2}/steps"),
            Some(json!({"step": "verify", "expected_version": 1})),
        )
        .await;
    assert_eq!(st, 200);
    let mut day = check.clone();
    day["persons"] = json!([p1, p2]);
    let (st, p) = api.send(&staff, "POST", services, Some(day)).await;
    assert_eq!(st, 201, "{p}");
    let relief = json!({"kind": "relief", "registry": "mothers_in_difficulty", "on": today.to_string(),
        "goods": "米、油", "amount": "-5", "visited_by": "市妇联", "persons": [p1]});
    let (st, p) = api
        .send(&staff, "POST", services, Some(relief.clone()))
        .await;
    assert_eq!(
        (st, fields(&p)),
        (422, vec![("amount".into(), "amount.negative".into())]),
        "{p}"
    );
    let mut relief = relief;
    relief["amount"] = json!("200");
    let (st, _) = api.send(&staff, "POST", services, Some(relief)).await;
    assert_eq!(st, 201);

    // The figures count each person once.
    let (st, f) = api
        .send(&staff, "GET", "/api/v1/places/530181/care/figures", None)
        .await;
    assert_eq!(st, 200, "{f}");
    assert_eq!(f["people_served"], json!(2), "{f}");
    let count = |k: &str| {
        f["by_kind"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["key"] == k)
            .map(|x| x["count"].as_i64().unwrap())
            .unwrap_or(0)
    };
    assert_eq!((count("health_check"), count("relief")), (2, 1));
    // Over a period: the same from today to today, nothing over the month before; a period
    // whose end comes before its start is refused on that field.
    let day = |d: i64| (today + chrono::Duration::days(d)).to_string();
    let period = |from: String, to: String| {
        format!("/api/v1/places/530181/care/figures?from={from}&to={to}")
    };
    let (st, f) = api.send(&staff, "GET", &period(day(0), day(0)), None).await;
    assert_eq!(
        (st, f["people_served"].clone(), f["year"].clone()),
        (200, json!(2), Value::Null),
        "{f}"
    );
    let (_, f) = api
        .send(&staff, "GET", &period(day(-30), day(-1)), None)
        .await;
    assert_eq!(f["people_served"], json!(0), "{f}");
    let (st, p) = api
        .send(&staff, "GET", &period(day(0), day(-1)), None)
        .await;
    assert_eq!(
        (st, fields(&p)),
        (422, vec![("to".into(), "period.reversed".into())]),
        "{p}"
    );

    // The entry: the evidence and the result for staff; the name masked.
    let (st, d) = api
        .send(
            &staff,
            "GET",
            &format!("/api/v1/registry-entries/{e1}"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{d}");
    assert!(d["evidence"].as_str().unwrap().contains("低保证号"));
    assert!(d["services"].to_string().contains("血压偏高"));
    assert!(d["entry"]["name"].as_str().unwrap().contains('*'), "{d}");
    assert_eq!(d["services"].as_array().unwrap().len(), 2);

    // Review reminders: an entry due for review today is listed until reviewed.
    let (_, e3) = api
        .send(
            &staff,
            "POST",
            entries,
            Some(propose(p2, "left_behind_women", &today.to_string())),
        )
        .await;
    let e3 = e3["id"].as_str().unwrap().to_string();
    let due = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let (_, list) = api
        .send(&staff, "GET", &format!("{entries}?review_due=true"), None)
        .await;
    assert_eq!(due(&list), vec![e3.clone()], "{list}");
    for (step, version) in [("verify", 1), ("activate", 2), ("review", 3)] {
        let (st, v) = api
            .send(
                &staff,
                "POST",
                &format!("/api/v1/registry-entries/{e3}/steps"),
                Some(json!({"step": step, "expected_version": version})),
            )
            .await;
        assert_eq!(st, 200, "{step}: {v}");
    }
    let (_, list) = api
        .send(&staff, "GET", &format!("{entries}?review_due=true"), None)
        .await;
    assert!(due(&list).is_empty(), "{list}");

    // Leaving needs a reason; then no service can be recorded for her in that registry.
    let (st, p) = api
        .send(
            &staff,
            "POST",
            &steps,
            Some(json!({"step": "leave", "expected_version": 3})),
        )
        .await;
    assert_eq!(
        (st, fields(&p)),
        (422, vec![("reason".into(), "required".into())]),
        "{p}"
    );
    let (st, v) = api
        .send(
            &staff,
            "POST",
            &steps,
            Some(json!({"step": "leave", "expected_version": 3, "reason": "家庭经济好转"})),
        )
        .await;
    assert_eq!((st, v["status"].clone()), (200, json!("left")), "{v}");
    let (st, _) = api.send(&staff, "POST", services, Some(check)).await;
    assert_eq!(st, 422);

    // An event: two registered participants and 30 counted, 12 of them children; refused
    // with nobody at all.
    let events = "/api/v1/places/530181/events";
    let (st, p) = api
        .send(
            &staff,
            "POST",
            events,
            Some(json!({"kind": "bring_love_home", "name": "把爱带回家",
            "on": today.to_string(), "place": "连然街道文化站", "organiser": "市妇联"})),
        )
        .await;
    assert_eq!(
        (st, fields(&p)),
        (422, vec![("anonymous".into(), "event.nobody".into())]),
        "{p}"
    );
    let (st, p) = api
        .send(
            &staff,
            "POST",
            events,
            Some(json!({"kind": "bring_love_home", "name": "把爱带回家",
            "on": today.to_string(), "place": "连然街道文化站", "organiser": "市妇联",
            "anonymous": 30, "anonymous_children": 12, "persons": [p1, p2]})),
        )
        .await;
    assert_eq!(st, 201, "{p}");
    let (_, f) = api
        .send(&staff, "GET", "/api/v1/places/530181/care/figures", None)
        .await;
    assert_eq!(
        (f["events"].clone(), f["participants"].clone()),
        (json!(1), json!(32)),
        "{f}"
    );
    assert!(f["children"].as_i64().unwrap() >= 12, "{f}");
    // The same figures as a workbook.
    let r = api
        .http
        .get(format!("{}/api/v1/places/530181/care/export", api.base))
        .header("cookie", &staff.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let book = r.bytes().await.unwrap();
    assert!(book.starts_with(b"PK"));
    // On the care page: the figures over the period asked for, the workbook over the same.
    let page = |q: String, lang: &'static str| {
        let r = api
            .http
            .get(format!("{}/places/530181/care{q}", api.base))
            .header("cookie", &staff.cookie)
            .header("accept-language", lang)
            .send();
        async move {
            let r = r.await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (st, html) = page(format!("?from={}&to={}", day(0), day(0)), "zh-CN").await;
    assert_eq!(st, 200);
    assert!(
        html.contains("id=\"people-served\">2<")
            && html.contains(&format!("care/export?from={}&amp;to={}", day(0), day(0)))
            && html.contains("把爱带回家"),
        "{html}"
    );
    let (st, html) = page(format!("?from={}&to={}", day(0), day(-1)), "en").await;
    assert_eq!(st, 422);
    assert!(
        html.contains("To: cannot be before the start") && html.contains("Figures of care"),
        "{html}"
    );

    for action in [
        "registry.create",
        "entry.propose",
        "entry.step",
        "entry.read",
        "care.service",
        "care.event",
    ] {
        let q = AuditQuery {
            action: Some(action.into()),
            limit: 5,
            ..Default::default()
        };
        assert!(
            !jinguo_storage::audit::search(&s.db, &jinguo_storage::Scope::operator(), &q)
                .await
                .unwrap()
                .is_empty(),
            "{action} not audited"
        );
    }
}
all_backends!(end_to_end, super::care_end_to_end);

/// The pages, in Chinese and English: from a household's page its person is proposed for a
/// registry (a refused form names the field), verified on the entry's page, then served with a
/// health check recorded for the people ticked on the registry's page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_in_both_languages() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    s.ensure_registries(&Caller::operator(), "530181")
        .await
        .unwrap();
    support::account(&s, "k-page", Role::Staff, "530181").await;
    let srv = serve(s.clone()).await;
    let (cookie, _) = support::login(&srv.base, "k-page", support::PASSWORD).await;
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let text = |path: String, lang: &'static str| {
        let r = c
            .get(format!("{}{path}", srv.base))
            .header("cookie", cookie.clone())
            .header("accept-language", lang)
            .send();
        async move { r.await.unwrap().text().await.unwrap() }
    };
    let post = |path: String, form: Vec<(String, String)>| {
        c.post(format!("{}{path}", srv.base))
            .header("cookie", cookie.clone())
            .header("accept-language", "zh-CN")
            .form(&form)
            .send()
    };
    let (_, hid) = support::first_household(&s).await;
    let html = text(format!("/households/{hid}"), "zh-CN").await;
    let link = html
        .split("id=\"propose-care\"")
        .next()
        .and_then(|h| h.rsplit("href=\"").next())
        .and_then(|h| h.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    let html = text(link.clone(), "zh-CN").await;
    assert!(html.contains("入户调查后纳入台账"), "{html}");
    let person = html
        .split("id=\"f-person_id\"")
        .nth(1)
        .and_then(|h| h.split("<option value=\"").nth(2))
        .and_then(|h| h.split('"').next())
        .unwrap()
        .to_string();
    let place = link.split("/care").next().unwrap().to_string();
    let csrf = support::form_value(&html, "csrf");
    let today = jinguo_services::clock::today().to_string();
    let mut form = vec![
        ("csrf".to_string(), csrf.clone()),
        ("household".to_string(), hid.to_string()),
        ("person_id".to_string(), person.clone()),
        ("registry".to_string(), "mothers_in_difficulty".to_string()),
        ("criteria".to_string(), "单亲，患慢性病".to_string()),
        ("next_review_on".to_string(), today.clone()),
    ];
    let r = post(format!("{place}/care/entries"), form.clone())
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("走访调查人：必填"));
    form.push(("surveyed_by".to_string(), "妇女代表李某".to_string()));
    let r = post(format!("{place}/care/entries"), form).await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let entry = r.headers()["location"].to_str().unwrap().to_string();
    let html = text(entry.clone(), "zh-CN").await;
    assert!(
        html.contains("待核实") && html.contains("到期复核"),
        "{html}"
    );
    let r = post(
        format!("{entry}/steps"),
        vec![
            ("csrf".into(), csrf.clone()),
            ("version".into(), "1".into()),
            ("step".into(), "verify".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let html = text(entry.clone(), "en").await;
    assert!(
        html.contains("verified") && html.contains("k-page"),
        "{html}"
    );

    // A health-check day: the people ticked on the registry's page.
    let html = text(
        format!("{place}/care?registry=mothers_in_difficulty"),
        "zh-CN",
    )
    .await;
    assert!(
        html.contains(&format!("name=\"person.{person}\"")),
        "{html}"
    );
    let r = post(
        format!("{place}/care/services"),
        vec![
            ("csrf".into(), csrf.clone()),
            ("registry".into(), "mothers_in_difficulty".into()),
            ("kind".into(), "health_check".into()),
            ("on".into(), today.clone()),
            ("result".into(), "各项指标正常".into()),
            (format!("person.{person}"), "1".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let html = text(entry, "zh-CN").await;
    assert!(
        html.contains("健康体检") && html.contains("各项指标正常"),
        "{html}"
    );
    // The place's overview counts her among the people served this year.
    let html = text(place.clone(), "zh-CN").await;
    let counts = html.split("id=\"care-counts\"").nth(1).unwrap_or_default();
    assert!(counts.contains("今年服务人数 1"), "{html}");

    // An event, counted participants only; refused first for a count below zero.
    let mut event = vec![
        ("csrf".to_string(), csrf.clone()),
        ("event_kind".to_string(), "bring_love_home".to_string()),
        ("event_name".to_string(), "把爱带回家".to_string()),
        ("event_on".to_string(), today.clone()),
        ("venue".to_string(), "社区活动室".to_string()),
        ("organiser".to_string(), "社区妇联".to_string()),
        ("registry".to_string(), "mothers_in_difficulty".to_string()),
        (format!("participant.{person}"), "1".to_string()),
        ("anonymous".to_string(), "-3".to_string()),
    ];
    let r = post(format!("{place}/care/events"), event.clone())
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    // Refused, the form keeps what was ticked.
    let refused = r.text().await.unwrap();
    assert!(
        refused.contains(&format!(
            "name=\"participant.{person}\" value=\"1\" checked"
        )),
        "{refused}"
    );
    event.pop();
    event.push(("anonymous".to_string(), "25".to_string()));
    event.push(("anonymous_children".to_string(), "20".to_string()));
    let r = post(format!("{place}/care/events"), event).await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let html = text(format!("{place}/care"), "en").await;
    let events = html.split("id=\"event-list\"").nth(1).unwrap_or_default();
    // 25 counted and the one registered person ticked.
    assert!(
        events.contains("把爱带回家") && events.contains(">26<"),
        "{html}"
    );
}

/// A child's wish: proposed with her guardian's consent, approved, published without anything
/// personal, claimed by two donors at the same moment (one wins), freed again when the claim
/// expires, fulfilled and confirmed; an organisation's credit code is checked.
async fn wishes(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff_caller = support::county_staff();
    support::account(&s, "w-staff", Role::Staff, "530181").await;
    let staff = support::session(&s, "w-staff", false).await;
    // A child of the demo, her household's address and her ID number (none may be published).
    let group = crate::storage::first_group(&s).await;
    let mut child = None;
    for line in s
        .group_households(&staff_caller, &group, 1)
        .await
        .unwrap()
        .lines
    {
        let v = s
            .household_reveal(&staff_caller, line.id, "核对儿童信息")
            .await
            .unwrap();
        if let Some(p) = v.persons.iter().find(|p| p.age < 14) {
            child = Some((
                p.id,
                p.name.clone(),
                p.id_number.clone(),
                v.household.address.clone(),
            ));
            break;
        }
    }
    let (child, name, id_number, address) = child.expect("a child in the first group");
    let srv = serve(s.clone()).await;
    let api = Api {
        base: srv.base.clone(),
        http: reqwest::Client::new(),
    };
    let wishes = format!("/api/v1/places/{group}/wishes");
    let (st, p) = api
        .send(
            &staff,
            "POST",
            &wishes,
            Some(json!({"person_id": child, "wish": "一套课外书"})),
        )
        .await;
    assert_eq!(
        (st, fields(&p)),
        (
            422,
            vec![
                ("guardian_consent".into(), "wish.consent".into()),
                ("guardian_name".into(), "consent.guardian_required".into()),
                ("guardian_relationship".into(), "required".into())
            ]
        ),
        "{p}"
    );
    let (st, w) = api
        .send(
            &staff,
            "POST",
            &wishes,
            Some(
                json!({"person_id": child, "wish": "一套课外书", "guardian_consent": true,
                    "guardian_name": "李梅", "guardian_relationship": "母亲"}),
            ),
        )
        .await;
    assert_eq!(st, 201, "{w}");
    let id = w["id"].as_str().unwrap().to_string();
    let steps = format!("/api/v1/wishes/{id}/steps");
    let (st, _) = api
        .send(
            &staff,
            "POST",
            &steps,
            Some(json!({"step": "approve", "expected_version": 1})),
        )
        .await;
    assert_eq!(st, 204);

    // The public list: the wish, the age, the subdistrict; no name, ID number or address.
    let public = reqwest::get(format!("{}/api/v1/public/wishes", srv.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(public.contains("一套课外书"), "{public}");
    for secret in [name.as_str(), id_number.as_str(), address.as_str(), &group] {
        assert!(
            !public.contains(secret),
            "{secret} on the public list: {public}"
        );
    }

    // Two donors at the same moment: one wins.
    let claim = format!("{}/api/v1/public/wishes/{id}/claim", srv.base);
    let c = reqwest::Client::new();
    let bad = c
        .post(&claim)
        .json(&json!({"donor": "某公司", "phone": "13800138000", "credit_code": "91350100M000100Y44"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 422);
    let first = c
        .post(&claim)
        .json(&json!({"donor": "爱心企业", "phone": "13800138000", "credit_code": "91350100M000100Y43"}))
        .send();
    let second = c
        .post(&claim)
        .json(&json!({"donor": "张女士", "phone": "13900139000"}))
        .send();
    let (a, b2) = tokio::join!(first, second);
    let mut codes = vec![a.unwrap().status().as_u16(), b2.unwrap().status().as_u16()];
    codes.sort();
    assert_eq!(codes, vec![201, 422]);
    let (_, listed) = api.send(&staff, "GET", &wishes, None).await;
    assert_eq!(listed[0]["status"], "claimed", "{listed}");
    assert!(
        listed[0]["donor"].as_str().unwrap().contains('*'),
        "{listed}"
    );
    let open: Value = reqwest::get(format!("{}/api/v1/public/wishes", srv.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(open.as_array().unwrap().is_empty(), "{open}");

    // Not fulfilled in time: offered again, and claimed anew.
    let freed = s
        .expire_claims(chrono::Utc::now() + chrono::Duration::days(31))
        .await
        .unwrap();
    assert_eq!(freed, 1);
    let r = c
        .post(&claim)
        .json(&json!({"donor": "李先生", "phone": "13700137000"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let (_, listed) = api.send(&staff, "GET", &wishes, None).await;
    let v = listed[0]["version"].as_i64().unwrap();
    let (st, _) = api
        .send(
            &staff,
            "POST",
            &steps,
            Some(json!({"step": "fulfil", "expected_version": v})),
        )
        .await;
    assert_eq!(st, 204);
    let (st, p) = api
        .send(
            &staff,
            "POST",
            &steps,
            Some(json!({"step": "confirm", "expected_version": v + 1})),
        )
        .await;
    assert_eq!(
        (st, fields(&p)),
        (422, vec![("note".into(), "required".into())]),
        "{p}"
    );
    let (st, _) = api
        .send(&staff, "POST", &steps,
            Some(json!({"step": "confirm", "expected_version": v + 1, "note": "书已送到，孩子很开心"})))
        .await;
    assert_eq!(st, 204);
    let (_, listed) = api.send(&staff, "GET", &wishes, None).await;
    assert_eq!(listed[0]["status"], "confirmed");
    // Counted among the wishes fulfilled this year, not in the year before.
    let year = chrono::Datelike::year(&jinguo_services::clock::today());
    for (y, n) in [(year, 1), (year - 1, 0)] {
        let (_, f) = api
            .send(
                &staff,
                "GET",
                &format!("/api/v1/places/530181/care/figures?year={y}"),
                None,
            )
            .await;
        assert_eq!(f["wishes_fulfilled"], json!(n), "{f}");
    }

    // Two claims made from this address this hour: with a limit of three, one more may be
    // tried (and is refused as taken); with a limit of two, it is refused for the rate.
    let input = jinguo_domain::care::ClaimInput {
        donor: "王先生".into(),
        phone: "13600136000".into(),
        credit_code: String::new(),
    };
    let wish = uuid::Uuid::parse_str(&id).unwrap();
    let mut limited = s.clone();
    limited.care.claims_per_hour = 3;
    assert!(matches!(
        limited.claim_wish(wish, &input, "127.0.0.1").await,
        Err(jinguo_services::ServiceError::Invalid(_))
    ));
    limited.care.claims_per_hour = 2;
    assert!(matches!(
        limited.claim_wish(wish, &input, "127.0.0.1").await,
        Err(jinguo_services::ServiceError::RateLimited)
    ));
    assert!(matches!(
        limited.claim_wish(wish, &input, "127.0.0.2").await,
        Err(jinguo_services::ServiceError::Invalid(_))
    ));
}
both_backends!(micro_wishes, super::wishes);

/// A health-check day from a sheet (XLSX, through the API): every problem named by row and
/// column and nothing written; then the good sheet written as one batch; sent again, nothing
/// twice. The people must be verified in the registry the row names.
async fn services_from_a_sheet(b: Backend) {
    use jinguo_interchange::{Cell, Sheet};
    let (_t, s) = with_small_demo(b).await;
    let operator = Caller::operator();
    s.ensure_registries(&operator, "530181").await.unwrap();
    let county_staff = support::county_staff();
    let (_, hid) = support::first_household(&s).await;
    let h = s
        .household_reveal(&county_staff, hid, "核对体检名单")
        .await
        .unwrap();
    let (p1, p2) = (&h.persons[0], &h.persons[1]);
    let today = jinguo_services::clock::today();
    let next = (today + chrono::Duration::days(365)).to_string();
    // p1 verified in the registry; p2 only proposed.
    for (p, verify) in [(p1, true), (p2, false)] {
        let input = jinguo_domain::care::EntryInput {
            person_id: Some(p.id),
            registry: "mothers_in_difficulty".into(),
            criteria: "低保户".into(),
            surveyed_by: "妇女代表".into(),
            next_review_on: next.clone(),
            ..Default::default()
        };
        let id = s
            .propose_entry(&county_staff, "530181", &input)
            .await
            .unwrap();
        if verify {
            s.entry_step(&county_staff, id, "verify", 1, "")
                .await
                .unwrap();
        }
    }
    support::account(&s, "sheet-staff", Role::Staff, "530181").await;
    let staff = support::session(&s, "sheet-staff", false).await;
    let srv = serve(s.clone()).await;
    let http = reqwest::Client::new();
    let send = |bytes: Vec<u8>, commit: bool| {
        let r = http
            .post(format!(
                "{}/api/v1/places/530181/care-services/import?commit={commit}",
                srv.base
            ))
            .header("cookie", &staff.cookie)
            .header("x-csrf-token", &staff.csrf)
            .header("accept-language", "zh-CN")
            .body(bytes)
            .send();
        async move {
            let r = r.await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let headers = [
        "身份证号",
        "姓名",
        "台账",
        "服务类型",
        "服务日期",
        "检查结果",
    ]
    .map(String::from)
    .to_vec();
    let row = |id: &str, name: &str, registry: &str, on: Cell| {
        vec![
            Cell::Text(id.into()),
            Cell::Text(name.into()),
            Cell::Text(registry.into()),
            Cell::Text("健康体检".into()),
            on,
            Cell::Text("血压正常".into()),
        ]
    };
    let book = |rows: Vec<Vec<Cell>>| {
        jinguo_interchange::xlsx(&[Sheet {
            name: "体检".into(),
            headers: headers.clone(),
            rows,
        }])
        .unwrap()
    };
    let on = Cell::Date(today);
    let bad = book(vec![
        row(&p1.id_number, &p1.name, "困难母亲库", on.clone()),
        // Not verified in the registry.
        row(&p2.id_number, &p2.name, "mothers_in_difficulty", on.clone()),
        // The wrong name for the ID number; an unknown registry; a date to come.
        row(&p1.id_number, "张冠李", "困难母亲库", on.clone()),
        row(&p1.id_number, "", "没有的库", on.clone()),
        row(
            &p1.id_number,
            "",
            "困难母亲库",
            Cell::Date(today + chrono::Duration::days(3)),
        ),
    ]);
    let (st, r) = send(bad, true).await;
    assert_eq!(st, 200, "{r}");
    let issues: Vec<(u64, String, String)> = r["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["row"].as_u64().unwrap(),
                i["column"].as_str().unwrap().to_string(),
                i["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        issues,
        vec![
            (3, "台账".into(), "service.not_in_registry".into()),
            (4, "姓名".into(), "person.name_mismatch".into()),
            (5, "台账".into(), "registry.unknown".into()),
            (6, "服务日期".into(), "date.future".into()),
        ],
        "{r}"
    );
    assert!(
        r["issues"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("第3行「台账」")
    );
    assert_eq!(r["committed"], json!(false));
    let figures = |s: jinguo_services::Services| async move {
        s.care_figures(
            &support::county_staff(),
            "530181",
            jinguo_domain::care::Period::year(chrono::Datelike::year(&today)).unwrap(),
        )
        .await
        .unwrap()
        .people_served
    };
    assert_eq!(figures(s.clone()).await, 0, "nothing written");

    // The good sheet: checked, then written; sent again, nothing twice.
    let good = book(vec![row(&p1.id_number, &p1.name, "困难母亲库", on.clone())]);
    let (_, r) = send(good.clone(), false).await;
    assert_eq!(
        (r["new_services"].clone(), r["committed"].clone()),
        (json!(1), json!(false)),
        "{r}"
    );
    // Written from the import page (in English): checked, then confirmed.
    let form = reqwest::multipart::Form::new()
        .text("csrf", staff.csrf.clone())
        .text("kind", "services")
        .part(
            "file",
            reqwest::multipart::Part::bytes(good.clone()).file_name("体检.xlsx"),
        );
    let html = http
        .post(format!("{}/imports", srv.base))
        .header("cookie", &staff.cookie)
        .header("accept-language", "en")
        .multipart(form)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"import-valid\""), "{html}");
    assert!(html.contains("New services"), "{html}");
    assert_eq!(figures(s.clone()).await, 0, "checked, not written");
    let token = support::form_value(&html, "token");
    let done = http
        .post(format!("{}/imports/confirm", srv.base))
        .header("cookie", &staff.cookie)
        .header("accept-language", "en")
        .form(&[("csrf", staff.csrf.as_str()), ("token", token.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(done.contains("id=\"import-done\""), "{done}");
    assert_eq!(figures(s.clone()).await, 1);
    // The page offers the kind, preselected from the registry's page link, with the blank sheet.
    let page = http
        .get(format!("{}/imports?kind=services", srv.base))
        .header("cookie", &staff.cookie)
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("value=\"services\" checked") && page.contains("/api/v1/care/services-sheet"),
        "{page}"
    );
    let (_, r) = send(good, true).await;
    assert_eq!(
        (r["new_services"].clone(), r["unchanged"].clone()),
        (json!(0), json!(1)),
        "{r}"
    );
    // Another day's sheet sent twice at the same moment: written once.
    let yesterday = today - chrono::Duration::days(1);
    let other_day = book(vec![row(
        &p1.id_number,
        &p1.name,
        "困难母亲库",
        Cell::Date(yesterday),
    )]);
    let ((s1, r1), (s2, r2)) = tokio::join!(send(other_day.clone(), true), send(other_day, true));
    assert_eq!((s1, s2), (200, 200), "{r1} {r2}");
    assert_eq!(
        r1["new_services"].as_i64().unwrap() + r2["new_services"].as_i64().unwrap(),
        1,
        "{r1} {r2}"
    );
    let day: Vec<(i64,)> = crate::access::query(
        &s.db,
        format!("SELECT COUNT(*) FROM care_service WHERE on_date = '{yesterday}'").leak(),
    )
    .await;
    assert_eq!(day, vec![(1,)]);
    // The result is sealed at rest.
    let sealed: Vec<(String,)> =
        crate::access::query(&s.db, "SELECT result FROM care_service").await;
    assert!(
        !sealed.is_empty() && sealed.iter().all(|r| !r.0.contains("血压")),
        "{sealed:?}"
    );
    // A representative may not send one.
    let (st, _) = {
        support::account(&s, "sheet-rep", Role::Representative, "530181001").await;
        let rep = support::session(&s, "sheet-rep", false).await;
        let r = http
            .post(format!(
                "{}/api/v1/places/530181/care-services/import",
                srv.base
            ))
            .header("cookie", &rep.cookie)
            .header("x-csrf-token", &rep.csrf)
            .body(Vec::new())
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), ())
    };
    assert!(st == 403 || st == 404, "{st}");
    // The blank sheet has the headers the import reads.
    let r = http
        .get(format!("{}/api/v1/care/services-sheet", srv.base))
        .header("cookie", &staff.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let bytes = r.bytes().await.unwrap();
    let table = jinguo_interchange::read_table(&bytes).unwrap();
    assert_eq!(table.headers[0], "身份证号");
    assert!(table.headers.contains(&"检查结果".to_string()));
}
both_backends!(services_sheet, super::services_from_a_sheet);

/// Review reminders: the representative answering for a household sees its entries due for
/// review (and no one else's) on the API and the registry's page, and gets one reminder in her
/// inbox per review date — none again until the entry, reviewed, comes due once more.
async fn review_reminders_reach_the_representative(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    s.ensure_registries(&Caller::operator(), "530181")
        .await
        .unwrap();
    let staff = support::county_staff();
    let group = crate::storage::first_group(&s).await;
    support::account(&s, "rev-rep", Role::Representative, &group).await;
    let mine = s.coverage_members(&staff, &group).await.unwrap()[0].id;
    s.link_member(&Caller::operator(), "rev-rep", mine)
        .await
        .unwrap();
    let login = s
        .login("rev-rep", support::PASSWORD, "127.0.0.1")
        .await
        .unwrap();
    let rep = s
        .caller_from_session(&login.token, "127.0.0.1")
        .await
        .unwrap();
    // An executive of the village federation answering for the group as a unit.
    let village = &group[..12];
    let executive = s
        .coverage_members(&staff, village)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.role == "executive" && m.place_path.len() == 38)
        .expect("an executive of the village")
        .id;
    s.assign_units(&staff, executive, std::slice::from_ref(&group))
        .await
        .unwrap();
    support::account(&s, "rev-exec", Role::Staff, village).await;
    s.link_member(&Caller::operator(), "rev-exec", executive)
        .await
        .unwrap();
    let exec_login = s
        .login("rev-exec", support::PASSWORD, "127.0.0.1")
        .await
        .unwrap();
    let exec = s
        .caller_from_session(&exec_login.token, "127.0.0.1")
        .await
        .unwrap();
    let lines = jinguo_storage::assignment::group_households(&s.db, &group)
        .await
        .unwrap();
    let hers: Vec<uuid::Uuid> = lines
        .iter()
        .filter(|l| l.member_id == Some(mine))
        .map(|l| l.household_id)
        .collect();
    let other = lines
        .iter()
        .find(|l| l.member_id != Some(mine))
        .unwrap()
        .household_id;
    let today = jinguo_services::clock::today();
    let now = chrono::Utc::now();
    let person = |h: uuid::Uuid| {
        let s = s.clone();
        let staff = staff.clone();
        async move {
            s.household_reveal(&staff, h, "核对复核名单")
                .await
                .unwrap()
                .persons[0]
                .clone()
        }
    };
    let enter = |p: uuid::Uuid, registry: &str, review: chrono::NaiveDate| {
        let (s, staff) = (s.clone(), staff.clone());
        let input = jinguo_domain::care::EntryInput {
            person_id: Some(p),
            registry: registry.into(),
            criteria: "低保户".into(),
            surveyed_by: "妇女代表".into(),
            next_review_on: review.to_string(),
            ..Default::default()
        };
        async move {
            let id = s.propose_entry(&staff, "530181", &input).await.unwrap();
            s.entry_step(&staff, id, "verify", 1, "").await.unwrap();
            id
        }
    };
    let her_person = person(hers[0]).await;
    let due_mine = enter(her_person.id, "mothers_in_difficulty", today).await;
    let later_mine = enter(
        her_person.id,
        "left_behind_women",
        today + chrono::Months::new(6),
    )
    .await;
    let due_other = enter(person(other).await.id, "mothers_in_difficulty", today).await;

    // Her due entries, and only hers: on the API …
    let srv = serve(s.clone()).await;
    let api = Api {
        base: srv.base.clone(),
        http: reqwest::Client::new(),
    };
    let session = support::Session {
        cookie: format!("jinguo_session={}", login.token),
        csrf: login.csrf.clone(),
    };
    let (st, list) = api
        .send(
            &session,
            "GET",
            "/api/v1/places/530181/registry-entries?review_due=true",
            None,
        )
        .await;
    assert_eq!(st, 200, "{list}");
    let ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, vec![due_mine.to_string()], "{list}");
    // … and on the registry's page, marked due.
    let page = api
        .http
        .get(format!("{}/places/530181/care?due=1", srv.base))
        .header("cookie", &session.cookie)
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("/registry-entries/{due_mine}"))
            && !page.contains(&format!("/registry-entries/{due_other}"))
            && !page.contains(&format!("/registry-entries/{later_mine}"))
            && page.contains("entry overdue"),
        "{page}"
    );

    // One reminder per entry due, in her inbox without a name; none twice.
    assert_eq!(s.remind_reviews(today, now).await.unwrap(), 2);
    assert_eq!(s.remind_reviews(today, now).await.unwrap(), 0);
    let (inbox, unread) = s.inbox(&rep, jinguo_domain::Lang::Zh).await.unwrap();
    assert_eq!(unread, 1);
    // The executive answering for the whole group has both entries' reminders.
    assert_eq!(s.unread(&exec).await.unwrap(), 2);
    assert_eq!(
        (inbox[0].kind.as_str(), inbox[0].link.clone()),
        ("entry.review_due", format!("/registry-entries/{due_mine}"))
    );
    assert!(
        inbox[0].text.contains("困难母亲") && !inbox[0].text.contains(&her_person.name),
        "{}",
        inbox[0].text
    );
    let (inbox_en, _) = s.inbox(&rep, jinguo_domain::Lang::En).await.unwrap();
    assert!(
        inbox_en[0]
            .text
            .starts_with("Review due: an entry of mothers in difficulty"),
        "{}",
        inbox_en[0].text
    );

    // Reviewed, it is due again in a year: reminded then, with the entry that comes due too.
    s.entry_step(&staff, due_mine, "activate", 2, "")
        .await
        .unwrap();
    let reviewed = s
        .entry_step(&staff, due_mine, "review", 3, "")
        .await
        .unwrap();
    assert!(reviewed.next_review_on > today);
    assert_eq!(
        s.remind_reviews(reviewed.next_review_on, now)
            .await
            .unwrap(),
        2
    );
    assert_eq!(s.unread(&rep).await.unwrap(), 3);
}
both_backends!(
    review_reminders,
    super::review_reminders_reach_the_representative
);

/// A county adds a registry to the six it starts with (created at first use): from the API and
/// from the care page, in both languages; a name used twice or months out of range are refused
/// naming the field, and nothing is written; a township's staff or a representative may not add
/// one; a person is proposed for the new registry like for the others.
async fn registries_a_county_adds(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    support::account(&s, "reg-k", Role::Staff, "530181").await;
    let group = crate::storage::first_group(&s).await;
    support::account(&s, "reg-rep", Role::Representative, &group).await;
    support::account(&s, "reg-town", Role::Staff, &group[..9]).await;
    let srv = serve(s.clone()).await;
    let api = Api {
        base: srv.base.clone(),
        http: reqwest::Client::new(),
    };
    let k = support::session(&s, "reg-k", false).await;
    let (st, list) = api
        .send(&k, "GET", "/api/v1/places/530181/registries", None)
        .await;
    assert_eq!((st, list.as_array().unwrap().len()), (200, 6), "{list}");

    let url = format!("/api/v1/places/{group}/registries");
    let body = json!({"name_zh": "农村妇女", "name_en": "Rural women", "review_months": 6});
    for who in ["reg-rep", "reg-town"] {
        let other = support::session(&s, who, false).await;
        let (st, _) = api.send(&other, "POST", &url, Some(body.clone())).await;
        assert!(st == 403 || st == 404, "{who}: {st}");
    }
    for (bad, field) in [
        (json!({"name_zh": "", "review_months": 6}), "name_zh"),
        (
            json!({"name_zh": "农村妇女", "review_months": 0}),
            "review_months",
        ),
        (
            json!({"name_zh": "困难母亲", "review_months": 12}),
            "name_zh",
        ),
    ] {
        let (st, p) = api.send(&k, "POST", &url, Some(bad)).await;
        assert_eq!(st, 422, "{p}");
        assert_eq!(p["errors"][0]["field"], field, "{p}");
    }
    let (st, r) = api.send(&k, "POST", &url, Some(body.clone())).await;
    assert_eq!(st, 201, "{r}");
    assert_eq!(
        (r["key"].as_str(), r["review_months"].as_i64()),
        (Some("rural_women"), Some(6))
    );
    let (st, p) = api.send(&k, "POST", &url, Some(body)).await;
    assert_eq!(
        (st, p["errors"][0]["code"].as_str()),
        (422, Some("registry.duplicate")),
        "{p}"
    );
    let (_, list) = api
        .send(&k, "GET", "/api/v1/places/530181/registries", None)
        .await;
    assert_eq!(list.as_array().unwrap().len(), 7, "{list}");

    // The new registry takes entries, reviewed after its own months.
    let staff = support::county_staff();
    let (_, hid) = support::first_household(&s).await;
    let person = s
        .household_reveal(&staff, hid, "纳入新台账")
        .await
        .unwrap()
        .persons[0]
        .id;
    let (st, e) = api
        .send(
            &k,
            "POST",
            "/api/v1/places/530181/registry-entries",
            Some(json!({"person_id": person, "registry": "rural_women",
                "criteria": "务农", "surveyed_by": "妇女代表",
                "next_review_on": jinguo_services::clock::today().to_string()})),
        )
        .await;
    assert_eq!(st, 201, "{e}");

    // The page lists the registries with their months; its form adds one, a refusal names the field.
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |lang: &'static str| {
        let r = c
            .get(format!("{}/places/530181/care", srv.base))
            .header("cookie", k.cookie.clone())
            .header("accept-language", lang)
            .send();
        async move { r.await.unwrap().text().await.unwrap() }
    };
    let html = get("zh-CN").await;
    assert!(
        html.contains("农村妇女") && html.contains("id=\"registry-form\""),
        "{html}"
    );
    let html = get("en").await;
    assert!(
        html.contains("Rural women") && html.contains("Months between reviews"),
        "{html}"
    );
    let post = |form: Vec<(&'static str, &'static str)>| {
        let r = c
            .post(format!("{}/places/530181/care/registries", srv.base))
            .header("cookie", k.cookie.clone())
            .header("accept-language", "zh-CN")
            .form(
                &[("csrf", k.csrf.as_str())]
                    .into_iter()
                    .chain(form)
                    .collect::<Vec<_>>(),
            )
            .send();
        async move { r.await.unwrap() }
    };
    let r = post(vec![("name_zh", "环卫女工"), ("review_months", "12")]).await;
    assert_eq!(r.status().as_u16(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("中文名称：本县已有同名台账"), "{html}");
    let r = post(vec![("name_zh", "女性农民工"), ("review_months", "24")]).await;
    assert_eq!(r.status().as_u16(), 303);
    let html = get("en").await;
    assert!(
        html.contains("女性农民工") && html.contains(">24<"),
        "{html}"
    );
    let (_, list) = api
        .send(&k, "GET", "/api/v1/places/530181/registries", None)
        .await;
    assert_eq!(list.as_array().unwrap().len(), 8, "{list}");
    let rep = support::session(&s, "reg-rep", false).await;
    let html = c
        .get(format!("{}/places/{group}/care", srv.base))
        .header("cookie", rep.cookie.clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("id=\"registry-form\""), "{html}");
    let q = AuditQuery {
        action: Some("registry.create".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        jinguo_storage::audit::search(&s.db, &jinguo_storage::Scope::operator(), &q)
            .await
            .unwrap()
            .len(),
        3
    );
}
both_backends!(registries_added, super::registries_a_county_adds);

/// The page of all registries lists the first hundred entries and says how to see the others; a
/// registry's page lists all of its people, to be ticked for a day of services.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_lists_are_cut_on_the_page() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let staff = support::county_staff();
    let persons: Vec<(uuid::Uuid,)> =
        crate::access::query(&s.db, "SELECT id FROM person ORDER BY id LIMIT 101").await;
    assert_eq!(persons.len(), 101);
    let next = (jinguo_services::clock::today() + chrono::Duration::days(90)).to_string();
    for (p,) in &persons {
        let input = jinguo_domain::care::EntryInput {
            person_id: Some(*p),
            registry: "left_behind_women".into(),
            criteria: "丈夫外出务工".into(),
            surveyed_by: "妇女代表".into(),
            next_review_on: next.clone(),
            ..Default::default()
        };
        s.propose_entry(&staff, "530181", &input).await.unwrap();
    }
    support::account(&s, "long-k", Role::Staff, "530181").await;
    let k = support::session(&s, "long-k", false).await;
    let srv = serve(s.clone()).await;
    let http = reqwest::Client::new();
    let page = |q: &'static str| {
        let r = http
            .get(format!("{}/places/530181/care{q}", srv.base))
            .header("cookie", k.cookie.clone())
            .header("accept-language", "en")
            .send();
        async move { r.await.unwrap().text().await.unwrap() }
    };
    let rows = |html: &str| html.matches("<tr class=\"entry").count();
    let all = page("").await;
    assert_eq!(rows(&all), 100);
    assert!(all.contains("id=\"more-entries\""), "{all}");
    let one = page("?registry=left_behind_women").await;
    assert_eq!(rows(&one), 101);
    assert!(!one.contains("id=\"more-entries\""));
}

/// The built-in registries reach every county with households at start, those added by a later
/// version included, as the server's own audited work; a second start writes nothing.
async fn builtin_registries_at_start(b: Backend) {
    let (t, s) = with_small_demo(b).await;
    assert_eq!(s.builtin_registries().await.unwrap(), 6);
    assert_eq!(s.builtin_registries().await.unwrap(), 0);
    // A county of an earlier version lacks a registry added since.
    support::exec(
        &t.db,
        "DELETE FROM registry WHERE county_code = '530181' AND key = 'bereaved_mothers'",
    )
    .await
    .unwrap();
    assert_eq!(s.builtin_registries().await.unwrap(), 1);
    let q = jinguo_services::audit::AuditQuery {
        action: Some("registry.create".into()),
        limit: 10,
        ..Default::default()
    };
    let rows = jinguo_storage::audit::search(&s.db, &jinguo_storage::Scope::operator(), &q)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r.actor == "worker"), "{rows:?}");
    assert!(rows[0].detail.contains("created=1"), "{rows:?}");
}
both_backends!(registries_at_start, super::builtin_registries_at_start);

/// The households' ids of the county, in order (read directly).
async fn county_households(db: &jinguo_storage::Db, n: i64) -> Vec<uuid::Uuid> {
    let sql = "SELECT id FROM household WHERE county_code = '530181' ORDER BY path, code LIMIT $1";
    match db {
        jinguo_storage::Db::Sqlite(s) => sqlx::query_scalar(sql)
            .bind(n)
            .fetch_all(&s.read)
            .await
            .unwrap(),
        jinguo_storage::Db::Postgres(p) => {
            sqlx::query_scalar(sql).bind(n).fetch_all(p).await.unwrap()
        }
    }
}

/// The events of a period are read with all their participants at once: each event still
/// counts its own registered participants and, of them, those under 18 on the day, once each
/// even when a participant is registered at several events (held today, so that under 18 on the
/// day is an age today under 18).
async fn events_count_their_own_children(b: Backend) {
    let (t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let today = jinguo_services::clock::today();
    let mut kids = Vec::new();
    let mut adults = Vec::new();
    for h in county_households(&t.db, 60).await {
        for p in s.household_view(&staff, h).await.unwrap().persons {
            if p.age < 18 {
                kids.push(p.id);
            } else {
                adults.push(p.id);
            }
        }
    }
    assert!(kids.len() >= 3 && adults.len() >= 3, "{kids:?} {adults:?}");
    let year = jinguo_domain::period::Period::year(chrono::Datelike::year(&today)).unwrap();
    let before = s.event_figures(&staff, "530181", year).await.unwrap();
    // (participants registered, anonymous, anonymous children); the children expected.
    let events = [
        (vec![kids[0], kids[1], adults[0]], 0, 0, 2),
        (vec![kids[0]], 5, 2, 3),
        (vec![adults[1], adults[2]], 0, 0, 0),
        (vec![kids[2], adults[0], kids[1]], 1, 0, 2),
    ];
    let mut ids = Vec::new();
    for (i, (persons, anonymous, anonymous_children, _)) in events.iter().enumerate() {
        let input = jinguo_domain::care::EventInput {
            kind: "bring_love_home".into(),
            name: format!("活动 {i}"),
            on: today.to_string(),
            place: "文化站".into(),
            organiser: "妇联".into(),
            anonymous: *anonymous,
            anonymous_children: *anonymous_children,
            persons: persons.clone(),
        };
        ids.push(s.record_event(&staff, "530181", &input).await.unwrap());
    }
    let listed = s.events(&staff, "530181", year).await.unwrap();
    for (id, (persons, anonymous, _, children)) in ids.iter().zip(&events) {
        let e = listed.iter().find(|e| e.id == *id).expect("event listed");
        assert_eq!(
            (e.participants, e.children),
            (persons.len() as i64 + anonymous, *children),
            "{e:?}"
        );
    }
    let after = s.event_figures(&staff, "530181", year).await.unwrap();
    assert_eq!(after.events - before.events, 4);
    assert_eq!(after.participants - before.participants, 15);
    assert_eq!(after.children - before.children, 7);
}
all_backends!(event_children, super::events_count_their_own_children);
