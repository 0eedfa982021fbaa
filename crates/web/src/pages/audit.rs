//! The audit log's page: a search and the state of the hash chain.

use super::{Ctx, error_page, page};
use crate::AppState;
use crate::auth::PageCaller;
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
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
    q_actor: String,
    q_action: String,
    lines: Vec<AuditLine>,
}

#[derive(Deserialize, Default)]
pub(super) struct AuditSearch {
    actor: Option<String>,
    action: Option<String>,
}

pub(super) async fn audit_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Query(q): Query<AuditSearch>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let nonempty = |v: Option<String>| v.map(|x| x.trim().to_string()).filter(|x| !x.is_empty());
    let query = jinguo_services::audit::AuditQuery {
        actor: nonempty(q.actor.clone()),
        action: nonempty(q.action.clone()),
        limit: 200,
        ..Default::default()
    };
    let rows = match s.services.search_audit(&caller, &query).await {
        Ok(r) => r,
        Err(e) => return error_page(&e, c),
    };
    let anchors = s.services.configured_anchors().unwrap_or_default();
    let chain = match s.services.verify_audit_against(&anchors).await {
        Ok(jinguo_services::audit::Verification::Intact { entries }) => {
            format!("{} ({entries})", c.tr("audit.intact"))
        }
        Ok(jinguo_services::audit::Verification::Broken { seq, why }) => {
            format!("{} {seq}: {why}", c.tr("audit.broken"))
        }
        Err(e) => return error_page(&e, c),
    };
    let p = AuditPage {
        title: c.tr("audit.title").into(),
        chain,
        q_actor: q.actor.unwrap_or_default(),
        q_action: q.action.unwrap_or_default(),
        lines: rows
            .into_iter()
            .map(|r| AuditLine {
                seq: r.seq,
                at: jinguo_services::clock::local(r.at),
                actor: r.actor,
                action: r.action,
                target: r.target,
                reason: r.reason,
                ip: r.ip,
            })
            .collect(),
        c,
    };
    page(p.render(), StatusCode::OK)
}
