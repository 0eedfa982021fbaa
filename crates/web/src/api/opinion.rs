//! Public opinion: the officer's desk, topics and their steps, items reported by hand, a
//! monitoring service's webhook, the county's sources and keyword rules.

use super::{ApiResult, CreatedDto, api, body_error, parse_uuid};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::Problem;
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use jinguo_services::meetings::{MeetingInput, MeetingLine, TaskInput};
use jinguo_services::opinion::{
    Incoming, Ingested, ItemView, RuleInput, SourceInput, StepInput, TopicLine,
};
use jinguo_services::opinion_categories::CategoryInput;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(desk))
        .routes(routes!(topics))
        .routes(routes!(topic))
        .routes(routes!(topic_step))
        .routes(routes!(report))
        .routes(routes!(webhook))
        .routes(routes!(sources, add_source))
        .routes(routes!(rules, add_rule))
        .routes(routes!(categories, add_category))
        .routes(routes!(rename_category))
        .routes(routes!(retire_category))
        .routes(routes!(meetings))
        .routes(routes!(add_meeting))
        .routes(routes!(meeting))
        .routes(routes!(finish_task))
        .routes(routes!(month_figures))
        .routes(routes!(month_workbook))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopicLineDto {
    pub id: Uuid,
    /// The first item's title; names masked unless the caller is an opinion officer.
    pub title: String,
    pub place_code: String,
    pub place_name: String,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::opinion::Stage>)]
    pub stage: String,
    /// A category key of the county (empty before judgement when no rule matched).
    pub category: String,
    /// `1` to `4` (I to IV), as a keyword rule proposes it.
    pub proposed_grade: Option<String>,
    /// `1` to `4`, as judged by a person.
    pub grade: Option<String>,
    pub items: i64,
    pub found_at: DateTime<Utc>,
    pub last_item_at: DateTime<Utc>,
    /// The earliest open clock.
    pub due_at: Option<DateTime<Utc>>,
    pub overdue: bool,
}

impl From<&TopicLine> for TopicLineDto {
    fn from(l: &TopicLine) -> Self {
        Self {
            id: l.id,
            title: l.title.clone(),
            place_code: l.place_code.clone(),
            place_name: l.place_name.clone(),
            stage: l.stage.key().into(),
            category: l.category.clone(),
            proposed_grade: l.proposed_grade.map(|g| g.key().into()),
            grade: l.grade.map(|g| g.key().into()),
            items: l.items,
            found_at: l.found_at,
            last_item_at: l.last_item_at,
            due_at: l.due_at,
            overdue: l.overdue,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeskDto {
    /// Topics found and not judged yet, oldest first.
    pub to_judge: Vec<TopicLineDto>,
    /// Judged topics not answered yet, by their next deadline.
    pub open: Vec<TopicLineDto>,
    /// Clocks running in her places.
    pub clocks_running: i64,
    /// Of which past their time.
    pub clocks_overdue: i64,
}

/// The desk of an opinion officer or a chair: topics to judge, open topics, clocks.
#[utoipa::path(get, path = "/api/v1/opinion/desk", tag = "opinion",
    responses((status = 200, body = DeskDto), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn desk(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
) -> ApiResult<Json<DeskDto>> {
    let d = s
        .services
        .opinion_desk(&caller, lang)
        .await
        .map_err(api(lang))?;
    Ok(Json(DeskDto {
        to_judge: d.to_judge.iter().map(Into::into).collect(),
        open: d.open.iter().map(Into::into).collect(),
        clocks_running: d.running,
        clocks_overdue: d.overdue,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TopicsQuery {
    /// A place (division code) whose topics to list; all of hers without it.
    place: Option<String>,
    /// `found`, `judged`, `handled`, `answered` or `closed`.
    stage: Option<String>,
}

/// Topics within the caller's places (chair or opinion officer; a department never).
#[utoipa::path(get, path = "/api/v1/opinion/topics", tag = "opinion", params(TopicsQuery),
    responses((status = 200, body = [TopicLineDto]), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn topics(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Query(q): Query<TopicsQuery>,
) -> ApiResult<Json<Vec<TopicLineDto>>> {
    let list = s
        .services
        .topics(&caller, q.place.as_deref(), q.stage.as_deref(), lang)
        .await
        .map_err(api(lang))?;
    Ok(Json(list.iter().map(Into::into).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpinionItemDto {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    pub link: String,
    pub source: String,
    pub found_at: DateTime<Utc>,
    /// The keyword scheme's words found in it.
    pub keywords: Vec<String>,
    /// The words that named its place.
    pub place_words: Vec<String>,
    /// The first item of which it is a near-duplicate.
    pub near_duplicate_of: Option<Uuid>,
    /// A topic it may belong to ("可能同一事件"), waiting for the officer.
    pub suggested_topic: Option<Uuid>,
}

impl From<&ItemView> for OpinionItemDto {
    fn from(i: &ItemView) -> Self {
        Self {
            id: i.id,
            title: i.title.clone(),
            body: i.body.clone(),
            link: i.link.clone(),
            source: i.source.clone(),
            found_at: i.found_at,
            keywords: i.keywords.clone(),
            place_words: i.place_words.clone(),
            near_duplicate_of: i.near_duplicate_of,
            suggested_topic: i.suggested_topic,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpinionClockDto {
    #[schema(schema_with = crate::api::kind::<jinguo_domain::linkage::DeadlineKind>)]
    pub kind: String,
    pub due_at: DateTime<Utc>,
    pub done: bool,
    pub overdue: bool,
    /// How far its escalation climbed.
    pub level: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpinionStepDto {
    #[schema(schema_with = crate::api::kind::<jinguo_domain::opinion::StepKind>)]
    pub kind: String,
    pub at: DateTime<Utc>,
    pub by: String,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopicDto {
    pub topic: TopicLineDto,
    /// Send it back with a step.
    pub version: i64,
    pub items: Vec<OpinionItemDto>,
    /// Items proposed as the same event, to confirm with the step `merge`.
    pub suggestions: Vec<OpinionItemDto>,
    pub clocks: Vec<OpinionClockDto>,
    pub steps: Vec<OpinionStepDto>,
    /// The public response drafted (published once the topic is `answered`).
    pub response: String,
    /// Whether the texts are in clear (an opinion officer) or with names masked.
    pub clear: bool,
}

/// A topic with its items, proposals, clocks and steps.
#[utoipa::path(get, path = "/api/v1/opinion/topics/{id}", tag = "opinion",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = TopicDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn topic(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<TopicDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let v = s
        .services
        .topic(&caller, id, lang)
        .await
        .map_err(api(lang))?;
    Ok(Json(TopicDto {
        topic: (&v.line).into(),
        version: v.version,
        items: v.items.iter().map(Into::into).collect(),
        suggestions: v.suggestions.iter().map(Into::into).collect(),
        clocks: v
            .clocks
            .iter()
            .map(|c| OpinionClockDto {
                kind: c.kind.clone(),
                due_at: c.due_at,
                done: c.done,
                overdue: c.overdue,
                level: c.level,
            })
            .collect(),
        steps: v
            .steps
            .iter()
            .map(|st| OpinionStepDto {
                kind: st.kind.key().into(),
                at: st.at,
                by: st.by.clone(),
                note: st.note.clone(),
            })
            .collect(),
        response: v.response.clone(),
        clear: v.clear,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicStepDto {
    /// `judge`, `handle`, `draft`, `approve`, `close` or `merge`.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::opinion::StepKind>)]
    pub step: String,
    pub expected_version: i64,
    /// For `judge`: a category key of the county.
    #[serde(default)]
    pub category: String,
    /// For `judge`: `1` to `4`.
    #[serde(default)]
    pub grade: String,
    /// What was done (required for `handle`).
    #[serde(default)]
    pub note: String,
    /// For `draft`: the public response (no resident ID or mobile numbers).
    #[serde(default)]
    pub response: String,
    /// For `merge`: the proposed item.
    #[serde(default)]
    pub item: Option<Uuid>,
}

/// A step on a topic. `approve` is the chair's of the topic's level (or above): the response is
/// published and the clocks stop. A stale `expected_version` answers 409 and writes nothing.
#[utoipa::path(post, path = "/api/v1/opinion/topics/{id}/steps", tag = "opinion",
    params(("id" = Uuid, Path)), request_body = TopicStepDto,
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn topic_step(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<TopicStepDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = StepInput {
        step: b.step,
        expected_version: b.expected_version,
        category: b.category,
        grade: b.grade,
        note: b.note,
        response: b.response,
        item: b.item,
    };
    s.services
        .topic_step(&caller, id, &input)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportDto {
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub link: String,
    /// The place it is about (a division code within her grants).
    pub place: String,
    /// From the 12338 hotline's log rather than seen by the reporter.
    #[serde(default)]
    pub hotline: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportedDto {
    pub id: Uuid,
    pub topic: Uuid,
    /// The first item of which it is a near-duplicate.
    pub near_duplicate_of: Option<Uuid>,
    /// Whether it started a topic of its own.
    pub new_topic: bool,
}

/// An item reported by hand (a women's representative, staff or an opinion officer).
#[utoipa::path(post, path = "/api/v1/opinion/items", tag = "opinion", request_body = ReportDto,
    responses((status = 201, body = ReportedDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn report(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    body: Result<Json<ReportDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<ReportedDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = Incoming {
        title: b.title,
        body: b.body,
        link: b.link,
        place: Some(b.place),
        ..Incoming::default()
    };
    match s
        .services
        .report_item(&caller, b.hotline, &input)
        .await
        .map_err(api(lang))?
    {
        Ingested::New {
            item,
            topic,
            near_duplicate_of,
            new_topic,
            ..
        } => Ok((
            StatusCode::CREATED,
            Json(ReportedDto {
                id: item,
                topic,
                near_duplicate_of,
                new_topic,
            }),
        )),
        Ingested::Duplicate => Err(api(lang)(jinguo_services::ServiceError::Conflict)),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookReceivedDto {
    /// Items stored.
    pub stored: usize,
    /// Items the source had given before (nothing written for them).
    pub duplicates: usize,
}

/// A monitoring service pushes items (`{"items": [{"title", "body", "link", "guid",
/// "published_at"}]}` or one item). No account: the header `X-Jinguo-Signature` must be
/// `sha256=` and the hex HMAC-SHA256 of the body under the source's shared secret, else 401.
#[utoipa::path(post, path = "/api/v1/opinion/webhook/{source}", tag = "opinion",
    params(("source" = Uuid, Path)),
    responses((status = 200, body = WebhookReceivedDto), (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn webhook(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    Path(source): Path<String>,
    crate::auth::ClientIp(ip): crate::auth::ClientIp,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<WebhookReceivedDto>> {
    let source = parse_uuid(&source).map_err(api(lang))?;
    let signature = headers
        .get("x-jinguo-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let out = s
        .services
        .webhook(source, signature, &body, &ip)
        .await
        .map_err(api(lang))?;
    let duplicates = out.iter().filter(|i| **i == Ingested::Duplicate).count();
    Ok(Json(WebhookReceivedDto {
        stored: out.len() - duplicates,
        duplicates,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpinionSourceDto {
    pub id: Uuid,
    #[schema(schema_with = crate::api::kind::<jinguo_domain::opinion::SourceKind>)]
    pub kind: String,
    pub name: String,
    pub url: String,
    /// What its last poll found.
    #[schema(schema_with = crate::api::kind::<jinguo_domain::opinion::SourceState>)]
    pub state: String,
    pub state_note: String,
    pub failures: i64,
    pub last_ok_at: Option<DateTime<Utc>>,
    pub last_item_at: Option<DateTime<Utc>>,
    pub next_poll_at: Option<DateTime<Utc>>,
    pub poll_minutes: i64,
    pub silent_hours: i64,
}

/// The sources of a county.
#[utoipa::path(get, path = "/api/v1/places/{code}/opinion-sources", tag = "opinion",
    params(("code" = String, Path)),
    responses((status = 200, body = [OpinionSourceDto]), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn sources(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<OpinionSourceDto>>> {
    let list = s
        .services
        .sources(&caller, &code)
        .await
        .map_err(api(lang))?;
    Ok(Json(
        list.into_iter()
            .map(|v| OpinionSourceDto {
                id: v.id,
                kind: v.kind.key().into(),
                name: v.name,
                url: v.url,
                state: v.state.key().into(),
                state_note: v.state_note,
                failures: v.failures,
                last_ok_at: v.last_ok_at,
                last_item_at: v.last_item_at,
                next_poll_at: v.next_poll_at,
                poll_minutes: v.poll_minutes,
                silent_hours: v.silent_hours,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOpinionSourceDto {
    /// `feed` or `webhook`.
    pub kind: String,
    pub name: String,
    /// A feed's address (http or https).
    #[serde(default)]
    pub url: String,
    /// Minutes between polls (5 to 1440; 30 when absent).
    #[serde(default)]
    pub poll_minutes: Option<i64>,
    /// The alarm when no item came for this many hours (72 when absent).
    #[serde(default)]
    pub silent_hours: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewOpinionSourceCreatedDto {
    pub id: Uuid,
    /// A webhook's shared secret, shown this once.
    pub secret: Option<String>,
}

/// A new source of a county (its federation staff).
#[utoipa::path(post, path = "/api/v1/places/{code}/opinion-sources", tag = "opinion",
    params(("code" = String, Path)), request_body = NewOpinionSourceDto,
    responses((status = 201, body = NewOpinionSourceCreatedDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn add_source(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<NewOpinionSourceDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<NewOpinionSourceCreatedDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = SourceInput {
        kind: b.kind,
        name: b.name,
        url: b.url,
        poll_minutes: b.poll_minutes,
        silent_hours: b.silent_hours,
    };
    let (id, secret) = s
        .services
        .add_source(&caller, &code, &input)
        .await
        .map_err(api(lang))?;
    Ok((
        StatusCode::CREATED,
        Json(NewOpinionSourceCreatedDto { id, secret }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpinionRuleDto {
    pub id: Uuid,
    pub name: String,
    pub subject_words: String,
    pub event_words: String,
    pub region_words: String,
    pub exclude_words: String,
    pub category: String,
    /// `1` to `4`: proposed only, a person confirms it at judgement.
    pub min_grade: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpinionCategoryDto {
    pub key: String,
    /// The name in the asked language.
    pub name: String,
    pub name_zh: String,
    pub name_en: String,
    /// Retired: offered no more, kept on the items and topics that have it and in figures.
    pub retired: bool,
}

impl OpinionCategoryDto {
    fn of(c: jinguo_services::opinion_categories::CategoryRow, lang: jinguo_domain::Lang) -> Self {
        OpinionCategoryDto {
            name: lang.pick(&c.name_zh, &c.name_en).to_string(),
            retired: c.retired_ms.is_some(),
            key: c.key,
            name_zh: c.name_zh,
            name_en: c.name_en,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpinionSchemeDto {
    pub rules: Vec<OpinionRuleDto>,
    pub categories: Vec<OpinionCategoryDto>,
}

/// A county's keyword scheme and categories.
#[utoipa::path(get, path = "/api/v1/places/{code}/opinion-rules", tag = "opinion",
    params(("code" = String, Path)),
    responses((status = 200, body = OpinionSchemeDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn rules(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
) -> ApiResult<Json<OpinionSchemeDto>> {
    let (rules, categories) = s.services.rules(&caller, &code).await.map_err(api(lang))?;
    Ok(Json(OpinionSchemeDto {
        rules: rules
            .into_iter()
            .map(|r| OpinionRuleDto {
                id: r.id,
                name: r.name,
                subject_words: r.subject_words,
                event_words: r.event_words,
                region_words: r.region_words,
                exclude_words: r.exclude_words,
                category: r.category,
                min_grade: r.min_grade,
            })
            .collect(),
        categories: categories
            .into_iter()
            .map(|c| OpinionCategoryDto::of(c, lang))
            .collect(),
    }))
}

/// A county's categories, the retired ones too (its federation staff).
#[utoipa::path(get, path = "/api/v1/places/{code}/opinion-categories", tag = "opinion",
    params(("code" = String, Path)),
    responses((status = 200, body = Vec<OpinionCategoryDto>), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn categories(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<OpinionCategoryDto>>> {
    let all = s
        .services
        .opinion_categories(&caller, &code)
        .await
        .map_err(api(lang))?;
    Ok(Json(
        all.into_iter()
            .map(|c| OpinionCategoryDto::of(c, lang))
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpinionCategoryBodyDto {
    /// The Chinese name (at most 40 characters, unlike the county's others).
    #[serde(default)]
    pub name_zh: String,
    /// The English name (at most 40 characters, unlike the county's others).
    #[serde(default)]
    pub name_en: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryCreatedDto {
    /// The new category's key, for rules and judgement.
    pub key: String,
}

/// A category the county adds (its federation staff); keyword rules and judgement may name it.
#[utoipa::path(post, path = "/api/v1/places/{code}/opinion-categories", tag = "opinion",
    params(("code" = String, Path)), request_body = OpinionCategoryBodyDto,
    responses((status = 201, body = CategoryCreatedDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn add_category(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<OpinionCategoryBodyDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CategoryCreatedDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = CategoryInput {
        name_zh: b.name_zh,
        name_en: b.name_en,
    };
    let key = s
        .services
        .add_opinion_category(&caller, &code, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CategoryCreatedDto { key })))
}

/// A category's names changed (its county's federation staff).
#[utoipa::path(put, path = "/api/v1/places/{code}/opinion-categories/{key}", tag = "opinion",
    params(("code" = String, Path), ("key" = String, Path)), request_body = OpinionCategoryBodyDto,
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn rename_category(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path((code, key)): Path<(String, String)>,
    body: Result<Json<OpinionCategoryBodyDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<StatusCode> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = CategoryInput {
        name_zh: b.name_zh,
        name_en: b.name_en,
    };
    s.services
        .rename_opinion_category(&caller, &code, &key, &input)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A category retired (its county's federation staff): offered no more, never deleted.
#[utoipa::path(post, path = "/api/v1/places/{code}/opinion-categories/{key}/retire", tag = "opinion",
    params(("code" = String, Path), ("key" = String, Path)),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn retire_category(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path((code, key)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    s.services
        .retire_opinion_category(&caller, &code, &key)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOpinionRuleDto {
    pub name: String,
    /// Words separated by spaces, commas or 、.
    #[serde(default)]
    pub subject_words: String,
    #[serde(default)]
    pub event_words: String,
    #[serde(default)]
    pub region_words: String,
    #[serde(default)]
    pub exclude_words: String,
    pub category: String,
    /// `1` to `4` (optional).
    #[serde(default)]
    pub min_grade: String,
}

/// A keyword rule of a county (its federation staff).
#[utoipa::path(post, path = "/api/v1/places/{code}/opinion-rules", tag = "opinion",
    params(("code" = String, Path)), request_body = NewOpinionRuleDto,
    responses((status = 201, body = CreatedDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn add_rule(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<NewOpinionRuleDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = RuleInput {
        name: b.name,
        subject_words: b.subject_words,
        event_words: b.event_words,
        region_words: b.region_words,
        exclude_words: b.exclude_words,
        category: b.category,
        min_grade: b.min_grade,
    };
    let id = s
        .services
        .add_rule(&caller, &code, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeetingsQuery {
    /// A place (division code) whose meetings to list; all of hers without it.
    place: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingLineDto {
    pub id: Uuid,
    pub place_code: String,
    pub place_name: String,
    pub met_on: chrono::NaiveDate,
    pub created_by: String,
}

impl From<&MeetingLine> for MeetingLineDto {
    fn from(l: &MeetingLine) -> Self {
        Self {
            id: l.id,
            place_code: l.place_code.clone(),
            place_name: l.place_name.clone(),
            met_on: l.met_on,
            created_by: l.created_by.clone(),
        }
    }
}

/// Review meetings (研判会) within the caller's places, the latest first.
#[utoipa::path(get, path = "/api/v1/opinion/meetings", tag = "opinion", params(MeetingsQuery),
    responses((status = 200, body = [MeetingLineDto]), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn meetings(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Query(q): Query<MeetingsQuery>,
) -> ApiResult<Json<Vec<MeetingLineDto>>> {
    let list = s
        .services
        .meetings(&caller, q.place.as_deref())
        .await
        .map_err(api(lang))?;
    Ok(Json(list.iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTaskDto {
    pub task: String,
    /// Who carries it.
    #[serde(default)]
    pub owner: String,
    /// `YYYY-MM-DD`: done by the end of that day; its clock escalates when passed.
    pub due_by: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMeetingDto {
    /// `YYYY-MM-DD`, not after today.
    pub met_on: String,
    pub attendees: String,
    pub conclusions: String,
    /// Topics reviewed (hers to read).
    #[serde(default)]
    pub topics: Vec<Uuid>,
    #[serde(default)]
    pub tasks: Vec<NewTaskDto>,
}

/// Records a review meeting of a place (its chair or an opinion officer over it); the
/// follow-up tasks' clocks start.
#[utoipa::path(post, path = "/api/v1/places/{code}/opinion-meetings", tag = "opinion",
    params(("code" = String, Path)), request_body = NewMeetingDto,
    responses((status = 201, body = CreatedDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn add_meeting(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    body: Result<Json<NewMeetingDto>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedDto>)> {
    let Json(b) = body.map_err(|r| body_error(&r, lang))?;
    let input = MeetingInput {
        met_on: b.met_on,
        attendees: b.attendees,
        conclusions: b.conclusions,
        topics: b.topics,
        tasks: b
            .tasks
            .into_iter()
            .map(|t| TaskInput {
                task: t.task,
                owner: t.owner,
                due_by: t.due_by,
            })
            .collect(),
    };
    let id = s
        .services
        .add_meeting(&caller, &code, &input)
        .await
        .map_err(api(lang))?;
    Ok((StatusCode::CREATED, Json(CreatedDto { id })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDto {
    pub id: Uuid,
    pub task: String,
    pub owner: String,
    pub due_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: String,
    pub overdue: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingDto {
    pub meeting: MeetingLineDto,
    pub attendees: String,
    /// Names masked unless the caller is an opinion officer.
    pub conclusions: String,
    /// The topics reviewed that the caller may read.
    pub topics: Vec<TopicLineDto>,
    pub tasks: Vec<TaskDto>,
    pub clear: bool,
}

/// A review meeting with its topics and follow-up tasks.
#[utoipa::path(get, path = "/api/v1/opinion/meetings/{id}", tag = "opinion",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = MeetingDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn meeting(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<MeetingDto>> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let v = s
        .services
        .meeting(&caller, id, lang)
        .await
        .map_err(api(lang))?;
    Ok(Json(MeetingDto {
        meeting: (&v.line).into(),
        attendees: v.attendees.clone(),
        conclusions: v.conclusions.clone(),
        topics: v.topics.iter().map(Into::into).collect(),
        tasks: v
            .tasks
            .iter()
            .map(|t| TaskDto {
                id: t.id,
                task: t.task.clone(),
                owner: t.owner.clone(),
                due_at: t.due_at,
                done_at: t.done_at,
                done_by: t.done_by.clone(),
                overdue: t.overdue,
            })
            .collect(),
        clear: v.clear,
    }))
}

/// Marks a follow-up task of a meeting done: its clock stops.
#[utoipa::path(post, path = "/api/v1/opinion/meetings/{id}/tasks/{task}/done", tag = "opinion",
    params(("id" = Uuid, Path), ("task" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn finish_task(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path((id, task)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = parse_uuid(&id).map_err(api(lang))?;
    let task = parse_uuid(&task).map_err(api(lang))?;
    s.services
        .finish_task(&caller, id, task)
        .await
        .map_err(api(lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// `YYYY-MM`; this month (China) without it.
    month: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpinionCountDto {
    pub key: String,
    pub label: String,
    pub n: i64,
}

fn counts(v: &[jinguo_services::opinion_figures::Count]) -> Vec<OpinionCountDto> {
    v.iter()
        .map(|c| OpinionCountDto {
            key: c.key.clone(),
            label: c.label.clone(),
            n: c.n,
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClockFiguresDto {
    #[schema(schema_with = crate::api::kind::<jinguo_domain::linkage::DeadlineKind>)]
    pub kind: String,
    pub limit_hours: i64,
    pub total: i64,
    /// Stopped within the limit.
    pub kept: i64,
    /// Stopped after the limit.
    pub late: i64,
    /// Open and past the limit.
    pub overdue: i64,
    /// Open within the limit.
    pub running: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthFiguresDto {
    pub place_code: String,
    pub place_name: String,
    pub month: String,
    pub items: i64,
    pub topics: i64,
    pub answered: i64,
    pub mean_answer_hours: Option<f64>,
    pub overdue: i64,
    pub by_source: Vec<OpinionCountDto>,
    pub by_category: Vec<OpinionCountDto>,
    pub by_grade: Vec<OpinionCountDto>,
    /// By the place's children (a township's villages, a county's townships).
    pub by_place: Vec<OpinionCountDto>,
    pub clocks: Vec<ClockFiguresDto>,
}

/// A level's monthly figures of public opinion: items by source, category, grade and place;
/// the topics' clocks against their limits; the time to a published answer.
#[utoipa::path(get, path = "/api/v1/places/{code}/opinion-figures", tag = "opinion",
    params(("code" = String, Path), MonthQuery, super::FiguresPeriodQuery),
    responses((status = 200, body = MonthFiguresDto), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn month_figures(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<MonthQuery>,
    Query(pq): Query<super::FiguresPeriodQuery>,
) -> ApiResult<Json<MonthFiguresDto>> {
    let period = pq.optional().map_err(api(lang))?;
    let f = s
        .services
        .opinion_figures_of(&caller, &code, q.month.as_deref(), period, lang)
        .await
        .map_err(api(lang))?;
    Ok(Json(MonthFiguresDto {
        overdue: f.overdue(),
        by_source: counts(&f.by_source),
        by_category: counts(&f.by_category),
        by_grade: counts(&f.by_grade),
        by_place: counts(&f.by_place),
        clocks: f
            .clocks
            .iter()
            .map(|c| ClockFiguresDto {
                kind: c.kind.key().into(),
                limit_hours: c.limit_hours,
                total: c.total,
                kept: c.kept,
                late: c.late,
                overdue: c.overdue,
                running: c.running,
            })
            .collect(),
        place_code: f.place_code,
        place_name: f.place_name,
        month: f.month,
        items: f.items,
        topics: f.topics,
        answered: f.answered,
        mean_answer_hours: f.mean_answer_hours,
    }))
}

/// The monthly figures as a workbook (XLSX, in the caller's language).
#[utoipa::path(get, path = "/api/v1/places/{code}/opinion-figures/export", tag = "opinion",
    params(("code" = String, Path), MonthQuery, super::FiguresPeriodQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn month_workbook(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
    Query(q): Query<MonthQuery>,
    Query(pq): Query<super::FiguresPeriodQuery>,
) -> ApiResult<axum::response::Response> {
    let period = pq.optional().map_err(api(lang))?;
    let bytes = s
        .services
        .opinion_month_workbook(&caller, &code, q.month.as_deref(), period, lang)
        .await
        .map_err(api(lang))?;
    Ok(super::reports::place_workbook(
        bytes,
        "opinion-figures",
        &code,
    ))
}
