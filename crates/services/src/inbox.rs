//! Each user's inbox: notifications written in the transaction of what they announce, naming
//! what is due and where, never a person (the text is made in the reader's language from a kind
//! and its parameters), and the outside messages of the same event put in the outbox for the
//! worker ([`crate::worker`]) to send. Used by the linkage, mediation, care and emergency access.

use crate::linkage::ms;
use crate::{Caller, ServiceError, Services, clock};
use chrono::{DateTime, Utc};
use jinguo_domain::linkage::DeadlineKind;
use jinguo_storage::linkage::{self as store, NotificationRow, OutboxRow};
use jinguo_storage::{DbConn, StorageError, db_tx};
use uuid::Uuid;

/// A notification of the inbox, in the reader's language.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationView {
    pub id: Uuid,
    pub kind: String,
    pub text: String,
    pub link: String,
    pub level: i64,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

/// Recipients of one level of an escalation, and the channels told.
pub(crate) struct Chain {
    pub(crate) accounts: Vec<Uuid>,
    pub(crate) webhook: Option<String>,
    pub(crate) sms: Option<String>,
}

impl Services {
    /// Writes one notification per account, and the outside messages of a chain, in the
    /// caller's transaction. `params` fills the text (no personal data: a department, a time).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn tell(
        &self,
        tx: &mut DbConn<'_>,
        chain: &Chain,
        kind: &str,
        params: &str,
        link: &str,
        level: i64,
        now: DateTime<Utc>,
    ) -> Result<u64, StorageError> {
        let mut n = 0;
        for a in &chain.accounts {
            store::insert_notification(
                tx,
                &NotificationRow {
                    id: Uuid::now_v7(),
                    account_id: *a,
                    kind: kind.into(),
                    title: params.into(),
                    link: link.into(),
                    level,
                    created_at: now,
                    read_at: None,
                },
            )
            .await?;
            n += 1;
        }
        let text = format!(
            "【巾帼】{}",
            notification_text(kind, params, jinguo_domain::Lang::Zh)
        );
        let mut out = Vec::new();
        if let Some(url) = &chain.webhook {
            let body = serde_json::json!({"msgtype": "text", "text": {"content": text}});
            out.push(("webhook", url.clone(), body.to_string()));
        }
        if let Some(phone) = &chain.sms {
            out.push(("sms", phone.clone(), text.clone()));
        }
        for (channel, target, body) in out {
            store::insert_outbox(
                tx,
                &OutboxRow {
                    id: Uuid::now_v7(),
                    channel: channel.into(),
                    target,
                    body,
                    status: "pending".into(),
                    attempts: 0,
                    next_ms: ms(now),
                    last_error: String::new(),
                    created_ms: ms(now),
                    delivered_ms: None,
                },
            )
            .await?;
            n += 1;
        }
        Ok(n)
    }

    /// The caller's newest notifications, in her language, and how many are unread.
    pub async fn inbox(
        &self,
        caller: &Caller,
        lang: jinguo_domain::Lang,
    ) -> Result<(Vec<NotificationView>, i64), ServiceError> {
        let account = caller.account_id.ok_or(ServiceError::Forbidden)?;
        let rows = store::inbox(&self.db, account, 100).await?;
        let unread = store::unread(&self.db, account).await?;
        Ok((
            rows.into_iter()
                .map(|n| NotificationView {
                    id: n.id,
                    text: notification_text(&n.kind, &n.title, lang),
                    kind: n.kind,
                    link: n.link,
                    level: n.level,
                    created_at: n.created_at,
                    read: n.read_at.is_some(),
                })
                .collect(),
            unread,
        ))
    }

    /// How many of the caller's notifications are unread.
    pub async fn unread(&self, caller: &Caller) -> Result<i64, ServiceError> {
        match caller.account_id {
            Some(a) => Ok(store::unread(&self.db, a).await?),
            None => Ok(0),
        }
    }

    /// Marks one of the caller's notifications read; where it points (a path of this site).
    pub async fn mark_read(&self, caller: &Caller, id: Uuid) -> Result<String, ServiceError> {
        let account = caller.account_id.ok_or(ServiceError::Forbidden)?;
        let now = clock::now();
        db_tx!(quiet &self.db, tx => store::mark_read(tx, account, id, now).await)?
            .ok_or(ServiceError::NotFound)
    }
}

/// The text of a notification in a language, from its kind and its stored parameters
/// (`|`-separated; never a person's name).
pub fn notification_text(kind: &str, params: &str, lang: jinguo_domain::Lang) -> String {
    let p: Vec<&str> = params.split('|').collect();
    let at = |i: usize| p.get(i).copied().unwrap_or_default();
    match kind {
        "referral.new" => match lang {
            jinguo_domain::Lang::Zh => format!("新转介待签收：{}，请于 {} 前签收", at(0), at(1)),
            jinguo_domain::Lang::En => {
                format!("New referral to {}: acknowledge by {}", at(0), at(1))
            }
        },
        "referral.acknowledge" => match lang {
            jinguo_domain::Lang::Zh => format!("{} 已签收转介", at(0)),
            jinguo_domain::Lang::En => format!("{} acknowledged the referral", at(0)),
        },
        "referral.action" | "referral.done" => match lang {
            jinguo_domain::Lang::Zh => format!("{} 更新了处置情况", at(0)),
            jinguo_domain::Lang::En => format!("{} recorded what it did", at(0)),
        },
        "deadline.overdue" => {
            let what = DeadlineKind::parse(at(0))
                .map(|k| k.label(lang))
                .unwrap_or_default();
            match (lang, at(1)) {
                (jinguo_domain::Lang::Zh, "") => format!("已超时：{what}（时限 {}）", at(2)),
                (jinguo_domain::Lang::Zh, d) => format!("已超时：{what}，{d}（时限 {}）", at(2)),
                (jinguo_domain::Lang::En, "") => format!("Overdue: {what} (due {})", at(2)),
                (jinguo_domain::Lang::En, d) => format!("Overdue: {what}, {d} (due {})", at(2)),
            }
        }
        "supervision.issued" => match lang {
            jinguo_domain::Lang::Zh => {
                format!("{} 交办督办事项，请签收，于 {} 前办结", at(0), at(1))
            }
            jinguo_domain::Lang::En => {
                format!(
                    "{} issued a supervision task: sign for it, done by {}",
                    at(0),
                    at(1)
                )
            }
        },
        "supervision.remind" => match lang {
            jinguo_domain::Lang::Zh => format!("催办通知：督办事项已过办结期限（{}）", at(2)),
            jinguo_domain::Lang::En => {
                format!(
                    "Reminder: a supervision task passed its deadline ({})",
                    at(2)
                )
            }
        },
        "supervision.notice" => match lang {
            jinguo_domain::Lang::Zh => format!("书面通报：督办事项逾期未办结（期限 {}）", at(2)),
            jinguo_domain::Lang::En => {
                format!(
                    "Written notice: a supervision task is still not done (due {})",
                    at(2)
                )
            }
        },
        "entry.review_due" => match lang {
            jinguo_domain::Lang::Zh => {
                format!("台账对象到期复核：{}（应于 {} 复核）", at(0), at(2))
            }
            jinguo_domain::Lang::En => format!("Review due: an entry of {} (by {})", at(1), at(2)),
        },
        "emergency.requested" => match lang {
            jinguo_domain::Lang::Zh => {
                format!("{} 申请紧急查看一条记录（{} 分钟），等待审批", at(0), at(1))
            }
            jinguo_domain::Lang::En => format!(
                "{} asks for emergency access to a record ({} min), waiting for approval",
                at(0),
                at(1)
            ),
        },
        "emergency.urgent" => match lang {
            jinguo_domain::Lang::Zh => {
                format!(
                    "{} 紧急开启了一条记录的查看（{} 分钟），请事后审查",
                    at(0),
                    at(1)
                )
            }
            jinguo_domain::Lang::En => format!(
                "{} opened urgent emergency access to a record ({} min): review it",
                at(0),
                at(1)
            ),
        },
        "emergency.approved" => match lang {
            jinguo_domain::Lang::Zh => {
                format!("{} 批准了你的紧急查看申请（{} 分钟）", at(0), at(1))
            }
            jinguo_domain::Lang::En => {
                format!("{} approved your emergency access ({} min)", at(0), at(1))
            }
        },
        "emergency.refused" => match lang {
            jinguo_domain::Lang::Zh => format!("{} 未批准你的紧急查看申请", at(0)),
            jinguo_domain::Lang::En => format!("{} refused your emergency access", at(0)),
        },
        // Public opinion: the place's name, the grade, the category (never the item's text).
        "opinion.new" => match lang {
            jinguo_domain::Lang::Zh => format!("新舆情待研判：{}（建议等级 {}）", at(0), at(1)),
            jinguo_domain::Lang::En => {
                format!(
                    "New public-opinion topic to judge: {} (proposed grade {})",
                    at(0),
                    at(1)
                )
            }
        },
        "opinion.judged" => match lang {
            jinguo_domain::Lang::Zh => {
                format!("舆情已研判为{}级：{}，请于 {} 前回应", at(1), at(0), at(2))
            }
            jinguo_domain::Lang::En => format!(
                "Public-opinion topic judged grade {}: {}; answer by {}",
                at(1),
                at(0),
                at(2)
            ),
        },
        "opinion.reopened" => match lang {
            jinguo_domain::Lang::Zh => format!("已办结的舆情再次出现新信息：{}", at(0)),
            jinguo_domain::Lang::En => {
                format!("A closed public-opinion topic has new items: {}", at(0))
            }
        },
        "opinion.silent" => match lang {
            jinguo_domain::Lang::Zh => format!("舆情来源长时间无新内容：{}", at(0)),
            jinguo_domain::Lang::En => {
                format!("A public-opinion source has gone silent: {}", at(0))
            }
        },
        _ => params.replace('|', " "),
    }
}
