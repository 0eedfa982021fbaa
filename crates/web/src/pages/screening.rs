//! Pages of screening campaigns: the list and the form to open one, progress with drill-down,
//! the households still to visit, and the visit form on a household's page.

use super::{Crumb, Ctx, FieldError, crumbs, error_page, page, thousands};
use crate::AppState;
use crate::auth::{CheckedForm, PageCaller};
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_domain::Lang;
use jinguo_domain::account::Role;
use jinguo_domain::screening::{CampaignInput, Item, Risk, VisitInput};
use jinguo_services::screening::{CampaignView, Tally};
use jinguo_services::{Caller, ServiceError, Services};
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// One campaign line: (id, name, place name, period, open).
pub struct CampaignLine {
    pub id: Uuid,
    pub name: String,
    pub place: String,
    pub period: String,
    pub open: bool,
}

fn line(c: &CampaignView) -> CampaignLine {
    CampaignLine {
        id: c.id,
        name: c.name.clone(),
        place: c.place_name.clone(),
        period: format!("{} – {}", c.starts_on, c.ends_on),
        open: c.open,
    }
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct CampaignsPage {
    c: Ctx,
    title: String,
    campaigns: Vec<CampaignLine>,
    may_create: bool,
    form: CampaignForm,
    errors: Vec<FieldError>,
    items: Vec<ChecklistItem>,
}

/// An item of a checklist, as a checkbox.
pub struct ChecklistItem {
    pub key: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct CampaignForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    csrf: String,
    /// `item.<key>` checkboxes.
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}
csrf_form!(CampaignForm);
csrf_form!(VisitForm);

fn checked(rest: &BTreeMap<String, String>, prefix: &str) -> Vec<String> {
    rest.keys()
        .filter_map(|k| k.strip_prefix(prefix))
        .map(str::to_string)
        .collect()
}

/// The refused fields of a validation error, for a form shown again; `None` for other errors.
pub(super) fn field_errors(e: &ServiceError, lang: Lang) -> Option<Vec<FieldError>> {
    match e {
        ServiceError::Invalid(v) => Some(
            v.0.iter()
                .map(|f| FieldError::new(f.field.clone(), f.message(lang)))
                .collect(),
        ),
        _ => None,
    }
}

async fn render_campaigns(
    s: &Services,
    c: Ctx,
    caller: &Caller,
    form: CampaignForm,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Response {
    let list = match s.campaigns(caller).await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let lang = c.lang;
    let chosen = checked(&form.rest, "item.");
    let fresh = form.name.is_empty() && errors.is_empty();
    let p = CampaignsPage {
        title: c.tr("campaigns.title").to_string(),
        campaigns: list.iter().map(line).collect(),
        may_create: caller.has_role(Role::Staff),
        items: Item::ALL
            .iter()
            .map(|i| ChecklistItem {
                key: i.key(),
                label: i.label(lang),
                checked: fresh || chosen.iter().any(|k| k == i.key()),
            })
            .collect(),
        form: CampaignForm {
            place: if form.place.is_empty() {
                s.home_place(caller).unwrap_or_default()
            } else {
                form.place
            },
            ..form
        },
        errors,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn campaigns_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    render_campaigns(
        &s.services,
        c,
        &caller,
        CampaignForm::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

pub(super) async fn campaign_create(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, f): CheckedForm<CampaignForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let input = CampaignInput {
        name: f.name.clone(),
        place: f.place.clone(),
        starts_on: f.starts_on.clone(),
        ends_on: f.ends_on.clone(),
        checklist: checked(&f.rest, "item."),
    };
    match s.services.create_campaign(&caller, &input).await {
        Ok(v) => Redirect::to(&format!("/campaigns/{}", v.id)).into_response(),
        Err(e) => match field_errors(&e, lang) {
            Some(errors) => {
                render_campaigns(
                    &s.services,
                    c,
                    &caller,
                    f,
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => error_page(&e, c),
        },
    }
}

/// A tally as the pages show it.
pub struct TallyRow {
    pub households: String,
    pub screened: String,
    pub percent: String,
    pub low: String,
    pub medium: String,
    pub high: String,
    pub overdue: String,
}

fn tally_row(t: &Tally) -> TallyRow {
    TallyRow {
        households: thousands(t.households),
        screened: thousands(t.screened),
        percent: format!("{:.1}%", t.percent()),
        low: thousands(t.risks[1]),
        medium: thousands(t.risks[2]),
        high: thousands(t.risks[3]),
        overdue: thousands(t.overdue),
    }
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct ProgressPage {
    c: Ctx,
    title: String,
    id: Uuid,
    place_code: String,
    place_name: String,
    /// The campaign's own days.
    campaign_days: String,
    open: bool,
    crumbs: Vec<Crumb>,
    total: TallyRow,
    period_action: String,
    /// What the period's form sends again (the place).
    period_keep: Vec<(String, String)>,
    /// The period the visits are counted over when one was asked for, as the caller would
    /// write it again, and in words.
    period: String,
    period_label: String,
    disputes_medium: String,
    disputes_high: String,
    units: Vec<UnitLine>,
    /// A women's representative's worklist for this campaign.
    worklist: Option<super::worklist::WorklistBlock>,
}

/// A unit one level down and its progress.
struct UnitLine {
    code: String,
    name: String,
    tally: TallyRow,
    /// Whether the caller may open it.
    linked: bool,
}

#[derive(Deserialize)]
pub(super) struct PlaceQuery {
    place: Option<String>,
    /// The worklist's order and search.
    sort: Option<String>,
    q: Option<String>,
}

pub(super) async fn campaign_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(id): Path<String>,
    Query(q): Query<PlaceQuery>,
    Query(pq): Query<crate::api::PeriodQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    let period = match pq.optional() {
        Ok(p) => p,
        Err(e) => return error_page(&e, c),
    };
    let p = match s
        .services
        .campaign_progress_in(&caller, id, q.place.as_deref(), period)
        .await
    {
        Ok(p) => p,
        Err(e) => return error_page(&e, c),
    };
    let query = jinguo_domain::worklist::Query {
        sort: q.sort.clone().unwrap_or_default(),
        search: q.q.clone().unwrap_or_default(),
    };
    let keep = vec![("place".to_string(), p.place.code.clone())];
    let action = format!("/campaigns/{id}");
    let worklist =
        match super::worklist::block(&s.services, &caller, lang, query, Some(id), action, keep)
            .await
        {
            Ok(w) => w,
            Err(e) => return error_page(&e, c),
        };
    let scope = caller.household_read_scope();
    let page_ = ProgressPage {
        worklist,
        title: p.campaign.name.clone(),
        id,
        place_code: p.place.code.clone(),
        place_name: p.place.name.clone(),
        campaign_days: format!("{} – {}", p.campaign.starts_on, p.campaign.ends_on),
        open: p.campaign.open,
        crumbs: crumbs(&p.lineage, &caller),
        period_action: format!("/campaigns/{id}"),
        period_keep: vec![("place".to_string(), p.place.code.clone())],
        period: period.map(|p| p.key()).unwrap_or_default(),
        period_label: period.map(|p| p.label(lang)).unwrap_or_default(),
        total: tally_row(&p.tally),
        disputes_medium: thousands(p.disputes[0]),
        disputes_high: thousands(p.disputes[1]),
        units: p
            .units
            .iter()
            .map(|u| UnitLine {
                code: u.place.code.clone(),
                name: u.place.name.clone(),
                tally: tally_row(&u.tally),
                linked: scope.covers(&u.place.path),
            })
            .collect(),
        c,
    };
    page(page_.render(), StatusCode::OK)
}

#[derive(Template)]
#[template(path = "campaign_households.html")]
struct HouseholdsPage {
    c: Ctx,
    title: String,
    id: Uuid,
    place_code: String,
    place_name: String,
    open_only: bool,
    summary: String,
    households: Vec<HouseholdLine>,
    page: i64,
    pages: i64,
}

/// A household of the campaign's list, with the risk its visit found (or none yet).
struct HouseholdLine {
    id: Uuid,
    code: String,
    risk_colour: &'static str,
    risk: &'static str,
}

#[derive(Deserialize)]
pub(super) struct HouseholdsQuery {
    place: Option<String>,
    open: Option<String>,
    page: Option<i64>,
}

pub(super) async fn campaign_households_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(id): Path<String>,
    Query(q): Query<HouseholdsQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    let open_only = q.open.as_deref() == Some("1");
    let l = match s
        .services
        .campaign_households(
            &caller,
            id,
            q.place.as_deref(),
            open_only,
            q.page.unwrap_or(1),
        )
        .await
    {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let summary = match lang {
        Lang::Zh => format!(
            "共 {} 户，已走访 {} 户，待走访 {} 户",
            thousands(l.total),
            thousands(l.screened),
            thousands(l.total - l.screened)
        ),
        Lang::En => format!(
            "{} households, {} visited, {} to visit",
            thousands(l.total),
            thousands(l.screened),
            thousands(l.total - l.screened)
        ),
    };
    let p = HouseholdsPage {
        title: l.campaign.name.clone(),
        id,
        place_code: l.place.code.clone(),
        place_name: l.place.name.clone(),
        open_only,
        summary,
        households: l
            .households
            .iter()
            .map(|h| {
                let (risk_colour, risk) = match h.risk {
                    Some(r) => (r.colour(), r.label(lang)),
                    None => ("todo", c.tr("visit.todo")),
                };
                HouseholdLine {
                    id: h.id,
                    code: h.code.clone(),
                    risk_colour,
                    risk,
                }
            })
            .collect(),
        page: l.page,
        pages: l.pages,
        c,
    };
    page(p.render(), StatusCode::OK)
}

/// The screening part of a household's page.
pub struct ScreeningBlock {
    pub history: Vec<VisitLine>,
    /// Campaigns open to a visit.
    pub forms: Vec<VisitFormView>,
    pub risks: Vec<RiskChoice>,
    pub errors: Vec<FieldError>,
    pub visited: bool,
    /// Notes exist that she may not read.
    pub notes_withheld: bool,
}

/// A visit of the household.
pub struct VisitLine {
    pub visited_on: String,
    pub campaign: String,
    pub risk_colour: &'static str,
    pub risk: &'static str,
    /// The findings, in words.
    pub findings: String,
    pub followup: bool,
    /// The note typed at the visit (empty when none, or not hers to read).
    pub note: String,
}

/// A risk, as a radio button.
pub struct RiskChoice {
    pub key: &'static str,
    pub colour: &'static str,
    pub label: &'static str,
}

pub struct VisitFormView {
    pub campaign: Uuid,
    pub name: String,
    pub min: String,
    pub max: String,
    pub visited_on: String,
    pub items: Vec<ChecklistItem>,
    pub risk: String,
    pub note: String,
    pub followup: bool,
    pub request_key: String,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct VisitForm {
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    visited_on: String,
    #[serde(default)]
    risk: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    followup: Option<String>,
    #[serde(default)]
    request_key: String,
    #[serde(default)]
    csrf: String,
    /// `finding.<key>` checkboxes.
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

/// A fresh submission key for a form shown now (random, so retries of this form share it).
/// The risk levels as the radio buttons of a visit form.
pub(super) fn risk_choices(lang: Lang) -> Vec<RiskChoice> {
    Risk::ALL
        .iter()
        .map(|r| RiskChoice {
            key: r.key(),
            colour: r.colour(),
            label: r.label(lang),
        })
        .collect()
}

fn request_key() -> String {
    Uuid::now_v7().simple().to_string()
}

/// A household's screening as its page shows it: the visits made, a form for each campaign open
/// to the caller, and what a refused form held.
pub(super) fn screening_block(
    h: jinguo_services::screening::HouseholdScreening,
    lang: Lang,
    visited: bool,
    retry: Option<(&VisitForm, Vec<FieldError>)>,
) -> ScreeningBlock {
    let today = jinguo_services::clock::today();
    let item_labels = |keys: &[Item]| {
        keys.iter()
            .map(|i| i.label(lang))
            .collect::<Vec<_>>()
            .join(lang.pick("、", ", "))
    };
    let forms = h
        .open_campaigns
        .iter()
        .map(|camp| {
            let again = retry
                .as_ref()
                .map(|r| r.0)
                .filter(|f| f.campaign == camp.id.to_string());
            let found = again
                .map(|f| checked(&f.rest, "finding."))
                .unwrap_or_default();
            VisitFormView {
                campaign: camp.id,
                name: camp.name.clone(),
                min: camp.starts_on.to_string(),
                max: today.min(camp.ends_on).to_string(),
                visited_on: again
                    .map(|f| f.visited_on.clone())
                    .unwrap_or_else(|| today.min(camp.ends_on).to_string()),
                items: camp
                    .checklist
                    .iter()
                    .map(|i| ChecklistItem {
                        key: i.key(),
                        label: i.label(lang),
                        checked: found.iter().any(|k| k == i.key()),
                    })
                    .collect(),
                risk: again.map(|f| f.risk.clone()).unwrap_or_default(),
                note: again.map(|f| f.note.clone()).unwrap_or_default(),
                followup: again.is_some_and(|f| f.followup.is_some()),
                request_key: again
                    .map(|f| f.request_key.clone())
                    .filter(|k| jinguo_domain::screening::valid_request_key(k))
                    .unwrap_or_else(request_key),
            }
        })
        .collect();
    ScreeningBlock {
        history: h
            .history
            .iter()
            .map(|v| VisitLine {
                visited_on: v.visited_on.to_string(),
                campaign: v.campaign_name.clone(),
                risk_colour: v.risk.colour(),
                risk: v.risk.label(lang),
                findings: item_labels(&v.findings),
                followup: v.followup,
                note: v.note.clone().unwrap_or_default(),
            })
            .collect(),
        forms,
        risks: risk_choices(lang),
        errors: retry.map(|r| r.1).unwrap_or_default(),
        visited,
        notes_withheld: h.notes_withheld,
    }
}

pub(super) async fn record_visit(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    CheckedForm(caller, f): CheckedForm<VisitForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let (Ok(household), Ok(campaign)) = (Uuid::parse_str(&id), Uuid::parse_str(&f.campaign)) else {
        return error_page(&ServiceError::NotFound, c);
    };
    let input = VisitInput {
        visited_on: f.visited_on.clone(),
        findings: checked(&f.rest, "finding."),
        risk: f.risk.clone(),
        note: f.note.clone(),
        followup: f.followup.is_some(),
        request_key: f.request_key.clone(),
    };
    match s
        .services
        .record_visit(&caller, campaign, household, &input)
        .await
    {
        Ok(_) => {
            Redirect::to(&format!("/households/{household}?visited=1#screening")).into_response()
        }
        Err(e) => match field_errors(&e, lang) {
            Some(errors) => {
                super::households::household_with_visit(&s, c, &caller, &id, (&f, errors)).await
            }
            None => error_page(&e, c),
        },
    }
}
