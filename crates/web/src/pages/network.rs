//! The forms of the coverage page: assign units in bulk, hand over, balance a group.

use super::{Ctx, error_page};
use crate::AppState;
use crate::auth::CheckedForm;
use crate::lang::UiLang;
use axum::extract::{OriginalUri, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_domain::place::PlaceCode;
use jinguo_services::ServiceError;
use serde::Deserialize;
use uuid::Uuid;

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
