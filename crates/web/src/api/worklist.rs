//! A women's representative's worklist.

use super::{ApiResult, api, parse_uuid};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Query, State};
use chrono::NaiveDate;
use jinguo_services::worklist::Worklist;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(worklist))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorklistQuery {
    /// `due` (default: what is due first, earliest first) or `address`.
    pub sort: Option<String>,
    /// Part of a masked name (e.g. `王*`), of a masked address or of a household code.
    pub q: Option<String>,
    /// Only the households of this campaign, and the visit it asks for.
    pub campaign: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkDueDto {
    /// `visit`, `review` or `followup`.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::worklist::Due>)]
    pub kind: String,
    /// The day it is due (a visit: its campaign's last day).
    pub on: NaiveDate,
    /// The campaign of a visit due.
    pub campaign: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkItemDto {
    pub id: Uuid,
    pub code: String,
    /// The head of household's name, masked.
    pub head: String,
    /// The address, masked to the building.
    pub address: String,
    pub last_visit_on: Option<NaiveDate>,
    /// The risk the last visit found (`none`, `low` blue, `medium` yellow, `high` red).
    #[schema(schema_with = crate::api::kind::<jinguo_domain::screening::Risk>)]
    pub last_risk: Option<String>,
    /// What is due, earliest first.
    pub due: Vec<WorkDueDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorklistDto {
    #[schema(schema_with = crate::api::kind::<jinguo_domain::worklist::Sort>)]
    pub sort: String,
    pub q: Option<String>,
    /// The households she answers for (before the search).
    pub total: usize,
    pub today: NaiveDate,
    pub households: Vec<WorkItemDto>,
}

impl From<&Worklist> for WorklistDto {
    fn from(w: &Worklist) -> Self {
        Self {
            sort: w.sort.key().into(),
            q: w.search.clone(),
            total: w.total,
            today: w.today,
            households: w
                .items
                .iter()
                .map(|i| WorkItemDto {
                    id: i.id,
                    code: i.code.clone(),
                    head: i.head.clone(),
                    address: i.address.clone(),
                    last_visit_on: i.last_visit.map(|v| v.0),
                    last_risk: i.last_visit.map(|v| v.1.key().to_string()),
                    due: i
                        .due
                        .iter()
                        .map(|d| WorkDueDto {
                            kind: d.kind.key().into(),
                            on: d.on,
                            campaign: d.campaign,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// The caller's worklist (a women's representative): the households she answers for, each with
/// the head's name masked, the address masked to the building, the last visit and its risk, and
/// what is due (visit, review, follow-up). Sorted by what is due or by address; `q` searches what
/// the list shows, within her households only. Other roles: 403. The read is audited.
#[utoipa::path(get, path = "/api/v1/worklist", tag = "screening",
    params(WorklistQuery),
    responses((status = 200, body = WorklistDto),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn worklist(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Query(q): Query<WorklistQuery>,
) -> ApiResult<Json<WorklistDto>> {
    let campaign = match q.campaign.as_deref() {
        Some(c) => Some(parse_uuid(c).map_err(api(lang))?),
        None => None,
    };
    let query = jinguo_domain::worklist::Query {
        sort: q.sort.unwrap_or_default(),
        search: q.q.unwrap_or_default(),
    };
    let w = s
        .services
        .worklist(&caller, &query, campaign)
        .await
        .map_err(api(lang))?;
    Ok(Json((&w).into()))
}
