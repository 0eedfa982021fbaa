//! Services recorded from a sheet (CSV or XLSX): one row per person served — a health-check day
//! for 300 women as the hospital's list. The sheet is checked whole against the registries
//! (every person must be in the registry the row names, verified or active, within the caller's
//! place) and written in one transaction only when nothing is wrong. A row already recorded (the
//! same person, registry entry, kind and date) is left as it is, so sending the same sheet twice
//! records nothing twice.

use crate::audit::{Record, record};
use crate::care::BATCH_MAX;
use crate::import::{Issue, MAX_LISTED, read_sheet};
use crate::{Caller, ServiceError, Services, clock};
use jinguo_domain::Lang;
use jinguo_domain::care::{ServiceInput, ServiceKind};
use jinguo_domain::person::normalize_name;
use jinguo_domain::resident_id::ResidentId;
use jinguo_interchange::{Cell, RowError, Sheet};
use jinguo_storage::care::{self as store, ServiceRow};
use jinguo_storage::db_tx;
use jinguo_storage::household as hstore;
use std::collections::HashMap;
use uuid::Uuid;

/// The columns of a services sheet: (field, headers recognised; the first is written in the
/// blank sheet).
pub const SERVICE_COLUMNS: [(&str, &[&str]); 12] = [
    (
        "id_number",
        &["身份证号", "公民身份号码", "身份证号码", "id_number"],
    ),
    ("name", &["姓名", "name"]),
    ("registry", &["台账", "库", "registry"]),
    ("kind", &["服务类型", "kind"]),
    ("on", &["服务日期", "日期", "on"]),
    ("hospital", &["医院", "hospital"]),
    ("valid_until", &["有效期至", "valid_until"]),
    ("goods", &["物资", "goods"]),
    ("amount", &["金额（元）", "金额", "amount"]),
    ("visited_by", &["慰问人", "走访人", "visited_by"]),
    ("result", &["检查结果", "result"]),
    ("note", &["备注", "note"]),
];

/// Columns a services sheet must have: ID number, registry, kind, date.
const REQUIRED: [usize; 4] = [0, 2, 3, 4];

/// What a check or an import of a services sheet found and did.
#[derive(Debug, Default)]
pub struct ServicesReport {
    pub rows: u64,
    /// Services the sheet adds.
    pub new_services: u64,
    /// Rows already recorded: left as they are.
    pub unchanged: u64,
    /// People the new services reach, each once.
    pub people: u64,
    /// The first [`MAX_LISTED`] problems, in file order.
    pub issues: Vec<Issue>,
    pub issue_count: u64,
    pub committed: bool,
    /// The batch written, when committed.
    pub batch: Option<Uuid>,
}

impl ServicesReport {
    fn push(&mut self, e: RowError) {
        self.issue_count += 1;
        if self.issues.len() < MAX_LISTED {
            self.issues.push(Issue::Row(e));
        }
    }
}

/// A registry or a kind as the sheet may name it: its key, or its name in either language
/// (a registry's Chinese name with or without 库 or 台账 after it).
fn named<T: Copy>(s: &str, all: &[(T, &str, &str, &str)]) -> Option<T> {
    let s = s.trim();
    let bare = s
        .strip_suffix("台账")
        .or_else(|| s.strip_suffix('库'))
        .unwrap_or(s);
    all.iter()
        .find(|(_, key, zh, en)| s == *key || s == *zh || bare == *zh || s.eq_ignore_ascii_case(en))
        .map(|(t, ..)| *t)
}

/// The blank services sheet (XLSX): its headers, nothing else.
pub fn blank_services_sheet() -> Result<Vec<u8>, ServiceError> {
    let sheet = Sheet {
        name: "services".into(),
        headers: SERVICE_COLUMNS
            .iter()
            .map(|(_, h)| h[0].to_string())
            .collect(),
        rows: vec![Vec::<Cell>::new()],
    };
    jinguo_interchange::xlsx(&[sheet]).map_err(|e| ServiceError::Internal(e.to_string()))
}

impl Services {
    /// Checks a services sheet for the place `place` and, when `commit` is set and nothing is
    /// wrong, records its services as one batch. Staff managing the place.
    pub async fn import_services(
        &self,
        caller: &Caller,
        place: &str,
        bytes: &[u8],
        commit: bool,
    ) -> Result<ServicesReport, ServiceError> {
        let place = self.managed_place(caller, place).await?;
        let county = place.county();
        let mut report = ServicesReport::default();
        let (table, cols) = match read_sheet(bytes, self.imports, &SERVICE_COLUMNS, &REQUIRED) {
            Ok(t) => t,
            Err(issues) => {
                report.issue_count = issues.len() as u64;
                report.issues = issues;
                return Ok(report);
            }
        };
        let err = |row: u64, i: usize, code: &'static str| cols.error(row, i, code);
        if table.rows.len() > BATCH_MAX {
            report.push(err(1, 0, "sheet.too_many_rows"));
            return Ok(report);
        }
        let registries: Vec<(String, String, String, String)> =
            store::registries(&self.db, &county)
                .await?
                .into_iter()
                .map(|r| (r.key.clone(), r.key, r.name_zh, r.name_en))
                .collect();
        let registry_names: Vec<(usize, &str, &str, &str)> = registries
            .iter()
            .enumerate()
            .map(|(i, (k, _, zh, en))| (i, k.as_str(), zh.as_str(), en.as_str()))
            .collect();
        let kinds: Vec<(ServiceKind, &str, &str, &str)> = ServiceKind::ALL
            .iter()
            .map(|k| (*k, k.key(), k.label(Lang::Zh), k.label(Lang::En)))
            .collect();
        let today = clock::today();
        let reader = caller.reader();
        let batch = Uuid::now_v7();
        let mut rows: Vec<ServiceRow> = Vec::new();
        let mut seen: HashMap<(Uuid, &'static str, chrono::NaiveDate), u64> = HashMap::new();
        let mut people: HashMap<Uuid, ()> = HashMap::new();
        for (number, cells) in &table.rows {
            let number = *number;
            report.rows += 1;
            let get = |i: usize| cols.get(cells, i);
            let registry_text = get(2);
            let registry = named(&registry_text, &registry_names).map(|i| registries[i].0.clone());
            if registry.is_none() && !registry_text.trim().is_empty() {
                report.push(err(number, 2, "registry.unknown"));
            }
            let kind_text = get(3);
            let kind = named(&kind_text, &kinds);
            let input = ServiceInput {
                kind: kind.map(|k| k.key().to_string()).unwrap_or(kind_text),
                registry: registry.clone().unwrap_or(registry_text),
                on: get(4),
                hospital: get(5),
                valid_until: get(6),
                goods: get(7),
                amount: get(8),
                visited_by: get(9),
                result: get(10),
                note: get(11),
            };
            let valid = match input.validate(today) {
                Ok(v) => Some(v),
                Err(errors) => {
                    for f in errors.0 {
                        if f.field == "registry" && registry.is_none() && f.code != "required" {
                            continue;
                        }
                        let i = cols.of_field(&f.field).unwrap_or(0);
                        report.push(err(number, i, f.code));
                    }
                    None
                }
            };
            let person = match ResidentId::parse(&get(0), today) {
                Ok(id) => {
                    let index = self.id_number_index(id.as_str());
                    let found =
                        hstore::person_by_id_number_index(&self.db, &county, &index).await?;
                    if found.is_none() {
                        report.push(err(number, 0, "person.unknown"));
                    }
                    found
                }
                Err(f) => {
                    report.push(err(number, 0, f.code));
                    None
                }
            };
            let (Some(v), Some(person), Some(_)) = (valid, person, registry.as_ref()) else {
                continue;
            };
            let name = get(1);
            if !name.trim().is_empty()
                && normalize_name(&name)
                    != normalize_name(&self.open("person", "name", &person.id, &person.name)?)
            {
                report.push(err(number, 1, "person.name_mismatch"));
                continue;
            }
            let person_ref = self.person_ref("registry_entry", &person.id);
            let entry =
                match store::serving_entry(&self.db, &reader, &county, &v.registry, &person_ref)
                    .await?
                {
                    Some(e) if e.path.starts_with(&place.path) => e,
                    _ => {
                        report.push(err(number, 2, "service.not_in_registry"));
                        continue;
                    }
                };
            let key = (entry.id, v.kind.key(), v.on);
            if let Some(first) = seen.get(&key) {
                let mut e = err(number, 0, "service.duplicate_in_file");
                e.other_row = Some(*first);
                report.push(e);
                continue;
            }
            seen.insert(key, number);
            if store::service_recorded(&self.db, &county, entry.id, v.kind.key(), v.on).await? {
                report.unchanged += 1;
                continue;
            }
            people.insert(person.id, ());
            let id = Uuid::now_v7();
            rows.push(ServiceRow {
                county_code: county.clone(),
                id,
                entry_id: entry.id,
                person_ref: self.person_ref("care_service", &person.id),
                path: entry.path.clone(),
                kind: v.kind.key().into(),
                on_date: v.on,
                hospital: v.hospital,
                valid_until: v.valid_until,
                goods: v.goods,
                amount_cents: v.amount_cents,
                visited_by: v.visited_by,
                result: if v.result.is_empty() {
                    String::new()
                } else {
                    self.seal("care_service", "result", &id, &v.result)?
                },
                note: if v.note.is_empty() {
                    String::new()
                } else {
                    self.seal("care_service", "note", &id, &v.note)?
                },
                batch_id: Some(batch),
                created_by: caller.username.clone(),
            });
        }
        report.new_services = rows.len() as u64;
        report.people = people.len() as u64;
        let detail = format!(
            "sheet=services rows={} new_services={} people={} issues={}",
            report.rows, report.new_services, report.people, report.issue_count
        );
        if !commit || report.issue_count > 0 || rows.is_empty() {
            let action = if commit && report.issue_count > 0 {
                "import.refused"
            } else {
                "import.preview"
            };
            let entry = Record::new(action).place(place.path.clone()).detail(detail);
            db_tx!(&self.db, tx => record(tx, &self.keys, caller, entry.clone()).await)?;
            return Ok(report);
        }
        // Sent twice at the same moment: what the other wrote first is left as it is.
        let written = self
            .write_services(caller, &place.path, batch, &rows, true, detail)
            .await?;
        report.unchanged += report.new_services - written;
        report.new_services = written;
        report.committed = true;
        report.batch = Some(batch);
        Ok(report)
    }
}
