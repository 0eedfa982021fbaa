//! A women's representative's worklist, as a block of her home page (her group's page) and of
//! the campaign page (`templates/worklist.html`).

use super::FieldError;
use jinguo_domain::Lang;
use jinguo_domain::account::Role;
use jinguo_domain::worklist::{Query, Sort};
use jinguo_services::worklist::Worklist;
use jinguo_services::{Caller, ServiceError, Services};
use uuid::Uuid;

/// One thing due, as a badge.
pub(super) struct DueBadge {
    pub kind: &'static str,
    pub label: &'static str,
    pub on: String,
    /// Due today or past.
    pub urgent: bool,
}

pub(super) struct WorkLine {
    pub id: Uuid,
    pub code: String,
    pub head: String,
    pub address: String,
    /// The last visit's day, or empty.
    pub last_on: String,
    pub risk_colour: &'static str,
    pub risk: &'static str,
    pub due: Vec<DueBadge>,
}

pub(super) struct WorklistBlock {
    /// Where the search form goes (the page it is on).
    pub action: String,
    /// Hidden fields the page's address needs (the campaign page's place).
    pub keep: Vec<(String, String)>,
    pub sort: &'static str,
    pub sorts: Vec<(&'static str, &'static str)>,
    pub q: String,
    pub summary: String,
    pub lines: Vec<WorkLine>,
    pub errors: Vec<FieldError>,
    /// Her visits by campaign and risk, over all her households (the screening lines of her
    /// home page).
    pub risks_by_campaign: std::collections::HashMap<Uuid, [i64; 4]>,
}

/// The worklist block for a women's representative (`None` for anyone else). A refused search
/// names its field and shows the whole list.
pub(super) async fn block(
    s: &Services,
    caller: &Caller,
    lang: Lang,
    query: Query,
    campaign: Option<Uuid>,
    action: String,
    keep: Vec<(String, String)>,
) -> Result<Option<WorklistBlock>, ServiceError> {
    if !caller.has_role(Role::Representative) {
        return Ok(None);
    }
    let (w, errors, q) = match s.worklist(caller, &query, campaign).await {
        Ok(w) => (w, Vec::new(), query.search),
        Err(ServiceError::Invalid(e)) => {
            let errors =
                e.0.iter()
                    .map(|f| FieldError::new(format!("w-{}", f.field), f.message(lang)))
                    .collect();
            let w = s.worklist(caller, &Query::default(), campaign).await?;
            (w, errors, query.search)
        }
        Err(e) => return Err(e),
    };
    Ok(Some(render(w, lang, action, keep, q, errors)))
}

fn render(
    w: Worklist,
    lang: Lang,
    action: String,
    keep: Vec<(String, String)>,
    q: String,
    errors: Vec<FieldError>,
) -> WorklistBlock {
    let summary = match &w.search {
        Some(_) => lang
            .pick("找到 {n} 户（共 {t} 户）", "{n} found of {t} households")
            .replace("{n}", &w.items.len().to_string())
            .replace("{t}", &w.total.to_string()),
        None => lang
            .pick("共 {t} 户", "{t} households")
            .replace("{t}", &w.total.to_string()),
    };
    let today = w.today;
    WorklistBlock {
        risks_by_campaign: w.risks_by_campaign,
        action,
        keep,
        sort: w.sort.key(),
        sorts: Sort::ALL.iter().map(|s| (s.key(), s.label(lang))).collect(),
        q,
        summary,
        lines: w
            .items
            .into_iter()
            .map(|i| WorkLine {
                id: i.id,
                code: i.code,
                head: i.head,
                address: i.address,
                last_on: i.last_visit.map(|v| v.0.to_string()).unwrap_or_default(),
                risk_colour: i.last_visit.map(|v| v.1.colour()).unwrap_or("none"),
                risk: i.last_visit.map(|v| v.1.label(lang)).unwrap_or_default(),
                due: i
                    .due
                    .iter()
                    .map(|d| DueBadge {
                        kind: d.kind.key(),
                        label: d.kind.label(lang),
                        on: d.on.to_string(),
                        urgent: d.on <= today,
                    })
                    .collect(),
            })
            .collect(),
        errors,
    }
}
