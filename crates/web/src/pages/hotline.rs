//! The 12338 hotline page (`/hotline`): the form to record a call, the month's calls (callers
//! masked) with their call-backs, and the year's figures month by month.

use super::{Choice, Ctx, FieldError, FreeForm, error_page, field, page, refusal};
use crate::AppState;
use crate::auth::{CheckedForm, PageCaller};
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_domain::hotline::{Action, CallInput, CallKind};
use jinguo_services::clock;
use jinguo_services::{Caller, ServiceError};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

struct CallLine {
    id: Uuid,
    called_at: String,
    off_hours: bool,
    caller: String,
    place: String,
    kind: &'static str,
    summary: String,
    action: &'static str,
    referred: bool,
    /// The page of the record it went to, when the reader may read it.
    linked: String,
    callback_on: String,
    called_back: bool,
}

struct MonthLine {
    month: String,
    total: i64,
    by_kind: Vec<i64>,
    off_hours: i64,
    callbacks: i64,
    called_back: i64,
}

#[derive(Template)]
#[template(path = "hotline.html")]
struct HotlinePage {
    c: Ctx,
    title: String,
    month: String,
    calls: Vec<CallLine>,
    months: Vec<MonthLine>,
    kinds: Vec<Choice>,
    actions: Vec<Choice>,
    places: Vec<Choice<String, String>>,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    saved: bool,
    period_action: String,
    /// What the period's form sends again (the other choices of the page).
    period_keep: Vec<(String, String)>,
    /// The period of the figures, as the caller would write it again, and in words.
    period: String,
    period_label: String,
}

impl HotlinePage {
    fn v(&self, name: &str) -> String {
        field(&self.f, name)
    }
}

#[allow(clippy::too_many_arguments)]
async fn render(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    (month, period): (Option<&str>, Option<jinguo_domain::period::Period>),
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    status: StatusCode,
    saved: bool,
) -> Response {
    let lang = c.lang;
    let log = match s.services.hotline_log_in(caller, month, period).await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let choices = super::staff_place_choices(s, caller).await;
    let p = HotlinePage {
        title: c.tr("hotline.title").to_string(),
        month: log.month.clone(),
        period_action: "/hotline".into(),
        period_keep: month
            .map(|m| vec![("month".to_string(), m.to_string())])
            .unwrap_or_default(),
        period: log.period.key(),
        period_label: log.period.label(lang),
        calls: log
            .calls
            .iter()
            .map(|k| CallLine {
                id: k.id,
                called_at: clock::local(k.called_at),
                off_hours: k.off_hours,
                caller: [k.caller_name.as_str(), k.caller_phone.as_str()]
                    .iter()
                    .filter(|v| !v.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" "),
                place: k.place_code.clone(),
                kind: k.kind.label(lang),
                summary: k.summary.clone(),
                action: k.action.label(lang),
                referred: k.referred,
                linked: match (k.action, k.linked_id) {
                    (Action::Dispute, Some(i)) => format!("/disputes/{i}"),
                    (Action::Case, Some(i)) => format!("/cases/{i}"),
                    (Action::Opinion, Some(i)) => format!("/opinion/topics/{i}"),
                    (Action::Supervision, Some(i)) => format!("/supervision/{i}"),
                    _ => String::new(),
                },
                callback_on: k.callback_on.clone().unwrap_or_default(),
                called_back: k.called_back,
            })
            .collect(),
        months: log
            .months
            .iter()
            .filter(|m| m.total > 0)
            .map(|m| MonthLine {
                month: m.month.clone(),
                total: m.total,
                by_kind: m.by_kind.clone(),
                off_hours: m.off_hours,
                callbacks: m.callbacks,
                called_back: m.called_back,
            })
            .collect(),
        kinds: CallKind::ALL
            .iter()
            .map(|k| Choice::new(k.key(), k.label(lang)))
            .collect(),
        actions: Action::ALL
            .iter()
            .map(|k| Choice::new(k.key(), k.label(lang)))
            .collect(),
        places: choices,
        f,
        errors,
        saved,
        c,
    };
    page(p.render(), status)
}

#[derive(Deserialize)]
pub(super) struct LogQuery {
    month: Option<String>,
    saved: Option<String>,
}

pub(super) async fn hotline_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Query(q): Query<LogQuery>,
    Query(pq): Query<crate::api::PeriodQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    // `month` chooses the calls listed; the figures' period is asked for by the other fields.
    let period = match (crate::api::PeriodQuery { month: None, ..pq }).optional() {
        Ok(p) => p,
        Err(e) => return error_page(&e, c),
    };
    let mut f = HashMap::new();
    f.insert(
        "called_at".to_string(),
        clock::now()
            .with_timezone(&clock::CHINA)
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
    );
    render(
        &s,
        c,
        &caller,
        (q.month.as_deref(), period),
        f,
        Vec::new(),
        StatusCode::OK,
        q.saved.is_some(),
    )
    .await
}

pub(super) async fn record(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, form): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let f = form.fields;
    let linked = field(&f, "linked_id");
    let linked_id = match linked.trim() {
        "" => None,
        v => match Uuid::parse_str(v) {
            Ok(id) => Some(id),
            Err(_) => {
                let e = jinguo_domain::FieldError::new("linked_id", "invalid");
                let errors = vec![FieldError::new("linked_id", e.message(lang))];
                return render(
                    &s,
                    c,
                    &caller,
                    (None, None),
                    f,
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    false,
                )
                .await;
            }
        },
    };
    let input = CallInput {
        called_at: field(&f, "called_at"),
        caller_name: field(&f, "caller_name"),
        caller_phone: field(&f, "caller_phone"),
        place: field(&f, "place"),
        kind: field(&f, "kind"),
        summary: field(&f, "summary"),
        action: field(&f, "handling"),
        linked_id,
        callback_on: field(&f, "callback_on"),
    };
    match s.services.record_call(&caller, &input).await {
        Ok(_) => Redirect::to("/hotline?saved=1").into_response(),
        Err(e) => match refusal(&e, &c, "error.conflict") {
            Some((errors, status)) => {
                render(&s, c, &caller, (None, None), f, errors, status, false).await
            }
            None => error_page(&e, c),
        },
    }
}

pub(super) async fn call_back(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    CheckedForm(caller, _): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    match s.services.call_back(&caller, id).await {
        Ok(()) => Redirect::to("/hotline?saved=1").into_response(),
        Err(e) => error_page(&e, c),
    }
}
