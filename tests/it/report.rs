//! The annual report and the figures over a period, on both databases: counted from the records
//! of the small demo's 2021, the year before beside it, the figures by subdistrict suppressed so
//! that no small count can be worked out from the totals; bad periods and places refused naming
//! the field; the page, the Word document and the API.

use crate::support::{self, both_backends, with_small_demo};
use jinguo_domain::account::Role;
use jinguo_domain::report::Figure;
use jinguo_domain::suppress::Shown;
use jinguo_services::ServiceError;
use jinguo_storage::Backend;

fn fields(e: &ServiceError) -> Vec<(String, String)> {
    match e {
        ServiceError::Invalid(v) => {
            v.0.iter()
                .map(|f| (f.field.clone(), f.code.to_string()))
                .collect()
        }
        e => panic!("not a refusal: {e:?}"),
    }
}

async fn the_report(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let r = s.annual_report(&staff, "530181", 2021).await.unwrap();
    // The small demo's 2021: 240 households screened, 3 found medium risk, each a dispute.
    assert_eq!(r.this.get(Figure::Households), 600);
    assert_eq!(r.this.get(Figure::Screened), 240);
    assert_eq!(r.this.get(Figure::MediumRisks), 3);
    assert_eq!(r.this.get(Figure::Disputes), 3);
    assert_eq!(r.previous.get(Figure::Screened), 0);
    assert_eq!(r.months.len(), 12);
    assert_eq!(r.months.iter().map(|m| m.visits).sum::<i64>(), 240);
    // Published, the county's 3 disputes are "<5".
    let line = |k: &str| r.lines().into_iter().find(|l| l.key == k).unwrap();
    assert_eq!(line("disputes").this, "<5");
    assert_eq!(line("screened").this, "240");
    assert_eq!(line("screened").previous, "0");
    // By subdistrict: every unit's figures add up to the county's, and no count from 1 to 4
    // is shown.
    assert_eq!(r.units.len(), 9);
    let screened: i64 = r
        .units
        .iter()
        .map(|u| u.figures.get(Figure::Screened))
        .sum();
    assert_eq!(screened, 240);
    for row in &r.units_shown.cells {
        for cell in row {
            if let Shown::Count(n) = cell {
                assert!(*n == 0 || *n >= 5, "{n} shown");
            }
        }
    }
    // A reader with the totals cannot work a hidden cell out: she tries, line by line.
    let t = &r.units_shown;
    let (rows, cols) = (t.cells.len(), t.column_totals.len());
    let mut flat = Vec::new();
    for (i, row) in t.cells.iter().enumerate() {
        flat.extend(row.iter().copied());
        flat.push(t.row_totals[i]);
    }
    flat.extend(t.column_totals.iter().copied());
    flat.push(t.total);
    let shown: Vec<Option<i64>> = flat.iter().map(|c| c.count()).collect();
    let small: Vec<bool> = flat.iter().map(|c| *c == Shown::Small).collect();
    let bounds = jinguo_domain::suppress::bounds(rows, cols, &shown, &small, 5);
    for (i, (lo, hi)) in bounds.iter().enumerate() {
        if shown[i].is_none() {
            assert_ne!(Some(*lo), *hi, "cell {i} recovered from the totals");
        }
    }
    // The disputes column hides its small counts.
    let col = jinguo_services::annual::UNIT_FIGURES
        .iter()
        .position(|f| *f == Figure::Disputes)
        .unwrap();
    let with_disputes: Vec<&jinguo_services::annual::UnitFigures> = r
        .units
        .iter()
        .filter(|u| u.figures.get(Figure::Disputes) > 0)
        .collect();
    assert!(!with_disputes.is_empty());
    for (u, row) in r.units.iter().zip(&t.cells) {
        if u.figures.get(Figure::Disputes) > 0 {
            assert!(row[col].count().is_none(), "{} shows its disputes", u.name);
        }
    }
    // The Word document holds the same figures.
    let text = jinguo_interchange::docx::text_of(&r.docx().unwrap()).unwrap();
    assert!(text.contains("安宁市妇联2021年度工作报告"), "{text}");
    assert!(
        text.contains("排查户数 households screened：240 / 0"),
        "{text}"
    );

    // Any period, every mechanism.
    let q1 = jinguo_domain::period::Period::quarter(2021, 1).unwrap();
    let f = s.place_figures(&staff, "530181", q1).await.unwrap();
    let by_month: i64 = r.months[..3].iter().map(|m| m.visits).sum();
    assert!(f.get(Figure::Screened) <= by_month);

    // Refused, naming the field: a year to come, a place she does not manage, a representative.
    let next = chrono::Datelike::year(&jinguo_services::clock::today()) + 1;
    let e = s.annual_report(&staff, "530181", next).await.unwrap_err();
    assert_eq!(fields(&e), vec![("year".into(), "period.future".into())]);
    let towns = jinguo_storage::place::children(&s.db, "530181")
        .await
        .unwrap();
    support::account(&s, "r-town", Role::Staff, &towns[0].code).await;
    let town = support::caller_of(&s, "r-town", support::PASSWORD).await;
    let e = s
        .annual_report(&town, &towns[1].code, 2021)
        .await
        .unwrap_err();
    assert_eq!(fields(&e), vec![("place".into(), "report.outside".into())]);
    let e = s.annual_report(&town, "539999", 2021).await.unwrap_err();
    assert_eq!(fields(&e), vec![("place".into(), "report.outside".into())]);
    let own = s.annual_report(&town, &towns[0].code, 2021).await.unwrap();
    assert_eq!(
        own.this.get(Figure::Screened),
        r.units[0].figures.get(Figure::Screened)
    );
    support::account(&s, "r-rep", Role::Representative, &towns[0].code).await;
    let rep = support::caller_of(&s, "r-rep", support::PASSWORD).await;
    assert!(matches!(
        s.annual_report(&rep, &towns[0].code, 2021).await,
        Err(ServiceError::Forbidden)
    ));
}
both_backends!(annual_report, super::the_report);

/// The page, the Word document and the API; bad periods refused with the field named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_over_http() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    support::account(&s, "r-staff", Role::Staff, "530181").await;
    let who = support::session(&s, "r-staff", false).await;
    let server = support::serve(s.clone()).await;
    let api = support::Api {
        base: server.base.clone(),
        http: reqwest::Client::new(),
    };
    let (status, body) = api
        .send(&who, "GET", "/api/v1/places/530181/report?year=2021", None)
        .await;
    assert_eq!(status, 200, "{body}");
    let screened = body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["figure"] == "screened")
        .unwrap();
    assert_eq!(screened["this_year"], "240");
    let (status, body) = api
        .send(
            &who,
            "GET",
            "/api/v1/places/530181/figures?period=2021-Q1",
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["from"], "2021-01-01");
    assert_eq!(body["to"], "2021-03-31");
    for (url, field, code) in [
        (
            "/api/v1/places/530181/figures?from=2021-03-31&to=2021-03-01",
            "to",
            "period.reversed",
        ),
        (
            "/api/v1/places/530181/figures?from=2001-01-01&to=2021-01-01",
            "to",
            "period.too_long",
        ),
        (
            "/api/v1/places/530181/figures?year=2999",
            "year",
            "period.future",
        ),
        (
            "/api/v1/places/530181/disputes/figures?period=2999-Q1",
            "period",
            "period.future",
        ),
        (
            "/api/v1/places/530181/linkage?month=2021-13",
            "month",
            "period.month",
        ),
        (
            "/api/v1/places/530181/report?year=2999",
            "year",
            "period.future",
        ),
    ] {
        let (status, body) = api.send(&who, "GET", url, None).await;
        assert_eq!(status, 422, "{url}: {body}");
        assert_eq!(
            support::fields(&body),
            vec![(field.to_string(), code.to_string())],
            "{url}"
        );
    }
    let (status, body) = api
        .send(
            &who,
            "GET",
            "/api/v1/places/530181/disputes/figures?year=2021",
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 3);
    let (status, body) = api
        .send(
            &who,
            "GET",
            "/api/v1/places/530181/disputes/figures?year=2020",
            None,
        )
        .await;
    assert_eq!((status, body["total"].clone()), (200, 0.into()));

    // The page: figures, both charts with their tables, the suppression explained.
    let http = reqwest::Client::new();
    let page = http
        .get(format!("{}/places/530181/report?year=2021", server.base))
        .header("cookie", &who.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("安宁市妇联2021年度工作报告"));
    assert!(html.contains("<svg") && html.contains("role=\"img\""));
    assert!(html.contains("id=\"report-months\"") && html.contains("id=\"report-units\""));
    assert!(html.contains("&lt;5"));
    let docx = http
        .get(format!(
            "{}/places/530181/report.docx?year=2021",
            server.base
        ))
        .header("cookie", &who.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(docx.status(), 200);
    let text = jinguo_interchange::docx::text_of(&docx.bytes().await.unwrap()).unwrap();
    assert!(text.contains("240 / 0"), "{text}");
    // The PDF: its text read back holds the title and the figures, its Chinese font embedded.
    let pdf = http
        .get(format!(
            "{}/places/530181/report.pdf?year=2021",
            server.base
        ))
        .header("cookie", &who.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    let text = support::pdf_text(&bytes);
    let flat: String = text.split_whitespace().collect();
    assert!(flat.contains("安宁市妇联2021年度工作报告"), "{text}");
    let screened = text
        .lines()
        .find(|l| l.contains("排查户数"))
        .unwrap_or_default();
    assert!(screened.contains("240"), "{text}");
    assert!(text.contains("<5"), "{text}");
    let fonts = support::pdf_fonts(&bytes);
    assert!(
        !fonts.is_empty() && fonts.iter().all(|(_, embedded)| *embedded),
        "{fonts:?}"
    );
}
