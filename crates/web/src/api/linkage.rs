//! The anti-domestic-violence linkage: departments, cases, referrals and their acknowledgement,
//! legal instruments, the inbox, the board and the delivery of outside messages.

use super::{ApiResult, CreatedDto, api, body_error, parse_uuid};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use jinguo_domain::linkage::{CaseInput, EventInput, InstrumentInput, ReferralInput};
use jinguo_domain::place::PlaceCode;
use jinguo_services::ServiceError;
use jinguo_services::inbox::NotificationView;
use jinguo_services::linkage::{
    BoardLine, CaseRecords, CaseView, DepartmentInput, DepartmentView, ReferralView,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    // Only the upload of evidence takes a large body.
    let uploads = OpenApiRouter::new().routes(routes!(add_evidence)).layer(
        axum::extract::DefaultBodyLimit::max(2 * jinguo_domain::linkage::EVIDENCE_MAX_BYTES),
    );
    OpenApiRouter::new()
        .merge(uploads)
        .routes(routes!(departments))
        .routes(routes!(update_department))
        .routes(routes!(set_officer))
        .routes(routes!(place_cases, register_case))
        .routes(routes!(get_case))
        .routes(routes!(close_case))
        .routes(routes!(address_confidential))
        .routes(routes!(share_consents, record_share_consent))
        .routes(routes!(withdraw_share_consent))
        .routes(routes!(refer))
        .routes(routes!(add_instrument))
        .routes(routes!(add_event))
        .routes(routes!(my_referrals))
        .routes(routes!(get_referral))
        .routes(routes!(acknowledge))
        .routes(routes!(record_action))
        .routes(routes!(notifications))
        .routes(routes!(mark_read))
        .routes(routes!(board))
        .routes(routes!(board_workbook))
        .routes(routes!(outbox))
        .routes(routes!(evidence_file))
}

/// The static name of an evidence file's kind.
pub(crate) fn media_type(t: &str) -> (&'static str, &'static str) {
    match t {
        "image/jpeg" => ("image/jpeg", "jpg"),
        "image/png" => ("image/png", "png"),
        _ => ("application/pdf", "pdf"),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvidenceQuery {
    /// The file's name, with its extension (.jpg, .jpeg, .png, .pdf).
    pub name: Option<String>,
}

/// Keeps a file with a case (the request body): a JPEG or PNG picture or a PDF of at most 5 MB
/// whose content is what its name says. Sealed at rest.
#[utoipa::path(post, path = "/api/v1/cases/{id}/evidence", tag = "linkage",
    params(("id" = Uuid, Path), EvidenceQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = CreatedDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn add_evidence(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    Query(q): Query<EvidenceQuery>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let e = s
        .services
        .add_evidence(&caller, id, q.name.as_deref().unwrap_or_default(), &body)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id: e })))
}

/// A file kept with a case, for the case's owner. Audited.
#[utoipa::path(get, path = "/api/v1/cases/{id}/evidence/{evidence}", tag = "linkage",
    params(("id" = Uuid, Path), ("evidence" = Uuid, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn evidence_file(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path((id, evidence)): Path<(String, String)>,
) -> ApiResult<axum::response::Response> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let evidence = parse_uuid(&evidence).map_err(api(lang))?;
    let file = s
        .services
        .evidence_file(&caller, id, evidence)
        .await
        .map_err(api(lang))?;
    let (t, ext) = media_type(&file.media_type);
    Ok(super::download(
        file.content,
        t,
        &format!("evidence-{evidence}.{ext}"),
    ))
}

fn county(code: &str) -> Result<String, ServiceError> {
    PlaceCode::parse(code)
        .ok()
        .and_then(|c| c.county().map(str::to_string))
        .ok_or(ServiceError::NotFound)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentDto {
    pub key: String,
    pub name: String,
    /// One of the 24-hour rights linkage.
    pub in_linkage: bool,
    pub ack_hours: i64,
    pub urgent_ack_hours: i64,
    /// Days from acknowledging a referral to recording what was done.
    pub action_days: i64,
    pub duty_phone: String,
    /// Whether a group robot is set (its address is not shown).
    pub webhook_set: bool,
    pub officers: Vec<OfficerDto>,
    pub version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfficerDto {
    pub username: String,
    pub display_name: String,
    /// `liaison` or `head`.
    pub position: String,
}

impl From<&DepartmentView> for DepartmentDto {
    fn from(d: &DepartmentView) -> Self {
        Self {
            key: d.key.clone(),
            name: d.name.clone(),
            in_linkage: d.in_linkage,
            ack_hours: d.ack_hours,
            urgent_ack_hours: d.urgent_ack_hours,
            action_days: d.action_days,
            duty_phone: d.duty_phone.clone(),
            webhook_set: d.webhook_set,
            officers: d
                .liaisons
                .iter()
                .map(|o| OfficerDto {
                    username: o.username.clone(),
                    display_name: o.display_name.clone(),
                    position: o.position.clone(),
                })
                .collect(),
            version: d.version,
        }
    }
}

/// The departments of the mechanism in the place's county, with their officers.
#[utoipa::path(get, path = "/api/v1/places/{code}/departments", tag = "linkage",
    params(("code" = String, Path)),
    responses((status = 200, body = Vec<DepartmentDto>),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn departments(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<DepartmentDto>>> {
    let county = county(&code).map_err(api(lang))?;
    let list = s
        .services
        .departments(&caller, &county)
        .await
        .map_err(api(lang))?;
    Ok(Json(list.iter().map(DepartmentDto::from).collect()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DepartmentBodyDto {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub in_linkage: bool,
    #[serde(default)]
    pub ack_hours: i64,
    #[serde(default)]
    pub urgent_ack_hours: i64,
    /// Days from acknowledging a referral to recording what was done (1 to 90); absent keeps
    /// the present limit (7 days at first).
    #[serde(default)]
    pub action_days: Option<i64>,
    #[serde(default)]
    pub duty_phone: String,
    /// A group robot's address (http:// or https://); empty keeps the present one, `-` removes it.
    #[serde(default)]
    pub webhook_url: String,
    #[serde(default)]
    pub expected_version: i64,
}

/// Changes a department's settings (staff managing the county). 409 if it changed meanwhile.
#[utoipa::path(put, path = "/api/v1/places/{code}/departments/{key}", tag = "linkage",
    params(("code" = String, Path), ("key" = String, Path)), request_body = DepartmentBodyDto,
    responses((status = 200, body = DepartmentDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update_department(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path((code, key)): Path<(String, String)>,
    body: Result<Json<DepartmentBodyDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<DepartmentDto>> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let county = county(&code).map_err(api(lang))?;
    let input = DepartmentInput {
        name: b.name,
        in_linkage: b.in_linkage,
        ack_hours: b.ack_hours,
        urgent_ack_hours: b.urgent_ack_hours,
        action_days: b.action_days,
        duty_phone: b.duty_phone,
        webhook_url: b.webhook_url,
        expected_version: b.expected_version,
    };
    let v = s
        .services
        .update_department(&caller, &county, &key, &input)
        .await
        .map_err(api(lang))?;
    Ok(Json((&v).into()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct OfficerBodyDto {
    #[serde(default)]
    pub username: String,
    /// `liaison` or `head` (escalations reach heads after liaisons).
    #[serde(default)]
    pub position: String,
}

/// Makes an account holding the liaison role an officer of a department.
#[utoipa::path(post, path = "/api/v1/places/{code}/departments/{key}/officers", tag = "linkage",
    params(("code" = String, Path), ("key" = String, Path)), request_body = OfficerBodyDto,
    responses((status = 204),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn set_officer(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path((code, key)): Path<(String, String)>,
    body: Result<Json<OfficerBodyDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let county = county(&code).map_err(api(lang))?;
    s.services
        .set_liaison(&caller, &county, &key, &b.username, &b.position)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDto {
    pub id: Uuid,
    pub place_path: String,
    /// Masked unless the reader owns the case or a referral shares it; empty when not shared.
    pub victim_name: String,
    pub victim_phone: String,
    pub abuser_name: String,
    pub relationship: String,
    pub violence: Vec<String>,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::linkage::Severity>)]
    pub severity: String,
    pub risk_factors: Vec<String>,
    /// low, medium or high, from the risk assessment.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::screening::Risk>)]
    pub risk: String,
    pub children: Option<i64>,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::linkage::CaseSource>)]
    pub source: String,
    pub received_on: NaiveDate,
    pub narrative: String,
    pub consent_to_share: bool,
    /// In clear for the owner or a department a referral shares it with, masked for other
    /// staff; empty for everyone but the owner when it is confidential.
    pub victim_address: String,
    /// The address is confidential (a shelter): only the owner sees it, no referral shares it.
    pub address_confidential: bool,
    pub open: bool,
    pub owner: String,
    pub version: i64,
}

impl From<&CaseView> for CaseDto {
    fn from(c: &CaseView) -> Self {
        Self {
            id: c.id,
            place_path: c.place_path.clone(),
            victim_name: c.victim_name.clone(),
            victim_phone: c.victim_phone.clone(),
            abuser_name: c.abuser_name.clone(),
            relationship: c.relationship.clone(),
            violence: c.violence.iter().map(|k| k.key().into()).collect(),
            severity: c.severity.key().into(),
            risk_factors: c.risk_factors.iter().map(|k| k.key().into()).collect(),
            risk: c.risk.key().into(),
            children: c.children,
            source: c.source.key().into(),
            victim_address: c.victim_address.clone(),
            address_confidential: c.address_confidential,
            received_on: c.received_on,
            narrative: c.narrative.clone(),
            consent_to_share: c.consent_to_share,
            open: c.open,
            owner: c.owner.clone(),
            version: c.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralDto {
    pub id: Uuid,
    pub case_id: Uuid,
    pub department: String,
    pub department_name: String,
    pub requests: Vec<String>,
    pub urgent: bool,
    pub shared: Vec<String>,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::linkage::Basis>)]
    pub basis: String,
    pub basis_note: String,
    pub note: String,
    /// sent, acknowledged or done.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::linkage::ReferralStatus>)]
    pub status: String,
    pub sent_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub action: String,
    pub done_at: Option<DateTime<Utc>>,
    /// Not acknowledged and past its deadline.
    pub overdue: bool,
    pub version: i64,
    /// Acknowledged, nothing recorded yet: when what the department did is due (in the answer
    /// for one referral).
    pub action_due_at: Option<DateTime<Utc>>,
}

impl From<&ReferralView> for ReferralDto {
    fn from(r: &ReferralView) -> Self {
        Self {
            id: r.id,
            case_id: r.case_id,
            department: r.department_key.clone(),
            department_name: r.department_name.clone(),
            requests: r.requests.iter().map(|k| k.key().into()).collect(),
            urgent: r.urgent,
            shared: r.shared.iter().map(|k| k.key().into()).collect(),
            basis: r.basis.key().into(),
            basis_note: r.basis_note.clone(),
            note: r.note.clone(),
            status: r.status.key().into(),
            sent_at: r.sent_at,
            due_at: r.due_at,
            acknowledged_at: r.acknowledged_at,
            action: r.action.clone(),
            done_at: r.done_at,
            overdue: r.overdue,
            version: r.version,
            action_due_at: r.action_due_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstrumentDto {
    pub id: Uuid,
    pub instrument: String,
    pub started_at: DateTime<Utc>,
    pub urgent: bool,
    pub party: Option<String>,
    /// A mandatory report's reporter: shown to the case's owner only.
    pub reporter: String,
    pub reference: String,
    pub note: String,
    pub status: String,
    pub valid_until: Option<NaiveDate>,
    pub events: Vec<InstrumentEventDto>,
    pub version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstrumentEventDto {
    pub event: String,
    pub on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceDto {
    pub id: Uuid,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClockDto {
    #[schema(schema_with = crate::api::kind::<jinguo_domain::linkage::DeadlineKind>)]
    pub kind: String,
    pub due_at: DateTime<Utc>,
    /// How far the escalation climbed: 0 before the deadline.
    pub level: i64,
    pub done: bool,
    pub overdue: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseStepDto {
    pub kind: String,
    pub at: DateTime<Utc>,
    pub by: String,
    pub department: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetailDto {
    pub case: CaseDto,
    /// Staff only: the files kept with the case (names masked unless the reader owns it).
    pub evidence: Vec<EvidenceDto>,
    /// Staff only: every step of the case.
    pub steps: Vec<CaseStepDto>,
    /// A department sees its own referrals only.
    pub referrals: Vec<ReferralDto>,
    pub instruments: Vec<InstrumentDto>,
    pub clocks: Vec<ClockDto>,
}

fn detail(c: &CaseView, r: &CaseRecords) -> CaseDetailDto {
    CaseDetailDto {
        case: c.into(),
        evidence: r
            .evidence
            .iter()
            .map(|e| EvidenceDto {
                id: e.id,
                name: e.name.clone(),
                media_type: e.media_type.clone(),
                size: e.size,
                created_by: e.created_by.clone(),
                created_at: e.created_at,
            })
            .collect(),
        steps: r
            .steps
            .iter()
            .map(|s| CaseStepDto {
                kind: s.kind.clone(),
                at: s.at,
                by: s.by.clone(),
                department: s.department.clone(),
            })
            .collect(),
        referrals: r.referrals.iter().map(ReferralDto::from).collect(),
        instruments: r
            .instruments
            .iter()
            .map(|i| InstrumentDto {
                id: i.id,
                instrument: i.kind.key().into(),
                started_at: i.started_at,
                urgent: i.urgent,
                party: i.party.map(|p| p.key().into()),
                reporter: i.reporter.clone(),
                reference: i.reference.clone(),
                note: i.note.clone(),
                status: i.status.clone(),
                valid_until: i.valid_until,
                events: i
                    .events
                    .iter()
                    .map(|e| InstrumentEventDto {
                        event: e.event.key().into(),
                        on: e.on,
                        valid_until: e.valid_until,
                        note: e.note.clone(),
                    })
                    .collect(),
                version: i.version,
            })
            .collect(),
        clocks: r
            .clocks
            .iter()
            .map(|c| ClockDto {
                kind: c.kind.key().into(),
                due_at: c.due_at,
                level: c.level,
                done: c.done,
                overdue: c.overdue,
            })
            .collect(),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// Only the open cases.
    pub open: Option<bool>,
}

/// The domestic-violence cases below a place the caller manages (names masked).
#[utoipa::path(get, path = "/api/v1/places/{code}/cases", tag = "linkage",
    params(("code" = String, Path), CaseQuery),
    responses((status = 200, body = Vec<CaseDto>),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn place_cases(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<CaseQuery>,
) -> ApiResult<Json<Vec<CaseDto>>> {
    let list = s
        .services
        .cases(&caller, &code, q.open.unwrap_or(false))
        .await
        .map_err(api(lang))?;
    Ok(Json(list.iter().map(CaseDto::from).collect()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewCaseDto {
    /// A registered person, when the victim is one.
    #[serde(default)]
    pub victim_person_id: Option<Uuid>,
    #[serde(default)]
    pub victim_name: String,
    #[serde(default)]
    pub victim_phone: String,
    #[serde(default)]
    pub abuser_name: String,
    /// The person who used violence, to the victim.
    #[serde(default)]
    pub relationship: String,
    /// physical, psychological, sexual, economic, stalking, neglect.
    #[serde(default)]
    pub violence: Vec<String>,
    /// minor, serious, severe.
    #[serde(default)]
    #[schema(schema_with = crate::api::kind::<jinguo_domain::linkage::Severity>)]
    pub severity: String,
    /// The risk assessment's factors answered yes.
    #[serde(default)]
    pub risk_factors: Vec<String>,
    #[serde(default)]
    pub children: i64,
    /// hotline, screening, police, mandatory_report, walk_in.
    #[serde(default)]
    #[schema(schema_with = crate::api::kind::<jinguo_domain::linkage::CaseSource>)]
    pub source: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub received_on: String,
    #[serde(default)]
    pub narrative: String,
    #[serde(default)]
    pub consent_to_share: bool,
    /// Where the victim can be found (optional, sealed).
    #[serde(default)]
    pub victim_address: String,
    /// The address is confidential (a shelter): only the owner sees it, no referral shares it.
    #[serde(default)]
    pub address_confidential: bool,
}

/// Registers a case at a place the caller manages; she becomes its owner.
#[utoipa::path(post, path = "/api/v1/places/{code}/cases", tag = "linkage",
    params(("code" = String, Path)), request_body = NewCaseDto,
    responses((status = 201, body = CreatedDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn register_case(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<NewCaseDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = CaseInput {
        victim_person_id: b.victim_person_id,
        victim_name: b.victim_name,
        victim_phone: b.victim_phone,
        abuser_name: b.abuser_name,
        relationship: b.relationship,
        violence: b.violence,
        severity: b.severity,
        risk_factors: b.risk_factors,
        children: b.children,
        source: b.source,
        received_on: b.received_on,
        narrative: b.narrative,
        consent_to_share: b.consent_to_share,
        victim_address: b.victim_address,
        address_confidential: b.address_confidential,
    };
    let id = s
        .services
        .register_case(&caller, &code, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

/// One case with what the reader may see of it. Audited.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "linkage",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CaseDetailDto),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_case(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<CaseDetailDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let (c, r) = s.services.case(&caller, id).await.map_err(api(lang))?;
    Ok(Json(detail(&c, &r)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct VersionDto {
    #[serde(default)]
    pub expected_version: i64,
}

/// Closes a case; its clocks stop. 409 if it changed meanwhile.
#[utoipa::path(post, path = "/api/v1/cases/{id}/close", tag = "linkage",
    params(("id" = Uuid, Path)), request_body = VersionDto,
    responses((status = 204),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn close_case(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<VersionDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    s.services
        .close_case(&caller, id, b.expected_version)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AddressConfidentialDto {
    /// Whether the victim's address is confidential.
    #[serde(default)]
    pub confidential: bool,
}

/// Marks the victim's address confidential (a shelter), or no longer: the case's owner only.
/// Confidential, nobody else sees it and no referral shares it. Audited.
#[utoipa::path(post, path = "/api/v1/cases/{id}/address-confidential", tag = "linkage",
    params(("id" = Uuid, Path)), request_body = AddressConfidentialDto,
    responses((status = 204),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn address_confidential(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<AddressConfidentialDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    s.services
        .set_address_confidential(&caller, id, b.confidential)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ReferralBodyDto {
    /// The department's key: police, court, procuratorate, civil_affairs, health, education …
    #[serde(default)]
    pub department: String,
    /// protection, medical, shelter, legal_aid, schooling, relief, counselling, investigation.
    #[serde(default)]
    pub requests: Vec<String>,
    #[serde(default)]
    pub urgent: bool,
    /// What the department sees: victim, contact, abuser, narrative, children.
    #[serde(default)]
    pub shared: Vec<String>,
    /// consent, law or override.
    #[serde(default)]
    #[schema(schema_with = crate::api::kind::<jinguo_domain::linkage::Basis>)]
    pub basis: String,
    /// The article of law, or the reason of an override.
    #[serde(default)]
    pub basis_note: String,
    /// An earlier deadline than the department's own (RFC 3339), if the case needs one.
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub note: String,
}

/// Refers a case to a department; its officers are told at once and its clock starts.
#[utoipa::path(post, path = "/api/v1/cases/{id}/referrals", tag = "linkage",
    params(("id" = Uuid, Path)), request_body = ReferralBodyDto,
    responses((status = 201, body = ReferralDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn refer(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<ReferralBodyDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<ReferralDto>)> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = ReferralInput {
        department: b.department,
        requests: b.requests,
        urgent: b.urgent,
        shared: b.shared,
        basis: b.basis,
        basis_note: b.basis_note,
        due_at: b.due_at,
        note: b.note,
    };
    let r = s
        .services
        .refer(&caller, id, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json((&r).into())))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct InstrumentBodyDto {
    /// warning_letter, protection_order, mandatory_report, shelter.
    #[serde(default)]
    pub instrument: String,
    /// When it was issued, filed, reported, or the placement began (RFC 3339).
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    /// An urgent order application (24 h), or a report concerning a minor (at once).
    #[serde(default)]
    pub urgent: bool,
    /// Who applied or reported: victim, relative, federation, police, committee, relief_agency,
    /// school, hospital.
    #[serde(default)]
    pub party: String,
    /// A mandatory report's reporter (kept confidential).
    #[serde(default)]
    pub reporter: String,
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub note: String,
}

/// Records a legal instrument on a case and starts its clock.
#[utoipa::path(post, path = "/api/v1/cases/{id}/instruments", tag = "linkage",
    params(("id" = Uuid, Path)), request_body = InstrumentBodyDto,
    responses((status = 201, body = CreatedDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn add_instrument(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<InstrumentBodyDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = InstrumentInput {
        instrument: b.instrument,
        started_at: b.started_at,
        urgent: b.urgent,
        party: b.party,
        reporter: b.reporter,
        reference: b.reference,
        note: b.note,
    };
    let id = s
        .services
        .add_instrument(&caller, id, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct EventBodyDto {
    #[serde(default)]
    pub expected_version: i64,
    /// followup, granted, rejected, extended, violation, acted, sheltered, ended.
    #[serde(default)]
    pub event: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub on: String,
    /// Granted or extended order: YYYY-MM-DD, six months at most.
    #[serde(default)]
    pub valid_until: String,
    #[serde(default)]
    pub note: String,
}

/// Records what happened to an instrument; the clock it answers stops.
#[utoipa::path(post, path = "/api/v1/instruments/{id}/events", tag = "linkage",
    params(("id" = Uuid, Path)), request_body = EventBodyDto,
    responses((status = 204),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn add_event(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<EventBodyDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = EventInput {
        event: b.event,
        on: b.on,
        valid_until: b.valid_until,
        note: b.note,
    };
    s.services
        .add_event(&caller, id, b.expected_version, &input)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The referrals made to the caller's departments (a liaison officer).
#[utoipa::path(get, path = "/api/v1/referrals", tag = "linkage",
    responses((status = 200, body = Vec<ReferralDto>),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn my_referrals(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
) -> ApiResult<Json<Vec<ReferralDto>>> {
    let list = s.services.my_referrals(&caller).await.map_err(api(lang))?;
    Ok(Json(list.iter().map(ReferralDto::from).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralDetailDto {
    pub referral: ReferralDto,
    /// The case as the reader may see it: for a department, only the fields shared.
    pub case: CaseDto,
}

/// A referral with what its department may see of the case. Audited.
#[utoipa::path(get, path = "/api/v1/referrals/{id}", tag = "linkage",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ReferralDetailDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn get_referral(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<ReferralDetailDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let (r, c) = s.services.referral(&caller, id).await.map_err(api(lang))?;
    Ok(Json(ReferralDetailDto {
        referral: (&r).into(),
        case: (&c).into(),
    }))
}

/// The department acknowledges the referral: its clock stops. 422 for a department that was not
/// referred; 409 if it changed meanwhile.
#[utoipa::path(post, path = "/api/v1/referrals/{id}/acknowledge", tag = "linkage",
    params(("id" = Uuid, Path)), request_body = VersionDto,
    responses((status = 200, body = ReferralDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn acknowledge(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<VersionDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<ReferralDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let r = s
        .services
        .acknowledge(&caller, id, b.expected_version)
        .await
        .map_err(api(lang))?;
    Ok(Json((&r).into()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ActionBodyDto {
    #[serde(default)]
    pub expected_version: i64,
    /// What the department did.
    #[serde(default)]
    pub action: String,
    /// The department has finished.
    #[serde(default)]
    pub done: bool,
}

/// The department records what it did.
#[utoipa::path(post, path = "/api/v1/referrals/{id}/actions", tag = "linkage",
    params(("id" = Uuid, Path)), request_body = ActionBodyDto,
    responses((status = 200, body = ReferralDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn record_action(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<ActionBodyDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<ReferralDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let r = s
        .services
        .record_action(&caller, id, b.expected_version, &b.action, b.done)
        .await
        .map_err(api(lang))?;
    Ok(Json((&r).into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationDto {
    pub id: Uuid,
    pub kind: String,
    /// In the reader's language; names no person.
    pub text: String,
    pub link: String,
    /// The escalation level that sent it (0: not an escalation).
    pub level: i64,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InboxDto {
    pub unread: i64,
    pub notifications: Vec<NotificationDto>,
}

impl From<&NotificationView> for NotificationDto {
    fn from(n: &NotificationView) -> Self {
        Self {
            id: n.id,
            kind: n.kind.clone(),
            text: n.text.clone(),
            link: n.link.clone(),
            level: n.level,
            created_at: n.created_at,
            read: n.read,
        }
    }
}

/// The caller's inbox, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "linkage",
    responses((status = 200, body = InboxDto)))]
async fn notifications(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
) -> ApiResult<Json<InboxDto>> {
    let (list, unread) = s.services.inbox(&caller, lang).await.map_err(api(lang))?;
    Ok(Json(InboxDto {
        unread,
        notifications: list.iter().map(NotificationDto::from).collect(),
    }))
}

/// Marks one of the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "linkage",
    params(("id" = Uuid, Path)),
    responses((status = 204),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn mark_read(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    s.services.mark_read(&caller, id).await.map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoardDto {
    pub department: String,
    pub name: String,
    pub in_linkage: bool,
    pub open: i64,
    pub overdue: i64,
    /// Referrals sent to it in the period.
    pub sent: i64,
    pub waiting: Vec<WaitingDto>,
    pub months: Vec<MonthDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WaitingDto {
    pub referral: Uuid,
    pub case_id: Uuid,
    pub due_at: DateTime<Utc>,
    /// Negative when overdue.
    pub minutes_left: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthDto {
    /// `2026-11`.
    pub month: String,
    pub acknowledged: i64,
    pub average_minutes: f64,
}

impl From<&BoardLine> for BoardDto {
    fn from(b: &BoardLine) -> Self {
        Self {
            department: b.key.clone(),
            name: b.name.clone(),
            in_linkage: b.in_linkage,
            open: b.open,
            overdue: b.overdue,
            sent: b.sent,
            waiting: b
                .waiting
                .iter()
                .map(|w| WaitingDto {
                    referral: w.referral,
                    case_id: w.case_id,
                    due_at: w.due_at,
                    minutes_left: w.minutes_left,
                })
                .collect(),
            months: b
                .months
                .iter()
                .map(|m| MonthDto {
                    month: m.month.clone(),
                    acknowledged: m.acknowledged,
                    average_minutes: m.average_minutes,
                })
                .collect(),
        }
    }
}

/// The linkage board of a place the caller manages: per department, over a period (the last
/// twelve months without one).
#[utoipa::path(get, path = "/api/v1/places/{code}/linkage", tag = "linkage",
    params(("code" = String, Path), super::PeriodQuery),
    responses((status = 200, body = Vec<BoardDto>),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn board(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<super::PeriodQuery>,
) -> ApiResult<Json<Vec<BoardDto>>> {
    let period = q.optional().map_err(api(lang))?;
    let b = s
        .services
        .linkage_board(&caller, &code, period)
        .await
        .map_err(api(lang))?;
    Ok(Json(b.iter().map(BoardDto::from).collect()))
}

/// The board as a workbook (XLSX, in the caller's language).
#[utoipa::path(get, path = "/api/v1/places/{code}/linkage/export", tag = "linkage",
    params(("code" = String, Path), super::PeriodQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn board_workbook(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<super::PeriodQuery>,
) -> ApiResult<axum::response::Response> {
    let period = q.optional().map_err(api(lang))?;
    let bytes = s
        .services
        .linkage_workbook(&caller, &code, period, lang)
        .await
        .map_err(api(lang))?;
    Ok(super::reports::place_workbook(bytes, "linkage", &code))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxDto {
    pub id: Uuid,
    /// webhook or sms.
    pub channel: String,
    /// The robot's address without its secret, or the number masked.
    pub target: String,
    /// pending, delivered or failed.
    pub status: String,
    pub attempts: i64,
    pub last_error: String,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// The newest outside messages and their delivery.
#[utoipa::path(get, path = "/api/v1/outbox", tag = "linkage",
    responses((status = 200, body = Vec<OutboxDto>),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn outbox(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
) -> ApiResult<Json<Vec<OutboxDto>>> {
    use jinguo_services::linkage::from_ms;
    let rows = s.services.outbox(&caller).await.map_err(api(lang))?;
    Ok(Json(
        rows.into_iter()
            .map(|o| OutboxDto {
                id: o.id,
                channel: o.channel,
                target: o.target,
                status: o.status,
                attempts: o.attempts,
                last_error: o.last_error,
                created_at: from_ms(o.created_ms),
                delivered_at: o.delivered_ms.map(from_ms),
            })
            .collect(),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareConsentDto {
    /// A department's key; empty or absent: every department of the mechanism.
    #[serde(default)]
    pub department: String,
    /// A victim under 14 consents through her guardian: the guardian's name …
    #[serde(default)]
    pub guardian_name: String,
    /// … and relationship to the victim.
    #[serde(default)]
    pub guardian_relationship: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareConsentViewDto {
    pub id: Uuid,
    /// The department's name; absent: every department.
    pub department: Option<String>,
    pub guardian_name: Option<String>,
    pub guardian_relationship: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// The victim's consents to share the case (staff managing it).
#[utoipa::path(get, path = "/api/v1/cases/{id}/consents", tag = "linkage", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<ShareConsentViewDto>),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn share_consents(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<ShareConsentViewDto>>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let rows = s
        .services
        .share_consents(&caller, id)
        .await
        .map_err(api(lang))?;
    Ok(Json(
        rows.into_iter()
            .map(|k| ShareConsentViewDto {
                id: k.id,
                department: k.department,
                guardian_name: k.guardian_name,
                guardian_relationship: k.guardian_relationship,
                recorded_by: k.recorded_by,
                recorded_at: k.recorded_at,
                withdrawn_at: k.withdrawn_at,
            })
            .collect(),
    ))
}

/// Records the victim's consent to share the case with one department or all; a referral on the
/// basis of consent needs one in force.
#[utoipa::path(post, path = "/api/v1/cases/{id}/consents", tag = "linkage", params(("id" = Uuid, Path)),
    request_body = ShareConsentDto,
    responses((status = 201, body = super::CreatedDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn record_share_consent(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<ShareConsentDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<super::CreatedDto>)> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = jinguo_services::consent::ShareConsentInput {
        department: b.department,
        guardian_name: b.guardian_name,
        guardian_relationship: b.guardian_relationship,
    };
    let created = s
        .services
        .record_share_consent(&caller, id, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(super::CreatedDto { id: created })))
}

/// Withdraws a consent to share: referrals made on it share nothing more, and their departments
/// see the withdrawal.
#[utoipa::path(delete, path = "/api/v1/cases/{id}/consents/{consent}", tag = "linkage",
    params(("id" = Uuid, Path), ("consent" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn withdraw_share_consent(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path((id, consent)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let consent = parse_uuid(&consent).map_err(api(lang))?;
    s.services
        .withdraw_share_consent(&caller, id, consent)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}
