//! The coverage page (who answers for what below a place) and its forms: a member leaving her
//! post, assign units in bulk, hand over, balance a group.

use super::{Crumb, Ctx, Figure, crumbs, error_page, page, thousands};
use crate::AppState;
use crate::auth::{CheckedForm, PageCaller};
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_domain::account::Role;
use jinguo_domain::place::PlaceCode;
use jinguo_services::ServiceError;
use jinguo_services::coverage::ChildCoverage;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Template)]
#[template(path = "coverage.html")]
struct CoveragePage {
    c: Ctx,
    title: String,
    code: String,
    notice: Option<String>,
    crumbs: Vec<Crumb>,
    complete: bool,
    figures: Vec<Figure>,
    units: Vec<GapLine>,
    households: Vec<GroupGapLine>,
    /// Listed down to villages.
    members: Vec<MemberLine>,
    /// A resident group: its households can be balanced across its representatives.
    is_group: bool,
    /// The gaps of each unit one level down.
    children: Vec<ChildCoverage>,
}

/// A unit nobody answers for.
struct GapLine {
    code: String,
    name: String,
    level: &'static str,
}

/// A resident group with households without a representative.
struct GroupGapLine {
    code: String,
    name: String,
    households: String,
}

/// A member of the network below the place.
struct MemberLine {
    id: Uuid,
    /// Masked.
    name: String,
    /// Her role, in words.
    role: &'static str,
    units: i64,
    /// Her role's key and her place's path: whom she may hand over to.
    role_key: String,
    place_path: String,
}

#[derive(Deserialize)]
pub(super) struct NoticeQuery {
    left: Option<String>,
    done: Option<String>,
}

pub(super) async fn coverage_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(code): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let cov = match s.services.coverage(&caller, &code).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, c),
    };
    let role_label = |r: &str| match r {
        "representative" => Role::Representative.label(lang),
        _ => lang.pick("执委", "executive member"),
    };
    let members = if cov.place.level() >= jinguo_domain::place::PlaceLevel::Village {
        match s.services.coverage_members(&caller, &cov.place.code).await {
            Ok(list) => list
                .into_iter()
                .map(|m| MemberLine {
                    id: m.id,
                    name: m.name,
                    role: role_label(&m.role),
                    units: m.units,
                    role_key: m.role,
                    place_path: m.place_path,
                })
                .collect(),
            Err(e) => return error_page(&e, c),
        }
    } else {
        Vec::new()
    };
    let p = CoveragePage {
        title: cov.place.name.clone(),
        code: cov.place.code.clone(),
        notice: q
            .left
            .map(|_| c.tr("coverage.left").to_string())
            .or_else(|| q.done.map(|_| c.tr("coverage.done").to_string())),
        is_group: cov.place.level() == jinguo_domain::place::PlaceLevel::Group,
        crumbs: crumbs(&cov.lineage, &caller),
        complete: cov.complete(),
        figures: vec![
            Figure::new("cov.members", thousands(cov.members)),
            Figure::new("cov.units", thousands(cov.uncovered_units.len() as i64)),
            Figure::new(
                "cov.households",
                thousands(cov.households_without_representative()),
            ),
            Figure::new("cov.idle", thousands(cov.idle.len() as i64)),
            Figure::new("cov.overloaded", thousands(cov.overloaded.len() as i64)),
        ],
        units: cov
            .uncovered_units
            .iter()
            .map(|g| GapLine {
                code: g.code.clone(),
                name: g.name.clone(),
                level: g.level.label(lang),
            })
            .collect(),
        households: cov
            .uncovered_households
            .iter()
            .map(|h| GroupGapLine {
                code: h.code.clone(),
                name: h.name.clone(),
                households: thousands(h.households),
            })
            .collect(),
        children: cov.children,
        members,
        c,
    };
    page(p.render(), StatusCode::OK)
}

#[derive(Deserialize)]
pub(super) struct LeaveForm {
    #[serde(default)]
    back: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf: String,
}
csrf_form!(LeaveForm);

pub(super) async fn member_leave(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    CheckedForm(caller, f): CheckedForm<LeaveForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    match s.services.member_leave(&caller, id, &f.reason).await {
        Ok(_) => {
            let back = jinguo_domain::place::PlaceCode::parse(&f.back)
                .map(|p| p.to_string())
                .unwrap_or_default();
            Redirect::to(&format!("/places/{back}/coverage?left=1")).into_response()
        }
        Err(e) => error_page(&e, c),
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct HandOverForm {
    #[serde(default)]
    successor: String,
    #[serde(default)]
    back: String,
    #[serde(default)]
    csrf: String,
}
csrf_form!(HandOverForm);

#[derive(Debug, Deserialize)]
pub(super) struct AssignForm {
    #[serde(default)]
    member: String,
    /// One unit code per line (or separated by commas or spaces).
    #[serde(default)]
    units: String,
    #[serde(default)]
    csrf: String,
}
csrf_form!(AssignForm);

#[derive(Debug, Deserialize)]
pub(super) struct BalanceForm {
    #[serde(default)]
    csrf: String,
}
csrf_form!(BalanceForm);

fn back_to(code: &str) -> Response {
    let code = PlaceCode::parse(code)
        .map(|p| p.to_string())
        .unwrap_or_default();
    Redirect::to(&format!("/places/{code}/coverage?done=1")).into_response()
}

pub(super) async fn hand_over(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    CheckedForm(caller, f): CheckedForm<HandOverForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let (Ok(from), to) = (Uuid::parse_str(&id), Uuid::parse_str(&f.successor)) else {
        return error_page(&ServiceError::NotFound, c);
    };
    let Ok(to) = to else {
        let mut e = jinguo_domain::ValidationErrors::new();
        e.push("successor", "required");
        return error_page(&e.into(), c);
    };
    match s.services.hand_over(&caller, from, to).await {
        Ok(_) => back_to(&f.back),
        Err(e) => error_page(&e, c),
    }
}

pub(super) async fn assign(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    CheckedForm(caller, f): CheckedForm<AssignForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Ok(member) = Uuid::parse_str(&f.member) else {
        let mut e = jinguo_domain::ValidationErrors::new();
        e.push("member", "required");
        return error_page(&e.into(), c);
    };
    let units: Vec<String> = f
        .units
        .split(|ch: char| ch.is_whitespace() || ch == ',' || ch == '，' || ch == '、')
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .collect();
    match s.services.assign_units(&caller, member, &units).await {
        Ok(_) => back_to(&code),
        Err(e) => error_page(&e, c),
    }
}

pub(super) async fn balance(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    CheckedForm(caller, _): CheckedForm<BalanceForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    match s.services.balance_group(&caller, &code).await {
        Ok(_) => back_to(&code),
        Err(e) => error_page(&e, c),
    }
}
