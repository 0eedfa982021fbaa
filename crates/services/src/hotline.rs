//! The 12338 hotline log: federation staff record each call (time, caller — sealed, shown
//! masked —, place, kind, summary — sealed —, what was done, a call-back when promised). A
//! referral links the record it went to (a dispute, a case or a supervision task the recorder
//! can read), or reports the call as a public-opinion item from the hotline source (created and
//! linked at once). A promised call-back is a stored clock the escalation worker climbs (the
//! recorder, then the county's chair). Calls outside the service hours are marked; the figures
//! are counted per month.

use crate::audit::{Record, record};
use crate::error::invalid;
use crate::inbox::Chain;
use crate::linkage::{county_path, from_ms, ms};
use crate::opinion::{Incoming, Ingested};
use crate::supervision::due_ms;
use crate::{Caller, ServiceError, Services, clock};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use jinguo_domain::Kind as _;
use jinguo_domain::account::Role;
use jinguo_domain::hotline::{Action, CallInput, CallKind};
use jinguo_domain::linkage::DeadlineKind;
use jinguo_storage::hotline::{self as store, CallRow};
use jinguo_storage::linkage::{self as linkage_store, DeadlineRow};
use jinguo_storage::{Reader, StorageError, Subtree, db_tx};
use uuid::Uuid;

/// A call as shown: the caller masked.
#[derive(Debug, Clone)]
pub struct CallView {
    pub id: Uuid,
    pub called_at: DateTime<Utc>,
    pub off_hours: bool,
    pub caller_name: String,
    pub caller_phone: String,
    pub place_code: String,
    pub kind: CallKind,
    pub summary: String,
    pub action: Action,
    /// Whether the call was referred to a record (a dispute, a case, a public-opinion topic or a
    /// supervision task).
    pub referred: bool,
    /// That record, when the reader may read it: otherwise she sees that a referral exists, not
    /// what it went to.
    pub linked_id: Option<Uuid>,
    pub callback_on: Option<String>,
    pub called_back: bool,
    pub created_by: String,
}

/// The figures of one month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonthFigures {
    /// `2026-03`.
    pub month: String,
    pub total: i64,
    /// Per kind, in the order of `CallKind::ALL`.
    pub by_kind: Vec<i64>,
    pub off_hours: i64,
    pub callbacks: i64,
    pub called_back: i64,
}

/// A month's calls and the figures of a period (that month's year by default), month by month.
#[derive(Debug, Clone)]
pub struct Log {
    pub month: String,
    pub calls: Vec<CallView>,
    /// The period the figures are counted over.
    pub period: jinguo_domain::period::Period,
    pub months: Vec<MonthFigures>,
}

/// The first day of a month given as `YYYY-MM`.
fn month_start(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d").ok()
}

fn next_month(d: NaiveDate) -> NaiveDate {
    d.checked_add_months(chrono::Months::new(1)).unwrap_or(d)
}

impl Services {
    /// Records a call at a place she manages as staff. Returns the call's id.
    pub async fn record_call(
        &self,
        caller: &Caller,
        input: &CallInput,
    ) -> Result<Uuid, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let now_local = clock::now().with_timezone(&clock::CHINA).naive_local();
        let v = input.validate(now_local)?;
        let place = self
            .managed_place(caller, &v.place)
            .await
            .map_err(|e| match e {
                ServiceError::NotFound => invalid("place", "not_found"),
                e => e,
            })?;
        if place.code.len() < 6 {
            return Err(invalid("place", "not_found"));
        }
        let county = place.code[..6].to_string();
        let reader = caller.reader();
        let mut linked_id = v.linked_id;
        if let Some(id) = linked_id
            && (v.action == Action::Opinion
                || !self.referral_visible(&reader, v.action, id).await?)
        {
            return Err(invalid("linked_id", "not_found"));
        }
        let called_at = v
            .called_at
            .and_local_timezone(clock::CHINA)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| invalid("called_at", "invalid"))?;
        if v.action == Action::Opinion {
            let title: String = v.summary.chars().take(40).collect();
            let item = Incoming {
                title,
                body: v.summary.clone(),
                place: Some(place.code.clone()),
                published_at: Some(called_at),
                ..Incoming::default()
            };
            if let Ingested::New { topic, .. } = self.report_item(caller, true, &item).await? {
                linked_id = Some(topic);
            }
        }
        let id = Uuid::now_v7();
        let now = clock::now();
        let now_ms = ms(now);
        let seal_opt = |column: &str, value: &str| -> Result<String, ServiceError> {
            if value.is_empty() {
                Ok(String::new())
            } else {
                self.seal("hotline_call", column, &id, value)
            }
        };
        let row = CallRow {
            county_code: county.clone(),
            id,
            path: place.path.clone(),
            place_code: place.code.clone(),
            called_ms: ms(called_at),
            off_hours: !self.hotline_hours.within(v.called_at),
            caller_name: seal_opt("caller_name", &v.caller_name)?,
            caller_phone: seal_opt("caller_phone", &v.caller_phone)?,
            kind: v.kind.key().into(),
            summary: self.seal("hotline_call", "summary", &id, &v.summary)?,
            action: v.action.key().into(),
            linked_id,
            callback_on: v.callback_on.map(|d| d.to_string()),
            called_back_ms: None,
            created_ms: now_ms,
            created_by: caller.username.clone(),
        };
        let clock_row = v.callback_on.map(|d| DeadlineRow {
            id: Uuid::now_v7(),
            county_code: county.clone(),
            path: place.path.clone(),
            kind: DeadlineKind::HotlineCallback.key().into(),
            subject_id: id,
            case_id: None,
            department_id: None,
            due_ms: due_ms(d),
            level: 0,
            next_ms: Some(due_ms(d).max(now_ms)),
            done_ms: None,
        });
        let entry = Record::new("hotline.record")
            .target(format!("hotline_call:{id}"))
            .place(place.path.clone())
            .detail(format!("kind={} action={}", v.kind.key(), v.action.key()));
        db_tx!(&self.db, tx => {
            store::insert_call(tx, &row).await?;
            if let Some(c) = &clock_row {
                linkage_store::insert_deadline(tx, c, now_ms).await?;
            }
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })?;
        Ok(id)
    }

    /// Records that a promised call-back was made: its clock stops.
    pub async fn call_back(&self, caller: &Caller, id: Uuid) -> Result<(), ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let c = store::call(&self.db, &caller.reader(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if c.callback_on.is_none() || c.called_back_ms.is_some() {
            return Err(invalid("callback_on", "hotline.no_callback"));
        }
        let now_ms = ms(clock::now());
        let entry = Record::new("hotline.callback")
            .target(format!("hotline_call:{id}"))
            .place(c.path.clone());
        let county = c.county_code.clone();
        let done = db_tx!(&self.db, tx => {
            if !store::called_back(tx, &county, id, now_ms).await? {
                return Ok::<bool, StorageError>(false);
            }
            linkage_store::complete_deadlines(tx, id, Some(DeadlineKind::HotlineCallback.key()), now_ms).await?;
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok(true)
        })?;
        if done {
            Ok(())
        } else {
            Err(invalid("callback_on", "hotline.no_callback"))
        }
    }

    /// The calls of a month (this one by default) within her places, the caller masked, and the
    /// figures of that month's year, month by month. Reading the log is audited.
    pub async fn hotline_log(
        &self,
        caller: &Caller,
        month: Option<&str>,
    ) -> Result<Log, ServiceError> {
        self.hotline_log_in(caller, month, None).await
    }

    /// The calls of a month (this one by default) within her places, the caller masked, and the
    /// figures month by month over `period` (the year of that month without one). Reading the
    /// log is audited.
    pub async fn hotline_log_in(
        &self,
        caller: &Caller,
        month: Option<&str>,
        period: Option<jinguo_domain::period::Period>,
    ) -> Result<Log, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let reader = caller.reader();
        let today = clock::today();
        let start = match month.map(str::trim).filter(|m| !m.is_empty()) {
            Some(m) => month_start(m).ok_or_else(|| invalid("month", "invalid"))?,
            None => today.with_day(1).unwrap_or(today),
        };
        let end = next_month(start);
        let within = Subtree::all();
        let period = match period {
            Some(p) => p,
            None => jinguo_domain::period::Period::year(start.year())?,
        };
        let mut log = Log {
            month: jinguo_domain::hotline::month_of(start),
            calls: Vec::new(),
            period,
            months: Vec::new(),
        };
        for c in store::calls(
            &self.db,
            &reader,
            &within,
            ms(clock::day_start(start)),
            ms(clock::day_start(end)),
            500,
        )
        .await?
        {
            let linked = match c.linked_id {
                Some(id) => self
                    .referral_visible(&reader, Action::stored(&c.action)?, id)
                    .await?
                    .then_some(id),
                None => None,
            };
            log.calls.push(self.call_view(&c, linked)?);
        }
        let mut months: Vec<MonthFigures> = period
            .months()
            .into_iter()
            .map(|month| MonthFigures {
                month,
                by_kind: vec![0; CallKind::ALL.len()],
                ..MonthFigures::default()
            })
            .collect();
        let first = period.from.with_day(1).unwrap_or(period.from);
        for (at, kind, off, promised, done) in store::call_facts(
            &self.db,
            &reader,
            &within,
            ms(clock::day_start(period.from)),
            ms(clock::day_start(period.to.succ_opt().unwrap_or(period.to))),
        )
        .await?
        {
            let day = clock::china_day(from_ms(at));
            let m = (day.year() - first.year()) * 12 + day.month0() as i32 - first.month0() as i32;
            let Some(f) = usize::try_from(m).ok().and_then(|m| months.get_mut(m)) else {
                continue;
            };
            f.total += 1;
            let k = CallKind::stored(&kind)?;
            if let Some(i) = CallKind::ALL.iter().position(|x| *x == k) {
                f.by_kind[i] += 1;
            }
            f.off_hours += i64::from(off);
            f.callbacks += i64::from(promised);
            f.called_back += i64::from(done);
        }
        log.months = months;
        self.note_read(
            caller,
            Record::new("hotline.read").detail(format!(
                "month={} period={}",
                log.month,
                period.key()
            )),
        )
        .await?;
        Ok(log)
    }

    /// Whether the record a call was referred to is one the reader may read.
    async fn referral_visible(
        &self,
        reader: &Reader,
        action: Action,
        id: Uuid,
    ) -> Result<bool, ServiceError> {
        Ok(match action {
            Action::Dispute => jinguo_storage::mediation::dispute(&self.db, reader, id)
                .await?
                .is_some(),
            Action::Case => linkage_store::case(&self.db, reader, id).await?.is_some(),
            Action::Supervision => jinguo_storage::supervision::task(&self.db, reader, id)
                .await?
                .is_some(),
            Action::Opinion => jinguo_storage::opinion::topic(&self.db, reader, id)
                .await?
                .is_some(),
            Action::Advice => false,
        })
    }

    fn call_view(&self, c: &CallRow, linked_id: Option<Uuid>) -> Result<CallView, ServiceError> {
        let open = |column: &str, v: &str| -> Result<String, ServiceError> {
            if v.is_empty() {
                Ok(String::new())
            } else {
                self.open("hotline_call", column, &c.id, v)
            }
        };
        Ok(CallView {
            id: c.id,
            called_at: from_ms(c.called_ms),
            off_hours: c.off_hours,
            caller_name: jinguo_domain::mask::name(&open("caller_name", &c.caller_name)?),
            caller_phone: jinguo_domain::mask::phone(&open("caller_phone", &c.caller_phone)?),
            place_code: c.place_code.clone(),
            kind: CallKind::stored(&c.kind)?,
            // The caller's words name people and numbers: shown masked, as the caller is.
            summary: crate::opinion::mask_names(&open("summary", &c.summary)?),
            action: Action::stored(&c.action)?,
            referred: c.linked_id.is_some(),
            linked_id,
            callback_on: c.callback_on.clone(),
            called_back: c.called_back_ms.is_some(),
            created_by: c.created_by.clone(),
        })
    }

    /// Who a promised call-back's clock tells: the one who recorded the call, then the county's
    /// chair.
    pub(crate) async fn hotline_chain(
        &self,
        d: &DeadlineRow,
        level: i64,
    ) -> Result<Option<Chain>, ServiceError> {
        let accounts = match level {
            1 => match store::call(&self.db, &Reader::system(), d.subject_id).await? {
                Some(c) => jinguo_storage::account::by_username(&self.db, &c.created_by)
                    .await?
                    .map(|a| a.id)
                    .into_iter()
                    .collect(),
                None => Vec::new(),
            },
            2 => {
                let county = county_path(&d.county_code).unwrap_or_default();
                linkage_store::accounts_at(&self.db, Role::Staff.key(), &county).await?
            }
            _ => return Ok(None),
        };
        Ok(Some(Chain {
            accounts,
            webhook: None,
            sms: None,
        }))
    }
}
