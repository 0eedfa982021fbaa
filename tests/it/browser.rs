//! A person with a phone: headless Chromium at 360 px opens the overview and drills down from the
//! city to one household, in Chinese and then in English.

use crate::support::{serve, with_small_demo};
use fantoccini::{Client, ClientBuilder, Locator};
use jinguo_storage::Backend;
use serde_json::json;

pub(crate) async fn browser() -> Client {
    chromium(None).await
}

/// Chromium with its viewport at exactly 360 px wide, as a phone's (a headless window is never
/// narrower than 500 px).
pub(crate) async fn phone() -> Client {
    chromium(Some(
        json!({"deviceMetrics": {"width": 360, "height": 740, "pixelRatio": 2.0}}),
    ))
    .await
}

async fn chromium(mobile: Option<serde_json::Value>) -> Client {
    let webdriver = std::env::var("JINGUO_TEST_WEBDRIVER_URL")
        .expect("JINGUO_TEST_WEBDRIVER_URL is not set: run the tests with scripts/test, which starts chromedriver");
    let chromium =
        std::env::var("JINGUO_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let profile = tempfile::tempdir().unwrap().keep();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=360,740",
                "--lang=zh-CN",
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": {"intl.accept_languages": "zh-CN,zh"}
        }),
    );
    if let (Some(m), Some(o)) = (mobile, caps.get_mut("goog:chromeOptions")) {
        o["mobileEmulation"] = m;
    }
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&webdriver)
        .await
        .expect("cannot start Chromium through chromedriver")
}

pub(crate) async fn text(c: &Client, css: &str) -> String {
    match c.wait().for_element(Locator::Css(css)).await {
        Ok(e) => match e.text().await {
            Ok(t) => t,
            // Found on a page that was being replaced: read it on the new one.
            Err(_) => c
                .wait()
                .for_element(Locator::Css(css))
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        },
        Err(e) => {
            let url = c
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            let src = c.source().await.unwrap_or_default();
            panic!("{css} not found on {url}: {e}\n{src}");
        }
    }
}

/// Clicks what leads to another page and waits until that page has replaced this one, so that
/// nothing is read from the old page by mistake.
pub(crate) async fn click_first(c: &Client, css: &str) {
    let old = c.find(Locator::Css("html")).await.unwrap();
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..200 {
        if old.tag_name().await.is_err() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("clicking {css} led nowhere");
}

/// From the overview down to a household; returns the household's heading.
async fn drill_down(c: &Client) -> String {
    click_first(c, "#children a.child").await; // subdistrict
    let _ = text(c, "h1").await;
    click_first(c, "#children a.child").await; // village
    let _ = text(c, "h1").await;
    click_first(c, "#children a.child").await; // resident group
    click_first(c, "#households a.household").await; // household
    text(c, "h1").await
}

/// Logs in through the login form.
pub(crate) async fn log_in(c: &Client, base: &str, username: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Css("#f-username"))
        .await
        .unwrap()
        .send_keys(username)
        .await
        .unwrap();
    c.find(Locator::Css("#f-password"))
        .await
        .unwrap()
        .send_keys(crate::support::PASSWORD)
        .await
        .unwrap();
    click_first(c, "#login-form button").await;
}

pub(crate) async fn no_sideways_scroll(c: &Client) {
    let w = c
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, inner) = (w[0].as_i64().unwrap(), w[1].as_i64().unwrap());
    assert!(
        scroll <= inner,
        "page is wider than the phone: {scroll} > {inner}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drill_down_on_a_phone_in_chinese_and_english() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    crate::support::account(&s, "anning", jinguo_domain::account::Role::Staff, "530181").await;
    let srv = serve(s).await;
    let c = browser().await;

    // The overview asks for a login first, then comes back.
    c.goto(&format!("{}/", srv.base)).await.unwrap();
    assert_eq!(text(&c, "h1").await, "登录");
    c.find(Locator::Css("#f-username"))
        .await
        .unwrap()
        .send_keys("anning")
        .await
        .unwrap();
    c.find(Locator::Css("#f-password"))
        .await
        .unwrap()
        .send_keys("wrong-password-1")
        .await
        .unwrap();
    click_first(&c, "#login-form button").await;
    assert!(
        text(&c, "#form-errors")
            .await
            .contains("用户名或密码不正确")
    );
    c.find(Locator::Css("#f-password"))
        .await
        .unwrap()
        .send_keys(crate::support::PASSWORD)
        .await
        .unwrap();
    click_first(&c, "#login-form button").await;
    assert_eq!(text(&c, "#user-name").await, "anning");
    assert_eq!(text(&c, "h1").await, "县（市、区） 安宁市");
    assert_eq!(text(&c, ".fig[data-key='fig.households'] dd").await, "600");
    no_sideways_scroll(&c).await;
    let h1 = drill_down(&c).await;
    assert!(h1.starts_with("户档案 530181"), "{h1}");
    let persons = c
        .find_all(Locator::Css("#persons tr.person"))
        .await
        .unwrap();
    assert!(
        (2..=4).contains(&persons.len()),
        "{} persons",
        persons.len()
    );
    assert!(
        text(&c, "#persons tr.person td").await.contains('*'),
        "names are masked"
    );
    no_sideways_scroll(&c).await;

    // Switch to English on the household page: the same page comes back in English.
    click_first(&c, "#lang-switch").await;
    let h1_en = text(&c, "h1").await;
    assert!(h1_en.starts_with("Household record 530181"), "{h1_en}");
    assert_eq!(text(&c, "#add").await, "Add a member of the household");

    // A bad ID number in the form: the error names the field, in English, and keeps the input.
    c.find(Locator::Css("#f-name"))
        .await
        .unwrap()
        .send_keys("Li Mei")
        .await
        .unwrap();
    c.find(Locator::Css("#f-id_number"))
        .await
        .unwrap()
        .send_keys("110105194912310021")
        .await
        .unwrap();
    click_first(&c, "#add-person button").await;
    let errors = text(&c, "#form-errors").await;
    assert!(
        errors.contains("Resident ID number: has a wrong check character"),
        "{errors}"
    );
    assert!(errors.contains("Sex: is required"), "{errors}");
    let kept = c
        .find(Locator::Css("#f-id_number"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("110105194912310021"));

    // And from the top again, in English.
    click_first(&c, "a.brand").await;
    assert_eq!(text(&c, "h1").await, "county 安宁市");
    assert_eq!(
        text(&c, ".fig[data-key='fig.households'] dt").await,
        "Households"
    );
    let h1 = drill_down(&c).await;
    assert!(h1.starts_with("Household record 530181"), "{h1}");
    c.close().await.unwrap();
}

/// An administrator's first login: a one-time-code app is set up from the key the page shows,
/// then the account page opens and an account is created through its form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrator_sets_up_a_second_factor_and_creates_an_account() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    crate::support::account(
        &s,
        "sysadmin",
        jinguo_domain::account::Role::SystemAdmin,
        "530181",
    )
    .await;
    let srv = serve(s.clone()).await;
    let c = browser().await;
    log_in(&c, &srv.base, "sysadmin").await;
    // Anything else asked for first leads back to the second factor.
    let key = text(&c, "#totp-key").await;
    c.goto(&format!("{}/admin", srv.base)).await.unwrap();
    assert_eq!(text(&c, "#totp-key").await.len(), key.len());
    let secret = jinguo_crypto::totp::from_base32(&key).unwrap();
    let code = jinguo_crypto::totp::code_at(&secret, chrono::Utc::now().timestamp() as u64);
    c.find(Locator::Css("#f-totp_code"))
        .await
        .unwrap()
        .send_keys(&code)
        .await
        .unwrap();
    click_first(&c, "#totp-form button").await;
    // Her landing page tells what waits for her; the account page is one link away.
    assert_eq!(text(&c, "h1").await, "我的工作");
    c.goto(&format!("{}/admin", srv.base)).await.unwrap();
    assert_eq!(text(&c, "h1").await, "账号与授权");
    // Case data stays out of reach of the system administrator.
    c.goto(&format!("{}/places/530181", srv.base))
        .await
        .unwrap();
    assert_eq!(text(&c, "h1").await, "未找到");
    c.goto(&format!("{}/admin", srv.base)).await.unwrap();
    c.find(Locator::Css("#f-username"))
        .await
        .unwrap()
        .send_keys("lianran")
        .await
        .unwrap();
    c.find(Locator::Css("#f-display_name"))
        .await
        .unwrap()
        .send_keys("连然街道妇联")
        .await
        .unwrap();
    c.find(Locator::Css("#f-password"))
        .await
        .unwrap()
        .send_keys("Temporary-pass-1")
        .await
        .unwrap();
    c.find(Locator::Css("#f-place"))
        .await
        .unwrap()
        .send_keys("530181001")
        .await
        .unwrap();
    click_first(&c, "#create-account button").await;
    assert!(text(&c, "#notice").await.contains("账号已创建"));
    assert!(text(&c, "#accounts").await.contains("lianran"));
    no_sideways_scroll(&c).await;
    // The account has no role until the security administrator grants one.
    assert!(text(&c, "#accounts").await.contains("未授权"));
    s.grant_role(
        &jinguo_services::Caller::operator(),
        "lianran",
        jinguo_domain::account::Role::Staff,
        "530181001",
    )
    .await
    .unwrap();
    // The new colleague must change the temporary password at first login.
    click_first(&c, "#logout").await;
    c.find(Locator::Css("#f-username"))
        .await
        .unwrap()
        .send_keys("lianran")
        .await
        .unwrap();
    c.find(Locator::Css("#f-password"))
        .await
        .unwrap()
        .send_keys("Temporary-pass-1")
        .await
        .unwrap();
    click_first(&c, "#login-form button").await;
    assert_eq!(text(&c, "h1").await, "修改密码");
    c.find(Locator::Css("#f-old_password"))
        .await
        .unwrap()
        .send_keys("Temporary-pass-1")
        .await
        .unwrap();
    c.find(Locator::Css("#f-password"))
        .await
        .unwrap()
        .send_keys("short")
        .await
        .unwrap();
    click_first(&c, "#password-form button").await;
    assert!(text(&c, "#form-errors").await.contains("至少10个字符"));
    c.find(Locator::Css("#f-old_password"))
        .await
        .unwrap()
        .send_keys("Temporary-pass-1")
        .await
        .unwrap();
    c.find(Locator::Css("#f-password"))
        .await
        .unwrap()
        .send_keys("Lianran-2026-ok")
        .await
        .unwrap();
    click_first(&c, "#password-form button").await;
    assert_eq!(text(&c, "h1").await, "乡镇（街道） 连然街道");
    c.close().await.unwrap();
}

/// A women's representative on her phone: she logs in, finds a household she still has to visit,
/// starts the visit form, loses the page (what she entered comes back, with the same submission
/// key), records the visit and sees it in the household's risk history.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn representative_records_a_visit_on_a_phone() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let staff = crate::support::county_staff();
    let group = crate::storage::first_group(&s).await;
    let today = jinguo_services::clock::today();
    s.create_campaign(
        &jinguo_services::Caller::operator(),
        &jinguo_domain::screening::CampaignInput {
            name: "本月婚姻家庭矛盾纠纷排查".into(),
            place: "530181".into(),
            starts_on: (today - chrono::Duration::days(3)).to_string(),
            ends_on: (today + chrono::Duration::days(30)).to_string(),
            checklist: vec![
                "marital_conflict".into(),
                "violence_signs".into(),
                "elder_support".into(),
            ],
        },
    )
    .await
    .unwrap();
    crate::support::account(
        &s,
        "daibiao",
        jinguo_domain::account::Role::Representative,
        &group,
    )
    .await;
    let member = s.coverage_members(&staff, &group).await.unwrap()[0].id;
    s.link_member(&jinguo_services::Caller::operator(), "daibiao", member)
        .await
        .unwrap();
    let srv = serve(s.clone()).await;
    let c = browser().await;

    log_in(&c, &srv.base, "daibiao").await;
    assert_eq!(text(&c, "#user-name").await, "daibiao");
    click_first(&c, ".user a[href='/campaigns']").await;
    assert_eq!(text(&c, "h1").await, "矛盾纠纷排查");
    click_first(&c, "#campaigns tr.campaign a").await;
    click_first(&c, "#to-visit").await;
    let summary = text(&c, "#summary").await;
    assert!(summary.contains("已走访 0 户"), "{summary}");
    let listed = c
        .find_all(Locator::Css("#campaign-households li.household"))
        .await
        .unwrap()
        .len();
    assert_eq!(
        listed as i64,
        s.coverage_members(&staff, &group).await.unwrap()[0].units
    );
    no_sideways_scroll(&c).await;
    click_first(&c, "#campaign-households li.household a").await;
    assert!(text(&c, "h1").await.starts_with("户档案"));
    // Her history may hold a visit of an earlier campaign.
    let earlier = c
        .find_all(Locator::Css("#visits tr.visit"))
        .await
        .unwrap()
        .len();

    // She fills the form in part, and the page is lost (a reload stands for a dropped connection).
    let key = c
        .find(Locator::Css("#visit-form input[name=request_key]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    c.find(Locator::Css(
        "#visit-form input[name='finding.marital_conflict']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.find(Locator::Css("#visit-form input[name=risk][value=medium]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("#f-note"))
        .await
        .unwrap()
        .send_keys("夫妻因照顾老人发生争吵，需调解")
        .await
        .unwrap();
    no_sideways_scroll(&c).await;
    c.refresh().await.unwrap();
    c.wait()
        .for_element(Locator::Css("#visit-form[data-restored='1']"))
        .await
        .unwrap();
    let note = c
        .find(Locator::Css("#f-note"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(note.as_deref(), Some("夫妻因照顾老人发生争吵，需调解"));
    let key_after = c
        .find(Locator::Css("#visit-form input[name=request_key]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(key_after, key, "the retried form keeps its submission key");
    let medium = c
        .find(Locator::Css("#visit-form input[name=risk][value=medium]"))
        .await
        .unwrap()
        .prop("checked")
        .await
        .unwrap();
    assert_eq!(medium.as_deref(), Some("true"));

    click_first(&c, "#visit-form button[type=submit]").await;
    assert_eq!(text(&c, "#visited").await, "走访已记录。");
    let rows = c.find_all(Locator::Css("#visits tr.visit")).await.unwrap();
    assert_eq!(rows.len(), earlier + 1);
    let row = text(&c, "#visits tr.visit").await;
    assert!(
        row.contains("中风险（黄）") && row.contains("婚姻矛盾"),
        "{row}"
    );
    assert!(c.find(Locator::Css("#visit-form")).await.is_err());
    // The draft is gone once saved.
    let drafts = c
        .execute(
            "var n = 0; for (var i = 0; i < localStorage.length; i++) { if (localStorage.key(i).indexOf('draft:') === 0) { n++; } } return n;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(drafts.as_i64(), Some(0));
    no_sideways_scroll(&c).await;
    c.close().await.unwrap();
}

/// Sets a form field's value by script (date inputs and selects take typed keys by locale).
async fn set_value(c: &Client, id: &str, value: &str) {
    c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![json!(id), json!(value)],
    )
    .await
    .unwrap();
}

async fn type_into(c: &Client, css: &str, text: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mediator_records_a_session_and_an_agreement_on_a_phone() {
    use jinguo_domain::account::Role;
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let staff = crate::support::county_staff();
    let group = crate::storage::first_group(&s).await;
    let village = group[..12].to_string();
    let today = jinguo_services::clock::today();
    let member = s
        .add_member(
            &staff,
            &village,
            &jinguo_domain::member::MemberInput {
                name: "调解员李".into(),
                role: "mediator".into(),
                started_on: "2026-01-01".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    crate::support::account(&s, "tiaojie", Role::Mediator, &village[..9]).await;
    s.link_member(&jinguo_services::Caller::operator(), "tiaojie", member)
        .await
        .unwrap();
    let intake: jinguo_domain::mediation::IntakeInput = serde_json::from_value(json!({
        "kind": "elder_support", "source": "walk_in", "risk": "medium",
        "received_on": today.to_string(),
        "parties": [{"name": "王大妈", "relationship": "母亲"}, {"name": "张强", "relationship": "儿子"}],
        "narrative": "母亲反映儿子不支付赡养费", "consent": true}))
    .unwrap();
    let id = s
        .register_dispute(&staff, &village, &intake, false)
        .await
        .unwrap()
        .id;
    for (step, version) in [("accept", 1), ("assign", 2)] {
        let input = jinguo_services::mediation::StepInput {
            step: step.into(),
            expected_version: version,
            mediator_id: Some(member),
            ..Default::default()
        };
        s.dispute_step(&staff, id, &input).await.unwrap();
    }
    let srv = serve(s.clone()).await;
    let c = browser().await;

    log_in(&c, &srv.base, "tiaojie").await;
    click_first(&c, ".user a[href='/disputes']").await;
    assert_eq!(text(&c, "h1").await, "矛盾纠纷与家事调解");
    no_sideways_scroll(&c).await;
    click_first(&c, "#disputes tr.dispute a").await;
    assert_eq!(text(&c, "#dispute-status").await, "已指派");
    // The assigned mediator reads the narrative whole.
    assert_eq!(
        text(&c, "#dispute-narrative").await,
        "母亲反映儿子不支付赡养费"
    );

    // A session.
    set_value(&c, "f-held_on", &today.to_string()).await;
    type_into(&c, "#f-venue", "村委会调解室").await;
    type_into(&c, "#f-attendees", "王大妈、张强、调解员李").await;
    type_into(&c, "#f-record", "双方陈述，张强同意每月支付赡养费").await;
    no_sideways_scroll(&c).await;
    click_first(&c, "#session-form button").await;
    assert_eq!(text(&c, "#dispute-status").await, "调解中");
    let sessions = text(&c, "#dispute-sessions").await;
    assert!(sessions.contains("村委会调解室"), "{sessions}");

    // The agreement, first without its signatures: refused, the field named.
    set_value(&c, "f-agreed_on", &today.to_string()).await;
    type_into(&c, "#f-party1_name", "王大妈").await;
    type_into(&c, "#f-party1_relationship", "母亲").await;
    type_into(&c, "#f-party2_name", "张强").await;
    type_into(&c, "#f-party2_relationship", "儿子").await;
    type_into(&c, "#f-facts", "张强未按时支付赡养费").await;
    set_value(&c, "f-term1_kind", "support").await;
    type_into(&c, "#f-term1_text", "张强每月5日前支付赡养费500元").await;
    type_into(&c, "#f-term1_manner", "按月转账").await;
    set_value(
        &c,
        "f-term1_due_on",
        &(today + chrono::Duration::days(30)).to_string(),
    )
    .await;
    click_first(&c, "#agreement-save").await;
    let errors = text(&c, "#form-errors").await;
    assert!(errors.contains("当事人签名"), "{errors}");
    assert_eq!(
        text(&c, "#dispute-status").await,
        "调解中",
        "nothing was written"
    );

    // The form again, as it was typed: only the signatures are ticked.
    let kept = c
        .execute("return document.getElementById('f-facts').value;", vec![])
        .await
        .unwrap();
    assert_eq!(
        kept,
        json!("张强未按时支付赡养费"),
        "what was typed is kept"
    );
    c.find(Locator::Css("#f-signed"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click_first(&c, "#agreement-save").await;
    assert_eq!(text(&c, "#dispute-status").await, "达成协议");
    let agreement = text(&c, "#dispute-agreement").await;
    assert!(agreement.contains("张强未按时支付赡养费"), "{agreement}");
    no_sideways_scroll(&c).await;
    let (v, _) = s.dispute(&staff, id).await.unwrap();
    assert_eq!(v.outcome, Some(jinguo_domain::mediation::Outcome::Agreed));
    c.close().await.unwrap();
}

/// The police's liaison officer, on a phone: finds the referral among her department's, reads
/// only what it shares, acknowledges it and records what was done; the federation's owner of the
/// case is told.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn liaison_acknowledges_a_referral_on_a_phone() {
    use jinguo_domain::account::Role;
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let operator = jinguo_services::Caller::operator();
    s.ensure_departments(&operator, "530181").await.unwrap();
    crate::support::account(&s, "fulian", Role::Staff, "530181").await;
    crate::support::account(&s, "jingcha", Role::Liaison, "530181").await;
    s.set_liaison(&operator, "530181", "police", "jingcha", "liaison")
        .await
        .unwrap();
    let staff = crate::support::caller_of(&s, "fulian", crate::support::PASSWORD).await;
    let case: jinguo_domain::linkage::CaseInput = serde_json::from_value(json!({
        "victim_name": "刘某", "victim_phone": "13612345678", "relationship": "丈夫",
        "violence": ["physical"], "severity": "serious", "source": "hotline",
        "received_on": jinguo_services::clock::today().to_string(),
        "narrative": "长期遭受殴打，不愿透露细节", "consent_to_share": true}))
    .unwrap();
    let id = s.register_case(&staff, "530181", &case).await.unwrap();
    let referral: jinguo_domain::linkage::ReferralInput = serde_json::from_value(json!({
        "department": "police", "requests": ["protection"], "shared": ["victim", "contact"],
        "basis": "consent", "note": "请今日联系受害人"}))
    .unwrap();
    s.refer(&staff, id, &referral).await.unwrap();
    let srv = serve(s.clone()).await;
    let c = browser().await;

    log_in(&c, &srv.base, "jingcha").await;
    click_first(&c, ".user a[href='/referrals']").await;
    assert_eq!(text(&c, "h1").await, "本单位收到的转介");
    no_sideways_scroll(&c).await;
    click_first(&c, "#referrals tr.referral a").await;
    assert_eq!(text(&c, "#referral-status").await, "待签收");
    assert_eq!(text(&c, "#shared-victim").await, "刘某");
    let page = text(&c, "main").await;
    assert!(
        page.contains("13612345678") && page.contains("请今日联系受害人"),
        "{page}"
    );
    assert!(
        !page.contains("长期遭受殴打"),
        "the narrative is not shared: {page}"
    );
    click_first(&c, "#ack-form button").await;
    assert_eq!(text(&c, "#referral-status").await, "已签收");
    type_into(&c, "#f-action", "已电话联系受害人并出警核查").await;
    c.find(Locator::Css("#f-done"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    no_sideways_scroll(&c).await;
    click_first(&c, "#action-form button").await;
    // Marking it done ends the referral: a second page asks first.
    assert_eq!(text(&c, "h1").await, "请确认");
    no_sideways_scroll(&c).await;
    click_first(&c, "#confirm-yes").await;
    assert_eq!(text(&c, "#referral-status").await, "已办结");
    assert!(
        text(&c, "#referral-action")
            .await
            .contains("已电话联系受害人并出警核查")
    );
    let (inbox, unread) = s.inbox(&staff, jinguo_domain::Lang::Zh).await.unwrap();
    assert_eq!(unread, 2, "{inbox:?}");
    assert!(inbox.iter().any(|n| n.text.contains("已签收")));
    c.close().await.unwrap();
}

/// A donor, on a phone and without an account, claims a child's wish on the public page; the
/// page shows nothing personal of the child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn donor_claims_a_wish_on_the_public_page() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let staff = crate::support::county_staff();
    let group = crate::storage::first_group(&s).await;
    let mut child = None;
    for line in s.group_households(&staff, &group, 1).await.unwrap().lines {
        let v = s
            .household_reveal(&staff, line.id, "核对儿童信息")
            .await
            .unwrap();
        if let Some(p) = v.persons.iter().find(|p| p.age < 14) {
            child = Some((p.id, p.name.clone(), v.household.address.clone()));
            break;
        }
    }
    let (child, name, address) = child.expect("a child in the first group");
    let input = jinguo_domain::care::WishInput {
        person_id: Some(child),
        wish: "一双运动鞋".into(),
        guardian_consent: true,
        guardian_name: "李梅".into(),
        guardian_relationship: "母亲".into(),
    };
    let id = s.propose_wish(&staff, &group, &input).await.unwrap();
    s.wish_step(&staff, id, "approve", 1, "").await.unwrap();
    let srv = serve(s.clone()).await;
    let c = browser().await;
    c.goto(&format!("{}/wishes", srv.base)).await.unwrap();
    assert_eq!(text(&c, "h1").await, "微心愿");
    let page = text(&c, "main").await;
    assert!(page.contains("一双运动鞋"), "{page}");
    assert!(!page.contains(&name) && !page.contains(&address), "{page}");
    no_sideways_scroll(&c).await;
    c.find(Locator::Css(&format!("#wish-{id} summary")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    type_into(&c, &format!("#f-donor-{id}"), "张女士").await;
    type_into(&c, &format!("#f-phone-{id}"), "13900139000").await;
    click_first(&c, &format!("#wish-{id} button")).await;
    assert!(text(&c, "#claimed").await.contains("认领成功"));
    assert!(text(&c, "#no-wishes").await.contains("都已被认领"));
    let (_, listed) = ((), s.wishes(&staff, &group, false, 100).await.unwrap());
    assert_eq!(listed[0].status, jinguo_domain::care::WishStatus::Claimed);
    c.close().await.unwrap();
}

/// The county federation's chair, on her phone, approves a request for emergency access from
/// the page her notification links to: the request is legible at 360 px, the approval is one
/// form, and the worker who asked can then open that household and nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chair_approves_emergency_access_on_a_phone() {
    use jinguo_domain::account::Role;
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let staff = crate::support::county_staff();
    let (far_group, _) = crate::storage::far_group(&s).await;
    let far = s
        .group_households(&staff, &far_group, 1)
        .await
        .unwrap()
        .lines[0]
        .clone();
    crate::support::account(&s, "town", Role::Staff, "530181001").await;
    crate::support::account(&s, "chair", Role::Staff, "530181").await;
    let town = crate::support::caller_of(&s, "town", crate::support::PASSWORD).await;
    let asked = jinguo_services::emergency::EmergencyRequest {
        kind: "household".into(),
        target: far.code.clone(),
        reason: "受害人来电求助，需立即核实住址".into(),
        minutes: 30,
        urgent: false,
    };
    let line = s.request_emergency(&town, &asked).await.unwrap();
    let srv = serve(s.clone()).await;
    let c = browser().await;
    log_in(&c, &srv.base, "chair").await;
    c.goto(&format!("{}/inbox", srv.base)).await.unwrap();
    assert!(text(&c, "main").await.contains("申请紧急查看"));
    c.goto(&format!("{}/emergency", srv.base)).await.unwrap();
    let row = text(&c, &format!("#e-{}", line.id)).await;
    assert!(row.contains("town") && row.contains("待审批"), "{row}");
    no_sideways_scroll(&c).await;
    c.find(Locator::Css(&format!("#n-{}", line.id)))
        .await
        .unwrap()
        .send_keys("同意，限本户")
        .await
        .unwrap();
    click_first(
        &c,
        &format!("#e-{} button[name=decision][value=approve]", line.id),
    )
    .await;
    assert_eq!(text(&c, "#notice").await, "已批准。");
    assert!(
        text(&c, &format!("#e-{}", line.id))
            .await
            .contains("生效中")
    );
    no_sideways_scroll(&c).await;
    c.close().await.unwrap();
    let town = crate::support::caller_of(&s, "town", crate::support::PASSWORD).await;
    assert!(s.household_view(&town, far.id).await.is_ok());
}

/// The county's staff run a case conference on a phone: the list with the case waiting, the
/// conference planned, the case heard, an action added; the police's officer reads her
/// department's actions; the checklist's editing page. Nothing scrolls sideways at 360 px.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conference_on_a_phone() {
    use jinguo_domain::account::Role;
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let operator = jinguo_services::Caller::operator();
    s.ensure_departments(&operator, "530181").await.unwrap();
    crate::support::account(&s, "huishang", Role::Staff, "530181").await;
    crate::support::account(&s, "gongan", Role::Liaison, "530181").await;
    s.set_liaison(&operator, "530181", "police", "gongan", "liaison")
        .await
        .unwrap();
    let staff = crate::support::caller_of(&s, "huishang", crate::support::PASSWORD).await;
    let case: jinguo_domain::linkage::CaseInput = serde_json::from_value(json!({
        "victim_name": "孙某", "relationship": "丈夫", "violence": ["physical"],
        "severity": "serious", "risk_factors": ["threat_to_kill"], "source": "hotline",
        "received_on": jinguo_services::clock::today().to_string(),
        "narrative": "丈夫扬言杀人", "consent_to_share": true}))
    .unwrap();
    s.register_case(&staff, "530181", &case).await.unwrap();
    let srv = serve(s.clone()).await;
    let c = browser().await;

    log_in(&c, &srv.base, "huishang").await;
    click_first(&c, ".user a[href='/conferences']").await;
    assert_eq!(text(&c, "h1").await, "个案会商（联席会议）");
    assert!(text(&c, "#conference-waiting").await.contains("安宁市"));
    no_sideways_scroll(&c).await;
    set_value(
        &c,
        "f-conference_on",
        &jinguo_services::clock::today().to_string(),
    )
    .await;
    click_first(&c, "#conference-form button").await;
    assert_eq!(text(&c, "#conference-status").await, "待召开");
    no_sideways_scroll(&c).await;
    click_first(&c, "#conference-waiting button").await;
    assert!(text(&c, "#heard").await.contains("会商个案"));
    type_into(&c, "#f-action", "上门核查并送达告诫书").await;
    set_value(
        &c,
        "f-due_on",
        &(jinguo_services::clock::today() + chrono::Duration::days(3)).to_string(),
    )
    .await;
    set_value(&c, "f-department", "police").await;
    click_first(&c, "#action-form button").await;
    assert!(text(&c, "main").await.contains("上门核查并送达告诫书"));
    no_sideways_scroll(&c).await;
    c.goto(&format!("{}/places/530181/risk-questions", srv.base))
        .await
        .unwrap();
    assert_eq!(text(&c, "h1").await, "风险评估问题清单");
    no_sideways_scroll(&c).await;
    c.close().await.unwrap();

    let c = browser().await;
    log_in(&c, &srv.base, "gongan").await;
    c.goto(&format!("{}/actions", srv.base)).await.unwrap();
    assert!(
        text(&c, "#my-actions")
            .await
            .contains("上门核查并送达告诫书")
    );
    assert!(!text(&c, "main").await.contains("孙"));
    no_sideways_scroll(&c).await;
    c.close().await.unwrap();
}

/// A township's and the county's staff on a phone: the most-beautiful families (the public page
/// and its objection form, the staff's list and a nomination), the volunteers and one of them,
/// the training sessions and one of them, the "1+N+1+1" chains, an attached record and the
/// place's overview with its counts. Nothing scrolls sideways at 360 px.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn families_volunteers_training_and_chains_on_a_phone() {
    use jinguo_domain::account::Role;
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let operator = jinguo_services::Caller::operator();
    s.ensure_departments(&operator, "530181").await.unwrap();
    crate::support::account(&s, "jiating", Role::Staff, "530181001001").await;
    crate::support::account(&s, "jiating2", Role::Staff, "530181001001").await;
    crate::support::account(&s, "shiwei", Role::Staff, "530181").await;
    let vil = crate::support::caller_of(&s, "jiating", crate::support::PASSWORD).await;
    let vil2 = crate::support::caller_of(&s, "jiating2", crate::support::PASSWORD).await;
    let county = crate::support::caller_of(&s, "shiwei", crate::support::PASSWORD).await;
    let today = jinguo_services::clock::today();
    let family = s
        .nominate_family(
            &vil,
            &jinguo_domain::family::NominationInput {
                place: "530181001001".into(),
                family_name: "张建国家庭".into(),
                nominated_by: "others".into(),
                nominator: "邻居李红".into(),
                deeds: "孝老爱亲，照顾瘫痪婆婆十余年，邻里互助，热心公益，带动全村形成良好家风"
                    .into(),
                year: chrono::Datelike::year(&today).to_string(),
            },
        )
        .await
        .unwrap();
    s.family_step(
        &vil2,
        family,
        1,
        &jinguo_services::family::StepInput {
            step: "village_pass".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    s.family_step(
        &vil,
        family,
        2,
        &jinguo_services::family::StepInput {
            step: "notice".into(),
            notice_from: today.to_string(),
            notice_until: (today + chrono::Duration::days(3)).to_string(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let volunteer = s
        .add_volunteer(
            &county,
            &jinguo_domain::volunteer::VolunteerInput {
                place: "530181001".into(),
                name: "王秀英".into(),
                phone: "13912345678".into(),
                skills: vec!["legal".into(), "psychology".into(), "mediation".into()],
            },
        )
        .await
        .unwrap();
    let training = s
        .record_training(
            &county,
            &jinguo_domain::training::TrainingInput {
                place: "530181001".into(),
                kind: "legal_education".into(),
                mode: "in_person".into(),
                held_on: today.to_string(),
                venue: "连然街道妇女之家二楼多功能活动室".into(),
                topic: "《中华人民共和国反家庭暴力法》与人身安全保护令申请实务".into(),
                trainer: "云南某律师事务所李律师".into(),
                hours: "2.5".into(),
                counted: "30".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let chain = s
        .define_chain(
            &county,
            &jinguo_domain::chain::ChainInput {
                place: "530181".into(),
                name: "安宁市“1+N+1+1”婚姻家庭纠纷化解链条".into(),
                steps: vec![
                    jinguo_domain::chain::StepInput {
                        role: "lead".into(),
                        name: "街道妇联牵头受理并组织首次调解".into(),
                        unit: "530181001".into(),
                        days: "5".into(),
                    },
                    jinguo_domain::chain::StepInput {
                        role: "court".into(),
                        name: "法院诉调对接".into(),
                        unit: "court".into(),
                        days: "15".into(),
                    },
                ],
            },
        )
        .await
        .unwrap();
    let case: jinguo_domain::linkage::CaseInput = serde_json::from_value(json!({
        "victim_name": "孙某", "relationship": "丈夫", "violence": ["physical"],
        "severity": "minor", "source": "hotline",
        "received_on": today.to_string(), "narrative": "推搡", "consent_to_share": true}))
    .unwrap();
    let case = s.register_case(&county, "530181", &case).await.unwrap();
    let run = s
        .attach_to_chain(&county, chain, "case", Some(case))
        .await
        .unwrap();
    let srv = serve(s.clone()).await;

    let c = browser().await;
    for url in ["/families".to_string(), format!("/families/{family}")] {
        c.goto(&format!("{}{url}", srv.base)).await.unwrap();
        no_sideways_scroll(&c).await;
    }
    log_in(&c, &srv.base, "shiwei").await;
    for url in [
        "/family-awards".to_string(),
        format!("/family-awards/{family}"),
        "/family-events".to_string(),
        "/volunteers".to_string(),
        format!("/volunteers/{volunteer}"),
        "/trainings".to_string(),
        format!("/trainings/{training}"),
        "/chains".to_string(),
        format!("/chains/{chain}"),
        format!("/chain-runs/{run}"),
        "/places/530181".to_string(),
    ] {
        c.goto(&format!("{}{url}", srv.base)).await.unwrap();
        assert_ne!(text(&c, "h1").await, "", "{url}");
        no_sideways_scroll(&c).await;
    }
    assert!(text(&c, "#work-counts").await.contains("1"));
    c.close().await.unwrap();
}
