//! Family mediation through the API, on both databases: intake (with the duplicate check),
//! acceptance, two people editing at once, assignment to a mediator, sessions, the agreement,
//! judicial confirmation, the figures, masking and the audit log.

use crate::support::{self, Api, all_backends, serve, with_small_demo};
use chrono::Duration;
use jinguo_domain::account::Role;
use jinguo_domain::member::MemberInput;
use jinguo_services::Caller;
use jinguo_services::audit::AuditQuery;
use jinguo_storage::Backend;
use serde_json::{Value, json};

async fn mediation_end_to_end(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff_caller = support::county_staff();
    let group = crate::storage::first_group(&s).await;
    let village = group[..12].to_string();
    let (_, hid) = support::first_household(&s).await;
    let person = s.household_view(&staff_caller, hid).await.unwrap().persons[0].id;

    support::account(&s, "d-staff", Role::Staff, "530181").await;
    support::account(&s, "d-med", Role::Mediator, &village[..9]).await;
    let member = s
        .add_member(
            &staff_caller,
            &village,
            &MemberInput {
                name: "调解员甲".into(),
                role: "mediator".into(),
                started_on: "2026-01-01".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    s.link_member(&Caller::operator(), "d-med", member)
        .await
        .unwrap();
    let staff = support::session(&s, "d-staff", false).await;
    let med = support::session(&s, "d-med", false).await;
    let med_caller = support::caller_of(&s, "d-med", support::PASSWORD).await;
    let srv = serve(s.clone()).await;
    let api = Api {
        base: srv.base.clone(),
        http: reqwest::Client::new(),
    };
    let today = jinguo_services::clock::today();
    let received = today - Duration::days(3);
    let narrative = "老人反映儿子长期不支付赡养费，双方多次争吵";
    let intake = json!({
        "kind": "elder_support", "source": "hotline", "risk": "medium",
        "received_on": received.to_string(),
        "parties": [{"person_id": person, "relationship": "母亲"}, {"name": "张某", "relationship": "儿子"}],
        "narrative": narrative, "consent": true
    });
    let place_path = format!("/api/v1/places/{village}/disputes");
    let listed = |v: &Value| v.as_array().map(|a| a.len()).unwrap_or(usize::MAX);
    let (st, before) = api.send(&staff, "GET", &place_path, None).await;
    assert_eq!(st, 200, "{before}");

    // Bad intake: every refused field named, nothing written.
    let (st, p) = api
        .send(
            &staff,
            "POST",
            &place_path,
            Some(json!({"kind": "elder_support", "parties": [{"name": "甲"}]})),
        )
        .await;
    assert_eq!(st, 422, "{p}");
    let c = support::fields(&p);
    for want in [
        "source",
        "risk",
        "received_on",
        "parties",
        "narrative",
        "consent",
    ] {
        assert!(c.iter().any(|(f, _)| f == want), "{want} not in {c:?}");
    }
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains(':'),
        "{p}"
    );

    // Registered; its due date is one month on.
    let (st, reg) = api
        .send(&staff, "POST", &place_path, Some(intake.clone()))
        .await;
    assert_eq!(st, 201, "{reg}");
    let id = reg["id"].as_str().unwrap().to_string();
    let due = received.checked_add_months(chrono::Months::new(1)).unwrap();
    assert_eq!(reg["due_on"], json!(due.to_string()));
    // The same party again: shown as a possible duplicate, nothing written until confirmed.
    let (st, p) = api
        .send(&staff, "POST", &place_path, Some(intake.clone()))
        .await;
    assert_eq!(
        (st, p["code"].clone(), p["related"].clone()),
        (
            409,
            json!("possible_duplicate"),
            json!([format!("/api/v1/disputes/{id}")])
        ),
        "{p}"
    );
    let (st, after) = api.send(&staff, "GET", &place_path, None).await;
    assert_eq!(st, 200, "{after}");
    assert_eq!(listed(&after), listed(&before) + 1);

    // Staff read the dispute masked.
    let (st, d) = api
        .send(&staff, "GET", &format!("/api/v1/disputes/{id}"), None)
        .await;
    assert_eq!(st, 200, "{d}");
    assert!(
        !d["dispute"]["narrative"]
            .as_str()
            .unwrap()
            .contains("赡养费"),
        "{d}"
    );
    assert_eq!(d["dispute"]["status"], "registered");
    assert!(
        !d.to_string().contains("张某"),
        "party names are masked for staff: {d}"
    );

    // Accept; then two people act on version 2 at once: the second gets a conflict.
    let steps = format!("/api/v1/disputes/{id}/steps");
    let (st, v) = api
        .send(
            &staff,
            "POST",
            &steps,
            Some(json!({"step": "accept", "expected_version": 1})),
        )
        .await;
    assert_eq!((st, v["status"].clone()), (200, json!("accepted")), "{v}");
    let assign = json!({"step": "assign", "expected_version": 2, "mediator_id": member});
    let (st, v) = api.send(&staff, "POST", &steps, Some(assign.clone())).await;
    assert_eq!((st, v["status"].clone()), (200, json!("assigned")), "{v}");
    let (st, p) = api.send(&staff, "POST", &steps, Some(assign)).await;
    assert_eq!(st, 409, "{p}");
    // Closing without an outcome is refused.
    let (st, p) = api
        .send(
            &staff,
            "POST",
            &steps,
            Some(json!({"step": "close", "expected_version": 3})),
        )
        .await;
    assert_eq!(
        (st, support::fields(&p)),
        (
            422,
            vec![("step".into(), "dispute.close_without_outcome".into())]
        )
    );

    // The mediator sees it whole, in her own list.
    let (st, mine) = api.send(&med, "GET", "/api/v1/disputes", None).await;
    assert_eq!(st, 200, "{mine}");
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == json!(id))
    );
    let (_, d) = api
        .send(&med, "GET", &format!("/api/v1/disputes/{id}"), None)
        .await;
    assert_eq!(d["dispute"]["narrative"], json!(narrative));

    // Sessions: only the assigned mediator; a date before registration is refused.
    let sessions = format!("/api/v1/disputes/{id}/sessions");
    let session = |on: String, v: i64| {
        json!({"expected_version": v, "held_on": on, "place": "村调解室",
        "attendees": "母亲、儿子、调解员甲", "record": "双方陈述，儿子同意按月支付"})
    };
    let (st, _) = api
        .send(
            &staff,
            "POST",
            &sessions,
            Some(session(today.to_string(), 3)),
        )
        .await;
    assert_eq!(st, 403);
    let (st, p) = api
        .send(
            &med,
            "POST",
            &sessions,
            Some(session((received - Duration::days(1)).to_string(), 3)),
        )
        .await;
    assert_eq!(
        (st, support::fields(&p)),
        (
            422,
            vec![("held_on".into(), "date.before_registration".into())]
        )
    );
    let (st, p) = api
        .send(&med, "POST", &sessions, Some(session(today.to_string(), 3)))
        .await;
    assert_eq!(st, 201, "{p}");

    // The agreement: refused without terms, recorded with them.
    let agreement = format!("/api/v1/disputes/{id}/agreement");
    let mut a = json!({"expected_version": 4, "agreed_on": today.to_string(),
        "parties": [{"name": "王某", "relationship": "母亲"}, {"name": "张某", "relationship": "儿子"}],
        "facts": "儿子未按时支付赡养费", "signed": true, "terms": []});
    let (st, p) = api.send(&med, "POST", &agreement, Some(a.clone())).await;
    assert_eq!(
        (st, support::fields(&p)),
        (422, vec![("terms".into(), "agreement.terms".into())])
    );
    a["terms"] = json!([{"kind": "support", "text": "儿子每月5日前支付赡养费500元", "manner": "按月转账",
        "due_on": (today + Duration::days(30)).to_string()}]);
    let (st, p) = api.send(&med, "POST", &agreement, Some(a)).await;
    assert_eq!(st, 201, "{p}");

    // Judicial confirmation within the 30 days, once.
    let conf = format!("/api/v1/disputes/{id}/confirmation");
    let (st, c) = api.send(&med, "POST", &conf, None).await;
    assert_eq!(
        (st, c["applied_on"].clone()),
        (200, json!(today.to_string())),
        "{c}"
    );
    let (st, p) = api.send(&med, "POST", &conf, None).await;
    assert_eq!(
        (st, support::fields(&p)),
        (
            422,
            vec![("confirmation".into(), "confirmation.already".into())]
        )
    );
    // The term's day passes unperformed (a controlled clock): its mediator is told, then, a
    // level later, the county federation's chair.
    let dispute_id: uuid::Uuid = id.parse().unwrap();
    let clocks = jinguo_storage::linkage::deadlines_of_subject(&s.db, dispute_id)
        .await
        .unwrap();
    assert_eq!(clocks.len(), 1, "one clock for the one day terms fall due");
    let after_day = jinguo_services::linkage::from_ms(clocks[0].due_ms);
    assert_eq!(
        after_day
            .with_timezone(&jinguo_services::clock::CHINA)
            .date_naive(),
        today + Duration::days(31)
    );
    let before = s
        .inbox(&med_caller, jinguo_domain::Lang::Zh)
        .await
        .unwrap()
        .1;
    assert_eq!(
        s.escalate(after_day - Duration::minutes(1))
            .await
            .unwrap()
            .escalated,
        0
    );
    assert_eq!(
        s.escalate(after_day + Duration::minutes(1))
            .await
            .unwrap()
            .escalated,
        1
    );
    let (inbox, unread) = s.inbox(&med_caller, jinguo_domain::Lang::Zh).await.unwrap();
    assert_eq!(unread, before + 1);
    assert!(
        inbox[0].text.contains("调解协议履行") && inbox[0].link == format!("/disputes/{id}"),
        "{inbox:?}"
    );
    // The term performed: recorded once, not before the agreement; its clock stops.
    let performed = format!("/api/v1/disputes/{id}/terms/1/performed");
    let (st, p) = api
        .send(
            &med,
            "POST",
            &performed,
            Some(json!({"performed_on": (received - Duration::days(1)).to_string()})),
        )
        .await;
    assert_eq!(
        (st, support::fields(&p)),
        (
            422,
            vec![("performed_on".into(), "term.due_before_agreement".into())]
        )
    );
    let (st, _) = api.send(&med, "POST", &performed, Some(json!({}))).await;
    assert_eq!(st, 204);
    let (st, _) = api.send(&med, "POST", &performed, Some(json!({}))).await;
    assert_eq!(st, 409, "performed once");
    let clocks = jinguo_storage::linkage::deadlines_of_subject(&s.db, dispute_id)
        .await
        .unwrap();
    assert!(clocks[0].done_ms.is_some(), "{clocks:?}");
    assert_eq!(
        s.escalate(after_day + Duration::days(2))
            .await
            .unwrap()
            .escalated,
        0,
        "a performed term escalates no more"
    );
    // The agreement as a Word document: the mediator's, with its parties, term and the window
    // for judicial confirmation; staff are refused.
    let docx_path = format!("{}/api/v1/disputes/{id}/agreement.docx", api.base);
    let resp = api
        .http
        .get(&docx_path)
        .header("cookie", &med.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let bytes = resp.bytes().await.unwrap();
    let text = jinguo_interchange::docx::text_of(&bytes).unwrap();
    for want in [
        "调解协议书",
        "张某（儿子）",
        "儿子每月5日前支付赡养费500元",
        "三十日内",
    ] {
        assert!(text.contains(want), "{want} not in {text}");
    }
    // The same as PDF, its text read back.
    let resp = api
        .http
        .get(format!("{}/disputes/{id}/agreement.pdf", api.base))
        .header("cookie", &med.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let pdf = crate::support::pdf_text(&resp.bytes().await.unwrap());
    let flat: String = pdf.split_whitespace().collect();
    for want in ["调解协议书", "张某（儿子）", "三十日内"] {
        assert!(flat.contains(want), "{want} not in {pdf}");
    }
    let resp = api
        .http
        .get(&docx_path)
        .header("cookie", &staff.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    let (_, d) = api
        .send(&med, "GET", &format!("/api/v1/disputes/{id}"), None)
        .await;
    assert_eq!(d["dispute"]["status"], "agreed");
    assert_eq!(d["dispute"]["outcome"], "agreed");
    assert_eq!(d["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(d["agreement"]["terms"][0]["kind"], "support");
    let steps_taken: Vec<&str> = d["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps_taken,
        [
            "register",
            "accept",
            "assign",
            "session",
            "agree",
            "confirmation"
        ]
    );

    // A dispute registered 40 days ago and still open is overdue.
    let mut old = intake.clone();
    old["received_on"] = json!((today - Duration::days(40)).to_string());
    old["parties"] =
        json!([{"name": "李某", "relationship": "妻子"}, {"name": "赵某", "relationship": "丈夫"}]);
    old["kind"] = json!("marriage");
    let (st, late) = api.send(&staff, "POST", &place_path, Some(old)).await;
    assert_eq!(st, 201, "{late}");
    let (_, open) = api
        .send(&staff, "GET", &format!("{place_path}?open=true"), None)
        .await;
    let line = open
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == late["id"])
        .unwrap()
        .clone();
    assert_eq!(line["overdue"], json!(true));

    // The figures of the county, computed from the records.
    let (st, f) = api
        .send(
            &staff,
            "GET",
            "/api/v1/places/530181/disputes/figures",
            None,
        )
        .await;
    assert_eq!(st, 200, "{f}");
    let medium = i64::from(support::SMALL.medium_risks);
    assert_eq!(f["total"], json!(medium + 2), "{f}");
    // The demo's screening disputes were all mediated to an agreement, and so was this one.
    assert_eq!(
        (f["agreed"].clone(), f["success_rate"].clone()),
        (json!(medium + 1), json!(1.0)),
        "{f}"
    );
    assert!(f["overdue"].as_i64().unwrap() >= 1, "{f}");
    // By subdistrict: every dispute counted once, under the subdistrict that holds it.
    let units = f["by_unit"].as_array().unwrap();
    let sum = |k: &str| units.iter().map(|u| u[k].as_i64().unwrap()).sum::<i64>();
    assert_eq!(
        (sum("total"), sum("agreed")),
        (medium + 2, medium + 1),
        "{f}"
    );
    assert_eq!(sum("open"), f["open"].as_i64().unwrap(), "{f}");
    let here = units
        .iter()
        .find(|u| u["code"] == json!(&village[..9]))
        .unwrap();
    assert!(here["total"].as_i64().unwrap() >= 2, "{f}");

    // The dashboard's counts: the late dispute is open and overdue; the term was performed.
    let county = s.place_view(&staff_caller, "530181").await.unwrap().place;
    let jinguo_storage::mediation::OpenCounts {
        open: open_n,
        overdue: overdue_n,
        terms_overdue: terms_n,
    } = s
        .dispute_counts(&staff_caller, &county)
        .await
        .unwrap()
        .unwrap();
    assert!(open_n >= 1 && overdue_n >= 1, "{open_n} {overdue_n}");
    assert_eq!(terms_n, 0);
    // The same figures as a workbook, in English: no names in it.
    let resp = api
        .http
        .get(format!("{}/api/v1/places/530181/disputes/export", api.base))
        .header("cookie", &staff.cookie)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let book = resp.bytes().await.unwrap().to_vec();
    let sheets = jinguo_interchange::read_table(&book).unwrap();
    let all = format!("{:?} {:?}", sheets.headers, sheets.rows);
    assert!(
        all.contains("Success rate") && all.contains("100.0%"),
        "{all}"
    );
    assert!(!all.contains("张某") && !all.contains("赡养费"), "{all}");
    // The three full coverages of the subdistrict: its team lacks a woman lawyer and an
    // executive; the village with our mediator is covered.
    let township = village[..9].to_string();
    let cov_path = format!("/api/v1/places/{township}/mediators");
    let gaps = |v: &Value| -> Vec<(String, String)> {
        v["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["gap"].as_str().unwrap().to_string(),
                    g["place"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let (st, cov) = api.send(&staff, "GET", &cov_path, None).await;
    assert_eq!(st, 200, "{cov}");
    let g = gaps(&cov);
    assert!(
        g.contains(&("team_without_woman_lawyer".into(), township.clone())),
        "{g:?}"
    );
    assert!(
        g.contains(&("team_without_executive".into(), township.clone())),
        "{g:?}"
    );
    assert!(
        !g.contains(&("village_without_mediator".into(), village.clone())),
        "{g:?}"
    );
    let lawyer = s
        .add_member(
            &staff_caller,
            &township,
            &MemberInput {
                name: "律师王".into(),
                role: "mediator".into(),
                started_on: "2026-01-01".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let profile = format!("/api/v1/members/{lawyer}/mediator");
    let (st, p) = api
        .send(
            &staff,
            "PUT",
            &profile,
            Some(json!({"kind": "judge", "woman": true})),
        )
        .await;
    assert_eq!(
        (st, support::fields(&p)),
        (422, vec![("kind".into(), "invalid".into())])
    );
    let (st, _) = api
        .send(
            &staff,
            "PUT",
            &profile,
            Some(json!({"kind": "lawyer", "woman": true, "court_appointed": true})),
        )
        .await;
    assert_eq!(st, 204);
    let (_, cov) = api.send(&staff, "GET", &cov_path, None).await;
    let g = gaps(&cov);
    assert!(
        !g.contains(&("team_without_woman_lawyer".into(), township.clone())),
        "{g:?}"
    );
    assert!(
        g.contains(&("team_without_executive".into(), township.clone())),
        "{g:?}"
    );
    // Mediators answer for no unit of the responsibility network: not listed as idle there.
    let network = s.coverage(&staff_caller, &township).await.unwrap();
    assert!(
        !network
            .idle
            .iter()
            .any(|m| m.id == lawyer || m.id == member),
        "mediators are not idle members of the network"
    );
    // Everything on the audit log, the reads included.
    for action in [
        "dispute.register",
        "dispute.step",
        "dispute.session",
        "dispute.agreement",
        "dispute.confirmation",
        "dispute.read",
        "dispute.read_masked",
        "dispute.term_performed",
        "dispute.agreement_document",
        "mediator.profile",
    ] {
        let q = AuditQuery {
            action: Some(action.into()),
            limit: 10,
            ..Default::default()
        };
        let n = jinguo_storage::audit::search(&s.db, &jinguo_storage::Scope::operator(), &q)
            .await
            .unwrap()
            .len();
        assert!(n > 0, "{action} not audited");
    }
    // A registered party of an open dispute again: refused naming it, registered once confirmed.
    let mut again = intake.clone();
    again["kind"] = json!("property");
    let (st, first) = api
        .send(&staff, "POST", &place_path, Some(again.clone()))
        .await;
    assert_eq!(st, 201, "{first}");
    let (st, p) = api
        .send(&staff, "POST", &place_path, Some(again.clone()))
        .await;
    assert_eq!(
        (st, p["related"].clone()),
        (
            409,
            json!([format!(
                "/api/v1/disputes/{}",
                first["id"].as_str().unwrap()
            )])
        ),
        "{p}"
    );
    again["confirmed"] = json!(true);
    let (st, reg) = api.send(&staff, "POST", &place_path, Some(again)).await;
    assert_eq!(st, 201, "{reg}");
    assert_ne!(reg["id"], first["id"]);
}
all_backends!(end_to_end, super::mediation_end_to_end);

/// The pages, as county staff: the intake form refuses a missing consent with the field's
/// message in Chinese and keeps what was typed; a good form registers and shows the dispute; the
/// place's overview shows the open and overdue disputes; the same pages in English.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_in_both_languages() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let group = crate::storage::first_group(&s).await;
    let village = group[..12].to_string();
    support::account(&s, "d-staff", Role::Staff, "530181").await;
    let srv = serve(s.clone()).await;
    let (cookie, _) = support::login(&srv.base, "d-staff", support::PASSWORD).await;
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |path: String, lang: &'static str| {
        c.get(format!("{}{path}", srv.base))
            .header("cookie", &cookie)
            .header("accept-language", lang)
            .send()
    };
    let html = get(format!("/places/{village}/disputes"), "zh-CN")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("登记纠纷"), "{html}");
    // The village's resident groups, each with its disputes.
    let units = html
        .split("id=\"dispute-units\"")
        .nth(1)
        .unwrap_or_default();
    assert!(
        units.contains(&format!("href=\"/places/{group}/disputes\"")),
        "{html}"
    );
    // The figures of the village: nothing registered yet.
    let figs = html
        .split("id=\"dispute-figures\"")
        .nth(1)
        .unwrap_or_default();
    assert!(
        figs.contains("纠纷总数") && figs.contains("调解成功率"),
        "{html}"
    );
    // The three full coverages: this village has no mediator yet.
    let gaps = html
        .split("id=\"coverage-gaps\"")
        .nth(1)
        .unwrap_or_default();
    assert!(
        gaps.contains(&format!("{village} 村（社区）妇联没有家事调解员")),
        "{html}"
    );
    let csrf = support::form_value(&html, "csrf");
    let received = (jinguo_services::clock::today() - Duration::days(40)).to_string();
    let mut form = vec![
        ("kind", "elder_support"),
        ("source", "walk_in"),
        ("risk", "high"),
        ("received_on", received.as_str()),
        ("party1_name", "王大妈"),
        ("party1_relationship", "母亲"),
        ("party2_name", "张强"),
        ("party2_relationship", "儿子"),
        ("narrative", "母亲反映儿子不支付赡养费"),
        ("csrf", csrf.as_str()),
    ];
    let post = |form: Vec<(&'static str, &str)>| {
        c.post(format!("{}/places/{village}/disputes", srv.base))
            .header("cookie", &cookie)
            .header("accept-language", "zh-CN")
            .form(&form)
            .send()
    };
    let r = post(form.clone()).await.unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("当事人同意：须经当事人同意方可登记调解"),
        "{html}"
    );
    assert!(
        html.contains("母亲反映儿子不支付赡养费"),
        "what was typed is kept"
    );
    form.push(("consent", "1"));
    let r = post(form).await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/disputes/"), "{to}");
    let html = get(to.clone(), "zh-CN")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("已登记") && html.contains("已超期"), "{html}");
    assert!(
        !html.contains("母亲反映儿子不支付赡养费"),
        "staff see the narrative masked"
    );
    let html = get(to, "en").await.unwrap().text().await.unwrap();
    assert!(
        html.contains("registered") && html.contains("overdue"),
        "{html}"
    );
    let html = get(format!("/places/{village}"), "zh-CN")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let counts = html
        .split("id=\"dispute-counts\"")
        .nth(1)
        .unwrap_or_default();
    assert!(counts.contains("超期 1"), "{html}");

    // From a household's page: its persons are offered as parties, masked.
    let (_, hid) = support::first_household(&s).await;
    let html = get(format!("/households/{hid}"), "zh-CN")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let link = html
        .split("id=\"register-dispute\"")
        .next()
        .and_then(|h| h.rsplit("href=\"").next())
        .and_then(|h| h.split('"').next())
        .unwrap_or_default()
        .replace("&amp;", "&");
    assert!(link.contains(&format!("household={hid}")), "{link}");
    let html = get(link.clone(), "zh-CN")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let options = html
        .split("id=\"f-party1_person\"")
        .nth(1)
        .and_then(|h| h.split("</select>").next())
        .unwrap_or_default()
        .to_string();
    let person = options
        .split("<option value=\"")
        .nth(2)
        .and_then(|o| o.split('"').next())
        .unwrap_or_default()
        .to_string();
    assert!(uuid::Uuid::parse_str(&person).is_ok(), "{options}");
    let everything = jinguo_storage::scope::Scope::operator();
    let h = jinguo_storage::household::get(&s.db, hid, &everything)
        .await
        .unwrap()
        .unwrap();
    let stored = jinguo_storage::household::persons(&s.db, &h).await.unwrap();
    let full = &stored
        .iter()
        .find(|p| p.id.to_string() == person)
        .unwrap()
        .name;
    assert!(
        !options.contains(full.as_str()),
        "names are masked: {options}"
    );
    let place = link
        .split("/disputes")
        .next()
        .unwrap_or_default()
        .to_string();
    let hid_s = hid.to_string();
    let csrf = support::form_value(&html, "csrf");
    let form = vec![
        ("kind", "property"),
        ("source", "screening"),
        ("risk", "low"),
        ("received_on", received.as_str()),
        ("household", hid_s.as_str()),
        ("party1_person", person.as_str()),
        ("party1_relationship", "妻子"),
        ("party2_name", "外村人"),
        ("party2_relationship", "邻居"),
        ("narrative", "宅基地界线争议"),
        ("consent", "1"),
        ("csrf", csrf.as_str()),
    ];
    let post = |form: Vec<(&'static str, &str)>| {
        c.post(format!("{}{place}/disputes", srv.base))
            .header("cookie", &cookie)
            .header("accept-language", "zh-CN")
            .form(&form)
            .send()
    };
    let r = post(form.clone()).await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let first = r.headers()["location"].to_str().unwrap().to_string();
    // The same person again: the open dispute is shown and linked, nothing written.
    let r = post(form.clone()).await.unwrap();
    assert_eq!(r.status().as_u16(), 409);
    let html = r.text().await.unwrap();
    let dups = html.split("id=\"duplicates\"").nth(1).unwrap_or_default();
    assert!(dups.contains(&format!("href=\"{first}\"")), "{html}");
    assert!(html.contains("勾选确认后再提交"), "{html}");
}
