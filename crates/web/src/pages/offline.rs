//! The page a women's representative's phone shows for a household when there is no
//! connection: one page for all her households, kept by the service worker (`/sw.js`) and filled
//! by `offline.js` from the copy of her worklist (`GET /api/v1/worklist`) that the phone keeps.
//! It carries the visit form of each campaign open today that she takes part in, as templates;
//! the script shows those her household still waits for. Nothing about a household is in it.

use super::screening::{ChecklistItem, RiskChoice};
use super::{Ctx, error_page, page};
use crate::AppState;
use crate::auth::PageCaller;
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::Response;
use jinguo_domain::account::Role;
use jinguo_domain::screening::Risk;
use jinguo_domain::worklist::Due;
use jinguo_services::ServiceError;
use uuid::Uuid;

/// The visit form of one campaign, without a household.
struct CampaignForm {
    campaign: Uuid,
    name: String,
    min: String,
    max: String,
    items: Vec<ChecklistItem>,
}

#[derive(Template)]
#[template(path = "offline_household.html")]
struct OfflineHousehold {
    c: Ctx,
    title: String,
    forms: Vec<CampaignForm>,
    risks: Vec<RiskChoice>,
    /// The worklist's labels, for the script: (key, label).
    labels: Vec<(String, &'static str)>,
}

/// `GET /offline/household`: only for a women's representative (anyone else: 404).
pub(super) async fn household(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    if !caller.has_role(Role::Representative) {
        return error_page(&ServiceError::NotFound, c);
    }
    let campaigns = match s.services.campaigns(&caller).await {
        Ok(list) => list,
        Err(e) => return error_page(&e, c),
    };
    let forms = campaigns
        .into_iter()
        .filter(|camp| camp.open)
        .map(|camp| CampaignForm {
            campaign: camp.id,
            name: camp.name,
            min: camp.starts_on.to_string(),
            max: camp.ends_on.to_string(),
            items: camp
                .checklist
                .iter()
                .map(|i| ChecklistItem {
                    key: i.key(),
                    label: i.label(lang),
                    checked: false,
                })
                .collect(),
        })
        .collect();
    let mut labels: Vec<(String, &'static str)> = Risk::ALL
        .iter()
        .map(|r| (format!("risk-{}", r.key()), r.label(lang)))
        .collect();
    labels.extend(
        Due::ALL
            .iter()
            .map(|d| (format!("due-{}", d.key()), d.label(lang))),
    );
    let p = OfflineHousehold {
        title: c.tr("household.title").to_string(),
        forms,
        risks: super::screening::risk_choices(lang),
        labels,
        c,
    };
    page(p.render(), StatusCode::OK)
}
