//! The JSON API, `/api/v1`. Each handler translates one service call; errors are problem+json.

use crate::AppState;
use crate::error::{ApiError, Problem};
use axum::http::StatusCode;
use jinguo_services::ServiceError;
use jinguo_services::places::Place;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use uuid::Uuid;

pub(crate) mod access;
mod assessment;
mod audit;
mod care;
mod chain;
mod conference;
mod consent;
mod family;
mod federations;
mod hotline;
mod households;
pub(crate) mod import;
pub(crate) mod linkage;
mod mediation;
mod network;
mod opinion;
mod places;
mod reports;
pub(crate) mod screening;
mod session;
mod supervision;
mod tables;
mod training;
mod typical;
mod volunteer;
mod worklist;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Jinguo API",
        description = "Jinguo (巾帼): the work of a women's federation. Errors are application/problem+json with a machine-readable code, the field and a localized message (Accept-Language: zh-CN or en).",
        version = "1"
    ),
    components(schemas(Problem))
)]
struct ApiDoc;
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(session::router())
        .merge(places::router())
        .merge(households::router())
        .merge(audit::router())
        .merge(consent::router())
        .merge(network::router())
        .merge(access::router())
        .merge(screening::router())
        .merge(mediation::router())
        .merge(linkage::router())
        .merge(assessment::router())
        .merge(conference::router())
        .merge(care::router())
        .merge(import::router())
        .merge(reports::router())
        .merge(tables::router())
        .merge(federations::router())
        .merge(worklist::router())
        .merge(opinion::router())
        .merge(supervision::router())
        .merge(hotline::router())
        .merge(typical::router())
        .merge(family::router())
        .merge(volunteer::router())
        .merge(training::router())
        .merge(chain::router())
}

type ApiResult<T> = Result<T, ApiError>;

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceRef {
    /// Official statistical division code (resident groups: village code + 3 digits).
    pub code: String,
    pub name: String,
    /// `province`, `prefecture`, `county`, `township`, `village` or `group`.
    pub level: String,
}

impl From<&Place> for PlaceRef {
    fn from(p: &Place) -> Self {
        Self {
            code: p.code.clone(),
            name: p.name.clone(),
            level: p.level().key().to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedDto {
    pub id: Uuid,
}

/// The OpenAPI schema of a field holding a kind's key: a string, one of the kind's keys (the enum
/// declared once in the domain, see [`jinguo_domain::Kind`]).
pub(crate) fn kind<K: jinguo_domain::Kind>() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(K::keys()))
        .build()
}

fn api(lang: jinguo_domain::Lang) -> impl FnOnce(ServiceError) -> ApiError {
    move |e| ApiError::new(e, lang)
}

/// A body that could not be read: too large, or not the JSON the endpoint takes.
fn body_error(r: &axum::extract::rejection::JsonRejection, lang: jinguo_domain::Lang) -> ApiError {
    let mut e = jinguo_domain::ValidationErrors::new();
    let code = if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        "too_long"
    } else {
        "invalid"
    };
    e.push("body", code);
    ApiError::new(e.into(), lang)
}

pub(crate) fn invalid_body(lang: jinguo_domain::Lang) -> ApiError {
    let mut e = jinguo_domain::ValidationErrors::new();
    e.push("body", "invalid");
    ApiError::new(e.into(), lang)
}

pub(crate) fn parse_role(
    role: &str,
    lang: jinguo_domain::Lang,
) -> Result<jinguo_domain::account::Role, ApiError> {
    jinguo_domain::account::Role::parse(role).ok_or_else(|| {
        let mut e = jinguo_domain::ValidationErrors::new();
        e.push("role", "invalid");
        ApiError::new(e.into(), lang)
    })
}

/// A file to download: its bytes, media type and name.
pub(crate) fn download(
    bytes: Vec<u8>,
    content_type: &'static str,
    filename: &str,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    let mut r = bytes.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// The period figures are counted over: `period` alone ("2021", "2021-Q2", "2021-03",
/// "2021-01-01..2021-06-30"), or `year` (with `quarter`), or `month`, or `from` and `to`; this
/// year when none is given. An end before the start, more than ten years, or a start after today
/// is refused naming the field.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// "2021", "2021-Q2", "2021-03" or "2021-01-01..2021-06-30".
    pub period: Option<String>,
    /// A calendar year.
    pub year: Option<i32>,
    /// A quarter (1–4) of `year` (this year without it).
    pub quarter: Option<u32>,
    /// A month, "YYYY-MM".
    pub month: Option<String>,
    /// The first day (YYYY-MM-DD), with `to`.
    pub from: Option<String>,
    /// The last day (YYYY-MM-DD), included; at most ten years after `from`.
    pub to: Option<String>,
}

impl PeriodQuery {
    pub(crate) fn input(&self) -> jinguo_domain::period::PeriodInput {
        jinguo_domain::period::PeriodInput {
            period: self.period.clone(),
            year: self.year,
            quarter: self.quarter,
            month: self.month.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }

    /// The period asked for, or `None` when nothing was asked (all time, or the endpoint's own
    /// default).
    pub(crate) fn optional(&self) -> Result<Option<jinguo_domain::period::Period>, ServiceError> {
        let i = self.input();
        if i == jinguo_domain::period::PeriodInput::default() {
            return Ok(None);
        }
        self.period().map(Some)
    }

    pub(crate) fn period(&self) -> Result<jinguo_domain::period::Period, ServiceError> {
        Ok(jinguo_domain::period::Period::parse(
            &self.input(),
            jinguo_services::clock::today(),
        )?)
    }
}

/// The period figures are counted over, for an endpoint whose `month` chooses something else
/// (the calls listed, the month shown): `period`, or `year` (with `quarter`), or `from` and `to`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiguresPeriodQuery {
    /// "2021", "2021-Q2", "2021-03" or "2021-01-01..2021-06-30".
    pub period: Option<String>,
    /// A calendar year.
    pub year: Option<i32>,
    /// A quarter (1–4) of `year` (this year without it).
    pub quarter: Option<u32>,
    /// The first day (YYYY-MM-DD), with `to`.
    pub from: Option<String>,
    /// The last day (YYYY-MM-DD), included; at most ten years after `from`.
    pub to: Option<String>,
}

impl FiguresPeriodQuery {
    /// The period asked for, or `None` when none was.
    pub(crate) fn optional(self) -> Result<Option<jinguo_domain::period::Period>, ServiceError> {
        PeriodQuery {
            period: self.period,
            year: self.year,
            quarter: self.quarter,
            month: None,
            from: self.from,
            to: self.to,
        }
        .optional()
    }
}

fn parse_uuid(s: &str) -> Result<Uuid, ServiceError> {
    Uuid::parse_str(s).map_err(|_| ServiceError::NotFound)
}

#[cfg(test)]
mod schema_tests {
    /// The OpenAPI document keeps one schema per name: two structs of one name would leave one of
    /// them undocumented.
    #[test]
    fn every_schema_has_its_own_name() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut files = vec![std::path::PathBuf::from(format!("{dir}/api.rs"))];
        for e in std::fs::read_dir(format!("{dir}/api")).unwrap() {
            files.push(e.unwrap().path());
        }
        let mut seen = std::collections::HashMap::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let mut derive_schema = false;
            for line in text.lines() {
                let line = line.trim();
                if line.starts_with("#[derive(") {
                    derive_schema = line.contains("ToSchema");
                } else if let Some(rest) = line.strip_prefix("pub struct ") {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if derive_schema && let Some(other) = seen.insert(name.clone(), f.clone()) {
                        panic!(
                            "{name} is a schema in {} and {}",
                            other.display(),
                            f.display()
                        );
                    }
                    derive_schema = false;
                }
            }
        }
        assert!(seen.len() > 50, "{} schemas found", seen.len());
    }
}
