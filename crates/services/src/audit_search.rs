//! The audit administrator's search as people ask it: an action by its name in either language
//! (or its code), an account, a place and its subtree, a date range in China's days; and its
//! results as a CSV file or a workbook, formula-safe and on the log.

use crate::audit::Record;
use crate::{Caller, ServiceError, Services, clock};
use chrono::NaiveDate;
use jinguo_domain::account::Role;
use jinguo_domain::audit::{action_label, actions_matching};
use jinguo_domain::place::PlaceCode;
use jinguo_domain::{Lang, ValidationErrors};
use jinguo_interchange::{Cell, Sheet, write_table_csv, xlsx};
use jinguo_storage::audit::{AuditQuery, AuditRow};

/// The most entries a search shows or exports.
pub const AUDIT_LINES: i64 = 1000;

/// A search as typed; every part may be empty.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// An action's name in Chinese or English, or its code (part of it is enough).
    pub action: String,
    /// The account's user name.
    pub account: String,
    /// A division code: entries about it and below.
    pub place: String,
    /// The first day, `YYYY-MM-DD` (China's day).
    pub from: String,
    /// The last day, included.
    pub to: String,
}

/// The format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditFormat {
    Csv,
    Xlsx,
}

impl Services {
    /// The entries matching a search, newest first (at most [`AUDIT_LINES`]); each refused part
    /// of the search is named. The search itself is on the log.
    pub async fn audit_lines(
        &self,
        caller: &Caller,
        f: &AuditFilter,
    ) -> Result<Vec<AuditRow>, ServiceError> {
        if !caller.has_role(Role::AuditAdmin) {
            return Err(ServiceError::Forbidden);
        }
        let q = self.audit_query(caller, f).await?;
        self.search_audit(caller, &q).await
    }

    /// The search's entries as a file (name, bytes), in the reader's language; on the log with
    /// the number of entries.
    pub async fn audit_export(
        &self,
        caller: &Caller,
        f: &AuditFilter,
        format: AuditFormat,
        lang: Lang,
    ) -> Result<(String, Vec<u8>), ServiceError> {
        let rows = self.audit_lines(caller, f).await?;
        let headers: Vec<&str> = [
            ("序号", "No."),
            ("时间", "Time"),
            ("操作人", "Who"),
            ("操作", "Action"),
            ("操作代码", "Action code"),
            ("对象", "Target"),
            ("区划路径", "Place path"),
            ("理由", "Reason"),
            ("详情", "Detail"),
            ("来源", "From"),
        ]
        .iter()
        .map(|(zh, en)| lang.pick(zh, en))
        .collect();
        let lines: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.seq.to_string(),
                    clock::local(r.at),
                    r.actor.clone(),
                    action_label(&r.action, lang).to_string(),
                    r.action.clone(),
                    r.target.clone(),
                    r.place_path.clone(),
                    r.reason.clone(),
                    r.detail.clone(),
                    r.ip.clone(),
                ]
            })
            .collect();
        let n = lines.len();
        let today = clock::today();
        let (name, bytes) = match format {
            AuditFormat::Csv => {
                let mut out = Vec::new();
                write_table_csv(&mut out, &headers, lines)
                    .map_err(|e| ServiceError::Internal(format!("csv: {e}")))?;
                (format!("audit-{today}.csv"), out)
            }
            AuditFormat::Xlsx => {
                let sheet = Sheet {
                    name: lang.pick("审计日志", "Audit log").into(),
                    headers: headers.iter().map(|h| h.to_string()).collect(),
                    rows: lines
                        .into_iter()
                        .map(|l| l.into_iter().map(Cell::Text).collect())
                        .collect(),
                };
                let bytes =
                    xlsx(&[sheet]).map_err(|e| ServiceError::Internal(format!("workbook: {e}")))?;
                (format!("audit-{today}.xlsx"), bytes)
            }
        };
        self.note_read(
            caller,
            Record::new("audit.export").detail(format!(
                "{n} rows, {}",
                match format {
                    AuditFormat::Csv => "csv",
                    AuditFormat::Xlsx => "xlsx",
                }
            )),
        )
        .await?;
        Ok((name, bytes))
    }

    /// The search as the log's query: every part checked, each refusal on its field.
    async fn audit_query(
        &self,
        caller: &Caller,
        f: &AuditFilter,
    ) -> Result<AuditQuery, ServiceError> {
        let mut e = ValidationErrors::new();
        let day = |e: &mut ValidationErrors, field: &str, s: &str| -> Option<NaiveDate> {
            if s.trim().is_empty() {
                None
            } else {
                jinguo_domain::screening::date(e, field, s)
            }
        };
        let from = day(&mut e, "from", &f.from);
        let to = day(&mut e, "to", &f.to);
        if let (Some(a), Some(b)) = (from, to)
            && b < a
        {
            e.push("to", "ends_on.before_start");
        }
        let account = f.account.trim();
        if account.chars().count() > 100 {
            e.push("account", "too_long");
        }
        let action = f.action.trim();
        if action.chars().count() > 100 {
            e.push("action_name", "too_long");
        }
        let place = f.place.trim();
        let mut place_path = None;
        if !place.is_empty() {
            match PlaceCode::parse(place) {
                Err(_) => e.push("place", "not_found"),
                Ok(code) => match jinguo_storage::place::get(&self.db, code.as_str()).await? {
                    Some(p) if caller.audit_scope().covers(&p.path) => {
                        place_path = Some(p.path);
                    }
                    _ => e.push("place", "not_found"),
                },
            }
        }
        e.into_result()?;
        Ok(AuditQuery {
            actor: (!account.is_empty()).then(|| account.to_string()),
            actions: (!action.is_empty()).then(|| {
                actions_matching(action)
                    .into_iter()
                    .map(str::to_string)
                    .chain(
                        // A code the catalog does not name yet is still found by its code.
                        Some(action.to_string()).filter(|a| a.contains('.') || a.is_ascii()),
                    )
                    .collect()
            }),
            place_path,
            from: from.map(clock::day_start),
            to: to.and_then(|d| d.succ_opt()).map(clock::day_start),
            limit: AUDIT_LINES,
            ..Default::default()
        })
    }
}
