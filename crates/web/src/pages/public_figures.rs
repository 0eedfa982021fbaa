//! The public figures page (公开数据): the counties of this server, and a county's figures of a
//! complete year beside the year before's, small counts shown "<5". No account needed.

use super::{Ctx, error_page, page};
use crate::AppState;
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

#[derive(Template)]
#[template(path = "figures_public.html")]
struct PublicFiguresPage {
    c: Ctx,
    title: String,
    counties: Vec<(String, String)>,
    one: Option<One>,
    threshold: i64,
    small: i64,
}

struct One {
    code: String,
    name: String,
    year: i32,
    previous: i32,
    lines: Vec<(&'static str, String, String)>,
}

/// The counties whose figures are published.
pub(super) async fn index(
    _: crate::throttle::PublicQuota,
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let c = Ctx::new(lang, &uri);
    let counties = match s.services.public_counties().await {
        Ok(c) => c,
        Err(e) => return error_page(&e, c),
    };
    let t = s.services.suppression_threshold;
    let p = PublicFiguresPage {
        title: c.tr("figures.public_title").to_string(),
        counties: counties.into_iter().map(|p| (p.code, p.name)).collect(),
        one: None,
        threshold: t,
        small: t - 1,
        c,
    };
    page(p.render(), StatusCode::OK)
}

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct YearAsked {
    year: Option<String>,
}

/// A county's figures of a complete year (the last one without `year`).
pub(super) async fn county(
    _: crate::throttle::PublicQuota,
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    Query(q): Query<YearAsked>,
) -> Response {
    let c = Ctx::new(lang, &uri);
    let year = match q.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        None => None,
        Some(y) => match y.parse::<i32>() {
            Ok(y) => Some(y),
            Err(_) => {
                let e = jinguo_services::ServiceError::from(jinguo_domain::ValidationErrors::from(
                    jinguo_domain::FieldError::new("year", "invalid"),
                ));
                return error_page(&e, c);
            }
        },
    };
    let f = match s.services.public_figures(&code, year).await {
        Ok(f) => f,
        Err(e) => return error_page(&e, c),
    };
    let t = f.threshold;
    let p = PublicFiguresPage {
        title: format!("{} · {}", f.place.name, c.tr("figures.public_title")),
        counties: Vec::new(),
        one: Some(One {
            code: f.place.code.clone(),
            name: f.place.name.clone(),
            year: f.year,
            previous: f.year - 1,
            lines: f
                .lines
                .iter()
                .map(|(k, this, prev)| (k.label(lang), this.text(t), prev.text(t)))
                .collect(),
        }),
        threshold: t,
        small: t - 1,
        c,
    };
    page(p.render(), StatusCode::OK)
}
