//! A women's representative's worklist (her home page, the campaign page and
//! `GET /api/v1/worklist`): the households she answers for, each with its head's name masked,
//! its address masked to the building, its last visit and risk, and what is due there — a visit
//! of a campaign open today, a registry entry's review, the follow-up a visit asked for. Sorted
//! by what is due or by address; searched on what the list shows, on the server, within her
//! households only.

use crate::audit::Record;
use crate::{Caller, ServiceError, Services, clock};
use chrono::NaiveDate;
use jinguo_domain::Kind as _;
use jinguo_domain::account::Role;
use jinguo_domain::mask;
use jinguo_domain::screening::Risk;
use jinguo_domain::worklist::{self as rules, Due, Sort, ValidQuery};
use jinguo_storage::worklist as store;
use std::collections::HashMap;
use uuid::Uuid;

/// The most households one worklist holds (a representative answers for a few dozen).
pub const WORKLIST_LIMIT: i64 = 1000;

/// One thing due in a household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueItem {
    pub kind: Due,
    /// The day it is due (a visit: its campaign's last day).
    pub on: NaiveDate,
    /// The campaign of a visit due.
    pub campaign: Option<Uuid>,
}

/// A household of the worklist, as she sees it.
#[derive(Debug, Clone)]
pub struct WorkItem {
    pub id: Uuid,
    pub code: String,
    /// The head's name, masked (empty when the household has no head recorded).
    pub head: String,
    /// The address, masked to the building.
    pub address: String,
    /// The last visit: its day and the risk it found.
    pub last_visit: Option<(NaiveDate, Risk)>,
    /// What is due, earliest first.
    pub due: Vec<DueItem>,
}

impl WorkItem {
    /// The earliest day something is due.
    pub fn next_due(&self) -> Option<NaiveDate> {
        self.due.first().map(|d| d.on)
    }
}

/// Her worklist: the households that answer the search, in the order asked for.
#[derive(Debug, Clone)]
pub struct Worklist {
    pub sort: Sort,
    pub search: Option<String>,
    /// The households she answers for (before the search).
    pub total: usize,
    pub items: Vec<WorkItem>,
    pub today: NaiveDate,
    /// Her visits by campaign and risk (none, low, medium, high), over the households she
    /// answers for (before the search): the screening lines of her home page, counted from what
    /// the list read anyway.
    pub risks_by_campaign: HashMap<Uuid, [i64; 4]>,
}

impl Services {
    /// The caller's worklist. Only a women's representative has one (others: forbidden); one
    /// whose account is not yet linked to her member record answers for no household. With
    /// `campaign`, the households inside that campaign and the visit it asks for. The read
    /// opens the heads' names and the addresses (to mask them), so it is audited.
    pub async fn worklist(
        &self,
        caller: &Caller,
        query: &rules::Query,
        campaign: Option<Uuid>,
    ) -> Result<Worklist, ServiceError> {
        if !caller.has_role(Role::Representative) {
            return Err(ServiceError::Forbidden);
        }
        let ValidQuery { sort, search } = query.validate()?;
        let today = clock::today();
        // Her households: those she answers for within her representative's grants, the very
        // reach of the household page (never a whole group, never emergency access).
        let scope = caller.worklist_scope();
        let only = match campaign {
            Some(id) => Some(self.visible_campaign(caller, id).await?),
            None => None,
        };
        let mut rows = store::households(&self.db, &scope, WORKLIST_LIMIT).await?;
        if let Some(c) = &only {
            rows.retain(|h| h.path.starts_with(&c.path));
        }
        let total = rows.len();
        let mut visits: HashMap<Uuid, Vec<store::WorkVisit>> = HashMap::new();
        for v in store::visits(&self.db, &scope).await? {
            visits.entry(v.household_id).or_default().push(v);
        }
        let entry_ref = |h: &Uuid| self.household_ref("registry_entry", h);
        let reviews: HashMap<String, NaiveDate> =
            store::reviews_due(&self.db, &scope, today, &entry_ref)
                .await?
                .into_iter()
                .collect();
        // Campaigns open today that she takes part in.
        let campaigns = self.cached().campaigns().await?;
        let open: Vec<_> = campaigns
            .iter()
            .filter(|c| c.starts_on <= today && today <= c.ends_on)
            .filter(|c| only.as_ref().is_none_or(|o| o.id == c.id))
            .filter(|c| Self::sees_campaign(caller, c))
            .collect();

        let mut risks_by_campaign: HashMap<Uuid, [i64; 4]> = HashMap::new();
        for h in &rows {
            for v in visits.get(&h.id).map(Vec::as_slice).unwrap_or_default() {
                let risk = Risk::stored(&v.risk)?;
                if let Some(i) = Risk::ALL.iter().position(|r| *r == risk) {
                    risks_by_campaign.entry(v.campaign_id).or_default()[i] += 1;
                }
            }
        }
        let mut items = Vec::with_capacity(rows.len());
        for h in rows {
            let head = match (&h.head_name, h.head_id) {
                (Some(sealed), Some(id)) => mask::name(&self.open("person", "name", &id, sealed)?),
                _ => String::new(),
            };
            let address = mask::building(&self.open("household", "address", &h.id, &h.address)?);
            if let Some(s) = &search
                && !rules::matches(s, &head, &address, &h.code)
            {
                continue;
            }
            let seen = visits.get(&h.id).map(Vec::as_slice).unwrap_or_default();
            let last = seen
                .iter()
                .max_by_key(|v| (v.visited_on, v.campaign_id))
                .map(|v| Ok::<_, ServiceError>((v, Risk::stored(&v.risk)?)))
                .transpose()?;
            let mut due = Vec::new();
            for c in open.iter().filter(|c| h.path.starts_with(&c.path)) {
                if !seen.iter().any(|v| v.campaign_id == c.id) {
                    due.push(DueItem {
                        kind: Due::Visit,
                        on: c.ends_on,
                        campaign: Some(c.id),
                    });
                }
            }
            if only.is_none()
                && let Some(on) = reviews.get(&entry_ref(&h.id))
            {
                due.push(DueItem {
                    kind: Due::Review,
                    on: *on,
                    campaign: None,
                });
            }
            if let Some((v, risk)) = &last
                && v.followup
                && only.is_none()
            {
                due.push(DueItem {
                    kind: Due::Followup,
                    on: rules::followup_due(v.visited_on, *risk),
                    campaign: None,
                });
            }
            due.sort_by_key(|d| (d.on, d.kind));
            items.push(WorkItem {
                id: h.id,
                code: h.code,
                head,
                address,
                last_visit: last.map(|(v, r)| (v.visited_on, r)),
                due,
            });
        }
        match sort {
            // Something due first, the earliest first; then the rest, as the tree orders them.
            Sort::Due => items.sort_by_key(|i| (i.next_due().is_none(), i.next_due())),
            Sort::Address => {
                items.sort_by(|a, b| a.address.cmp(&b.address).then(a.code.cmp(&b.code)))
            }
        }
        let entry = Record::new("worklist.read").detail(format!(
            "households={} shown={} search={}",
            total,
            items.len(),
            search.is_some()
        ));
        let entry = match caller.home_path() {
            Some(p) => entry.place(p.to_string()),
            None => entry,
        };
        self.note_read(caller, entry).await?;
        Ok(Worklist {
            sort,
            search,
            total,
            items,
            today,
            risks_by_campaign,
        })
    }
}
