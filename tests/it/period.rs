//! The figures of supervision, the hotline and screening over a period, on both databases: the
//! board, the hotline's months and a campaign's progress count what falls in the year, quarter,
//! month or days asked for; through the API, the pages and the workbook; a period whose end is
//! before its start, longer than ten years, in the future or malformed refused naming the field.

use crate::support::{self, both_backends, with_small_demo};
use chrono::{Datelike, Duration, NaiveDate};
use jinguo_domain::account::Role;
use jinguo_domain::hotline::CallInput;
use jinguo_domain::period::Period;
use jinguo_domain::supervision::TaskInput;
use jinguo_services::clock;
use jinguo_storage::Backend;

fn task(issued: NaiveDate, due: NaiveDate) -> TaskInput {
    TaskInput {
        title: "督办某村家暴个案后续处置".into(),
        source: "meeting".into(),
        lead_department: "police".into(),
        owner_name: "李警官".into(),
        cadence: "monthly".into(),
        issued_on: issued.to_string(),
        deadline: due.to_string(),
        ..TaskInput::default()
    }
}

fn call(at: &str) -> CallInput {
    CallInput {
        called_at: at.into(),
        place: "530181001".into(),
        kind: "consultation".into(),
        summary: "咨询离婚财产分割。".into(),
        action: "advice".into(),
        ..CallInput::default()
    }
}

async fn over_a_period(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    s.ensure_departments(&jinguo_services::Caller::operator(), "530181")
        .await
        .unwrap();
    support::account(&s, "pd-staff", Role::Staff, "530181").await;
    let staff = support::caller_of(&s, "pd-staff", support::PASSWORD).await;
    let today = clock::today();
    let last_year = today.year() - 1;
    let may = NaiveDate::from_ymd_opt(last_year, 5, 10).unwrap();

    // Supervision: a task issued last May (closed late or open past its deadline), one today.
    s.issue_task(&staff, "530181", &task(may, may + Duration::days(20)))
        .await
        .unwrap();
    s.issue_task(&staff, "530181", &task(today, today + Duration::days(20)))
        .await
        .unwrap();
    let total = |b: &jinguo_services::supervision::Board| b.units.iter().map(|u| u.total).sum();
    let all = s.supervision_board(&staff, None, None).await.unwrap();
    assert_eq!((total(&all), all.lines.len()), (2, 2));
    let year = Period::year(last_year).unwrap();
    let then = s
        .supervision_board_in(&staff, None, None, Some(year))
        .await
        .unwrap();
    assert_eq!((total(&then), then.lines.len(), then.red), (1, 1, 1));
    assert_eq!(then.lines[0].issued_on, may);
    let june = Period::month(&format!("{last_year}-06")).unwrap();
    let none = s
        .supervision_board_in(&staff, None, None, Some(june))
        .await
        .unwrap();
    assert_eq!((total(&none), none.lines.len(), none.red), (0, 0, 0));
    let red_now = s
        .supervision_board_in(
            &staff,
            None,
            Some("red"),
            Some(Period::year(today.year()).unwrap()),
        )
        .await
        .unwrap();
    assert!(red_now.lines.is_empty());

    // The hotline: two calls last year, in March and in June; the figures over a quarter have
    // its three months, over the year its twelve.
    for at in [
        format!("{last_year}-03-02T09:00"),
        format!("{last_year}-06-15T10:00"),
    ] {
        s.record_call(&staff, &call(&at)).await.unwrap();
    }
    let q1 = Period::quarter(last_year, 1).unwrap();
    let log = s
        .hotline_log_in(&staff, Some(&format!("{last_year}-03")), Some(q1))
        .await
        .unwrap();
    assert_eq!(log.calls.len(), 1);
    let months: Vec<&str> = log.months.iter().map(|m| m.month.as_str()).collect();
    assert_eq!(
        months,
        vec![
            format!("{last_year}-01"),
            format!("{last_year}-02"),
            format!("{last_year}-03")
        ]
    );
    assert_eq!(log.months.iter().map(|m| m.total).sum::<i64>(), 1);
    let days = Period::parse(
        &jinguo_domain::period::PeriodInput {
            from: Some(format!("{last_year}-03-01")),
            to: Some(format!("{last_year}-07-31")),
            ..Default::default()
        },
        today,
    )
    .unwrap();
    let log = s.hotline_log_in(&staff, None, Some(days)).await.unwrap();
    assert_eq!(log.months.len(), 5);
    assert_eq!(log.months.iter().map(|m| m.total).sum::<i64>(), 2);
    let log = s
        .hotline_log(&staff, Some(&format!("{last_year}-06")))
        .await
        .unwrap();
    assert_eq!(log.period, Period::year(last_year).unwrap());
    assert_eq!(log.months.len(), 12);

    // Screening: the 2021 campaign's visits over 2021 are all of them, over 2022 none; the
    // units add up to the place; households and overdue stay those of today.
    let c = crate::screening::campaign_2021(&s, &staff).await;
    let whole = s.campaign_progress(&staff, c.id, None).await.unwrap();
    let y2021 = s
        .campaign_progress_in(&staff, c.id, None, Some(Period::year(2021).unwrap()))
        .await
        .unwrap();
    assert_eq!(y2021.tally.screened, whole.tally.screened);
    assert_eq!(y2021.tally.risks, whole.tally.risks);
    assert_eq!(y2021.tally.overdue, whole.tally.overdue);
    let y2022 = s
        .campaign_progress_in(&staff, c.id, None, Some(Period::year(2022).unwrap()))
        .await
        .unwrap();
    assert_eq!((y2022.tally.screened, y2022.disputes), (0, [0, 0]));
    assert_eq!(y2022.tally.households, whole.tally.households);
    assert!(y2022.units.iter().all(|u| u.tally.screened == 0));
    // A month: fewer than the year, the units' sum the place's.
    let mut by_month = 0;
    for m in 1..=12 {
        let p = s
            .campaign_progress_in(
                &staff,
                c.id,
                None,
                Some(Period::month(&format!("2021-{m:02}")).unwrap()),
            )
            .await
            .unwrap();
        assert_eq!(
            p.units.iter().map(|u| u.tally.screened).sum::<i64>(),
            p.tally.screened
        );
        by_month += p.tally.screened;
    }
    assert_eq!(by_month, whole.tally.screened);

    // Through HTTP: the API, the workbook and the pages.
    let srv = support::serve(s.clone()).await;
    let who = support::session(&s, "pd-staff", false).await;
    let api = support::Api {
        base: srv.base.clone(),
        http: reqwest::Client::new(),
    };
    let (st, body) = api
        .send(
            &who,
            "GET",
            &format!("/api/v1/supervision?period={last_year}"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(body["from"], format!("{last_year}-01-01"));
    let (st, body) = api
        .send(
            &who,
            "GET",
            &format!("/api/v1/hotline?month={last_year}-03&period={last_year}-Q1"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["months"].as_array().unwrap().len(), 3);
    assert_eq!(body["to"], format!("{last_year}-03-31"));
    let (st, body) = api
        .send(
            &who,
            "GET",
            &format!("/api/v1/campaigns/{}/progress?year=2022", c.id),
            None,
        )
        .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(
        (body["screened"].clone(), body["from"].clone()),
        (0.into(), "2022-01-01".into())
    );
    let book = api
        .http
        .get(format!(
            "{}/api/v1/campaigns/{}/progress/export?period=2022",
            srv.base, c.id
        ))
        .header("cookie", &who.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(book.status(), 200);
    // The first sheet, its last row the place's total: none screened in 2022.
    let table = jinguo_interchange::read_table(&book.bytes().await.unwrap()).unwrap();
    let (_, last) = table.rows.last().unwrap();
    assert_eq!(last[3].trim(), "0", "{last:?}");

    let campaign = format!("/api/v1/campaigns/{}/progress", c.id);
    for (url, field, code) in [
        (
            "/api/v1/supervision?from=2025-03-01&to=2025-01-01".to_string(),
            "to",
            "period.reversed",
        ),
        (
            "/api/v1/supervision?period=soon".to_string(),
            "period",
            "invalid",
        ),
        (
            "/api/v1/hotline?year=2999".to_string(),
            "year",
            "period.future",
        ),
        (
            "/api/v1/hotline?period=2021-Q5".to_string(),
            "period",
            "period.quarter",
        ),
        (format!("{campaign}?month=2021-13"), "month", "period.month"),
        (
            format!("{campaign}/export?from=2001-01-01&to=2021-01-01"),
            "to",
            "period.too_long",
        ),
        (
            "/api/v1/places/530181/opinion-figures?period=2999".to_string(),
            "period",
            "period.future",
        ),
        (
            "/api/v1/places/530181/opinion-figures/export?from=2021-02-01&to=2021-01-01"
                .to_string(),
            "to",
            "period.reversed",
        ),
    ] {
        let (st, body) = api.send(&who, "GET", &url, None).await;
        assert_eq!(st, 422, "{url}: {body}");
        assert_eq!(
            support::fields(&body),
            vec![(field.to_string(), code.to_string())],
            "{url}"
        );
    }

    // The pages: the period's form, the figures over it, a bad period refused naming it.
    let page = async |path: String| support::page_of(&api, &who, &path).await;
    let (st, html) = page(format!("/supervision?period={last_year}&lang=zh")).await;
    assert_eq!(st, 200);
    assert!(html.contains("id=\"period-form\"") && html.contains(&format!("{last_year}年")));
    assert_eq!(html.matches("class=\"task light-").count(), 1);
    let (st, html) = page(format!(
        "/hotline?month={last_year}-06&period={last_year}-Q2&lang=en"
    ))
    .await;
    assert_eq!(st, 200);
    assert!(html.contains(&format!("Q2 {last_year}")), "{html}");
    assert!(html.contains(&format!("name=\"month\" value=\"{last_year}-06\"")));
    let (st, html) = page(format!("/campaigns/{}?period=2022&lang=en", c.id)).await;
    assert_eq!(st, 200);
    assert!(html.contains("<span id=\"screened\">0</span>"), "{html}");
    assert!(html.contains("progress/export?place=530181&amp;period=2022"));
    // The disputes of the county: over 2021 the small demo's three, the workbook asked for the
    // same period.
    let (st, html) = page("/places/530181/disputes?period=2021&lang=en".to_string()).await;
    assert_eq!(st, 200);
    assert!(html.contains("disputes/export?period=2021"), "{html}");
    for path in [
        "/places/530181/disputes?period=2999&lang=en".to_string(),
        "/opinion/figures?place=530181&period=2021-Q9&lang=en".to_string(),
        "/supervision?year=2999&lang=en".to_string(),
        "/hotline?from=2021-02-01&to=2021-01-01&lang=en".to_string(),
        format!("/campaigns/{}?month=2021-13&lang=en", c.id),
    ] {
        let (st, html) = page(path.clone()).await;
        assert_eq!(st, 422, "{path}");
        assert!(
            html.contains("cannot start after today")
                || html.contains("cannot be before the start")
                || html.contains("Month")
                || html.contains("Period"),
            "{path}: {html}"
        );
    }
}
both_backends!(supervision_hotline_and_screening, super::over_a_period);

/// The figures of high-risk work over a period: a conference planned today counts in this
/// year and not in the last; the API and the page take the period, and a period ending before
/// it starts, longer than ten years or in the future is refused naming the field.
async fn conference_figures_over_a_period(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    s.ensure_departments(&jinguo_services::Caller::operator(), "530181")
        .await
        .unwrap();
    support::account(&s, "pc-staff", Role::Staff, "530181").await;
    let staff = support::caller_of(&s, "pc-staff", support::PASSWORD).await;
    let today = clock::today();
    let this_year = Period::year(today.year()).unwrap();
    let last_year = Period::year(today.year() - 1).unwrap();
    let count = async |period: Option<Period>| {
        s.conference_figures_in(&staff, "530181", period)
            .await
            .unwrap()
    };
    let (all_before, now_before, then_before) = (
        count(None).await,
        count(Some(this_year)).await,
        count(Some(last_year)).await,
    );
    s.plan_conference(
        &staff,
        "530181",
        &serde_json::from_value(
            serde_json::json!({"conference_on": today.to_string(), "invited": ["police"]}),
        )
        .unwrap(),
    )
    .await
    .unwrap();
    let all = s.conference_figures(&staff, "530181").await.unwrap();
    let now = count(Some(this_year)).await;
    let then = count(Some(last_year)).await;
    assert_eq!(all.conferences_planned, all_before.conferences_planned + 1);
    assert_eq!(now.conferences_planned, now_before.conferences_planned + 1);
    assert_eq!(then, then_before);
    // Long ago nothing at all.
    let old = count(Some(Period::year(2001).unwrap())).await;
    assert!(old.cases_by_risk.iter().all(|(_, n)| *n == 0), "{old:?}");
    assert_eq!((old.conferences_planned, old.conferences_held), (0, 0));

    let srv = support::serve(s.clone()).await;
    let who = support::session(&s, "pc-staff", false).await;
    let api = support::Api {
        base: srv.base.clone(),
        http: reqwest::Client::new(),
    };
    let url = "/api/v1/places/530181/conference-figures";
    let (st, body) = api
        .send(&who, "GET", &format!("{url}?year={}", today.year()), None)
        .await;
    assert_eq!(
        (st, body["conferences_planned"].clone()),
        (200, now.conferences_planned.into()),
        "{body}"
    );
    let (st, body) = api
        .send(
            &who,
            "GET",
            &format!("{url}?period={}", today.year() - 1),
            None,
        )
        .await;
    assert_eq!(
        (st, body["conferences_planned"].clone()),
        (200, then.conferences_planned.into()),
        "{body}"
    );
    for (query, field, code) in [
        ("from=2021-03-01&to=2021-01-01", "to", "period.reversed"),
        ("from=2001-01-01&to=2021-01-01", "to", "period.too_long"),
        ("year=2999", "year", "period.future"),
        ("period=2999-05", "period", "period.future"),
    ] {
        let (st, body) = api.send(&who, "GET", &format!("{url}?{query}"), None).await;
        assert_eq!(st, 422, "{query}: {body}");
        assert_eq!(
            support::fields(&body),
            vec![(field.to_string(), code.to_string())],
            "{query}"
        );
    }
    let page = async |path: String| support::page_of(&api, &who, &path).await;
    let (st, html) = page(format!(
        "/places/530181/conferences?period={}&lang=en",
        today.year() - 1
    ))
    .await;
    assert_eq!(st, 200);
    assert!(html.contains("id=\"period-form\""), "{html}");
    assert!(html.contains("data-key=\"figures.conferences_held\""));
    let (st, html) = page("/places/530181/conferences?year=2999&lang=en".into()).await;
    assert_eq!(st, 422);
    assert!(html.contains("cannot start after today"), "{html}");
}
both_backends!(
    conference_figures_period,
    super::conference_figures_over_a_period
);
