//! The "1+N+1+1" chains: the chains of her counties with the form to define one and the records
//! attached within her reach (`/chains`), a chain with its records and the form to attach one
//! (`/chains/{id}`), and an attached record with its steps and the button that records the step
//! to take now done (`/chain-runs/{id}`).

use super::{Choice, Ctx, FieldError, FreeForm, error_page, field, page, refusal};
use crate::AppState;
use crate::auth::{CheckedForm, PageCaller};
use crate::lang::UiLang;
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jinguo_domain::chain::{ChainInput, StepInput, StepRole, Subject};
use jinguo_domain::supervision::Light;
use jinguo_services::chain::{ChainView, RunLine, RunView};
use jinguo_services::{Caller, ServiceError};
use std::collections::HashMap;
use uuid::Uuid;

/// The rows of steps the form to define a chain offers (1 + N + 1 + 1 with N up to 5).
const FORM_STEPS: usize = 8;

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct SavedQuery {
    saved: Option<String>,
}

#[derive(Template)]
#[template(path = "chains.html")]
struct ChainsPage {
    c: Ctx,
    title: String,
    chains: Vec<ChainView>,
    runs: Vec<RunLine>,
    staff: bool,
    roles: Vec<Choice>,
    places: Vec<Choice<String, String>>,
    rows: Vec<usize>,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    saved: bool,
}

impl ChainsPage {
    fn v(&self, name: &str) -> String {
        field(&self.f, name)
    }
    fn row(&self, i: &usize, name: &str) -> String {
        field(&self.f, &format!("steps[{i}].{name}"))
    }
    fn role(&self, r: &StepRole) -> &'static str {
        r.label(self.c.lang)
    }
    fn subject(&self, s: &Subject) -> &'static str {
        s.label(self.c.lang)
    }
    fn light(&self, l: &Light) -> &'static str {
        l.label(self.c.lang)
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_chains(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    status: StatusCode,
    saved: bool,
) -> Response {
    let (chains, runs) = match s.services.chains(caller).await {
        Ok(l) => l,
        Err(e) => return error_page(&e, c),
    };
    let p = ChainsPage {
        title: c.tr("chain.title").to_string(),
        chains,
        runs,
        staff: caller.has_role(jinguo_domain::account::Role::Staff),
        roles: StepRole::ALL
            .iter()
            .map(|k| Choice::new(k.key(), k.label(c.lang)))
            .collect(),
        places: super::staff_place_choices(s, caller)
            .await
            .into_iter()
            .filter(|p| p.value.len() == 6)
            .collect(),
        rows: (0..FORM_STEPS).collect(),
        f,
        errors,
        saved,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn chains_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Query(q): Query<SavedQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    render_chains(
        &s,
        c,
        &caller,
        HashMap::new(),
        Vec::new(),
        StatusCode::OK,
        q.saved.is_some(),
    )
    .await
}

/// Defines a chain; its steps are the rows `steps[i].step_role`, `…step_name`, `…step_unit`,
/// `…limit_days`.
pub(super) async fn define(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    CheckedForm(caller, form): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let f = form.fields;
    let steps = (0..FORM_STEPS)
        .map(|i| StepInput {
            role: field(&f, &format!("steps[{i}].step_role")),
            name: field(&f, &format!("steps[{i}].step_name")),
            unit: field(&f, &format!("steps[{i}].step_unit")),
            days: field(&f, &format!("steps[{i}].limit_days")),
        })
        .collect();
    let input = ChainInput {
        place: field(&f, "place"),
        name: field(&f, "chain_name"),
        steps,
    };
    match s.services.define_chain(&caller, &input).await {
        Ok(id) => Redirect::to(&format!("/chains/{id}?saved=1")).into_response(),
        Err(e) => match refusal(&e, &c, "error.conflict") {
            Some((errors, status)) => render_chains(&s, c, &caller, f, errors, status, false).await,
            None => error_page(&e, c),
        },
    }
}

#[derive(Template)]
#[template(path = "chain.html")]
struct ChainPage {
    c: Ctx,
    title: String,
    chain: ChainView,
    runs: Vec<RunLine>,
    subjects: Vec<Choice>,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    saved: bool,
}

impl ChainPage {
    fn v(&self, name: &str) -> String {
        field(&self.f, name)
    }
    fn role(&self, r: &StepRole) -> &'static str {
        r.label(self.c.lang)
    }
    fn subject(&self, s: &Subject) -> &'static str {
        s.label(self.c.lang)
    }
    fn light(&self, l: &Light) -> &'static str {
        l.label(self.c.lang)
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_chain(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    id: Uuid,
    f: HashMap<String, String>,
    errors: Vec<FieldError>,
    status: StatusCode,
    saved: bool,
) -> Response {
    let (chain, runs) = match s.services.chain_detail(caller, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, c),
    };
    let p = ChainPage {
        title: chain.name.clone(),
        chain,
        runs,
        subjects: Subject::ALL
            .iter()
            .map(|k| Choice::new(k.key(), k.label(c.lang)))
            .collect(),
        f,
        errors,
        saved,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn chain_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    render_chain(
        &s,
        c,
        &caller,
        id,
        HashMap::new(),
        Vec::new(),
        StatusCode::OK,
        q.saved.is_some(),
    )
    .await
}

/// Attaches a dispute or a case (its id in `subject`) to a chain.
pub(super) async fn attach(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    CheckedForm(caller, form): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    let f = form.fields;
    let subject = match field(&f, "subject").trim() {
        "" => None,
        v => match Uuid::parse_str(v) {
            Ok(u) => Some(u),
            Err(_) => {
                let e = jinguo_domain::FieldError::new("subject", "invalid");
                let errors = vec![FieldError::new("subject", e.message(lang))];
                return render_chain(
                    &s,
                    c,
                    &caller,
                    id,
                    f,
                    errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    false,
                )
                .await;
            }
        },
    };
    match s
        .services
        .attach_to_chain(&caller, id, &field(&f, "subject_kind"), subject)
        .await
    {
        Ok(run) => Redirect::to(&format!("/chain-runs/{run}?saved=1")).into_response(),
        Err(e) => match refusal(&e, &c, "error.conflict") {
            Some((errors, status)) => {
                render_chain(&s, c, &caller, id, f, errors, status, false).await
            }
            None => error_page(&e, c),
        },
    }
}

#[derive(Template)]
#[template(path = "chain_run.html")]
struct RunPage {
    c: Ctx,
    title: String,
    r: RunView,
    errors: Vec<FieldError>,
    saved: bool,
}

impl RunPage {
    fn role(&self, r: &StepRole) -> &'static str {
        r.label(self.c.lang)
    }
    fn subject(&self, s: &Subject) -> &'static str {
        s.label(self.c.lang)
    }
    fn light(&self, l: &Light) -> &'static str {
        l.label(self.c.lang)
    }
    fn when(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        jinguo_services::clock::local(*t)
    }
    fn may(&self, seq: &i64) -> bool {
        self.r.may_take == Some(*seq)
    }
    fn subject_link(&self) -> String {
        match self.r.line.subject {
            Subject::Dispute => format!("/disputes/{}", self.r.line.subject_id),
            Subject::Case => format!("/cases/{}", self.r.line.subject_id),
        }
    }
}

async fn render_run(
    s: &AppState,
    c: Ctx,
    caller: &Caller,
    id: Uuid,
    errors: Vec<FieldError>,
    status: StatusCode,
    saved: bool,
) -> Response {
    let r = match s.services.chain_run(caller, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&e, c),
    };
    let p = RunPage {
        title: r.chain_name.clone(),
        r,
        errors,
        saved,
        c,
    };
    page(p.render(), status)
}

pub(super) async fn run_page(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    PageCaller(caller, _): PageCaller,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    render_run(
        &s,
        c,
        &caller,
        id,
        Vec::new(),
        StatusCode::OK,
        q.saved.is_some(),
    )
    .await
}

/// Records the step to take now done (its number in `seq`).
pub(super) async fn take(
    State(s): State<AppState>,
    UiLang(lang): UiLang,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    CheckedForm(caller, form): CheckedForm<FreeForm>,
) -> Response {
    let c = Ctx::with(lang, &uri, &caller);
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(&ServiceError::NotFound, c);
    };
    let seq = field(&form.fields, "seq")
        .trim()
        .parse::<i64>()
        .unwrap_or(0);
    match s.services.take_chain_step(&caller, id, seq).await {
        Ok(()) => Redirect::to(&format!("/chain-runs/{id}?saved=1")).into_response(),
        Err(e) => match refusal(&e, &c, "error.conflict") {
            Some((errors, status)) => render_run(&s, c, &caller, id, errors, status, false).await,
            None => error_page(&e, c),
        },
    }
}
