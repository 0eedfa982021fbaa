//! The audit log's page: a search by what people know (an action's name in either language, an
//! account, a place, a date range), its results or "nothing found", exports of them, and the
//! state of the hash chain.

use super::{Ctx, FieldError, error_page, page};
use crate::AppState;
use crate::auth::PageCaller;
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use jinguo_domain::audit::{ACTIONS, action_label};
use jinguo_services::ServiceError;
use jinguo_services::audit_search::{AUDIT_LINES, AuditFilter, AuditFormat};
use serde::Deserialize;

struct AuditLine {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    target: String,
    reason: String,
    ip: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Ctx,
    title: String,
    chain: String,
    q: AuditSearch,
    /// The actions' names in the reader's language, offered while typing.
    names: Vec<&'static str>,
    lines: Vec<AuditLine>,
    /// Whether the search may have more entries than shown.
    full: bool,
    /// The search as a query string, for the export links.
    query: String,
    errors: Vec<FieldError>,
}

#[derive(Deserialize, Default, Clone, serde::Serialize)]
pub(super) struct AuditSearch {
    #[serde(default)]
    action: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// The older name of the account field.
    #[serde(default, skip_serializing)]
    actor: String,
    /// For the export: `csv` or `xlsx`.
    #[serde(default, skip_serializing)]
    format: String,
}

impl AuditSearch {
    fn filter(&self) -> AuditFilter {
        AuditFilter {
            action: self.action.clone(),
            account: if self.account.trim().is_empty() {
                self.actor.clone()
            } else {
                self.account.clone()
            },
            place: self.place.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }
}

pub(super) async fn audit_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Query(q): Query<AuditSearch>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let (rows, errors, status) = match s.services.audit_lines(&caller, &q.filter()).await {
        Ok(r) => (r, Vec::new(), StatusCode::OK),
        Err(ServiceError::Invalid(v)) => (
            Vec::new(),
            v.0.iter()
                .map(|e| FieldError::new(e.field.clone(), e.message(lang)))
                .collect(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => return error_page(&e, c),
    };
    let anchors = s.services.configured_anchors().unwrap_or_default();
    let chain = match s.services.verify_audit_against(&anchors).await {
        Ok(jinguo_services::audit::Verification::Intact { entries }) => {
            format!("{} ({entries})", c.tr("audit.intact"))
        }
        Ok(broken) => format!("{} {broken}", c.tr("audit.broken")),
        Err(e) => return error_page(&e, c),
    };
    let full = rows.len() as i64 >= AUDIT_LINES;
    let p = AuditPage {
        title: c.tr("audit.title").into(),
        chain,
        query: serde_urlencoded::to_string(&q).unwrap_or_default(),
        q,
        names: ACTIONS
            .iter()
            .map(|(_, zh, en)| lang.pick(zh, en))
            .collect(),
        lines: rows
            .into_iter()
            .map(|r| AuditLine {
                seq: r.seq,
                at: jinguo_services::clock::local(r.at),
                actor: r.actor,
                action: action_label(&r.action, lang).to_string(),
                target: r.target,
                reason: r.reason,
                ip: r.ip,
            })
            .collect(),
        full,
        errors,
        c,
    };
    page(p.render(), status)
}

/// The search's entries as CSV or a workbook.
pub(super) async fn audit_export(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Query(q): Query<AuditSearch>,
) -> Response {
    let (format, mime) = match q.format.as_str() {
        "xlsx" => (
            AuditFormat::Xlsx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        _ => (AuditFormat::Csv, "text/csv; charset=utf-8"),
    };
    match s
        .services
        .audit_export(&caller, &q.filter(), format, lang)
        .await
    {
        Ok((name, bytes)) => {
            let mut r = crate::api::download(bytes, mime, &name);
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => error_page(&e, Ctx::with(lang, &uri, &caller)),
    }
}
