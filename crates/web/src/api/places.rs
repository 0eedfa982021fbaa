//! Places: the one the overview opens on, and a place with its figures and the places below it.

use super::{ApiResult, PlaceRef};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, Problem};
use crate::lang::UiLang;
use axum::Json;
use axum::extract::{Path, State};
use jinguo_services::places::{Figures, PlaceView};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(home))
        .routes(routes!(get_place))
}

/// The figures of a place, counted from the records below it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FiguresDto {
    pub townships: i64,
    pub villages: i64,
    pub groups: i64,
    pub households: i64,
    pub executives: i64,
    pub representatives: i64,
}

impl From<&Figures> for FiguresDto {
    fn from(f: &Figures) -> Self {
        Self {
            townships: f.townships,
            villages: f.villages,
            groups: f.groups,
            households: f.households,
            executives: f.executives,
            representatives: f.representatives,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChildDto {
    #[serde(flatten)]
    pub place: PlaceRef,
    pub figures: FiguresDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceDto {
    #[serde(flatten)]
    pub place: PlaceRef,
    pub path: String,
    /// From the top of the tree down to this place.
    pub lineage: Vec<PlaceRef>,
    pub figures: FiguresDto,
    pub children: Vec<ChildDto>,
}

impl From<&PlaceView> for PlaceDto {
    fn from(v: &PlaceView) -> Self {
        Self {
            place: (&v.place).into(),
            path: v.place.path.clone(),
            lineage: v.lineage.iter().map(PlaceRef::from).collect(),
            figures: (&v.figures).into(),
            children: v
                .children
                .iter()
                .map(|c| ChildDto {
                    place: (&c.place).into(),
                    figures: (&c.figures).into(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HomeDto {
    /// The place the overview opens on; absent when nothing is loaded.
    pub place: Option<String>,
}

/// The place the overview opens on.
#[utoipa::path(get, path = "/api/v1/home", tag = "places",
    responses((status = 200, body = HomeDto), (status = 500, body = Problem, content_type = "application/problem+json")))]
async fn home(
    State(s): State<AppState>,
    ApiCaller(caller, _): ApiCaller,
) -> ApiResult<Json<HomeDto>> {
    Ok(Json(HomeDto {
        place: s.services.home_place(&caller),
    }))
}

/// A place with its lineage, its figures and its children's figures.
#[utoipa::path(get, path = "/api/v1/places/{code}", tag = "places",
    params(("code" = String, Path, description = "Division code, 2 to 15 digits")),
    responses((status = 200, body = PlaceDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_place(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    ApiCaller(caller, _): ApiCaller,
    Path(code): Path<String>,
) -> ApiResult<Json<PlaceDto>> {
    let v = s
        .services
        .place_view(&caller, &code)
        .await
        .map_err(|e| ApiError::new(e, lang))?;
    Ok(Json((&v).into()))
}
