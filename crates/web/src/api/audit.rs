//! The audit log, searched by the audit administrator.

use super::ApiResult;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, Problem};
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(audit_search))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    /// At most this many entries, newest first (1–1000, default 100).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditDto {
    pub seq: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub place_path: String,
    pub reason: String,
    pub detail: String,
    pub ip: String,
    pub hash: String,
}

/// Searches the audit log (audit administrator only).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = Vec<AuditDto>), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn audit_search(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Query(q): Query<AuditParams>,
) -> ApiResult<Json<Vec<AuditDto>>> {
    let query = jinguo_services::audit::AuditQuery {
        actor: q.actor,
        action: q.action,
        target: q.target,
        limit: q.limit.unwrap_or(100),
        ..Default::default()
    };
    let rows = s
        .services
        .search_audit(&caller, &query)
        .await
        .map_err(|e| ApiError::new(e, lang))?;
    Ok(Json(
        rows.into_iter()
            .map(|r| AuditDto {
                seq: r.seq,
                at: r.at,
                actor: r.actor,
                action: r.action,
                target: r.target,
                place_path: r.place_path,
                reason: r.reason,
                detail: r.detail,
                ip: r.ip,
                hash: r.hash,
            })
            .collect(),
    ))
}
