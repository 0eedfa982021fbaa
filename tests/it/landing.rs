//! Landing pages per role: each demo account finds its own work at `/` (never the page about
//! missing place data); a department's liaison sees the victim's phone when, and only when, a
//! referral shares contact, and the read is on the audit log; a community's federation assigns a
//! mediator within its reach, and the service refuses one outside it.

use crate::support::{self, both_backends, serve, with_small_demo};
use jinguo_domain::account::Role;
use jinguo_services::Caller;
use jinguo_services::demo::DEMO_PASSWORD;
use jinguo_storage::Backend;

/// The demo's accounts, with a public-opinion officer and the three administrators (second
/// factor given) beside them.
async fn demo(b: Backend) -> (support::TestDb, jinguo_services::Services) {
    let (t, s) = with_small_demo(b).await;
    s.ensure_demo_accounts().await.unwrap();
    support::account(&s, "l-opinion", Role::OpinionOfficer, "530181").await;
    support::account(&s, "l-sys", Role::SystemAdmin, "530181").await;
    support::account(&s, "l-sec", Role::SecurityAdmin, "530181").await;
    support::account(&s, "l-aud", Role::AuditAdmin, "530181").await;
    (t, s)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `GET path` as the session's cookie, in `lang`: status, where it leads, body.
async fn get(base: &str, cookie: &str, path: &str, lang: &str) -> (u16, String, String) {
    let r = client()
        .get(format!("{base}{path}"))
        .header("cookie", cookie)
        .header("accept-language", lang)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

const NO_PLACES: &str = "还没有区划数据";

async fn every_role_lands_on_its_work(b: Backend) {
    let (_t, s) = demo(b).await;
    let srv = serve(s.clone()).await;
    let cookie = |name: &'static str| {
        let base = srv.base.clone();
        async move { support::login(&base, name, DEMO_PASSWORD).await.0 }
    };

    // The mediator: her dispute from the hotline, with its due date and the days left.
    let mediator = support::caller_of(&s, "tiaojie", DEMO_PASSWORD).await;
    let hers = s.disputes(&mediator, None, true).await.unwrap();
    assert_eq!(hers.len(), 1);
    let (status, _, html) = get(&srv.base, &cookie("tiaojie").await, "/", "zh-CN").await;
    assert_eq!(status, 200, "{html}");
    assert!(!html.contains(NO_PLACES), "{html}");
    let part = html.split("id=\"landing-disputes\"").nth(1).expect(&html);
    assert!(
        part.contains(&format!("/disputes/{}", hers[0].id)),
        "{part}"
    );
    assert!(part.contains(&hers[0].due_on.to_string()), "{part}");
    assert!(part.contains("剩余 "), "{part}");
    assert!(part.contains("王秀英"), "{part}");
    assert!(!html.contains("id=\"landing-referrals\""));
    // Home in the navigation leads here, not round in a circle to a message.
    assert!(html.contains("<a href=\"/\">首页</a>"), "{html}");

    // The police's liaison: the referral waiting for acknowledgement, with the time left.
    let police = support::caller_of(&s, "jingcha", DEMO_PASSWORD).await;
    let waiting = s.my_referrals(&police).await.unwrap();
    let (status, _, html) = get(&srv.base, &cookie("jingcha").await, "/", "en").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<h1>My work</h1>"), "{html}");
    let part = html.split("id=\"landing-referrals\"").nth(1).expect(&html);
    assert!(
        part.contains(&format!("/referrals/{}", waiting[0].id)),
        "{part}"
    );
    assert!(part.contains(" min left"), "{part}");
    assert!(!html.contains("id=\"landing-disputes\""));

    // The public-opinion officer, and the three administrators.
    let lines = [
        ("l-opinion", false, "landing-opinion"),
        ("l-sys", true, "landing-system"),
        ("l-sec", true, "landing-security"),
        ("l-aud", true, "landing-audit"),
    ];
    for (name, admin, part) in lines {
        let session = support::session(&s, name, admin).await;
        let (status, _, html) = get(&srv.base, &session.cookie, "/", "zh-CN").await;
        assert_eq!(status, 200, "{name}: {html}");
        assert!(html.contains(&format!("id=\"{part}\"")), "{name}: {html}");
        assert!(!html.contains(NO_PLACES), "{name}: {html}");
        for other in lines.iter().map(|l| l.2).filter(|p| *p != part) {
            assert!(
                !html.contains(&format!("id=\"{other}\"")),
                "{name}: {other}"
            );
        }
    }
    // An account without any role yet is told to ask for one.
    let bare = jinguo_services::accounts::NewAccount {
        username: "l-none".into(),
        display_name: "l-none".into(),
        password: support::PASSWORD.into(),
        role: None,
        place: "530181".into(),
    };
    s.create_account(&Caller::operator(), &bare).await.unwrap();
    let none = support::session(&s, "l-none", false).await;
    let (status, _, html) = get(&srv.base, &none.cookie, "/", "zh-CN").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("id=\"landing-no-role\""), "{html}");
    assert!(!html.contains(NO_PLACES), "{html}");

    // Federation staff still open their place (the representative her own home page).
    for (name, place) in [("anning", "530181"), ("wenhua", "530181001001")] {
        let (status, location, _) = get(&srv.base, &cookie(name).await, "/", "zh-CN").await;
        assert_eq!(
            (status, location.as_str()),
            (303, &*format!("/places/{place}"))
        );
    }
}
both_backends!(
    every_role_lands_on_its_work_db,
    super::every_role_lands_on_its_work
);

async fn shared_contact_shows_the_phone(b: Backend) {
    let (_t, s) = demo(b).await;
    let srv = serve(s.clone()).await;
    let (cookie, _) = support::login(&srv.base, "jingcha", DEMO_PASSWORD).await;
    let police = support::caller_of(&s, "jingcha", DEMO_PASSWORD).await;
    // The demo's referral shares the victim's name and contact: her phone is on the page.
    let demo_referral = s.my_referrals(&police).await.unwrap()[0].id;
    let (status, _, html) = get(
        &srv.base,
        &cookie,
        &format!("/referrals/{demo_referral}"),
        "zh-CN",
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("id=\"shared-phone\"><a href=\"tel:13987120338\">13987120338</a>"),
        "{html}"
    );

    // Another case with a phone, referred sharing the name only: no phone, not even masked.
    let federation = support::caller_of(&s, "lianran", DEMO_PASSWORD).await;
    let input = jinguo_domain::linkage::CaseInput {
        victim_name: "赵某".into(),
        victim_phone: "13812345678".into(),
        abuser_name: "钱某".into(),
        relationship: "丈夫".into(),
        violence: vec!["physical".into()],
        severity: "minor".into(),
        children: 0,
        source: "walk_in".into(),
        received_on: jinguo_services::clock::today().to_string(),
        narrative: "争吵中被推搡。".into(),
        consent_to_share: true,
        ..Default::default()
    };
    let case = s
        .register_case(&federation, "530181001002", &input)
        .await
        .unwrap();
    let refer = |shared: &[&str]| jinguo_domain::linkage::ReferralInput {
        department: "police".into(),
        requests: vec!["investigation".into()],
        shared: shared.iter().map(|k| k.to_string()).collect(),
        basis: "consent".into(),
        ..Default::default()
    };
    s.refer(&federation, case, &refer(&["victim"]))
        .await
        .unwrap();
    let name_only = s
        .my_referrals(&police)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.case_id == case)
        .unwrap()
        .id;
    let (status, _, html) = get(
        &srv.base,
        &cookie,
        &format!("/referrals/{name_only}"),
        "zh-CN",
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("赵某"), "{html}");
    assert!(!html.contains("shared-phone"), "{html}");
    assert!(!html.contains("5678"), "{html}");
    let (_, shared) = s.referral(&police, name_only).await.unwrap();
    assert_eq!(shared.victim_phone, "");

    // The audit log names what the department was shown.
    let auditor = support::caller(Role::AuditAdmin, "53/5301/530181/");
    let q = jinguo_services::audit::AuditQuery {
        action: Some("case.read_shared".into()),
        actor: Some("jingcha".into()),
        limit: 100,
        ..Default::default()
    };
    let reads = s.search_audit(&auditor, &q).await.unwrap();
    let of = |case: uuid::Uuid| -> Vec<String> {
        reads
            .iter()
            .filter(|r| r.target == format!("case:{case}"))
            .map(|r| r.detail.clone())
            .collect()
    };
    let demo_case = s.referral(&police, demo_referral).await.unwrap().0.case_id;
    assert!(
        of(demo_case).iter().any(|d| d == "shared=contact,victim"),
        "{reads:?}"
    );
    assert!(of(case).iter().all(|d| d == "shared=victim"), "{reads:?}");
    assert!(!of(case).is_empty());
}
both_backends!(
    shared_contact_shows_the_phone_db,
    super::shared_contact_shows_the_phone
);

async fn a_community_assigns_a_mediator(b: Backend) {
    let (_t, s) = demo(b).await;
    let operator = Caller::operator();
    // A mediator of a village in another subdistrict: outside the community's reach.
    let (far_group, _) = crate::storage::far_group(&s).await;
    let far = s
        .add_member(
            &operator,
            &far_group[..12],
            &jinguo_domain::member::MemberInput {
                name: "周远".into(),
                role: "mediator".into(),
                started_on: "2024-01-01".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let srv = serve(s.clone()).await;
    let (cookie, csrf) = support::login(&srv.base, "wenhua", DEMO_PASSWORD).await;
    let community = support::caller_of(&s, "wenhua", DEMO_PASSWORD).await;
    let intake: jinguo_domain::mediation::IntakeInput = serde_json::from_value(serde_json::json!({
        "kind": "marriage", "source": "walk_in", "risk": "low",
        "received_on": jinguo_services::clock::today().to_string(),
        "parties": [{"name": "甲", "relationship": "妻子"}, {"name": "乙", "relationship": "丈夫"}],
        "narrative": "夫妻因家务分担争吵", "consent": true}))
    .unwrap();
    let d = s
        .register_dispute(&community, "530181001001", &intake, false)
        .await
        .unwrap()
        .id;
    let post = |form: Vec<(&'static str, String)>| {
        let (base, cookie, csrf) = (srv.base.clone(), cookie.clone(), csrf.clone());
        async move {
            let mut form = form;
            form.push(("csrf", csrf));
            let r = client()
                .post(format!("{base}/disputes/{d}/steps"))
                .header("cookie", cookie)
                .header("accept-language", "zh-CN")
                .form(&form)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (status, _) = post(vec![("step", "accept".into()), ("version", "1".into())]).await;
    assert_eq!(status, 303);

    // The form offers the community's own mediator (李敏, linked to tiaojie), not the far one.
    let mine = support::caller_of(&s, "tiaojie", DEMO_PASSWORD)
        .await
        .members[0];
    let (status, _, html) = get(&srv.base, &cookie, &format!("/disputes/{d}"), "zh-CN").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("id=\"f-mediator_id\""), "{html}");
    assert!(
        html.contains(&format!("<option value=\"{mine}\">李敏（")),
        "{html}"
    );
    assert!(!html.contains(&far.to_string()), "{html}");
    let offered = s.dispute_mediators(&community, d).await.unwrap();
    assert_eq!(offered[0].0, mine, "the nearest first: {offered:?}");

    // The far mediator is refused on the field, and nothing changes.
    let (status, html) = post(vec![
        ("step", "assign".into()),
        ("version", "2".into()),
        ("mediator_id", far.to_string()),
    ])
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("调解员"), "{html}");
    let (v, _) = s.dispute(&community, d).await.unwrap();
    assert_eq!((v.mediator_id, v.version), (None, 2));
    // No mediator at all names the field too.
    let (status, html) = post(vec![("step", "assign".into()), ("version", "2".into())]).await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("调解员"), "{html}");

    // Her own mediator is assigned, and the dispute is on the mediator's landing page.
    let (status, _) = post(vec![
        ("step", "assign".into()),
        ("version", "2".into()),
        ("mediator_id", mine.to_string()),
    ])
    .await;
    assert_eq!(status, 303);
    let (v, _) = s.dispute(&community, d).await.unwrap();
    assert_eq!(v.mediator_id, Some(mine));
    let mediator = support::caller_of(&s, "tiaojie", DEMO_PASSWORD).await;
    let landing = s.landing(&mediator).await.unwrap();
    assert!(landing.disputes.unwrap().0.iter().any(|x| x.id == d));
}
both_backends!(
    a_community_assigns_a_mediator_db,
    super::a_community_assigns_a_mediator
);

/// At 360 px (a phone's viewport), every demo account logs in and lands on its work without
/// scrolling sideways: staff on their place, the representative on her worklist, the mediator
/// and the liaison on their own work, the administrators on the second factor's set-up with its
/// QR code. With `JINGUO_SCREENSHOTS=DIR` each landing page is saved there as a PNG.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_lands_on_its_work_on_a_phone() {
    use crate::browser::{click_first, no_sideways_scroll, phone, text};
    use fantoccini::Locator;
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    s.ensure_demo_accounts().await.unwrap();
    let srv = serve(s).await;
    let c = phone().await;
    for (name, part, shows) in [
        ("anning", "#children", "连然街道"),
        ("wenhua", "#children", "第1居民小组"),
        ("daibiao", "#worklist", "我的包保户"),
        ("tiaojie", "#landing-disputes", "剩余"),
        ("jingcha", "#landing-referrals", "剩余"),
        ("sysadmin", "#totp-qr", ""),
    ] {
        c.goto(&format!("{}/login", srv.base)).await.unwrap();
        c.find(Locator::Css("#f-username"))
            .await
            .unwrap()
            .send_keys(name)
            .await
            .unwrap();
        c.find(Locator::Css("#f-password"))
            .await
            .unwrap()
            .send_keys(DEMO_PASSWORD)
            .await
            .unwrap();
        click_first(&c, "#login-form button").await;
        let shown = text(&c, part).await;
        assert!(shown.contains(shows), "{name}: {shown}");
        assert!(!text(&c, "main").await.contains(NO_PLACES), "{name}");
        no_sideways_scroll(&c).await;
        if let Ok(dir) = std::env::var("JINGUO_SCREENSHOTS") {
            let png = c.screenshot().await.unwrap();
            std::fs::write(format!("{dir}/landing-{name}.png"), png).unwrap();
        }
        if name == "tiaojie" || name == "jingcha" {
            assert_eq!(text(&c, "h1").await, "我的工作", "{name}");
        }
        click_first(&c, "#logout").await;
        assert_eq!(text(&c, "h1").await, "登录");
    }
    c.close().await.unwrap();
}
