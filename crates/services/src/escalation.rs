//! Clocks are rows of `deadline` (times as milliseconds since 1970, the same on both databases),
//! with the level their escalation reached. [`Services::escalate`] takes those due and, for
//! each, in one transaction: moves it one level up only if no one moved it meanwhile, tells the
//! level's people (inbox and outbox) and writes an audit entry; a restart neither loses nor
//! repeats an escalation. The chain: the department's liaison officers (with its group robot and
//! duty phone) and the case's owner, then its heads, then the county federation's chair
//! (`escalation_chain`); a dispute's terms go to its mediator, then the chair.

use crate::audit::{Actor, Record, record_as};
use crate::inbox::Chain;
use crate::linkage::{county_path, from_ms, ms};
use crate::{ServiceError, Services, clock};
use chrono::{DateTime, Utc};
use jinguo_domain::Kind as _;
use jinguo_domain::account::Role;
use jinguo_domain::linkage::{self as rules, DeadlineKind};
use jinguo_storage::linkage::{self as store, DeadlineRow};
use jinguo_storage::{Reader, StorageError, db_tx};
use uuid::Uuid;

/// Clocks escalated at most in one transaction.
const ESCALATION_BATCH: i64 = 500;
/// Clocks escalated in one transaction.
const ESCALATION_CHUNK: usize = 100;

/// Whether a clock of this kind is a department's (escalated along the configured chain).
fn departmental(kind: &str) -> bool {
    [
        DeadlineKind::ReferralAck,
        DeadlineKind::ReferralAction,
        DeadlineKind::SafetyAction,
    ]
    .iter()
    .any(|k| k.key() == kind)
}

/// What one round of the escalation worker did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EscalationReport {
    pub looked_at: u64,
    pub escalated: u64,
    pub notifications: u64,
    pub messages: u64,
}

impl Services {
    /// Who is told at `level` of a clock's chain: for a referral, the rungs of the configured
    /// chain (by default the department's liaison officers, with its group robot and duty phone,
    /// and the case's owner, then the department's heads, then the county federation's chair);
    /// for the federation's own clocks, the case's
    /// owner, then the chair. Empty: the chain has no such level.
    async fn chain(&self, d: &DeadlineRow, level: i64) -> Result<Option<Chain>, ServiceError> {
        let owner = match d.case_id {
            Some(c) => match store::case(&self.db, &Reader::system(), c).await? {
                Some(c) => jinguo_storage::account::by_username(&self.db, &c.owner)
                    .await?
                    .map(|a| a.id),
                None => None,
            },
            None => None,
        };
        let chair = || async {
            let path = county_path(&d.county_code).unwrap_or_default();
            store::accounts_at(&self.db, Role::Staff.key(), &path).await
        };
        // A safety plan's action and the action on an acknowledged referral are a department's,
        // climbed like a referral's acknowledgement.
        let referral = departmental(&d.kind);
        if d.kind == DeadlineKind::SupervisionDue.key() {
            return self.supervision_chain(d, level).await;
        }
        if d.kind == DeadlineKind::HotlineCallback.key() {
            return self.hotline_chain(d, level).await;
        }
        if d.kind == DeadlineKind::ChainStep.key() {
            return self.chain_step_chain(d, level).await;
        }
        // A public-opinion topic's clocks: the chair and officers of the level above its place,
        // then the county's chair.
        if d.kind.starts_with("opinion_") {
            let accounts = match level {
                1 => {
                    let trimmed = d.path.trim_end_matches('/');
                    let parent = match trimmed.rfind('/') {
                        Some(i) => trimmed[..=i].to_string(),
                        None => return Ok(None),
                    };
                    let county = county_path(&d.county_code).unwrap_or_default();
                    let parent = if parent.len() < county.len() {
                        county
                    } else {
                        parent
                    };
                    let mut a = store::accounts_at(&self.db, Role::Staff.key(), &parent).await?;
                    a.extend(
                        store::accounts_at(&self.db, Role::OpinionOfficer.key(), &parent).await?,
                    );
                    a
                }
                2 => chair().await?,
                _ => return Ok(None),
            };
            return Ok(Some(Chain {
                accounts,
                webhook: None,
                sms: None,
            }));
        }
        // A dispute's terms: its mediator first, then the chair.
        if d.kind == DeadlineKind::TermDue.key() {
            let accounts = match level {
                1 => match jinguo_storage::mediation::dispute(
                    &self.db,
                    &Reader::system(),
                    d.subject_id,
                )
                .await?
                {
                    Some(dispute) => match dispute.mediator_id {
                        Some(m) => store::member_account(&self.db, &d.county_code, m)
                            .await?
                            .into_iter()
                            .collect(),
                        None => Vec::new(),
                    },
                    None => Vec::new(),
                },
                2 => chair().await?,
                _ => return Ok(None),
            };
            return Ok(Some(Chain {
                accounts,
                webhook: None,
                sms: None,
            }));
        }
        let rung = usize::try_from(level - 1)
            .ok()
            .and_then(|i| self.linkage.chain.get(i).copied());
        let chain = match (referral, level, rung) {
            (true, _, Some(r @ (rules::Rung::Liaison | rules::Rung::Head))) => {
                let Some(dep) = d.department_id else {
                    return Ok(None);
                };
                let dept = store::department(&self.db, &d.county_code, dep).await?;
                let officers = store::liaisons(&self.db, &d.county_code, dep).await?;
                let position = if r == rules::Rung::Liaison {
                    "liaison"
                } else {
                    "head"
                };
                let mut accounts: Vec<Uuid> = officers
                    .iter()
                    .filter(|o| o.position == position)
                    .map(|o| o.account_id)
                    .collect();
                if level == 1 {
                    accounts.extend(owner);
                }
                Chain {
                    accounts,
                    webhook: dept
                        .as_ref()
                        .map(|d| d.webhook_url.clone())
                        .filter(|u| !u.is_empty()),
                    sms: dept
                        .as_ref()
                        .map(|d| d.duty_phone.clone())
                        .filter(|p| !p.is_empty() && r == rules::Rung::Liaison),
                }
            }
            (true, _, Some(rules::Rung::Chair)) => {
                let mut accounts = chair().await?;
                if level == 1 {
                    accounts.extend(owner);
                }
                Chain {
                    accounts,
                    webhook: None,
                    sms: None,
                }
            }
            (true, _, None) => return Ok(None),
            (false, 2, _) => Chain {
                accounts: chair().await?,
                webhook: None,
                sms: None,
            },
            (false, 1, _) => Chain {
                accounts: owner.into_iter().collect(),
                webhook: None,
                sms: None,
            },
            _ => return Ok(None),
        };
        Ok(Some(chain))
    }

    /// One round of the escalation worker at `now`: every clock whose time has come climbs one
    /// level, and the level's people are told, together or not at all (up to
    /// `ESCALATION_CHUNK` clocks in one transaction); a clock another worker moved meanwhile is
    /// left alone. Run it again with the same `now`: nothing happens.
    pub async fn escalate(&self, now: DateTime<Utc>) -> Result<EscalationReport, ServiceError> {
        let mut report = EscalationReport::default();
        let step = self.linkage.escalation_step;
        let mut departments: std::collections::HashMap<(String, uuid::Uuid), String> =
            Default::default();
        loop {
            let due = store::due_deadlines(&self.db, ms(now), ESCALATION_BATCH).await?;
            if due.is_empty() {
                break;
            }
            let mut moved = 0;
            // Read first, then written a chunk of clocks to a transaction: each clock still climbs
            // with its notices and its audit entry or not at all (and a failed chunk leaves every
            // clock of it to the next round), but a round of many overdue clocks pays a commit a
            // chunk, not a commit a clock.
            for chunk in due.chunks(ESCALATION_CHUNK) {
                let mut prepared = Vec::with_capacity(chunk.len());
                for d in chunk {
                    report.looked_at += 1;
                    let level = d.level + 1;
                    let levels = if departmental(&d.kind) {
                        self.linkage.chain.len() as i64
                    } else {
                        2
                    };
                    let supervision = d.kind == DeadlineKind::SupervisionDue.key();
                    let next = if supervision {
                        self.supervision_next(d, level)
                    } else {
                        rules::next_escalation(from_ms(d.due_ms), level, step, levels).map(ms)
                    }
                    .map(|t| t.max(ms(now) + 1));
                    let chain = self.chain(d, level).await?;
                    let kind = DeadlineKind::stored(&d.kind)?;
                    let link = match (kind, d.case_id) {
                        (DeadlineKind::ReferralAck | DeadlineKind::ReferralAction, _) => {
                            format!("/referrals/{}", d.subject_id)
                        }
                        (DeadlineKind::TermDue, _) => format!("/disputes/{}", d.subject_id),
                        (
                            DeadlineKind::OpinionFirst
                            | DeadlineKind::OpinionPress
                            | DeadlineKind::OpinionAnswer,
                            _,
                        ) => format!("/opinion/topics/{}", d.subject_id),
                        (DeadlineKind::OpinionTask, _) => {
                            match jinguo_storage::opinion::task_meeting(&self.db, d.subject_id)
                                .await?
                            {
                                Some(m) => format!("/opinion/meetings/{m}"),
                                None => String::from("/inbox"),
                            }
                        }
                        (DeadlineKind::SupervisionDue, _) => {
                            format!("/supervision/{}", d.subject_id)
                        }
                        (DeadlineKind::HotlineCallback, _) => String::from("/hotline"),
                        (DeadlineKind::ChainStep, _) => self.chain_step_link(d.subject_id).await?,
                        (_, Some(c)) => format!("/cases/{c}"),
                        _ => String::from("/inbox"),
                    };
                    // A department's name, read once a round.
                    let dept = match d.department_id {
                        Some(dep) => match departments.get(&(d.county_code.clone(), dep)) {
                            Some(name) => name.clone(),
                            None => {
                                let name = store::department(&self.db, &d.county_code, dep)
                                    .await?
                                    .map(|d| d.name)
                                    .unwrap_or_default();
                                departments.insert((d.county_code.clone(), dep), name.clone());
                                name
                            }
                        },
                        None => String::new(),
                    };
                    let params = format!(
                        "{}|{}|{}",
                        kind.key(),
                        dept,
                        clock::local(from_ms(d.due_ms))
                    );
                    let entry = Record::new("deadline.escalate")
                        .target(format!("deadline:{}", d.id))
                        .place(d.path.clone())
                        .detail(format!("kind={} level={level}", d.kind));
                    prepared.push((d, level, next, supervision, chain, params, link, entry));
                }
                let told = db_tx!(&self.db, tx => {
                    let mut told = Vec::with_capacity(prepared.len());
                    for (d, level, next, supervision, chain, params, link, entry) in &prepared {
                        if !store::climb(tx, d.id, d.level, *next).await? {
                            continue;
                        }
                        let what = match (*supervision, *level) {
                            (true, 1) => "supervision.remind",
                            (true, _) => "supervision.notice",
                            _ => "deadline.overdue",
                        };
                        let n = match chain {
                            Some(chain) => {
                                self.tell(tx, chain, what, params, link, *level, now).await?
                            }
                            None => 0,
                        };
                        if *supervision {
                            self.supervision_escalated(tx, d, *level, ms(now)).await?;
                        }
                        record_as(tx, &self.keys, &Actor::Worker, entry.clone()).await?;
                        told.push(n);
                    }
                    Ok::<Vec<u64>, StorageError>(told)
                })?;
                for n in told {
                    moved += 1;
                    report.escalated += 1;
                    report.notifications += n;
                }
            }
            if moved == 0 || (due.len() as i64) < ESCALATION_BATCH {
                break;
            }
        }
        if report.escalated > 0 {
            self.wake_delivery();
        }
        Ok(report)
    }
}
