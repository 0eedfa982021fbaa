//! Public opinion on both databases: items reported by hand and pushed by a signed webhook,
//! stored once per source, near-duplicates attached to the first, items grouped into topics
//! (proposed only for short texts), judged by the county's keyword scheme and gazetteer, routed
//! to the chairs and officers of the place's level, timed by clocks the escalation worker
//! climbs, answered once the level's chair approves, closed and reopened; who sees what.

use crate::support::{self, all_backends, both_backends, with_small_demo};
use jinguo_domain::account::Role;
use jinguo_domain::opinion as rules;
use jinguo_services::opinion::{Incoming, Ingested, RuleInput, SourceInput, StepInput};
use jinguo_services::{Caller, ServiceError, Services};
use jinguo_storage::{Backend, db_run, db_tx};
use uuid::Uuid;

fn item(title: &str, body: &str, place: &str) -> Incoming {
    Incoming {
        title: title.into(),
        body: body.into(),
        place: Some(place.into()),
        ..Incoming::default()
    }
}

fn new_of(r: Ingested) -> (Uuid, Uuid, Option<Uuid>, bool) {
    match r {
        Ingested::New {
            item,
            topic,
            near_duplicate_of,
            new_topic,
            ..
        } => (item, topic, near_duplicate_of, new_topic),
        Ingested::Duplicate => panic!("a duplicate"),
    }
}

/// A topic judged by `who`: its category and grade.
async fn judge(s: &Services, who: &Caller, topic: Uuid, (category, grade): (&str, &str)) {
    let version = s
        .topic(who, topic, jinguo_domain::Lang::Zh)
        .await
        .unwrap()
        .version;
    let step = StepInput {
        step: "judge".into(),
        expected_version: version,
        category: category.into(),
        grade: grade.into(),
        ..StepInput::default()
    };
    s.topic_step(who, topic, &step).await.unwrap();
}

async fn count(s: &Services, table: &str) -> i64 {
    let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
    db_run!(&s.db, p => sqlx::query_scalar(sql).fetch_one(p).await).unwrap()
}

async fn account_id(s: &Services, name: &str) -> Uuid {
    jinguo_storage::account::by_username(&s.db, name)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn inbox_kinds(s: &Services, name: &str) -> Vec<String> {
    jinguo_storage::linkage::inbox(&s.db, account_id(s, name).await, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.kind)
        .collect()
}

/// A webhook source of the county and its secret.
async fn webhook_source(s: &Services, staff: &Caller) -> (Uuid, String) {
    let (id, secret) = s
        .add_source(
            staff,
            "530181",
            &SourceInput {
                kind: "webhook".into(),
                name: "监测服务".into(),
                ..SourceInput::default()
            },
        )
        .await
        .unwrap();
    (id, secret.unwrap())
}

const LONG_A: &str = "连日来，网友反映某小区一名女子长期遭受丈夫殴打，邻居多次听到呼救声，\
    社区工作人员已上门了解情况，妇联表示将依法维护妇女合法权益，并联系公安机关核实处理。";

async fn dedupe_and_topics(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let group = crate::storage::first_group(&s).await;
    let village = group[..12].to_string();

    // By hand: a new item, a new topic at the place the reporter named.
    let (a, topic_a, near, new_topic) = new_of(
        s.report_item(&staff, false, &item("女子疑遭家暴", LONG_A, &village))
            .await
            .unwrap(),
    );
    assert!(new_topic && near.is_none());
    // The same text reposted (other punctuation, full-width letters) is a near-duplicate of
    // the first, in its topic.
    let (_, topic_b, near, new_topic) = new_of(
        s.report_item(
            &staff,
            false,
            &item(
                "女子疑遭家暴！！",
                &LONG_A.replace('，', " ").replace('。', "！"),
                &village,
            ),
        )
        .await
        .unwrap(),
    );
    assert_eq!((topic_b, near, new_topic), (topic_a, Some(a), false));

    // The webhook: a wrong signature is refused and writes nothing.
    let (source, secret) = webhook_source(&s, &staff).await;
    let items_before = count(&s, "opinion_item").await;
    let body = serde_json::json!({"items": [{"title": "女童走失", "guid": "g-1",
        "body": "<script>alert(1)</script>昨日傍晚一名六岁女童在公园走失，家长已报警，警方和志愿者正在全力寻找，请知情者联系。",
        "link": "https://news.example.cn/a/1?utm_source=x"}]})
    .to_string();
    let bad = s
        .webhook(source, "sha256=00", body.as_bytes(), "127.0.0.1")
        .await;
    assert!(matches!(bad, Err(ServiceError::Unauthenticated)), "{bad:?}");
    assert_eq!(count(&s, "opinion_item").await, items_before);
    let sig = jinguo_crypto::token::body_signature(&secret, body.as_bytes());
    let first = s
        .webhook(source, &sig, body.as_bytes(), "127.0.0.1")
        .await
        .unwrap();
    let (g1, topic_g, _, _) = new_of(first[0]);
    assert_ne!(topic_g, topic_a);
    // The same guid again: stored once.
    let again = s
        .webhook(source, &sig, body.as_bytes(), "127.0.0.1")
        .await
        .unwrap();
    assert_eq!(again, vec![Ingested::Duplicate]);
    // Without a guid: the normalised link and title decide.
    let no_guid = |link: &str| {
        serde_json::json!({"title": "社区开展普法讲座", "link": link,
            "body": "本周社区妇联联合司法所开展反家庭暴力法普法讲座，居民积极参加。"})
        .to_string()
    };
    let b1 = no_guid("https://News.example.cn/b/2/");
    let b2 = no_guid("https://news.example.cn/b/2?utm_medium=feed#top");
    let r1 = s
        .webhook(
            source,
            &jinguo_crypto::token::body_signature(&secret, b1.as_bytes()),
            b1.as_bytes(),
            "127.0.0.1",
        )
        .await
        .unwrap();
    assert!(matches!(r1[0], Ingested::New { .. }));
    let r2 = s
        .webhook(
            source,
            &jinguo_crypto::token::body_signature(&secret, b2.as_bytes()),
            b2.as_bytes(),
            "127.0.0.1",
        )
        .await
        .unwrap();
    assert_eq!(r2, vec![Ingested::Duplicate]);

    // What arrived is kept whole and sealed, apart from the item; the item's script is gone.
    let raw: Vec<String> =
        db_run!(&s.db, p => sqlx::query_scalar("SELECT payload FROM opinion_raw")
        .fetch_all(p).await)
        .unwrap();
    assert!(!raw.is_empty() && raw.iter().all(|r| !r.contains("女童")));
    let officer_v = s
        .topic(
            &support::caller(Role::OpinionOfficer, "53/5301/530181/"),
            topic_g,
            jinguo_domain::Lang::Zh,
        )
        .await
        .unwrap();
    assert!(!officer_v.items[0].body.contains("script"));
    assert!(officer_v.items[0].body.contains("女童"));

    // The bands are the SimHash's, on either database: a near-duplicate is found by them.
    let row: (i64, i64, i64, i64, i64) = db_run!(&s.db, p => sqlx::query_as(
        "SELECT simhash, band0, band1, band2, band3 FROM opinion_item WHERE id = $1")
        .bind(g1).fetch_one(p).await)
    .unwrap();
    let bands = rules::bands(rules::from_stored(row.0));
    assert_eq!([row.1, row.2, row.3, row.4], bands);

    // Another report of the same event in other words joins its topic; a loosely related one
    // is only proposed ("可能同一事件"); a short text is never joined, at most proposed.
    let same_event = "网友反映某小区一名女子长期遭受丈夫殴打，邻居听到呼救声，社区工作人员已上门了解情况，\
        妇联联系公安机关核实处理，依法维护妇女合法权益。";
    let (_, t, near, new_topic) = new_of(
        s.report_item(&staff, false, &item("女子遭丈夫殴打", same_event, &village))
            .await
            .unwrap(),
    );
    assert_eq!((t, new_topic), (topic_a, false), "{near:?}");
    let short = s
        .report_item(&staff, false, &item("女子殴打", "", &village))
        .await
        .unwrap();
    let (short_item, short_topic, _, new_topic) = new_of(short);
    assert!(new_topic && short_topic != topic_a);
    let v = s
        .topic(&staff, topic_a, jinguo_domain::Lang::Zh)
        .await
        .unwrap();
    assert_eq!(v.line.items, 3);
    // The officer confirms a proposal: the item moves to the topic.
    let proposed: Vec<Uuid> = v.suggestions.iter().map(|i| i.id).collect();
    if proposed.contains(&short_item) {
        s.topic_step(
            &support::caller(Role::OpinionOfficer, "53/5301/530181/"),
            topic_a,
            &StepInput {
                step: "merge".into(),
                expected_version: v.version,
                item: Some(short_item),
                ..StepInput::default()
            },
        )
        .await
        .unwrap();
        let v = s
            .topic(&staff, topic_a, jinguo_domain::Lang::Zh)
            .await
            .unwrap();
        assert_eq!(v.line.items, 4);
    }

    // Bad input names its field and writes nothing.
    let before = count(&s, "opinion_item").await;
    let e = s
        .report_item(&staff, false, &item("", "", "999999"))
        .await
        .unwrap_err();
    let ServiceError::Invalid(v) = e else {
        panic!("{e:?}")
    };
    assert!(v.0.iter().any(|f| f.field == "title"));
    let e = s
        .report_item(&staff, false, &item("标题", "", "110101"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ServiceError::Invalid(v) if v.0[0].field == "place"),
        "{e:?}"
    );
    assert_eq!(count(&s, "opinion_item").await, before);
}
both_backends!(items_are_stored_once_and_grouped, super::dedupe_and_topics);

async fn judging_routing_clocks(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let group = crate::storage::first_group(&s).await;
    let (village, town) = (group[..12].to_string(), group[..9].to_string());
    let village_place = jinguo_storage::place::get(&s.db, &village)
        .await
        .unwrap()
        .unwrap();
    let county_path = "53/5301/530181/";
    let town_path = format!("{county_path}{town}/");
    support::account(&s, "o-county-chair", Role::Staff, "530181").await;
    support::account(&s, "o-town-chair", Role::Staff, &town).await;
    support::account(&s, "o-town-officer", Role::OpinionOfficer, &town).await;
    let officer = support::caller_of(&s, "o-town-officer", support::PASSWORD).await;
    let town_chair = support::caller_of(&s, "o-town-chair", support::PASSWORD).await;
    assert!(officer.opinion_scope().covers(&town_path));

    // The scheme: a rule proposes domestic violence, grade II; an exclusion word silences it.
    let rule = RuleInput {
        name: "家暴".into(),
        subject_words: "女子 妇女 妻子".into(),
        event_words: "殴打、家暴".into(),
        exclude_words: "电视剧".into(),
        category: "domestic_violence".into(),
        min_grade: "2".into(),
        ..RuleInput::default()
    };
    s.add_rule(&staff, "530181", &rule).await.unwrap();
    // A rule with no words, or an unknown category, is refused on its fields.
    let e = s
        .add_rule(
            &staff,
            "530181",
            &RuleInput {
                name: "空".into(),
                category: "nothing".into(),
                ..RuleInput::default()
            },
        )
        .await
        .unwrap_err();
    let ServiceError::Invalid(v) = e else {
        panic!("{e:?}")
    };
    let fields: Vec<&str> = v.0.iter().map(|f| f.field.as_str()).collect();
    assert!(fields.contains(&"event_words") && fields.contains(&"category"));

    // A webhook item naming the village: place recognised from the county's own names.
    let (source, secret) = webhook_source(&s, &staff).await;
    let text = format!(
        "{}一名女子遭丈夫殴打，邻居报警后民警到场处置，妇联工作人员随后上门看望。",
        village_place.name
    );
    let body = serde_json::json!({"title": "女子遭殴打", "body": text, "guid": "x-1"}).to_string();
    let out = s
        .webhook(
            source,
            &jinguo_crypto::token::body_signature(&secret, body.as_bytes()),
            body.as_bytes(),
            "127.0.0.1",
        )
        .await
        .unwrap();
    let (item_id, topic, _, _) = new_of(out[0]);
    let row: (String, String, String, String, Option<String>) = db_run!(&s.db, p => sqlx::query_as(
        "SELECT place_code, place_words, keywords, category, proposed_grade FROM opinion_item WHERE id = $1")
        .bind(item_id).fetch_one(p).await)
    .unwrap();
    assert_eq!(row.0, village);
    assert!(row.1.contains(&village_place.name), "{row:?}");
    assert!(row.2.contains("女子") && row.2.contains("殴打"), "{row:?}");
    assert_eq!(
        (row.3.as_str(), row.4.as_deref()),
        ("domestic_violence", Some("2"))
    );
    // Routed: the village has nobody, so its township's chair and officer are told; a proposed
    // grade II also the county's chair.
    for who in ["o-town-chair", "o-town-officer", "o-county-chair"] {
        assert!(
            inbox_kinds(&s, who)
                .await
                .contains(&"opinion.new".to_string()),
            "{who}"
        );
    }
    // Proposed, not judged: no clock runs yet.
    let v = s
        .topic(&officer, topic, jinguo_domain::Lang::Zh)
        .await
        .unwrap();
    assert_eq!(v.line.grade, None);
    assert_eq!(v.line.proposed_grade, Some(rules::Grade::II));
    assert!(v.clocks.is_empty());

    // Judged grade II by the officer: a 4-hour clock from when it was found.
    judge(&s, &officer, topic, ("domestic_violence", "2")).await;
    // The same version again is stale: nothing written.
    let stale = s
        .topic_step(
            &officer,
            topic,
            &StepInput {
                step: "judge".into(),
                expected_version: v.version,
                category: "other".into(),
                grade: "3".into(),
                ..StepInput::default()
            },
        )
        .await;
    assert!(matches!(stale, Err(ServiceError::Conflict)), "{stale:?}");
    let v = s
        .topic(&officer, topic, jinguo_domain::Lang::Zh)
        .await
        .unwrap();
    assert_eq!(v.clocks.len(), 1);
    assert_eq!(v.clocks[0].kind, "opinion_first");
    let found = v.line.found_at;
    assert_eq!(v.clocks[0].due_at - found, chrono::Duration::hours(4));

    // Past the limit, the escalation worker climbs: the level above the village (its township)
    // is told, then the county's chair.
    let overdue = |k: Vec<String>| k.iter().filter(|k| *k == "deadline.overdue").count();
    assert_eq!(overdue(inbox_kinds(&s, "o-town-officer").await), 0);
    let r = s
        .escalate(found + chrono::Duration::hours(5))
        .await
        .unwrap();
    assert!(r.escalated >= 1, "{r:?}");
    assert_eq!(overdue(inbox_kinds(&s, "o-town-officer").await), 1);
    assert_eq!(overdue(inbox_kinds(&s, "o-county-chair").await), 0);
    s.escalate(found + chrono::Duration::days(30))
        .await
        .unwrap();
    assert_eq!(overdue(inbox_kinds(&s, "o-county-chair").await), 1);
    let desk = s
        .opinion_desk(&officer, jinguo_domain::Lang::Zh)
        .await
        .unwrap();
    assert_eq!(desk.running, 1);

    // The response: refused with a phone number in it (named field), drafted clean.
    let e = s
        .topic_step(
            &officer,
            topic,
            &StepInput {
                step: "draft".into(),
                expected_version: v.version,
                response: "经核实已妥善处置，联系人电话13800138000".into(),
                ..StepInput::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ServiceError::Invalid(v) if v.0[0].field == "response"),
        "{e:?}"
    );
    s.topic_step(
        &officer,
        topic,
        &StepInput {
            step: "draft".into(),
            expected_version: v.version,
            response: "经核实，当地妇联已会同公安机关依法处置，当事人已得到妥善安置。".into(),
            ..StepInput::default()
        },
    )
    .await
    .unwrap();
    // The officer does not approve: the level's chair does.
    let v = s
        .topic(&officer, topic, jinguo_domain::Lang::Zh)
        .await
        .unwrap();
    let approve = StepInput {
        step: "approve".into(),
        expected_version: v.version,
        ..StepInput::default()
    };
    let e = s.topic_step(&officer, topic, &approve).await.unwrap_err();
    assert!(matches!(&e, ServiceError::Invalid(v) if v.0[0].code == "opinion.not_approver"));
    s.topic_step(&town_chair, topic, &approve).await.unwrap();
    let v = s
        .topic(&officer, topic, jinguo_domain::Lang::Zh)
        .await
        .unwrap();
    assert_eq!(v.line.stage, rules::Stage::Answered);
    assert!(v.clocks.iter().all(|c| c.done));
    s.topic_step(
        &officer,
        topic,
        &StepInput {
            step: "close".into(),
            expected_version: v.version,
            ..StepInput::default()
        },
    )
    .await
    .unwrap();

    // It flares up again: a new item on the closed topic reopens it, with a new clock.
    let body = serde_json::json!({"title": "女子遭殴打", "body": format!("{text}（后续）"), "guid": "x-2"})
        .to_string();
    s.webhook(
        source,
        &jinguo_crypto::token::body_signature(&secret, body.as_bytes()),
        body.as_bytes(),
        "127.0.0.1",
    )
    .await
    .unwrap();
    let v = s
        .topic(&officer, topic, jinguo_domain::Lang::Zh)
        .await
        .unwrap();
    assert_eq!(v.line.stage, rules::Stage::Judged);
    assert!(v.clocks.iter().any(|c| !c.done));
    let kinds: Vec<rules::StepKind> = v.steps.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        vec![
            rules::StepKind::Found,
            rules::StepKind::Judge,
            rules::StepKind::Draft,
            rules::StepKind::Approve,
            rules::StepKind::Close,
            rules::StepKind::Reopen
        ]
    );
    assert!(
        inbox_kinds(&s, "o-town-officer")
            .await
            .contains(&"opinion.reopened".to_string())
    );
}
all_backends!(judged_routed_timed_answered, super::judging_routing_clocks);

async fn scope_and_masking(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let group = crate::storage::first_group(&s).await;
    let (far, _) = crate::storage::far_group(&s).await;
    let (town, far_town) = (group[..9].to_string(), far[..9].to_string());
    let body =
        "居民王秀英反映，邻居张建国长期打骂妻子，身份证号53018119900101123X，电话13800138000。";
    let (_, mine, _, _) = new_of(
        s.report_item(&staff, false, &item("邻里反映家暴", body, &group[..12]))
            .await
            .unwrap(),
    );
    let (_, theirs, _, _) = new_of(
        s.report_item(
            &staff,
            false,
            &item(
                "另一地的反映",
                "外地网友发帖称当地一所学校存在就业歧视问题。",
                &far[..12],
            ),
        )
        .await
        .unwrap(),
    );
    let officer = support::caller(Role::OpinionOfficer, &format!("53/5301/530181/{town}/"));
    let chair = support::caller(Role::Staff, &format!("53/5301/530181/{town}/"));
    // Her level and below; another township's topic does not exist for her.
    assert!(
        s.topic(&officer, mine, jinguo_domain::Lang::Zh)
            .await
            .is_ok()
    );
    assert!(matches!(
        s.topic(&officer, theirs, jinguo_domain::Lang::Zh).await,
        Err(ServiceError::NotFound)
    ));
    let listed: Vec<Uuid> = s
        .topics(&officer, None, None, jinguo_domain::Lang::Zh)
        .await
        .unwrap()
        .iter()
        .map(|l| l.id)
        .collect();
    assert!(listed.contains(&mine) && !listed.contains(&theirs));
    let far_officer = support::caller(Role::OpinionOfficer, &format!("53/5301/530181/{far_town}/"));
    assert!(matches!(
        s.topic(&far_officer, mine, jinguo_domain::Lang::Zh).await,
        Err(ServiceError::NotFound)
    ));
    // A department, a mediator, a representative never read them.
    for role in [Role::Liaison, Role::Mediator, Role::Representative] {
        let c = support::caller(role, "53/5301/530181/");
        assert!(matches!(
            s.topic(&c, mine, jinguo_domain::Lang::Zh).await,
            Err(ServiceError::Forbidden)
        ));
        assert!(matches!(
            s.topics(&c, None, None, jinguo_domain::Lang::Zh).await,
            Err(ServiceError::Forbidden)
        ));
    }
    // The chair sees names and numbers masked; the officer, who needs them, in clear, and her
    // read is on the audit log.
    let masked = s
        .topic(&chair, mine, jinguo_domain::Lang::Zh)
        .await
        .unwrap();
    let text = &masked.items[0].body;
    assert!(
        !text.contains("13800138000") && !text.contains("53018119900101123X"),
        "{text}"
    );
    assert!(!text.contains("张建国"), "{text}");
    assert!(!masked.clear);
    let clear = s
        .topic(&officer, mine, jinguo_domain::Lang::Zh)
        .await
        .unwrap();
    assert!(clear.clear && clear.items[0].body.contains("张建国"));
    let reads: i64 = db_run!(&s.db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit WHERE action = 'opinion.read'")
        .fetch_one(p).await)
    .unwrap();
    assert!(reads >= 1);
    // Sealed at rest: the text is not in the table.
    let stored: Vec<String> =
        db_run!(&s.db, p => sqlx::query_scalar("SELECT body FROM opinion_item")
        .fetch_all(p).await)
        .unwrap();
    assert!(stored.iter().all(|b| !b.contains("张建国")));
}
both_backends!(who_sees_what, super::scope_and_masking);

/// The pages: an opinion officer's landing page shows her work, the desk and a topic open in
/// both languages, the report form works from a phone-sized form post.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_webhook_over_http() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let staff = support::county_staff();
    let group = crate::storage::first_group(&s).await;
    support::account(&s, "p-officer", Role::OpinionOfficer, "530181").await;
    support::account(&s, "p-rep", Role::Representative, &group).await;
    let (source, secret) = webhook_source(&s, &staff).await;
    let srv = support::serve(s.clone()).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // The webhook over HTTP: unsigned 401, signed 200.
    let body = serde_json::json!({"title": "女童走失", "guid": "h-1",
        "body": "昨日傍晚一名女童在公园走失，家长已报警。"})
    .to_string();
    let url = format!("{}/api/v1/opinion/webhook/{source}", srv.base);
    let r = client.post(&url).body(body.clone()).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = client
        .post(&url)
        .header(
            "x-jinguo-signature",
            jinguo_crypto::token::body_signature(&secret, body.as_bytes()),
        )
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["stored"], 1);

    // The representative reports from her phone, through the form.
    let rep = support::session(&s, "p-rep", false).await;
    let r = client
        .get(format!("{}/opinion/report", srv.base))
        .header("cookie", &rep.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"report-form\"") && html.contains(&group));
    let r = client
        .post(format!("{}/opinion/report", srv.base))
        .header("cookie", &rep.cookie)
        .form(&[
            ("csrf", rep.csrf.as_str()),
            ("title", ""),
            ("place", group.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("href=\"#f-title\""));
    let r = client
        .post(format!("{}/opinion/report", srv.base))
        .header("cookie", &rep.cookie)
        .form(&[
            ("csrf", rep.csrf.as_str()),
            ("title", "村里有妇女反映遭受家暴"),
            ("body", "今天走访时听说有妇女被丈夫打伤。"),
            ("place", group.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // She reports, but reads no topic.
    let r = client
        .get(format!("{}/opinion", srv.base))
        .header("cookie", &rep.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // The officer's landing page holds her work; the desk and a topic in both languages.
    let off = support::session(&s, "p-officer", false).await;
    for (lang, words) in [("zh-CN", "待研判"), ("en", "To judge")] {
        let r = client
            .get(format!("{}/?lang={lang}", srv.base))
            .header("cookie", &off.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("id=\"landing-opinion\"") && html.contains(words),
            "{html}"
        );
        assert!(
            html.contains("id=\"landing-to-judge\">")
                && !html.contains("id=\"landing-to-judge\">0<"),
            "{html}"
        );
        let r = client
            .get(format!("{}/opinion?lang={lang}", srv.base))
            .header("cookie", &off.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(html.contains("女童走失") && html.contains("/opinion/topics/"));
    }
    let topics = s
        .topics(
            &support::caller(Role::OpinionOfficer, "53/5301/530181/"),
            None,
            None,
            jinguo_domain::Lang::Zh,
        )
        .await
        .unwrap();
    let t = topics.iter().find(|l| l.title == "女童走失").unwrap().id;
    let r = client
        .get(format!("{}/opinion/topics/{t}?lang=en", srv.base))
        .header("cookie", &off.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"judge-form\"") && html.contains("Judge"));
    // Judged through the form: the stage moves on.
    let version = support::form_value(&html, "expected_version");
    let r = client
        .post(format!("{}/opinion/topics/{t}/steps", srv.base))
        .header("cookie", &off.cookie)
        .form(&[
            ("csrf", off.csrf.as_str()),
            ("step", "judge"),
            ("expected_version", version.as_str()),
            ("category", "missing_child"),
            ("grade", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let v = s
        .topic(
            &support::caller(Role::OpinionOfficer, "53/5301/530181/"),
            t,
            jinguo_domain::Lang::Zh,
        )
        .await
        .unwrap();
    assert_eq!(v.line.grade, Some(rules::Grade::I));
    // Grade I: the first information within 4 hours and the press within 24.
    let mut kinds: Vec<&str> = v.clocks.iter().map(|c| c.kind.as_str()).collect();
    kinds.sort();
    assert_eq!(kinds, vec!["opinion_first", "opinion_press"]);
}

const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>本地新闻</title><link>https://news.example.cn/</link>
<item><title>女子求助妇联</title><guid>n-1</guid><link>https://news.example.cn/n/1</link>
<description>&lt;script&gt;alert('x')&lt;/script&gt;一名女子到妇联求助，反映遭受家庭暴力。</description></item>
<item><title>社区开展普法宣传</title><link>https://news.example.cn/n/2</link>
<description>社区妇联开展反家庭暴力法宣传活动。</description></item>
</channel></rss>"#;

const EMPTY_RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>空</title><link>https://news.example.cn/</link></channel></rss>"#;

/// A local feed server on a loopback port: good feeds, an ETag, GBK, not XML, 50 MB, a stall.
async fn feed_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use axum::http::{HeaderMap, StatusCode, header};
    use axum::response::IntoResponse;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let conditional = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = conditional.clone();
    let gbk_text = RSS.replace("UTF-8", "GBK");
    let (gbk, _, _) = encoding_rs::GBK.encode(&gbk_text);
    let gbk = gbk.into_owned();
    let app = axum::Router::new()
        .route("/good", axum::routing::get(|| async { RSS }))
        .route(
            "/etag",
            axum::routing::get(move |h: HeaderMap| {
                let seen = seen.clone();
                async move {
                    if h.get(header::IF_NONE_MATCH).is_some_and(|v| v == "\"v1\"") {
                        seen.fetch_add(1, Ordering::SeqCst);
                        return StatusCode::NOT_MODIFIED.into_response();
                    }
                    ([(header::ETAG, "\"v1\"")], EMPTY_RSS).into_response()
                }
            }),
        )
        .route(
            "/gbk",
            axum::routing::get(move || {
                let gbk = gbk.clone();
                async move { ([(header::CONTENT_TYPE, "application/rss+xml")], gbk) }
            }),
        )
        .route(
            "/html",
            axum::routing::get(|| async { "<html><body>不是订阅源</body></html>" }),
        )
        .route(
            "/huge",
            axum::routing::get(|| async {
                // 50 MB generated here, never on disk.
                let mut body = Vec::with_capacity(50 * 1024 * 1024);
                body.extend_from_slice(b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>");
                body.resize(50 * 1024 * 1024, b' ');
                body
            }),
        )
        .route(
            "/slow",
            axum::routing::get(|| async {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                EMPTY_RSS
            }),
        )
        .route(
            "/to-metadata",
            axum::routing::get(|| async {
                axum::response::Redirect::temporary("http://169.254.169.254/latest/meta-data/")
            }),
        )
        .route(
            "/to-private",
            axum::routing::get(|| async {
                axum::response::Redirect::temporary("http://10.0.0.1/feed")
            }),
        )
        .route(
            "/to-good",
            axum::routing::get(|| async { axum::response::Redirect::temporary("/good") }),
        )
        .route(
            "/gone",
            axum::routing::get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), conditional)
}

async fn feeds_polled(b: Backend) {
    let (_t, mut s) = with_small_demo(b).await;
    s.opinion.fetch_timeout = std::time::Duration::from_secs(1);
    s.opinion.feed_loopback = true;
    let staff = support::county_staff();
    let (base, conditional) = feed_server().await;
    let mut ids = std::collections::HashMap::new();
    for (name, silent) in [
        ("good", 72),
        ("etag", 1),
        ("gbk", 72),
        ("html", 72),
        ("huge", 72),
        ("slow", 72),
        ("gone", 72),
    ] {
        let (id, secret) = s
            .add_source(
                &staff,
                "530181",
                &SourceInput {
                    kind: "feed".into(),
                    name: name.into(),
                    url: format!("{base}/{name}"),
                    poll_minutes: Some(30),
                    silent_hours: Some(silent),
                },
            )
            .await
            .unwrap();
        assert!(secret.is_none());
        ids.insert(name, id);
    }
    // A feed's address must be a web address.
    let e = s
        .add_source(
            &staff,
            "530181",
            &SourceInput {
                kind: "feed".into(),
                name: "x".into(),
                url: "file:///etc/passwd".into(),
                ..SourceInput::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ServiceError::Invalid(v) if v.0[0].field == "url"),
        "{e:?}"
    );

    let now = jinguo_services::clock::now();
    let r = s.poll_feeds(now).await.unwrap();
    assert_eq!(r.polled, 7, "{r:?}");
    let state = |list: &[jinguo_services::opinion::SourceView], name: &str| {
        list.iter()
            .find(|v| v.id == ids[name])
            .map(|v| (v.state, v.failures, v.next_poll_at))
            .unwrap()
    };
    let list = s.sources(&staff, "530181").await.unwrap();
    use rules::SourceState::*;
    assert_eq!(state(&list, "good").0, Ok);
    assert_eq!(state(&list, "etag").0, Ok);
    assert_eq!(state(&list, "gbk").0, Ok);
    assert_eq!(state(&list, "html").0, NotFeed);
    assert_eq!(state(&list, "huge").0, TooLarge);
    assert_eq!(state(&list, "slow").0, Timeout);
    assert_eq!(state(&list, "gone").0, HttpError);
    // A failure waits twice the interval before the next try.
    let (_, failures, next) = state(&list, "html");
    assert_eq!(failures, 1);
    let wait = next.unwrap() - now;
    assert!(wait >= chrono::Duration::minutes(59) && wait <= chrono::Duration::minutes(61));
    // The good feed's items and the GBK feed's, read right; the script is gone.
    let officer = support::caller(Role::OpinionOfficer, "53/5301/530181/");
    let topics = s
        .topics(&officer, None, None, jinguo_domain::Lang::Zh)
        .await
        .unwrap();
    let t = topics.iter().find(|l| l.title == "女子求助妇联").unwrap();
    let v = s
        .topic(&officer, t.id, jinguo_domain::Lang::Zh)
        .await
        .unwrap();
    // The GBK feed gave the same text: stored as its own items, near-duplicates of the first.
    assert_eq!(v.items.len(), 2, "{:?}", v.items);
    assert!(
        v.items
            .iter()
            .all(|i| i.body.contains("家庭暴力") && !i.body.contains("script"))
    );

    // Polled again: the items without a guid have a stable id, so nothing is stored twice; the
    // ETag is sent back and answered "not modified".
    let later = now + chrono::Duration::hours(3);
    let r = s.poll_feeds(later).await.unwrap();
    assert_eq!(r.items, 0, "{r:?}");
    assert!(r.duplicates >= 4, "{r:?}");
    assert!(conditional.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    // The feed that brings nothing for longer than its setting is silent, and the county's
    // chair and officers are told once.
    let list = s.sources(&staff, "530181").await.unwrap();
    assert_eq!(state(&list, "etag").0, Silent);
    assert_eq!(state(&list, "good").0, Ok);
    assert!(r.silent >= 1);
    support::account(&s, "f-officer", Role::OpinionOfficer, "530181").await;
    s.poll_feeds(later + chrono::Duration::hours(1))
        .await
        .unwrap();
    let list = s.sources(&staff, "530181").await.unwrap();
    assert_eq!(state(&list, "etag").0, Silent);
}
both_backends!(feeds_are_polled_and_bad_ones_recorded, super::feeds_polled);

/// A feed cannot turn the server against itself or its network: an address leading to loopback
/// (unless the configuration allows it), a private, link-local or metadata address is refused
/// when the source is added, and at every fetch — after the name is resolved, and on redirects.
async fn feeds_reach_no_inside(b: Backend) {
    let (_t, mut s) = with_small_demo(b).await;
    s.opinion.fetch_timeout = std::time::Duration::from_secs(2);
    let staff = support::county_staff();
    let (base, _) = feed_server().await;
    let port = base.rsplit(':').next().unwrap().to_string();
    let feed = |name: &str, url: String| SourceInput {
        kind: "feed".into(),
        name: name.into(),
        url,
        poll_minutes: Some(30),
        silent_hours: Some(72),
    };
    let before = count(&s, "opinion_source").await;
    for url in [
        format!("{base}/good"),
        format!("http://localhost:{port}/good"),
        "http://[::1]/feed".into(),
        "http://0x7f000001/feed".into(),
        "http://2130706433/feed".into(),
        "http://169.254.169.254/latest/meta-data/".into(),
        "http://100.100.100.200/latest/meta-data/".into(),
        "http://10.1.2.3/rss".into(),
        "http://192.168.0.1/rss".into(),
        "https://[fd00:ec2::254]/".into(),
        "http://[::ffff:127.0.0.1]/".into(),
        "http://0.0.0.0/".into(),
    ] {
        let e = s
            .add_source(&staff, "530181", &feed("x", url.clone()))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, ServiceError::Invalid(v) if v.0[0].field == "url"
                && v.0[0].code == "opinion.private_address"),
            "{url}: {e:?}"
        );
    }
    assert_eq!(count(&s, "opinion_source").await, before);

    // Added while loopback was allowed, fetched after it was not: refused at the fetch, by the
    // literal address and by the resolved name; redirects to the inside refused even when
    // loopback is allowed, a redirect within the feed's own server followed.
    s.opinion.feed_loopback = true;
    let mut ids = std::collections::HashMap::new();
    for (name, url) in [
        ("literal", format!("{base}/good")),
        ("named", format!("http://localhost:{port}/good")),
        ("to-metadata", format!("{base}/to-metadata")),
        ("to-private", format!("{base}/to-private")),
        ("to-good", format!("{base}/to-good")),
    ] {
        let (id, _) = s
            .add_source(&staff, "530181", &feed(name, url))
            .await
            .unwrap();
        ids.insert(name, id);
    }
    let now = jinguo_services::clock::now();
    let r = s.poll_feeds(now).await.unwrap();
    assert_eq!(r.polled, 5, "{r:?}");
    let list = s.sources(&staff, "530181").await.unwrap();
    let state = |name: &str| list.iter().find(|v| v.id == ids[name]).unwrap().state;
    use rules::SourceState::*;
    assert_eq!(state("literal"), Ok);
    assert_eq!(state("named"), Ok);
    assert_eq!(state("to-metadata"), Refused);
    assert_eq!(state("to-private"), Refused);
    assert_eq!(state("to-good"), Ok);

    s.opinion.feed_loopback = false;
    let later = now + chrono::Duration::hours(3);
    let r = s.poll_feeds(later).await.unwrap();
    assert_eq!(r.polled, 5, "{r:?}");
    assert_eq!(r.failed, 5, "{r:?}");
    let list = s.sources(&staff, "530181").await.unwrap();
    let state = |name: &str| list.iter().find(|v| v.id == ids[name]).unwrap().state;
    assert_eq!(state("literal"), Refused);
    assert_eq!(state("named"), Refused);
    assert_eq!(state("to-good"), Refused);
    // The refusal is audited with the source's new state.
    let audited: i64 = db_run!(&s.db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit WHERE action = 'opinion.poll' AND detail = 'state=refused'")
        .fetch_one(p).await)
    .unwrap();
    assert_eq!(audited, 5);
}
both_backends!(feeds_reach_nothing_inside, super::feeds_reach_no_inside);

/// The opinion officer on a phone (headless Chromium at 360 px): her home page lists the topic to
/// judge, the topic opens, she judges it through the form, and a representative's report form
/// fits the screen too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officer_judges_on_a_phone() {
    use crate::browser::{click_first, log_in, no_sideways_scroll, phone, text};
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let staff = support::county_staff();
    let group = crate::storage::first_group(&s).await;
    support::account(&s, "b-officer", Role::OpinionOfficer, "530181").await;
    support::account(&s, "b-rep", Role::Representative, &group).await;
    let (_, topic, _, _) = new_of(
        s.report_item(
            &staff,
            false,
            &item("网帖称女子遭家暴", LONG_A, &group[..12]),
        )
        .await
        .unwrap(),
    );
    let srv = support::serve(s.clone()).await;
    let c = phone().await;
    log_in(&c, &srv.base, "b-officer").await;
    assert_eq!(text(&c, "#landing-to-judge").await, "1");
    no_sideways_scroll(&c).await;
    click_first(&c, "#landing-opinion table.opinion-topics a").await;
    assert_eq!(text(&c, "h1").await, "网帖称女子遭家暴");
    assert_eq!(text(&c, "#topic-stage").await, "发现");
    no_sideways_scroll(&c).await;
    for (id, value) in [("f-category", "domestic_violence"), ("f-grade", "3")] {
        c.execute(
            "document.getElementById(arguments[0]).value = arguments[1];",
            vec![serde_json::json!(id), serde_json::json!(value)],
        )
        .await
        .unwrap();
    }
    click_first(&c, "#judge-form button").await;
    assert_eq!(text(&c, "#topic-stage").await, "研判");
    assert_eq!(text(&c, "#topic-grade").await, "三级");
    assert!(text(&c, "#topic-clocks").await.contains("舆情回应"));
    no_sideways_scroll(&c).await;
    let v = s
        .topic(
            &support::caller(Role::OpinionOfficer, "53/5301/530181/"),
            topic,
            jinguo_domain::Lang::Zh,
        )
        .await
        .unwrap();
    assert_eq!(v.line.grade, Some(rules::Grade::III));
    c.goto(&format!("{}/logout", srv.base)).await.ok();
    c.close().await.unwrap();

    let c = phone().await;
    log_in(&c, &srv.base, "b-rep").await;
    c.goto(&format!("{}/opinion/report", srv.base))
        .await
        .unwrap();
    assert_eq!(text(&c, "h1").await, "报送舆情信息");
    no_sideways_scroll(&c).await;
    c.close().await.unwrap();
}

/// Review meetings (研判会): recorded by a level's officer or chair with the topics reviewed and
/// the follow-up tasks, whose clocks escalate like a topic's; read in clear by the officer (the
/// read audited), masked for the chair; another township's staff find nothing, other roles are
/// refused; bad input names its fields and writes nothing.
async fn review_meetings(b: Backend) {
    use jinguo_services::meetings::{MeetingInput, TaskInput};
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let town = "530181001";
    let topic = new_of(
        s.report_item(&staff, false, &item("女子求助妇联", LONG_A, town))
            .await
            .unwrap(),
    )
    .1;
    let officer = support::caller(Role::OpinionOfficer, "53/5301/530181/");
    let chair = support::caller(Role::Staff, "53/5301/530181/");
    support::account(&s, "r-officer", Role::OpinionOfficer, "530181").await;
    let today = jinguo_services::clock::today();
    let day = |n: i64| (today + chrono::Duration::days(n)).to_string();

    // Bad input: each field named, nothing written.
    let before = count(&s, "opinion_meeting").await;
    let bad = MeetingInput {
        met_on: day(1),
        attendees: " ".into(),
        conclusions: "持续关注".into(),
        topics: vec![Uuid::now_v7()],
        tasks: vec![TaskInput {
            task: String::new(),
            owner: String::new(),
            due_by: "明天".into(),
        }],
    };
    let e = s.add_meeting(&officer, town, &bad).await.unwrap_err();
    let ServiceError::Invalid(v) = &e else {
        panic!("{e:?}")
    };
    let fields: Vec<&str> = v.0.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "met_on",
            "attendees",
            "topics[0]",
            "tasks[0].task",
            "tasks[0].due_by"
        ],
        "{e:?}"
    );
    let early = MeetingInput {
        met_on: day(0),
        attendees: "主席".into(),
        conclusions: "持续关注".into(),
        tasks: vec![TaskInput {
            task: "回访".into(),
            owner: String::new(),
            due_by: day(-1),
        }],
        ..MeetingInput::default()
    };
    let e = s.add_meeting(&officer, town, &early).await.unwrap_err();
    assert!(
        matches!(&e, ServiceError::Invalid(v) if v.0[0].field == "tasks[0].due_by"
            && v.0[0].code == "opinion.due_before_meeting"),
        "{e:?}"
    );
    // A meeting of the year 0 (and a task due before 1900) is out of range, named.
    let ancient = MeetingInput {
        met_on: "0000-01-01".into(),
        attendees: "主席".into(),
        conclusions: "持续关注".into(),
        tasks: vec![TaskInput {
            task: "回访".into(),
            owner: String::new(),
            due_by: "1899-12-31".into(),
        }],
        ..MeetingInput::default()
    };
    let e = s.add_meeting(&officer, town, &ancient).await.unwrap_err();
    let ServiceError::Invalid(v) = &e else {
        panic!("{e:?}")
    };
    let got: Vec<(&str, &str)> = v.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
    assert_eq!(
        got,
        [("met_on", "date.range"), ("tasks[0].due_by", "date.range")],
        "{e:?}"
    );
    assert_eq!(count(&s, "opinion_meeting").await, before);

    let input = MeetingInput {
        met_on: day(0),
        attendees: "市妇联主席、舆情信息员、连然街道妇联主席".into(),
        conclusions: "经核实，邻居张建国长期打骂妻子属实，由街道妇联跟进，公安机关已介入。".into(),
        topics: vec![topic, topic],
        tasks: vec![TaskInput {
            task: "社区干部上门回访，了解张建国长期打骂妻子的后续情况".into(),
            owner: "连然街道妇联".into(),
            due_by: day(2),
        }],
    };
    let id = s.add_meeting(&officer, town, &input).await.unwrap();
    assert!(
        s.meetings(&chair, None)
            .await
            .unwrap()
            .iter()
            .any(|m| m.id == id && m.place_code == town)
    );
    let v = s
        .meeting(&officer, id, jinguo_domain::Lang::Zh)
        .await
        .unwrap();
    assert!(v.clear && v.conclusions.contains("张建国"));
    assert_eq!(v.topics.iter().map(|t| t.id).collect::<Vec<_>>(), [topic]);
    assert_eq!(v.tasks.len(), 1);
    assert!(!v.tasks[0].overdue && v.tasks[0].done_at.is_none());
    assert_eq!(v.tasks[0].owner, "连然街道妇联");
    let masked = s
        .meeting(&chair, id, jinguo_domain::Lang::Zh)
        .await
        .unwrap();
    assert!(!masked.clear && !masked.conclusions.contains("张建国"));
    assert!(!masked.tasks[0].task.contains("张建国"));
    // Sealed at rest.
    let stored: Vec<String> = db_run!(&s.db, p => sqlx::query_scalar(
        "SELECT conclusions FROM opinion_meeting UNION ALL SELECT task FROM opinion_task")
        .fetch_all(p).await)
    .unwrap();
    assert!(stored.iter().all(|t| !t.contains("张建国")));
    // Another township's staff find nothing; a department, a mediator, a representative are
    // refused.
    let (far_group, _) = crate::storage::far_group(&s).await;
    let far = support::caller(Role::Staff, &format!("53/5301/530181/{}/", &far_group[..9]));
    assert!(matches!(
        s.meeting(&far, id, jinguo_domain::Lang::Zh).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        s.add_meeting(&far, town, &input).await,
        Err(ServiceError::NotFound)
    ));
    for role in [Role::Liaison, Role::Mediator, Role::Representative] {
        let c = support::caller(role, "53/5301/530181/");
        assert!(matches!(
            s.meeting(&c, id, jinguo_domain::Lang::Zh).await,
            Err(ServiceError::Forbidden)
        ));
        assert!(matches!(
            s.meetings(&c, None).await,
            Err(ServiceError::Forbidden)
        ));
    }

    // The task's clock: past its day, the level above (the county's officers) is told.
    let task = v.tasks[0].id;
    let overdue = |k: Vec<String>| k.iter().filter(|k| *k == "deadline.overdue").count();
    assert_eq!(overdue(inbox_kinds(&s, "r-officer").await), 0);
    let r = s
        .escalate(v.tasks[0].due_at + chrono::Duration::hours(1))
        .await
        .unwrap();
    assert!(r.escalated >= 1, "{r:?}");
    assert_eq!(overdue(inbox_kinds(&s, "r-officer").await), 1);
    let late = s
        .meeting(&officer, id, jinguo_domain::Lang::Zh)
        .await
        .unwrap();
    assert_eq!(late.tasks[0].id, task);
    // Done: its clock stops; done twice is refused.
    s.finish_task(&chair, id, task).await.unwrap();
    let done = s
        .meeting(&officer, id, jinguo_domain::Lang::Zh)
        .await
        .unwrap();
    assert!(done.tasks[0].done_at.is_some() && !done.tasks[0].overdue);
    let open: i64 = db_run!(&s.db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM deadline WHERE kind = 'opinion_task' AND done_ms IS NULL")
        .fetch_one(p).await)
    .unwrap();
    assert_eq!(open, 0);
    let e = s.finish_task(&chair, id, task).await.unwrap_err();
    assert!(
        matches!(&e, ServiceError::Invalid(v) if v.0[0].field == "task"),
        "{e:?}"
    );
    let audited: i64 = db_run!(&s.db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit WHERE action IN ('opinion.meeting', 'opinion.task')")
        .fetch_one(p).await)
    .unwrap();
    assert_eq!(audited, 2);
}
both_backends!(review_meetings_with_tasks, super::review_meetings);

/// The review meetings' and monthly figures' pages in both languages: the form refuses a meeting without attendees
/// (the field named), records one with a reviewed topic and a task, shows it, and marks the task
/// done; a representative is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meeting_pages_over_http() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let staff = support::county_staff();
    let group = crate::storage::first_group(&s).await;
    let topic = new_of(
        s.report_item(&staff, false, &item("女子求助妇联", LONG_A, "530181001"))
            .await
            .unwrap(),
    )
    .1;
    support::account(&s, "h-officer", Role::OpinionOfficer, "530181").await;
    support::account(&s, "h-rep", Role::Representative, &group).await;
    let srv = support::serve(s.clone()).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let off = support::session(&s, "h-officer", false).await;
    for (lang, words) in [("zh-CN", "记录研判会"), ("en", "Record a review meeting")] {
        let r = client
            .get(format!("{}/opinion/meetings?lang={lang}", srv.base))
            .header("cookie", &off.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(html.contains(words) && html.contains("id=\"meeting-form\""));
        assert!(html.contains(&format!("name=\"topic.{topic}\"")), "{html}");
    }
    let today = jinguo_services::clock::today().to_string();
    let topic_field = format!("topic.{topic}");
    let mut form = vec![
        ("csrf", off.csrf.clone()),
        ("place", "530181".to_string()),
        ("met_on", today.clone()),
        ("attendees", String::new()),
        ("conclusions", "由街道妇联跟进。".into()),
        (topic_field.as_str(), "1".into()),
        ("task_1", "上门回访".into()),
        ("owner_1", "连然街道妇联".into()),
        ("due_by_1", today.clone()),
    ];
    let r = client
        .post(format!("{}/opinion/meetings", srv.base))
        .header("cookie", &off.cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("href=\"#f-attendees\""));
    form[3].1 = "市妇联主席、舆情信息员".into();
    let r = client
        .post(format!("{}/opinion/meetings", srv.base))
        .header("cookie", &off.cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let id = to
        .trim_start_matches("/opinion/meetings/")
        .trim_end_matches("?saved=1")
        .to_string();
    let r = client
        .get(format!("{}{to}", srv.base))
        .header("cookie", &off.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("上门回访") && html.contains(&format!("/opinion/topics/{topic}")));
    let task = s
        .meeting(
            &support::caller(Role::OpinionOfficer, "53/5301/530181/"),
            Uuid::parse_str(&id).unwrap(),
            jinguo_domain::Lang::Zh,
        )
        .await
        .unwrap()
        .tasks[0]
        .id;
    let done = format!("/opinion/meetings/{id}/tasks/{task}/done");
    assert!(html.contains(&done));
    let r = client
        .post(format!("{}{done}", srv.base))
        .header("cookie", &off.cookie)
        .form(&[("csrf", off.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = client
        .get(format!("{}/opinion/meetings/{id}", srv.base))
        .header("cookie", &off.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains(&done));
    // The monthly figures of her level in both languages, and their workbook.
    for (lang, words) in [("zh-CN", "舆情月度统计"), ("en", "Monthly figures")] {
        let r = client
            .get(format!("{}/opinion/figures?lang={lang}", srv.base))
            .header("cookie", &off.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(
            html.contains(words) && html.contains("id=\"figures-items\""),
            "{html}"
        );
    }
    let r = client
        .get(format!(
            "{}/api/v1/places/530181/opinion-figures/export",
            srv.base
        ))
        .header("cookie", &off.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    let rep = support::session(&s, "h-rep", false).await;
    let r = client
        .get(format!("{}/opinion/figures", srv.base))
        .header("cookie", &rep.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = client
        .get(format!("{}/opinion/meetings", srv.base))
        .header("cookie", &rep.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

/// A level's monthly figures: items by source, category, grade and place (the county's
/// townships), the clocks against their limits, the time to the answer; the same in a workbook;
/// another township's staff find nothing, other roles are refused, a bad month names its field.
async fn monthly_figures(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let town = "530181001";
    let month = jinguo_services::clock::today().format("%Y-%m").to_string();
    let figures = |s: Services| {
        let month = month.clone();
        async move {
            s.opinion_month(
                &support::county_staff(),
                "530181",
                &month,
                jinguo_domain::Lang::Zh,
            )
            .await
            .unwrap()
        }
    };
    let before = figures(s.clone()).await;
    let n = |v: &[jinguo_services::opinion_figures::Count], key: &str| {
        v.iter().find(|c| c.key == key).map(|c| c.n).unwrap_or(0)
    };
    let answered = new_of(
        s.report_item(&staff, false, &item("女子求助妇联", LONG_A, town))
            .await
            .unwrap(),
    )
    .1;
    let major = new_of(
        s.report_item(
            &staff,
            true,
            &item(
                "儿童走失",
                "昨日傍晚一名六岁女童在公园走失，家长已报警，警方和志愿者正在全力寻找，请知情者联系。",
                town,
            ),
        )
        .await
        .unwrap(),
    )
    .1;
    let step = |id: Uuid, step: &str, category: &str, grade: &str, response: &str| {
        let s = s.clone();
        let (step, category, grade, response) = (
            step.to_string(),
            category.to_string(),
            grade.to_string(),
            response.to_string(),
        );
        async move {
            let v = s
                .topic(&support::county_staff(), id, jinguo_domain::Lang::Zh)
                .await
                .unwrap();
            s.topic_step(
                &support::county_staff(),
                id,
                &StepInput {
                    step,
                    expected_version: v.version,
                    category,
                    grade,
                    response,
                    ..StepInput::default()
                },
            )
            .await
            .unwrap();
        }
    };
    step(answered, "judge", "domestic_violence", "3", "").await;
    step(answered, "draft", "", "", "经核实，当地妇联已依法处置。").await;
    step(answered, "approve", "", "", "").await;
    step(major, "judge", "missing_child", "1", "").await;

    let started = std::time::Instant::now();
    let after = figures(s.clone()).await;
    eprintln!(
        "opinion_month (county, small demo): {:?}",
        started.elapsed()
    );
    assert_eq!(after.items - before.items, 2);
    assert_eq!(after.topics - before.topics, 2);
    assert_eq!(after.answered - before.answered, 1);
    assert!(after.mean_answer_hours.is_some());
    assert_eq!(
        n(&after.by_source, "manual") - n(&before.by_source, "manual"),
        1
    );
    assert_eq!(
        n(&after.by_source, "hotline") - n(&before.by_source, "hotline"),
        1
    );
    assert_eq!(
        n(&after.by_category, "domestic_violence") - n(&before.by_category, "domestic_violence"),
        1
    );
    assert_eq!(n(&after.by_grade, "1") - n(&before.by_grade, "1"), 1);
    assert_eq!(n(&after.by_place, town) - n(&before.by_place, town), 2);
    assert!(
        after
            .by_place
            .iter()
            .all(|c| c.key.len() == 9 || c.key == "530181")
    );
    let clock = |f: &jinguo_services::opinion_figures::MonthFigures, kind: &str| {
        f.clocks
            .iter()
            .find(|c| c.kind.key() == kind)
            .cloned()
            .unwrap()
    };
    let (a0, a1) = (
        clock(&before, "opinion_answer"),
        clock(&after, "opinion_answer"),
    );
    assert_eq!((a1.total - a0.total, a1.kept - a0.kept), (1, 1));
    let (f0, f1) = (
        clock(&before, "opinion_first"),
        clock(&after, "opinion_first"),
    );
    assert_eq!((f1.total - f0.total, f1.running - f0.running), (1, 1));
    assert_eq!(f1.limit_hours, 4);
    let p1 = clock(&after, "opinion_press");
    assert_eq!(p1.limit_hours, 24);

    // The township's own figures; another township's staff find nothing there.
    let township = s
        .opinion_month(
            &support::caller(Role::OpinionOfficer, "53/5301/530181/530181001/"),
            town,
            &month,
            jinguo_domain::Lang::En,
        )
        .await
        .unwrap();
    // Its villages, and the township itself for the items about it as a whole.
    assert!(township.items >= 2 && n(&township.by_place, town) >= 2);
    assert!(
        township
            .by_place
            .iter()
            .all(|c| c.key.len() == 12 || c.key == town)
    );
    let (far_group, _) = crate::storage::far_group(&s).await;
    let far = support::caller(Role::Staff, &format!("53/5301/530181/{}/", &far_group[..9]));
    assert!(matches!(
        s.opinion_month(&far, town, &month, jinguo_domain::Lang::Zh)
            .await,
        Err(ServiceError::NotFound)
    ));
    for role in [Role::Liaison, Role::Mediator, Role::Representative] {
        let c = support::caller(role, "53/5301/530181/");
        assert!(matches!(
            s.opinion_month(&c, "530181", &month, jinguo_domain::Lang::Zh)
                .await,
            Err(ServiceError::Forbidden)
        ));
    }
    let e = s
        .opinion_month(&staff, "530181", "2026-13", jinguo_domain::Lang::Zh)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ServiceError::Invalid(v) if v.0[0].field == "month"),
        "{e:?}"
    );
    let book = s
        .opinion_month_workbook(
            &staff,
            "530181",
            Some(&month),
            None,
            jinguo_domain::Lang::Zh,
        )
        .await
        .unwrap();
    assert!(book.starts_with(b"PK"));
}
both_backends!(monthly_figures_per_level, super::monthly_figures);

/// A county's monthly figures at scale (run by hand, see BENCHMARKS.md): 30,000 items in 6,000
/// topics of one month across the county's villages, each judged topic with its clocks; the
/// figures read five times, the median printed.
async fn figures_at_scale(b: Backend) {
    use jinguo_storage::linkage::DeadlineRow;
    use jinguo_storage::opinion::{self as store, ItemRow, TopicRow};
    let (_t, s) = with_small_demo(b).await;
    let county = "530181";
    let source = webhook_source(&s, &support::county_staff()).await.0;
    let places = store::gazetteer(&s.db, "53/5301/530181/").await.unwrap();
    let now = jinguo_services::clock::now();
    let month = jinguo_services::clock::today().format("%Y-%m").to_string();
    let first = jinguo_services::clock::day_start(
        chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").unwrap(),
    )
    .timestamp_millis();
    let span = (now.timestamp_millis() - first).max(1);
    let (topics, per_topic) = (6_000usize, 5usize);
    for chunk in 0..(topics / 500) {
        let mut rows = Vec::new();
        for k in 0..500 {
            let n = chunk * 500 + k;
            let (code, _, path, _) = &places[n % places.len()];
            let found = first + (n as i64 * 7_919) % span;
            let grade = ["1", "2", "3", "4"][n % 4];
            let judged = n % 3 != 0;
            let answered = (judged && n % 2 == 0).then_some(found + 3_600_000 * (n as i64 % 60));
            let t = TopicRow {
                county_code: county.into(),
                id: Uuid::now_v7(),
                path: path.clone(),
                place_code: code.clone(),
                stage: if answered.is_some() {
                    "answered"
                } else if judged {
                    "judged"
                } else {
                    "found"
                }
                .into(),
                category: if judged {
                    ["domestic_violence", "missing_child", "other"][n % 3].into()
                } else {
                    String::new()
                },
                proposed_grade: None,
                grade: judged.then(|| grade.to_string()),
                words: String::new(),
                items: per_topic as i64,
                found_ms: found,
                last_item_ms: found,
                judged_ms: judged.then_some(found),
                answered_ms: answered,
                closed_ms: None,
                response: String::new(),
                response_by: String::new(),
                version: 1,
            };
            let items: Vec<ItemRow> = (0..per_topic)
                .map(|i| ItemRow {
                    county_code: county.into(),
                    id: Uuid::now_v7(),
                    source_id: source,
                    raw_id: None,
                    external_id: format!("scale-{n}-{i}"),
                    path: t.path.clone(),
                    place_code: t.place_code.clone(),
                    place_words: String::new(),
                    keywords: String::new(),
                    category: t.category.clone(),
                    proposed_grade: None,
                    title: String::new(),
                    body: String::new(),
                    link: String::new(),
                    published_ms: None,
                    found_ms: found + i as i64,
                    simhash: n as i64,
                    band0: n as i64,
                    band1: i as i64,
                    band2: 0,
                    band3: 0,
                    words: 10,
                    dup_of: None,
                    topic_id: t.id,
                    suggested_topic: None,
                    entered_by: "scale".into(),
                })
                .collect();
            rows.push((t, items, judged));
        }
        let write = async {
            jinguo_storage::db_tx!(&s.db, tx => {
            for (t, items, judged) in rows.iter() {
                store::insert_topic(tx, t).await?;
                store::insert_items(tx, items).await?;
                if *judged {
                    for (kind, hours) in [("opinion_first", 4i64), ("opinion_answer", 48)] {
                        let due = t.found_ms + hours * 3_600_000;
                        jinguo_storage::linkage::insert_deadline(tx, &DeadlineRow {
                            id: Uuid::now_v7(), county_code: county.into(), path: t.path.clone(),
                            kind: kind.into(), subject_id: t.id, case_id: None, department_id: None,
                            due_ms: due, level: 0, next_ms: None, done_ms: t.answered_ms,
                        }, t.found_ms).await?;
                    }
                }
            }
            Ok::<(), jinguo_storage::StorageError>(())
            })
        };
        write.await.unwrap();
    }
    // The planner's statistics, as autovacuum would have them after such a load.
    if b == Backend::Postgres {
        db_run!(&s.db, p => sqlx::query("ANALYZE").execute(p).await.map(|_| ())).unwrap();
    }
    let staff = support::county_staff();
    let mut times = Vec::new();
    let mut items = 0;
    for _ in 0..5 {
        let started = std::time::Instant::now();
        let f = s
            .opinion_month(&staff, county, &month, jinguo_domain::Lang::Zh)
            .await
            .unwrap();
        times.push(started.elapsed());
        items = f.items;
    }
    times.sort();
    assert!(items >= (topics * per_topic) as i64);
    eprintln!(
        "opinion figures, county month, {b:?}: {items} items, {topics} topics: median {:?} (min {:?}, max {:?})",
        times[2], times[0], times[4]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, run by hand"]
async fn figures_at_scale_sqlite() {
    figures_at_scale(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, run by hand"]
async fn figures_at_scale_postgres() {
    figures_at_scale(Backend::Postgres).await;
}

/// What an archive left in a database, with ids replaced by the external id of the item that
/// made them (so two databases compare): each item's near-duplicate, topic, proposed topic,
/// category, keywords, place and grade; each topic's count, stage, words and steps.
async fn intake_state(s: &Services) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    type Item = (
        Uuid,
        String,
        Option<Uuid>,
        Uuid,
        Option<Uuid>,
        String,
        String,
        String,
        Option<String>,
        i64,
    );
    let items: Vec<Item> = db_run!(&s.db, p => sqlx::query_as(
        "SELECT id, external_id, dup_of, topic_id, suggested_topic, category, keywords, \
         place_code, proposed_grade, simhash FROM opinion_item ORDER BY found_ms, id")
        .fetch_all(p).await)
    .unwrap();
    let mut name = std::collections::HashMap::new();
    for i in &items {
        name.insert(i.0, i.1.clone());
        name.entry(i.3)
            .or_insert_with(|| format!("topic of {}", i.1));
    }
    let named = |id: &Option<Uuid>| id.map(|i| name[&i].clone()).unwrap_or_default();
    let item_lines = items
        .iter()
        .map(|i| {
            vec![
                i.1.clone(),
                named(&i.2),
                name[&i.3].clone(),
                named(&i.4),
                i.5.clone(),
                i.6.clone(),
                i.7.clone(),
                i.8.clone().unwrap_or_default(),
                i.9.to_string(),
            ]
        })
        .collect();
    let topics: Vec<(Uuid, i64, String, String, i64)> = db_run!(&s.db, p => sqlx::query_as(
        "SELECT t.id, t.items, t.stage, t.words, (SELECT COUNT(*) FROM opinion_step p \
         WHERE p.topic_id = t.id) FROM opinion_topic t")
        .fetch_all(p).await)
    .unwrap();
    let mut topic_lines: Vec<Vec<String>> = topics
        .iter()
        .map(|t| {
            vec![
                name[&t.0].clone(),
                t.1.to_string(),
                t.2.clone(),
                t.3.clone(),
                t.4.to_string(),
            ]
        })
        .collect();
    topic_lines.sort();
    (item_lines, topic_lines)
}

/// A generated archive stored in batches (the worker's way) leaves exactly what storing it one
/// item at a time leaves — the same items known, near-duplicates, topics, proposals, keywords,
/// places and steps — on both databases; feeds given again store nothing.
async fn batches_as_one_at_a_time(b: Backend) {
    use jinguo_services::demo::opinion::{Archive, CATEGORY_WORDS};
    let mut states = Vec::new();
    for batched in [false, true] {
        let (_t, s) = with_small_demo(b).await;
        let staff = support::county_staff();
        for (category, words) in CATEGORY_WORDS.iter().take(4) {
            s.add_rule(
                &staff,
                "530181",
                &RuleInput {
                    name: (*category).into(),
                    event_words: words.join(" "),
                    category: (*category).into(),
                    min_grade: if *category == "missing_child" {
                        "2"
                    } else {
                        ""
                    }
                    .into(),
                    ..RuleInput::default()
                },
            )
            .await
            .unwrap();
        }
        let (source, _) = webhook_source(&s, &staff).await;
        let source = jinguo_storage::opinion::source(&s.db, source)
            .await
            .unwrap()
            .unwrap();
        let places: Vec<String> = jinguo_storage::opinion::gazetteer(&s.db, "53/5301/530181/")
            .await
            .unwrap()
            .into_iter()
            .filter(|p| p.0.len() > 6)
            .map(|p| p.1)
            .collect();
        let mut archive = Archive::new(7, 1_300, 25, 30, places);
        let mut feeds = Vec::new();
        while let Some(f) = archive.next_feed(650) {
            feeds.push(f);
        }
        feeds.push(feeds[0].clone());
        let now = jinguo_services::clock::now();
        let (mut new, mut known) = (0, 0);
        for f in &feeds {
            let items = jinguo_services::feeds::parse_feed(f).unwrap();
            if batched {
                let (n, k) = s.store_feed_items(&source, items, now).await.unwrap();
                new += n;
                known += k;
            } else {
                for one in items {
                    let (n, k) = s.store_feed_items(&source, vec![one], now).await.unwrap();
                    new += n;
                    known += k;
                }
            }
        }
        assert_eq!((new, known), (1_300, 650), "batched: {batched}");
        let (items, topics) = intake_state(&s).await;
        let dups = items.iter().filter(|i| !i[1].is_empty()).count();
        let proposed = items.iter().filter(|i| !i[3].is_empty()).count();
        let joined = topics.iter().filter(|t| t[1] != "1").count();
        // The archive exercises every path: near-duplicates, topics of many items, proposals,
        // keywords and places.
        assert!(
            dups > 200 && joined > 10 && proposed > 0,
            "{dups} {joined} {proposed}"
        );
        assert!(items.iter().any(|i| !i[5].is_empty() && i[6].len() > 6));
        states.push((items, topics, audit_count(&s).await));
    }
    assert_eq!(states[0].0.len(), states[1].0.len());
    for (a, b) in states[0].0.iter().zip(&states[1].0) {
        assert_eq!(a, b);
    }
    assert_eq!(states[0].1, states[1].1);
    assert_eq!(states[0].2, states[1].2);
}
both_backends!(
    batches_store_as_one_at_a_time,
    super::batches_as_one_at_a_time
);

async fn audit_count(s: &Services) -> i64 {
    db_run!(&s.db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit WHERE action = 'opinion.item'").fetch_one(p).await)
    .unwrap()
}

/// An opinion officer on a 360 px phone reads the review meetings, one meeting with its long
/// conclusions and tasks, and the monthly figures with every breakdown filled, in Chinese and in
/// English, without scrolling sideways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meetings_and_figures_on_a_phone() {
    use crate::browser::{log_in, no_sideways_scroll, phone, text};
    use jinguo_services::meetings::{MeetingInput, TaskInput};
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let staff = support::county_staff();
    let group = crate::storage::first_group(&s).await;
    support::account(&s, "p-officer", Role::OpinionOfficer, "530181").await;
    let officer = support::caller(Role::OpinionOfficer, "53/5301/530181/");
    let mut topics = Vec::new();
    for (title, body, place) in [
        (
            "网帖称某村一名女子长期遭受家庭暴力邻居多次报警无果",
            LONG_A,
            &group[..12],
        ),
        (
            "女童放学途中走失家长求助",
            "一名八岁女童放学后未按时回家，家长沿途寻找无果后报警，学校老师和志愿者协助查看监控。",
            &group[..9],
        ),
    ] {
        let (_, topic, _, _) = new_of(
            s.report_item(&staff, false, &item(title, body, place))
                .await
                .unwrap(),
        );
        judge(&s, &officer, topic, ("domestic_violence", "2")).await;
        topics.push(topic);
    }
    let today = jinguo_services::clock::today();
    let meeting = s
        .add_meeting(
            &officer,
            "530181",
            &MeetingInput {
                met_on: today.to_string(),
                attendees:
                    "县妇联主席、副主席、舆情信息员、公安局联络员、民政局联络员、司法局联络员"
                        .into(),
                conclusions: "两起事件均已核实并按时限发布权威信息，后续由属地妇联持续跟进回访，\
                    相关部门按职责落实帮扶措施，舆情信息员每日监测网络反映情况并及时报告。"
                    .repeat(3),
                topics: topics.clone(),
                tasks: vec![TaskInput {
                    task: "联系属地派出所核实处置进展并向县妇联书面报告处理结果和群众反映".into(),
                    owner: "舆情信息员（县妇联权益部）".into(),
                    due_by: (today + chrono::Duration::days(7)).to_string(),
                }],
            },
        )
        .await
        .unwrap();
    let srv = support::serve(s.clone()).await;
    let c = phone().await;
    log_in(&c, &srv.base, "p-officer").await;
    for lang in ["zh", "en"] {
        c.goto(&format!("{}/opinion/meetings?lang={lang}", srv.base))
            .await
            .unwrap();
        assert!(!text(&c, "main").await.is_empty());
        no_sideways_scroll(&c).await;
        c.goto(&format!(
            "{}/opinion/meetings/{meeting}?lang={lang}",
            srv.base
        ))
        .await
        .unwrap();
        assert!(text(&c, "main").await.contains("联系属地派出所"));
        no_sideways_scroll(&c).await;
        c.goto(&format!("{}/opinion/figures?lang={lang}", srv.base))
            .await
            .unwrap();
        assert_eq!(text(&c, "#figures-topics").await, "2");
        no_sideways_scroll(&c).await;
    }
    c.close().await.unwrap();
}

/// Who changed a county's categories, as the audit shows.
async fn category_audits(s: &Services) -> i64 {
    db_run!(&s.db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit WHERE action = 'opinion.category'").fetch_one(p).await)
    .unwrap()
}

/// The fields a refusal names.
fn refused_fields(e: ServiceError) -> Vec<String> {
    match e {
        ServiceError::Invalid(v) => v.0.into_iter().map(|f| f.field).collect(),
        e => panic!("{e:?}"),
    }
}

/// A county's own categories: its staff add one, rename it and retire it, each audited; an
/// empty or duplicate name is refused naming the field and writes nothing; a keyword rule
/// names it and proposes it; a category of another county, or a retired one, is refused to
/// rules and at judgement (a topic already in it keeps it); the figures and their workbook
/// count under it, retired or not; only the county's staff change them.
async fn county_categories(b: Backend) {
    use jinguo_services::opinion_categories::CategoryInput;
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let town = "530181001";
    let names = |zh: &str, en: &str| CategoryInput {
        name_zh: zh.into(),
        name_en: en.into(),
    };
    let defaults = s.opinion_categories(&staff, "530181").await.unwrap();
    assert_eq!(defaults.len(), rules::DEFAULT_CATEGORIES.len());
    assert!(defaults.iter().all(|c| c.retired_ms.is_none()));

    let key = s
        .add_opinion_category(&staff, "530181", &names(" 网络暴力 ", "online abuse"))
        .await
        .unwrap();
    assert_eq!(category_audits(&s).await, 1);
    for (zh, en, field) in [
        ("", "cyber", "name_zh"),
        ("网暴", " ", "name_en"),
        ("家庭暴力", "family violence", "name_zh"),
        ("网暴", "Online Abuse", "name_en"),
        (&*"长".repeat(41), "long", "name_zh"),
    ] {
        let e = s
            .add_opinion_category(&staff, "530181", &names(zh, en))
            .await
            .unwrap_err();
        assert_eq!(refused_fields(e), [field], "{zh} {en}");
    }
    let all = s.opinion_categories(&staff, "530181").await.unwrap();
    assert_eq!(all.len(), defaults.len() + 1);
    let added = all.iter().find(|c| c.key == key).unwrap();
    assert_eq!(
        (added.name_zh.as_str(), added.name_en.as_str()),
        ("网络暴力", "online abuse")
    );
    assert!(added.position > defaults.iter().map(|c| c.position).max().unwrap());

    // Renamed in both languages; to another's name refused; its own names kept are fine.
    s.rename_opinion_category(
        &staff,
        "530181",
        &key,
        &names("网络暴力侵害", "online violence"),
    )
    .await
    .unwrap();
    s.rename_opinion_category(
        &staff,
        "530181",
        &key,
        &names("网络暴力侵害", "Online violence"),
    )
    .await
    .unwrap();
    let e = s
        .rename_opinion_category(&staff, "530181", &key, &names("其他", "online violence"))
        .await
        .unwrap_err();
    assert_eq!(refused_fields(e), ["name_zh"]);
    assert!(matches!(
        s.rename_opinion_category(&staff, "530181", "no_such", &names("甲", "a"))
            .await
            .unwrap_err(),
        ServiceError::NotFound
    ));
    assert_eq!(category_audits(&s).await, 3);

    // A keyword rule names it; an item it matches is proposed in it; it is judged in it.
    s.add_rule(
        &staff,
        "530181",
        &RuleInput {
            name: "网暴".into(),
            subject_words: "女子 妇女".into(),
            event_words: "网暴 人肉搜索".into(),
            category: key.clone(),
            ..RuleInput::default()
        },
    )
    .await
    .unwrap();
    let text = "近日一名女子因离婚纠纷遭前夫在网上发帖网暴，个人信息被人肉搜索后公开，\
        当事人多次受到陌生人骚扰，当地妇联已联系网信部门处理并为她提供法律帮助。";
    let (_, topic, _, _) = new_of(
        s.report_item(&staff, false, &item("女子遭网暴", text, town))
            .await
            .unwrap(),
    );
    let v = s
        .topic(&staff, topic, jinguo_domain::Lang::En)
        .await
        .unwrap();
    assert_eq!(v.line.category, key);
    assert_eq!(v.line.category_label, "Online violence");
    assert!(v.categories.iter().any(|(k, _)| *k == key));
    judge(&s, &staff, topic, (&key, "3")).await;

    // A category of another county: refused on the field, to rules and at judgement.
    let other = "c_other_county".to_string();
    let row = jinguo_storage::opinion::CategoryRow {
        key: other.clone(),
        name_zh: "外县类别".into(),
        name_en: "elsewhere".into(),
        position: 0,
        retired_ms: None,
    };
    let r: Result<(), jinguo_storage::StorageError> = async {
        db_tx!(&s.db, tx => jinguo_storage::opinion::insert_category(tx, "530102", &row).await)
    }
    .await;
    r.unwrap();
    let rule_in = |category: &str| RuleInput {
        name: "别处".into(),
        event_words: "骚扰".into(),
        category: category.into(),
        ..RuleInput::default()
    };
    let e = s
        .add_rule(&staff, "530181", &rule_in(&other))
        .await
        .unwrap_err();
    assert_eq!(refused_fields(e), ["category"]);
    let (_, second, _, _) = new_of(
        s.report_item(
            &staff,
            false,
            &item(
                "妇女求助",
                "一名妇女来电反映遭受邻居长期骚扰，希望妇联帮助协调解决。",
                town,
            ),
        )
        .await
        .unwrap(),
    );
    let step = |s: Services, topic: Uuid, category: String| async move {
        let version = s
            .topic(&support::county_staff(), topic, jinguo_domain::Lang::Zh)
            .await
            .unwrap()
            .version;
        s.topic_step(
            &support::county_staff(),
            topic,
            &StepInput {
                step: "judge".into(),
                expected_version: version,
                category,
                grade: "4".into(),
                ..StepInput::default()
            },
        )
        .await
    };
    let e = step(s.clone(), second, other.clone()).await.unwrap_err();
    assert_eq!(refused_fields(e), ["category"]);

    // Only the county's staff keep its categories.
    let town_staff = support::caller(Role::Staff, &format!("53/5301/530181/{town}/"));
    let far_staff = support::caller(Role::Staff, "53/5301/530102/");
    let officer = support::caller(Role::OpinionOfficer, "53/5301/530181/");
    for c in [&town_staff, &far_staff] {
        assert!(matches!(
            s.add_opinion_category(c, "530181", &names("甲", "a")).await,
            Err(ServiceError::NotFound)
        ));
        assert!(matches!(
            s.retire_opinion_category(c, "530181", &key).await,
            Err(ServiceError::NotFound)
        ));
    }
    assert!(matches!(
        s.opinion_categories(&officer, "530181").await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        s.rename_opinion_category(&officer, "530181", &key, &names("甲", "a"))
            .await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        s.opinion_categories(&staff, town).await,
        Err(ServiceError::NotFound)
    ));

    // Retired: kept, listed, offered no more; a second retirement refused.
    s.retire_opinion_category(&staff, "530181", &key)
        .await
        .unwrap();
    let e = s
        .retire_opinion_category(&staff, "530181", &key)
        .await
        .unwrap_err();
    assert_eq!(refused_fields(e), ["category"]);
    assert_eq!(category_audits(&s).await, 4);
    let all = s.opinion_categories(&staff, "530181").await.unwrap();
    assert!(
        all.iter()
            .find(|c| c.key == key)
            .unwrap()
            .retired_ms
            .is_some()
    );
    let e = s
        .add_rule(&staff, "530181", &rule_in(&key))
        .await
        .unwrap_err();
    assert_eq!(refused_fields(e), ["category"]);
    let e = step(s.clone(), second, key.clone()).await.unwrap_err();
    assert_eq!(refused_fields(e), ["category"]);
    let offered = s
        .topic(&staff, second, jinguo_domain::Lang::Zh)
        .await
        .unwrap()
        .categories;
    assert!(!offered.iter().any(|(k, _)| *k == key));
    // The topic judged in it keeps it, judged again.
    let kept = s
        .topic(&staff, topic, jinguo_domain::Lang::Zh)
        .await
        .unwrap();
    assert!(kept.categories.iter().any(|(k, _)| *k == key));
    step(s.clone(), topic, key.clone()).await.unwrap();
    assert_eq!(
        s.topic(&staff, topic, jinguo_domain::Lang::Zh)
            .await
            .unwrap()
            .line
            .category,
        key
    );
    // The rule naming it still finds its items but proposes it no more.
    let (_, third, _, _) = new_of(
        s.report_item(
            &staff,
            false,
            &item(
                "妇女遭网暴",
                "某村一名妇女在短视频平台遭多名网友网暴，照片被恶意传播，家属已向派出所报案，\
                 村妇联主席上门看望并联系律师。",
                "530181002",
            ),
        )
        .await
        .unwrap(),
    );
    let t = s
        .topic(&staff, third, jinguo_domain::Lang::Zh)
        .await
        .unwrap();
    assert_eq!(t.line.category, "");

    // The figures and the workbook count under it, by its name.
    let month = jinguo_services::clock::today().format("%Y-%m").to_string();
    let f = s
        .opinion_month(&staff, "530181", &month, jinguo_domain::Lang::Zh)
        .await
        .unwrap();
    let line = f.by_category.iter().find(|c| c.key == key).unwrap();
    assert_eq!((line.label.as_str(), line.n), ("网络暴力侵害", 1));
    let book = s
        .opinion_month_workbook(
            &staff,
            "530181",
            Some(&month),
            None,
            jinguo_domain::Lang::En,
        )
        .await
        .unwrap();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(book)).unwrap();
    let mut cells = Vec::new();
    for name in book.sheet_names() {
        let sheet = book.worksheet_range(&name).unwrap();
        cells.extend(
            sheet
                .rows()
                .flat_map(|r| r.iter().map(|c| c.to_string()))
                .collect::<Vec<_>>(),
        );
    }
    assert!(cells.iter().any(|c| c == "Online violence"), "{cells:?}");
}
both_backends!(counties_keep_their_categories, super::county_categories);

/// The categories' page and API over HTTP: the county's chair adds one through the form (an
/// empty name shown again naming the field), renames it, retires it once confirmed, in Chinese
/// and English; the API does the same with JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn categories_over_http() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    support::account(&s, "k-chair", Role::Staff, "530181").await;
    let srv = support::serve(s.clone()).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let chair = support::session(&s, "k-chair", false).await;
    let page_url = format!("{}/places/530181/opinion-categories", srv.base);
    let get = |lang: &'static str| {
        let (client, url, cookie) = (client.clone(), page_url.clone(), chair.cookie.clone());
        async move {
            let r = client
                .get(&url)
                .header("cookie", cookie)
                .header("accept-language", lang)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };
    // The desk leads to it.
    let r = client
        .get(format!("{}/opinion", srv.base))
        .header("cookie", &chair.cookie)
        .send()
        .await
        .unwrap();
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("/places/530181/opinion-categories")
    );
    for (lang, words) in [("zh-CN", "新增类别"), ("en", "Add a category")] {
        let html = get(lang).await;
        assert!(html.contains(words) && html.contains("家庭暴力"), "{lang}");
    }
    let html = get("zh-CN").await;
    let key = support::form_value(&html, "request_key");
    let r = client
        .post(&page_url)
        .header("cookie", &chair.cookie)
        .form(&[
            ("csrf", chair.csrf.as_str()),
            ("request_key", key.as_str()),
            ("name_zh", ""),
            ("name_en", "online abuse"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#f-name_zh\"") && html.contains("online abuse"));
    let key = support::form_value(&html, "request_key");
    let r = client
        .post(&page_url)
        .header("cookie", &chair.cookie)
        .form(&[
            ("csrf", chair.csrf.as_str()),
            ("request_key", key.as_str()),
            ("name_zh", "网络暴力"),
            ("name_en", "online abuse"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let staff = support::county_staff();
    let added = s
        .opinion_categories(&staff, "530181")
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name_zh == "网络暴力")
        .unwrap();
    let r = client
        .post(format!("{page_url}/{}", added.key))
        .header("cookie", &chair.cookie)
        .form(&[
            ("csrf", chair.csrf.as_str()),
            ("name_zh", "网络暴力侵害"),
            ("name_en", "online violence"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(get("en").await.contains("online violence"));
    // Retiring asks first; confirmed, it is retired.
    let retire = format!("{page_url}/{}/retire", added.key);
    let r = client
        .post(&retire)
        .header("cookie", &chair.cookie)
        .form(&[("csrf", chair.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("id=\"confirm-form\""));
    assert!(
        s.opinion_categories(&staff, "530181")
            .await
            .unwrap()
            .iter()
            .all(|c| c.retired_ms.is_none())
    );
    let r = client
        .post(&retire)
        .header("cookie", &chair.cookie)
        .form(&[("csrf", chair.csrf.as_str()), ("confirmed", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = get("zh-CN").await;
    assert!(html.contains("category-retired") && html.contains("网络暴力侵害"));

    // The API: add (a duplicate refused naming the field), rename, retire, list.
    let api = format!("{}/api/v1/places/530181/opinion-categories", srv.base);
    let r = client
        .post(&api)
        .header("cookie", &chair.cookie)
        .header("x-csrf-token", &chair.csrf)
        .json(&serde_json::json!({"name_zh": "其他", "name_en": "others"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("name_zh"));
    // Sent twice with one Idempotency-Key: one category, the same answer.
    let mut keys = Vec::new();
    for _ in 0..2 {
        let r = client
            .post(&api)
            .header("cookie", &chair.cookie)
            .header("x-csrf-token", &chair.csrf)
            .header("idempotency-key", "category-1")
            .json(&serde_json::json!({"name_zh": "校园欺凌", "name_en": "school bullying"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let v: serde_json::Value = r.json().await.unwrap();
        keys.push(v["key"].as_str().unwrap().to_string());
    }
    assert_eq!(keys[0], keys[1]);
    let key = keys.remove(0);
    let r = client
        .put(format!("{api}/{key}"))
        .header("cookie", &chair.cookie)
        .header("x-csrf-token", &chair.csrf)
        .json(&serde_json::json!({"name_zh": "校园霸凌", "name_en": "bullying at school"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = client
        .post(format!("{api}/{key}/retire"))
        .header("cookie", &chair.cookie)
        .header("x-csrf-token", &chair.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = client
        .get(&api)
        .header("cookie", &chair.cookie)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let list: Vec<serde_json::Value> = r.json().await.unwrap();
    let c = list.iter().find(|c| c["key"] == key.as_str()).unwrap();
    assert_eq!(c["name"], "bullying at school");
    assert_eq!(c["retired"], true);
    assert_eq!(list.len(), rules::DEFAULT_CATEGORIES.len() + 2);
}

/// A county's chair keeps its categories on a 360 px phone, in Chinese and in English, a long
/// name among them, without scrolling sideways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn categories_on_a_phone() {
    use crate::browser::{log_in, no_sideways_scroll, phone, text};
    use jinguo_services::opinion_categories::CategoryInput;
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    support::account(&s, "p-chair", Role::Staff, "530181").await;
    let staff = support::county_staff();
    let key = s
        .add_opinion_category(
            &staff,
            "530181",
            &CategoryInput {
                name_zh: "网络暴力与个人信息泄露侵害妇女儿童权益".into(),
                name_en: "online abuse and leaks of personal data".into(),
            },
        )
        .await
        .unwrap();
    s.retire_opinion_category(&staff, "530181", &key)
        .await
        .unwrap();
    let srv = support::serve(s.clone()).await;
    let c = phone().await;
    log_in(&c, &srv.base, "p-chair").await;
    for (lang, name) in [
        ("zh", "网络暴力与个人信息泄露"),
        ("en", "leaks of personal data"),
    ] {
        c.goto(&format!(
            "{}/places/530181/opinion-categories?lang={lang}",
            srv.base
        ))
        .await
        .unwrap();
        assert!(text(&c, "#categories").await.contains(name), "{lang}");
        no_sideways_scroll(&c).await;
    }
    c.close().await.unwrap();
}
