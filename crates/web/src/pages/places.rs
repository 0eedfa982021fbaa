//! A place's page: its figures, the places below it, a group's households, and the newest
//! campaigns, disputes, clocks and care there; and the home page, which goes to the caller's place.

use super::{Crumb, Ctx, Figure, crumbs, error_page, page, thousands};
use crate::AppState;
use crate::auth::PageCaller;
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_domain::place::PlaceLevel;
use jinguo_services::mediation::OpenCounts;
use jinguo_services::places::Figures;
use serde::Deserialize;
use uuid::Uuid;

pub(super) async fn home(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    match s.services.home_place(&caller) {
        Some(code) => Redirect::to(&format!("/places/{code}")).into_response(),
        // A role without a place tree (mediator, liaison, public-opinion officer, the
        // administrators, an account still without a role) lands on its own work.
        None => super::landing::landing(&s, c, &caller).await,
    }
}

struct Row {
    href: String,
    name: String,
    code: String,
    cells: Vec<Figure>,
}

struct HouseholdRow {
    id: Uuid,
    code: String,
    head: String,
    address: String,
    persons: i64,
}

struct HouseholdsBlock {
    page: i64,
    pages: i64,
    total: String,
    lines: Vec<HouseholdRow>,
}

#[derive(Template)]
#[template(path = "place.html")]
struct PlacePage {
    c: Ctx,
    title: String,
    level: &'static str,
    code: String,
    crumbs: Vec<Crumb>,
    figures: Vec<Figure>,
    columns: Vec<&'static str>,
    rows: Vec<Row>,
    households: Option<HouseholdsBlock>,
    /// A women's representative's worklist, on her group's page (her home page).
    worklist: Option<super::worklist::WorklistBlock>,
    /// The newest campaigns here.
    screening: Vec<ScreeningLine>,
    /// For staff managing the place: open disputes below it, those overdue, and the terms of
    /// agreements past their deadline and not performed.
    disputes: Option<OpenCounts>,
    /// The linkage's open clocks below the place (staff managing it).
    clocks: Option<ClockCounts>,
    /// Care this year (staff managing the place).
    care: Option<CareCounts>,
    /// This year so far beside the last complete one (staff managing the place).
    years: Option<YearsBeside>,
    /// Supervision, typical cases, families, volunteers and training (staff managing the place).
    work: Option<jinguo_services::supervision::WorkCounts>,
}

impl PlacePage {
    fn hours(&self, tenths: &i64) -> String {
        jinguo_domain::volunteer::show_hours(*tenths)
    }
}

/// This year's figures so far beside the last complete year's.
struct YearsBeside {
    this: i32,
    last: i32,
    /// (label, this year, last year)
    lines: Vec<(&'static str, String, String)>,
}

/// A campaign's progress below the place.
struct ScreeningLine {
    campaign: Uuid,
    name: String,
    /// "screened / households (pct)"
    screened: String,
    low: String,
    medium: String,
    high: String,
}

struct ClockCounts {
    open: i64,
    overdue: i64,
}

struct CareCounts {
    /// People served.
    served: i64,
    /// Entries due for review.
    review_due: i64,
}

/// The figures worth showing below a place of `level`.
fn figure_keys(level: PlaceLevel) -> Vec<&'static str> {
    let mut keys = Vec::new();
    if level < PlaceLevel::Township {
        keys.push("fig.townships");
    }
    if level < PlaceLevel::Village {
        keys.push("fig.villages");
    }
    if level < PlaceLevel::Group {
        keys.push("fig.groups");
    }
    keys.push("fig.households");
    if level < PlaceLevel::Group {
        // Executives serve federations down to villages; resident groups have representatives.
        keys.push("fig.executives");
    }
    keys.push("fig.representatives");
    keys
}

fn figure(f: &Figures, key: &str) -> i64 {
    match key {
        "fig.townships" => f.townships,
        "fig.villages" => f.villages,
        "fig.groups" => f.groups,
        "fig.households" => f.households,
        "fig.executives" => f.executives,
        "fig.representatives" => f.representatives,
        _ => 0,
    }
}

#[derive(Deserialize)]
pub(super) struct PageQuery {
    page: Option<String>,
    /// The worklist's order and search.
    sort: Option<String>,
    q: Option<String>,
}

pub(super) async fn place(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    Query(q): Query<PageQuery>,
    PageCaller(caller, _): PageCaller,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let view = match s.services.place_view(&caller, &code).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, c),
    };
    let level = view.place.level();
    // Her own group's page is a representative's home: her worklist instead of the group's list.
    let hers = level == PlaceLevel::Group
        && caller.grants.iter().any(|g| {
            g.role == jinguo_domain::account::Role::Representative
                && g.scope_path == view.place.path
        });
    let worklist = if hers {
        let query = jinguo_domain::worklist::Query {
            sort: q.sort.clone().unwrap_or_default(),
            search: q.q.clone().unwrap_or_default(),
        };
        let action = format!("/places/{}", view.place.code);
        match super::worklist::block(&s.services, &caller, lang, query, None, action, Vec::new())
            .await
        {
            Ok(w) => w,
            Err(e) => return error_page(&e, c),
        }
    } else {
        None
    };
    let whole_group = caller.household_read_scope().covers_all(&view.place.path);
    // Her home page counts its screening lines over her households from what her worklist read
    // (the very households `campaigns_at` would count for her): no other query.
    let lines = match &worklist {
        Some(w) if !whole_group => s
            .services
            .campaigns_covering(&caller, &view.place, 3)
            .await
            .map(|list| {
                list.into_iter()
                    .map(|camp| {
                        let risks = w
                            .risks_by_campaign
                            .get(&camp.id)
                            .copied()
                            .unwrap_or_default();
                        (camp, risks)
                    })
                    .collect::<Vec<_>>()
            }),
        _ => s.services.campaigns_at(&caller, &view.place, 3).await,
    };
    let screening = match lines {
        Ok(list) => list
            .into_iter()
            .map(|(camp, risks)| {
                let screened: i64 = risks.iter().sum();
                let pct = if view.figures.households > 0 {
                    100.0 * screened as f64 / view.figures.households as f64
                } else {
                    0.0
                };
                ScreeningLine {
                    campaign: camp.id,
                    name: camp.name,
                    screened: format!(
                        "{} / {} ({pct:.1}%)",
                        thousands(screened),
                        thousands(view.figures.households)
                    ),
                    low: thousands(risks[1]),
                    medium: thousands(risks[2]),
                    high: thousands(risks[3]),
                }
            })
            .collect(),
        Err(e) => return error_page(&e, c),
    };
    let disputes = match s.services.dispute_counts(&caller, &view.place).await {
        Ok(d) => d,
        Err(e) => return error_page(&e, c),
    };
    let clocks = match s.services.clock_counts(&caller, &view.place).await {
        Ok(d) => d.map(|(open, overdue)| ClockCounts { open, overdue }),
        Err(e) => return error_page(&e, c),
    };
    let care = match s.services.care_counts(&caller, &view.place).await {
        Ok(d) => d.map(|(served, review_due)| CareCounts { served, review_due }),
        Err(e) => return error_page(&e, c),
    };
    // The two years are a summary: should they fail to count, the overview shows the rest.
    let years = match s.services.years_beside(&caller, &view.place).await {
        Ok(y) => y.map(|(year, this, last)| {
            use jinguo_domain::report::Figure as F;
            YearsBeside {
                this: year,
                last: year - 1,
                lines: [
                    F::Screened,
                    F::Disputes,
                    F::Agreed,
                    F::PeopleServed,
                    F::Cases,
                    F::Calls,
                ]
                .iter()
                .map(|f| {
                    (
                        f.label(lang),
                        thousands(this.get(*f)),
                        thousands(last.get(*f)),
                    )
                })
                .collect(),
            }
        }),
        Err(e) => {
            tracing::warn!(error = %e, "the overview's years were not counted");
            None
        }
    };
    let keys = figure_keys(level);
    let figures = keys
        .iter()
        .map(|k| Figure::new(k, thousands(figure(&view.figures, k))))
        .collect();
    let columns: Vec<&'static str> = level.child().map(figure_keys).unwrap_or_default();
    let rows = view
        .children
        .iter()
        .map(|ch| Row {
            href: format!("/places/{}", ch.place.code),
            name: ch.place.name.clone(),
            code: ch.place.code.clone(),
            cells: columns
                .iter()
                .map(|k| Figure::new(k, thousands(figure(&ch.figures, k))))
                .collect(),
        })
        .collect();
    let households = if level == PlaceLevel::Group && (worklist.is_none() || whole_group) {
        let n = match q.page.as_deref().map(str::parse::<i64>) {
            None => 1,
            Some(Ok(n)) => n,
            Some(Err(_)) => 0,
        };
        match s
            .services
            .group_households(&caller, &view.place.code, n)
            .await
        {
            Ok(hp) => Some(HouseholdsBlock {
                page: hp.page,
                pages: hp.pages,
                total: thousands(hp.total),
                lines: hp
                    .lines
                    .into_iter()
                    .map(|l| HouseholdRow {
                        id: l.id,
                        code: l.code,
                        head: l.head_name.unwrap_or_default(),
                        address: l.address,
                        persons: l.persons,
                    })
                    .collect(),
            }),
            Err(e) => return error_page(&e, c),
        }
    } else {
        None
    };
    // A summary too: should it fail to count, the overview shows the rest.
    let work = match s.services.work_counts(&caller, &view.place).await {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!(error = %e, "the overview's work counts were not counted");
            None
        }
    };
    let p = PlacePage {
        clocks,
        care,
        years,
        work,
        title: view.place.name.clone(),
        level: level.label(lang),
        code: view.place.code.clone(),
        crumbs: crumbs(
            &view.lineage[..view.lineage.len().saturating_sub(1)],
            &caller,
        ),
        figures,
        columns,
        rows,
        households,
        worklist,
        screening,
        disputes,
        c,
    };
    page(p.render(), StatusCode::OK)
}
