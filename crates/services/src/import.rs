//! Import of the household sheets federations already keep (one row per person, CSV in UTF-8 or
//! GB18030, or XLSX), and their export in the same shape.
//!
//! An import reads its file twice. The first pass checks every row — the cells (by the rules of
//! the domain), the rows together (by `jinguo-interchange`), and the rows against the database:
//! the resident group exists and lies in the caller's place, a household code already registered
//! is in the same group, an ID number already registered belongs to that same household. Nothing
//! is written unless the whole file passes and the caller asked to commit; the second pass then
//! writes every new household and person in one transaction. A household or person already there
//! is left as it is, so importing the same file again changes nothing. Rows are handled a batch
//! at a time and never all held in memory.

use crate::audit::{Record, record};
use crate::{Caller, ServiceError, Services, clock};
use jinguo_domain::Lang;
use jinguo_domain::account::Role;
use jinguo_domain::place::PlaceLevel;
pub use jinguo_interchange::ReadError;
use jinguo_interchange::{Row, RowError};
use jinguo_storage::household::{self as hstore, NewHousehold, NewPerson};
use jinguo_storage::member::{self as members, MemberRow, NewMember};
use jinguo_storage::{StorageError, db_tx, place as places};
use std::collections::HashMap;
use uuid::Uuid;

/// Rows checked against the database at a time.
const BATCH: usize = 1000;
/// Problems listed in a report (all are counted): a file of a million bad rows keeps a
/// thousand problems in memory, not millions.
pub const MAX_LISTED: usize = 1000;

/// How large an import may be: the file's bytes and its rows after the header, and how long its
/// request may take (set from the configuration, `max_import_bytes`, `max_import_rows` and
/// `import_timeout_seconds`). The web takes no larger request
/// body for an import than `max_bytes`. A cell larger than
/// [`jinguo_interchange::MAX_CELL_BYTES`] refuses its row; a workbook is checked against
/// [`jinguo_interchange::archive`]'s limits before it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportLimits {
    pub max_bytes: u64,
    pub max_rows: u64,
    /// How long the web gives an import's request (upload, check and writing) before answering
    /// 408 (`import_timeout_seconds`); other requests have 30 seconds.
    pub timeout: std::time::Duration,
}

impl Default for ImportLimits {
    fn default() -> Self {
        Self {
            max_bytes: 64 << 20,
            max_rows: 1_000_000,
            timeout: std::time::Duration::from_secs(600),
        }
    }
}

/// Where the rows of a household sheet come from. Each `open` starts reading from the top.
#[derive(Clone)]
pub enum SheetSource {
    /// A CSV file on disk (the command line): streamed.
    CsvFile(std::path::PathBuf),
    /// A CSV file received whole (the web).
    CsvBytes(Vec<u8>),
    /// An XLSX workbook (its first sheet), shared by the passes that read it.
    Xlsx(std::sync::Arc<Vec<u8>>),
    /// An XLSX workbook on disk (the command line): read once its size is known to be allowed.
    XlsxFile(std::path::PathBuf),
}

type Rows<'a> = Box<dyn Iterator<Item = Result<Row, ReadError>> + Send + 'a>;

impl SheetSource {
    /// Chooses CSV or XLSX from the file's first bytes (an XLSX file is a ZIP archive).
    pub fn from_bytes(bytes: Vec<u8>) -> SheetSource {
        if bytes.starts_with(b"PK\x03\x04") {
            SheetSource::Xlsx(std::sync::Arc::new(bytes))
        } else {
            SheetSource::CsvBytes(bytes)
        }
    }

    /// A file on disk: a workbook if it starts as one (a ZIP archive), else CSV.
    pub fn from_path(path: std::path::PathBuf) -> std::io::Result<SheetSource> {
        let mut head = [0u8; 4];
        let mut f = std::fs::File::open(&path)?;
        let n = std::io::Read::read(&mut f, &mut head)?;
        Ok(if head[..n] == *b"PK\x03\x04" {
            SheetSource::XlsxFile(path)
        } else {
            SheetSource::CsvFile(path)
        })
    }

    /// The file's size in bytes.
    fn len(&self) -> Result<u64, ReadError> {
        Ok(match self {
            SheetSource::CsvFile(path) | SheetSource::XlsxFile(path) => {
                std::fs::metadata(path).map_err(ReadError::Io)?.len()
            }
            SheetSource::CsvBytes(b) => b.len() as u64,
            SheetSource::Xlsx(b) => b.len() as u64,
        })
    }

    fn open(&self) -> Result<(Rows<'_>, Option<&'static str>), ReadError> {
        let today = clock::today();
        match self {
            SheetSource::CsvFile(path) => {
                let f = std::fs::File::open(path).map_err(ReadError::Io)?;
                let rows = jinguo_interchange::read_households_csv(
                    std::io::BufReader::with_capacity(1 << 16, f),
                    today,
                )?;
                let enc = rows.encoding().name();
                Ok((Box::new(rows), Some(enc)))
            }
            SheetSource::CsvBytes(b) => {
                let rows = jinguo_interchange::read_households_csv(b.as_slice(), today)?;
                let enc = rows.encoding().name();
                Ok((Box::new(rows), Some(enc)))
            }
            SheetSource::Xlsx(b) => {
                let rows = jinguo_interchange::stream_households_xlsx(b.clone(), today)?;
                Ok((Box::new(rows), None))
            }
            SheetSource::XlsxFile(path) => {
                let bytes = std::fs::read(path).map_err(ReadError::Io)?;
                let rows = jinguo_interchange::stream_households_xlsx(bytes.into(), today)?;
                Ok((Box::new(rows), None))
            }
        }
    }
}

/// What is wrong with a file: the whole of it, or one row.
#[derive(Debug)]
pub enum Issue {
    File(ReadError),
    Row(RowError),
}

impl Issue {
    pub fn row(&self) -> Option<u64> {
        match self {
            Issue::Row(r) => Some(r.row),
            Issue::File(e) => e.row(),
        }
    }
    pub fn column(&self) -> &str {
        match self {
            Issue::Row(r) => &r.column,
            Issue::File(ReadError::CellTooLarge { column, .. }) => column,
            Issue::File(_) => "",
        }
    }
    pub fn code(&self) -> &'static str {
        match self {
            Issue::Row(r) => r.code,
            Issue::File(e) => e.code(),
        }
    }
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Issue::Row(r) => r.message(lang),
            Issue::File(e) => e.message(lang),
        }
    }
}

/// What an import found and did.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// The encoding found (`UTF-8`, `GB18030` …); none for XLSX.
    pub encoding: Option<&'static str>,
    pub rows: u64,
    pub households: u64,
    pub new_households: u64,
    pub new_persons: u64,
    /// Persons already registered in the same household: left as they are.
    pub unchanged_persons: u64,
    /// The first [`MAX_LISTED`] problems, in file order.
    pub issues: Vec<Issue>,
    pub issue_count: u64,
    /// Whether the rows were written (a commit of a file without problems).
    pub committed: bool,
}

impl ImportReport {
    fn push(&mut self, issue: Issue) {
        self.issue_count += 1;
        if self.issues.len() < MAX_LISTED {
            self.issues.push(issue);
        }
    }
}

/// A group the rows name: where it lies, or why it cannot take households.
#[derive(Clone)]
enum GroupState {
    Ok { path: String },
    Refused(&'static str),
}

/// One batch ready to write: the new households and the new persons.
type Prepared = (Vec<NewHousehold>, Vec<NewPerson>);

/// The database's view of one batch of rows.
#[derive(Default)]
struct Known {
    /// Household code → (id, group code) of households already registered.
    households: HashMap<String, (Uuid, String)>,
    /// Blind index of an ID number → household id of the person already registered.
    persons: HashMap<String, Uuid>,
}

/// A row refused against the database; the message names the field.
fn row_error(number: u64, field: &str, code: &'static str) -> RowError {
    RowError {
        row: number,
        column: String::new(),
        field: field.to_string(),
        code,
        other_row: None,
    }
}

impl Services {
    async fn group_state(
        &self,
        caller: &Caller,
        cache: &mut HashMap<String, GroupState>,
        code: &str,
    ) -> Result<GroupState, ServiceError> {
        if let Some(s) = cache.get(code) {
            return Ok(s.clone());
        }
        let state = match places::get(&self.db, code).await? {
            None => GroupState::Refused("group_code.unknown"),
            Some(p) if p.level() != PlaceLevel::Group => GroupState::Refused("group_code.format"),
            Some(p) if !caller.household_write_scope().covers_all(&p.path) => {
                GroupState::Refused("group_code.outside_scope")
            }
            Some(p) => GroupState::Ok { path: p.path },
        };
        cache.insert(code.to_string(), state.clone());
        Ok(state)
    }

    async fn known(&self, batch: &[(Row, String)]) -> Result<Known, ServiceError> {
        let mut by_county: HashMap<&str, (Vec<String>, Vec<String>)> = HashMap::new();
        for (row, index) in batch {
            if let Ok(p) = &row.result {
                let e = by_county
                    .entry(p.group_code.county().unwrap_or_default())
                    .or_default();
                e.0.push(p.household_code.clone());
                e.1.push(index.clone());
            }
        }
        let mut known = Known::default();
        for (county, (mut codes, indexes)) in by_county {
            codes.dedup();
            for h in hstore::by_codes(&self.db, county, &codes).await? {
                known.households.insert(h.code, (h.id, h.group_code));
            }
            for (index, household) in hstore::by_id_indexes(&self.db, county, &indexes).await? {
                known.persons.insert(index, household);
            }
        }
        Ok(known)
    }

    /// Checks a household sheet and, when `commit` is set and nothing is wrong, writes it.
    /// Federation staff only, within their place.
    pub async fn import_households(
        &self,
        caller: &Caller,
        source: &SheetSource,
        commit: bool,
    ) -> Result<ImportReport, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let mut report = ImportReport::default();
        let mut groups: HashMap<String, GroupState> = HashMap::new();
        let mut any_known = false;
        let limits = self.imports;
        match source.len() {
            Ok(n) if n > limits.max_bytes => {
                report.push(Issue::File(ReadError::TooLarge {
                    limit: limits.max_bytes,
                }));
                return Ok(report);
            }
            Ok(_) => {}
            Err(e) => {
                report.push(Issue::File(e));
                return Ok(report);
            }
        }
        // First pass: check everything.
        {
            let (mut rows, encoding) = match source.open() {
                Ok(r) => r,
                Err(e) => {
                    report.push(Issue::File(e));
                    return Ok(report);
                }
            };
            report.encoding = encoding;
            let mut households_seen: u64 = 0;
            let mut last_code = String::new();
            // The last household found new (its rows follow each other, across batches too).
            let mut last_new = String::new();
            'file: loop {
                let batch = self.next_batch(&mut rows, &mut report)?;
                if batch.is_empty() {
                    break;
                }
                let known = self.known(&batch).await?;
                any_known |= !known.households.is_empty() || !known.persons.is_empty();
                for (row, index) in &batch {
                    if report.rows >= limits.max_rows {
                        report.push(Issue::File(ReadError::TooManyRows {
                            limit: limits.max_rows,
                        }));
                        break 'file;
                    }
                    report.rows += 1;
                    if row.household_code != last_code {
                        households_seen += 1;
                        last_code = row.household_code.clone();
                    }
                    match &row.result {
                        Err(errors) => {
                            for e in errors {
                                report.push(Issue::Row(e.clone()));
                            }
                        }
                        Ok(p) => {
                            let group = p.group_code.as_str();
                            if let GroupState::Refused(code) =
                                self.group_state(caller, &mut groups, group).await?
                            {
                                report.push(Issue::Row(row_error(row.number, "group_code", code)));
                                continue;
                            }
                            let existing = known.households.get(&p.household_code);
                            if let Some((_, g)) = existing
                                && g != group
                            {
                                report.push(Issue::Row(row_error(
                                    row.number,
                                    "household_code",
                                    "household.other_group",
                                )));
                                continue;
                            }
                            if existing.is_none() && p.household_code != last_new {
                                report.new_households += 1;
                                last_new.clone_from(&p.household_code);
                            }
                            match known.persons.get(index) {
                                Some(h) if existing.is_some_and(|(id, _)| id == h) => {
                                    report.unchanged_persons += 1
                                }
                                Some(_) => report.push(Issue::Row(row_error(
                                    row.number,
                                    "id_number",
                                    "id_number.duplicate",
                                ))),
                                None => report.new_persons += 1,
                            }
                        }
                    }
                }
                tokio::task::yield_now().await;
            }
            report.households = households_seen;
        }
        let detail = format!(
            "rows={} households={} new_persons={} issues={}",
            report.rows, report.households, report.new_persons, report.issue_count
        );
        if !commit || report.issue_count > 0 || report.new_persons == 0 {
            let action = match (commit, report.issue_count) {
                (false, _) => "import.preview",
                (true, 0) => "import.households",
                (true, _) => "import.refused",
            };
            // A commit of a file with nothing new writes nothing, and is done.
            report.committed = commit && report.issue_count == 0;
            db_tx!(&self.db, tx => record(tx, &self.keys, caller, Record::new(action).detail(detail.clone())).await)?;
            return Ok(report);
        }
        // Second pass: write what is new, all in one transaction. When the check found nothing
        // stored, nothing is looked up again: a row stored meanwhile by someone else is refused
        // by the unique keys, and then nothing is written.
        let written = self
            .write_households(caller, source, &groups, !any_known)
            .await?;
        report.new_households = written.0;
        report.new_persons = written.1;
        report.committed = true;
        Ok(report)
    }

    /// The next batch of rows with the blind index of each person's ID number.
    fn next_batch(
        &self,
        rows: &mut Rows<'_>,
        report: &mut ImportReport,
    ) -> Result<Vec<(Row, String)>, ServiceError> {
        let mut batch = Vec::with_capacity(BATCH);
        for item in rows.by_ref() {
            match item {
                Ok(row) => {
                    let index = match &row.result {
                        Ok(p) => self.id_number_index(p.id_number.as_str()),
                        Err(_) => String::new(),
                    };
                    batch.push((row, index));
                    if batch.len() >= BATCH {
                        break;
                    }
                }
                Err(e) => {
                    report.push(Issue::File(e));
                    break;
                }
            }
        }
        Ok(batch)
    }

    async fn write_households(
        &self,
        caller: &Caller,
        source: &SheetSource,
        groups: &HashMap<String, GroupState>,
        all_new: bool,
    ) -> Result<(u64, u64), ServiceError> {
        let now = clock::now();
        // Everything the body reads or fills is made inside it: a transaction run again after a
        // conflict reads the file again from its start.
        let result = db_tx!(&self.db, tx => {
            let mut new_persons = 0u64;
            // Two steps at once: a thread of its own reads, checks, looks up and seals the next
            // batch while this task writes the previous one.
            let (send, mut receive) = tokio::sync::mpsc::channel::<Prepared>(2);
            let producer = {
                let (services, source, groups) = (self.clone(), source.clone(), groups.clone());
                let handle = tokio::runtime::Handle::current();
                tokio::task::spawn_blocking(move || {
                    services.prepare_batches(&source, &groups, all_new, &send, &handle)
                })
            };
            let consumed = async {
                while let Some((households, persons)) = receive.recv().await {
                    hstore::insert_households(tx, &households, now).await?;
                    hstore::insert_persons(tx, &persons, now).await?;
                    new_persons += persons.len() as u64;
                }
                Ok::<(), ServiceError>(())
            }
            .await;
            // A writer that stopped closes the channel, and the reader stops at its next batch.
            drop(receive);
            let created = producer
                .await
                .map_err(|e| ServiceError::Internal(format!("the import's reader stopped: {e}")))??;
            consumed?;
            let detail = format!("households={created} persons={new_persons}");
            record(tx, &self.keys, caller, Record::new("import.households").detail(detail)).await?;
            Ok::<(u64, u64), ServiceError>((created, new_persons))
        });
        match result {
            Err(ServiceError::Storage(StorageError::Conflict(_))) => Err(ServiceError::Conflict),
            r => r,
        }
    }

    /// Reads the file from its start, batch by batch, and sends each batch ready to write:
    /// checked, looked up (unless `all_new`) and sealed. Runs on a thread of its own; stops when
    /// the writer is gone. Returns the number of households created.
    fn prepare_batches(
        &self,
        source: &SheetSource,
        groups: &HashMap<String, GroupState>,
        all_new: bool,
        send: &tokio::sync::mpsc::Sender<Prepared>,
        handle: &tokio::runtime::Handle,
    ) -> Result<u64, ServiceError> {
        let (mut rows, _) = source.open().map_err(|e| {
            ServiceError::Internal(format!("the file could not be read again: {e}"))
        })?;
        // Households created by this import, by code (a household's rows may span two batches).
        let mut created: HashMap<String, Uuid> = HashMap::new();
        let mut scratch = ImportReport::default();
        loop {
            let batch = self.next_batch(&mut rows, &mut scratch)?;
            if batch.is_empty() {
                break;
            }
            if scratch.issue_count > 0 {
                return Err(ServiceError::Internal(
                    "the file changed while it was imported".into(),
                ));
            }
            let known = if all_new {
                Known::default()
            } else {
                handle.block_on(self.known(&batch))?
            };
            let prepared = self.prepare_batch(batch, &known, groups, &mut created)?;
            if send.blocking_send(prepared).is_err() {
                // The writer stopped; its error is the answer.
                break;
            }
        }
        Ok(created.len() as u64)
    }

    /// The rows of one checked batch as the households and persons to write: those `known` to
    /// be stored are left out, and the sensitive fields are sealed.
    fn prepare_batch(
        &self,
        batch: Vec<(Row, String)>,
        known: &Known,
        groups: &HashMap<String, GroupState>,
        created: &mut HashMap<String, Uuid>,
    ) -> Result<Prepared, ServiceError> {
        let changed = || ServiceError::Internal("the file changed while it was imported".into());
        let mut households = Vec::new();
        let mut persons = Vec::new();
        for (row, index) in batch {
            let Ok(p) = row.result else {
                return Err(changed());
            };
            let Some(GroupState::Ok { path }) = groups.get(p.group_code.as_str()) else {
                return Err(changed());
            };
            let county = p.group_code.county().unwrap_or_default().to_string();
            let household_id = match known.households.get(&p.household_code) {
                Some((id, _)) => *id,
                None => match created.get(&p.household_code) {
                    Some(id) => *id,
                    None => {
                        let id = Uuid::now_v7();
                        households.push(NewHousehold {
                            id,
                            county_code: county.clone(),
                            code: p.household_code.clone(),
                            group_code: p.group_code.as_str().to_string(),
                            path: path.clone(),
                            address: self.seal("household", "address", &id, &p.address)?,
                        });
                        created.insert(p.household_code.clone(), id);
                        id
                    }
                },
            };
            if known.persons.contains_key(&index) {
                continue;
            }
            let id = Uuid::now_v7();
            persons.push(self.new_person(crate::sealed::PersonFields {
                id,
                county_code: county,
                household_id,
                path: path.clone(),
                name: &p.name,
                sex: p.sex,
                birth_date: p.birth_date,
                id_number: p.id_number.as_str(),
                id_number_index: index,
                phone: p.phone.as_ref().map(|m| m.as_str()),
                relationship: p.relationship,
            })?);
        }
        Ok((households, persons))
    }
}

/// The file an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// CSV, UTF-8 with a byte order mark; formulas neutralised.
    Csv,
    /// An XLSX workbook of one sheet.
    Xlsx,
}

/// Households exported per query.
const EXPORT_BATCH: i64 = 500;

impl Services {
    /// The households below a place as a household sheet (CSV, UTF-8 with BOM), every value in
    /// clear so that it can be imported again: an explicit act with a stated reason, audited.
    /// Federation staff, within their place.
    pub async fn export_households(
        &self,
        caller: &Caller,
        code: &str,
        reason: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        self.export_households_as(caller, code, reason, ExportFormat::Csv)
            .await
    }

    /// [`Self::export_households`] as CSV or as an XLSX workbook (the same sheet, its last row
    /// the same mark, which the importer skips).
    pub async fn export_households_as(
        &self,
        caller: &Caller,
        code: &str,
        reason: &str,
        format: ExportFormat,
    ) -> Result<Vec<u8>, ServiceError> {
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let reason = reason.trim();
        let scope = caller.household_write_scope();
        let place = self.managed_place(caller, code).await?;
        self.clear_export_allowed(caller, &place.path, reason)
            .await?;
        let today = clock::today();
        let within = place.subtree();
        let mut out = Vec::new();
        let mut after = String::new();
        let mut rows = Vec::new();
        let mut kept = Vec::new();
        let mut households = 0u64;
        let mut persons_written = 0u64;
        let broken = |what: &str| ServiceError::Internal(format!("stored {what} does not parse"));
        loop {
            let page = hstore::page_after(&self.db, &within, &scope, &after, EXPORT_BATCH).await?;
            let Some(last) = page.last() else { break };
            after = last.code.clone();
            let county = last.county_code.clone();
            let ids: Vec<Uuid> = page.iter().map(|h| h.id).collect();
            let persons = self.open_persons(&hstore::persons_of(&self.db, &county, &ids).await?)?;
            for h in &page {
                households += 1;
                let address = self.open("household", "address", &h.id, &h.address)?;
                let group = jinguo_domain::place::PlaceCode::parse(&h.group_code)
                    .map_err(|_| broken("group code"))?;
                for p in persons.iter().filter(|p| p.household_id == h.id) {
                    let id_number = self.open("person", "id_number", &p.id, &p.id_number)?;
                    let phone = match &p.phone {
                        Some(s) => Some(
                            jinguo_domain::phone::Mobile::parse(
                                &self.open("person", "phone", &p.id, s)?,
                            )
                            .map_err(|_| broken("phone"))?,
                        ),
                        None => None,
                    };
                    persons_written += 1;
                    rows.push(jinguo_interchange::PersonRow {
                        household_code: h.code.clone(),
                        group_code: group.clone(),
                        address: address.clone(),
                        name: p.name.clone(),
                        id_number: jinguo_domain::resident_id::ResidentId::parse(&id_number, today)
                            .map_err(|_| broken("ID number"))?,
                        sex: jinguo_domain::person::Sex::parse(&p.sex)
                            .ok_or_else(|| broken("sex"))?,
                        birth_date: p.birth_date,
                        phone,
                        relationship: jinguo_domain::person::Relationship::parse(&p.relationship)
                            .ok_or_else(|| broken("relationship"))?,
                    });
                }
            }
            if format == ExportFormat::Xlsx {
                // A workbook is written whole, at the end.
                kept.append(&mut rows);
                continue;
            }
            // Written a page at a time; the header only once.
            let mut chunk = Vec::new();
            jinguo_interchange::write_households_csv(&mut chunk, rows.iter())
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            if out.is_empty() {
                out = chunk;
            } else if let Some(pos) = chunk.iter().position(|b| *b == b'\n') {
                out.extend_from_slice(&chunk[pos + 1..]);
            }
            rows.clear();
        }
        if format == ExportFormat::Xlsx {
            let mut sheet = jinguo_interchange::households_sheet(place.code.clone(), kept.iter());
            sheet.rows.push(vec![jinguo_interchange::Cell::Text(format!(
                "# {}",
                self.clear_export_mark(caller, reason)
            ))]);
            out = jinguo_interchange::xlsx(&[sheet])
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
        } else {
            if out.is_empty() {
                jinguo_interchange::write_households_csv(&mut out, std::iter::empty())
                    .map_err(|e| ServiceError::Internal(e.to_string()))?;
            }
            self.mark_clear_export(&mut out, caller, reason)?;
        }
        self.note_read(
            caller,
            Record::new("household.export")
                .place(place.path.clone())
                .reason(reason.to_string())
                .detail(format!("households={households} persons={persons_written}")),
        )
        .await?;
        Ok(out)
    }
}

/// What an import of a members sheet found and did.
#[derive(Debug, Default)]
pub struct MembersReport {
    pub rows: u64,
    pub new_members: u64,
    /// Members already serving at the place with the same name and post: left as they are.
    pub unchanged_members: u64,
    pub new_assignments: u64,
    /// The first [`MAX_LISTED`] problems, in file order.
    pub issues: Vec<Issue>,
    pub issue_count: u64,
    pub committed: bool,
}

impl MembersReport {
    fn push(&mut self, e: RowError) {
        self.issue_count += 1;
        if self.issues.len() < MAX_LISTED {
            self.issues.push(Issue::Row(e));
        }
    }
}

/// A sheet read whole (CSV or XLSX) with the columns of `spec` found; or what stops it: the file
/// cannot be read, or `required` columns are missing.
pub(crate) fn read_sheet(
    bytes: &[u8],
    limits: ImportLimits,
    spec: &'static jinguo_interchange::ColumnSpec,
    required: &[usize],
) -> Result<(jinguo_interchange::Table, jinguo_interchange::Columns), Vec<Issue>> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(vec![Issue::File(ReadError::TooLarge {
            limit: limits.max_bytes,
        })]);
    }
    let table = jinguo_interchange::read_table(bytes).map_err(|e| vec![Issue::File(e)])?;
    let cols = jinguo_interchange::Columns::find(&table, spec);
    let missing = cols.missing(required);
    if !missing.is_empty() {
        return Err(missing.into_iter().map(Issue::Row).collect());
    }
    Ok((table, cols))
}

/// The columns of a members sheet: (field, headers recognised).
const MEMBER_COLUMNS: [(&str, &[&str]); 7] = [
    ("name", &["姓名", "name"]),
    ("role", &["职务", "role", "post"]),
    ("place", &["区划代码", "所在区划", "place", "place_code"]),
    ("phone", &["联系电话", "手机号", "手机号码", "phone"]),
    ("started_on", &["任期开始", "started_on"]),
    ("term_ends_on", &["任期结束", "term_ends_on"]),
    ("units", &["包保单位", "units"]),
];

impl Services {
    /// Checks a members sheet — one row per member: name, post, place code, phone, term, and the
    /// units she answers for (codes separated by 、 , ; or spaces) — and, when `commit` is set and
    /// nothing is wrong, writes the new members and assignments in one transaction. A member
    /// already serving at the place with the same name and post is the same member: importing the
    /// same file again adds nothing. Federation staff, within their place.
    pub async fn import_members(
        &self,
        caller: &Caller,
        bytes: &[u8],
        commit: bool,
    ) -> Result<MembersReport, ServiceError> {
        use jinguo_domain::member::MemberInput;
        if !caller.has_role(Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let mut report = MembersReport::default();
        let (table, cols) = match read_sheet(bytes, self.imports, &MEMBER_COLUMNS, &[0, 1, 2, 4]) {
            Ok(t) => t,
            Err(issues) => {
                report.issue_count = issues.len() as u64;
                report.issues = issues;
                return Ok(report);
            }
        };
        let err = |row: u64, i: usize, code: &'static str| cols.error(row, i, code);
        let today = clock::today();
        let scope = caller.household_write_scope();
        let mut new_members: Vec<NewMember> = Vec::new();
        let mut assignments = Vec::new();
        let mut seen: HashMap<(String, String, String), u64> = HashMap::new();
        for (number, cells) in &table.rows {
            report.rows += 1;
            let get = |i: usize| cols.get(cells, i);
            let input = MemberInput {
                name: get(0),
                role: get(1),
                phone: get(3),
                started_on: get(4),
                term_ends_on: get(5),
            };
            let valid = match input.validate(today) {
                Ok(v) => Some(v),
                Err(errors) => {
                    for f in errors.0 {
                        let i = cols.of_field(&f.field).unwrap_or(0);
                        report.push(err(*number, i, f.code));
                    }
                    None
                }
            };
            let place = match jinguo_domain::place::PlaceCode::parse(&get(2)) {
                Ok(code) => places::get(&self.db, code.as_str()).await?,
                Err(_) => None,
            };
            let place = match place {
                None => {
                    report.push(err(*number, 2, "place.unknown"));
                    None
                }
                Some(p) if !scope.covers_all(&p.path) => {
                    report.push(err(*number, 2, "group_code.outside_scope"));
                    None
                }
                Some(p) => Some(p),
            };
            let (Some(v), Some(place)) = (valid, place) else {
                continue;
            };
            if !v.role.serves_at(place.level()) {
                report.push(err(*number, 1, "member.wrong_level"));
                continue;
            }
            let key = (place.code.clone(), v.role.key().to_string(), v.name.clone());
            if let Some(first) = seen.get(&key) {
                let mut e = err(*number, 0, "member.duplicate_in_file");
                e.other_row = Some(*first);
                report.push(e);
                continue;
            }
            seen.insert(key, *number);
            // The same member: serving at the place, same name and post.
            let mut serving = Vec::new();
            for mut m in members::serving_at(&self.db, &place.code).await? {
                if m.ended_on.is_none() && m.role == v.role.key() {
                    m.name = self.open("member", "name", &m.id, &m.name)?;
                    if m.name == v.name {
                        serving.push(m);
                    }
                }
            }
            let existing: Vec<MemberRow> = serving
                .into_iter()
                .map(|m| MemberRow {
                    county_code: place.county(),
                    id: m.id,
                    place_code: m.place_code,
                    path: place.path.clone(),
                    role: m.role,
                    name: m.name,
                    started_on: m.started_on,
                    ended_on: m.ended_on,
                    account_id: None,
                })
                .collect();
            if existing.len() > 1 {
                report.push(err(*number, 0, "member.ambiguous"));
                continue;
            }
            let member = match existing.into_iter().next() {
                Some(m) => {
                    report.unchanged_members += 1;
                    m
                }
                None => {
                    let id = Uuid::now_v7();
                    new_members.push(NewMember {
                        id,
                        county_code: place.county(),
                        place_code: place.code.clone(),
                        path: place.path.clone(),
                        role: v.role.key(),
                        name: self.seal("member", "name", &id, &v.name)?,
                        phone: match &v.phone {
                            Some(p) => Some(self.seal("member", "phone", &id, p.as_str())?),
                            None => None,
                        },
                        started_on: v.started_on,
                        term_ends_on: v.term_ends_on,
                    });
                    MemberRow {
                        county_code: place.county(),
                        id,
                        place_code: place.code.clone(),
                        path: place.path.clone(),
                        role: v.role.key().to_string(),
                        name: v.name.clone(),
                        started_on: v.started_on,
                        ended_on: None,
                        account_id: None,
                    }
                }
            };
            let units_text = get(6);
            let units: Vec<&str> = units_text
                .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
                .filter(|u| !u.is_empty())
                .collect();
            match self.resolve_units(&member, &units).await? {
                Ok((rows, _)) => assignments.extend(rows),
                Err(code) => report.push(err(*number, 6, code)),
            }
        }
        report.new_members = new_members.len() as u64;
        // Two rows giving the same household to two representatives.
        let mut given: HashMap<Uuid, ()> = HashMap::new();
        for a in &assignments {
            if let Some(h) = a.household_id
                && given.insert(h, ()).is_some()
            {
                report.push(err(1, 6, "assignment.taken"));
                break;
            }
        }
        report.new_assignments = assignments.len() as u64;
        let detail = format!(
            "rows={} new_members={} new_assignments={} issues={}",
            report.rows, report.new_members, report.new_assignments, report.issue_count
        );
        if !commit || report.issue_count > 0 {
            let action = if commit {
                "import.refused"
            } else {
                "import.preview"
            };
            db_tx!(&self.db, tx => record(tx, &self.keys, caller, Record::new(action).detail(detail.clone())).await)?;
            return Ok(report);
        }
        let now = clock::now();
        db_tx!(&self.db, tx => {
            members::insert(tx, &new_members, now).await?;
            jinguo_storage::assignment::insert(tx, &assignments, now).await?;
            record(tx, &self.keys, caller, Record::new("import.members").detail(detail.clone())).await
        })?;
        report.committed = true;
        Ok(report)
    }
}

impl Services {
    /// The serving members below a place as a members sheet (CSV), in the shape the members
    /// import reads: name, post, place code, term, units. Phones are left out (they are kept
    /// sealed); importing the sheet again changes nothing.
    pub async fn export_members(
        &self,
        caller: &Caller,
        code: &str,
        reason: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        use jinguo_domain::member::MemberRole;
        let reason = reason.trim();
        let place = self.managed_place(caller, code).await?;
        self.clear_export_allowed(caller, &place.path, reason)
            .await?;
        let within = place.subtree();
        let mut units: HashMap<Uuid, Vec<String>> = HashMap::new();
        for (m, u) in members::units_below(&self.db, &within).await? {
            units.entry(m).or_default().push(u);
        }
        let mut serving = members::serving_below(&self.db, &within).await?;
        for m in &mut serving {
            m.name = self.open("member", "name", &m.id, &m.name)?;
        }
        let rows = serving.into_iter().map(|m| {
            let role = MemberRole::parse(&m.role)
                .map(|r| r.label(Lang::Zh).to_string())
                .unwrap_or(m.role);
            vec![
                m.name,
                role,
                m.place_code,
                String::new(),
                m.started_on.to_string(),
                m.term_ends_on.map(|d| d.to_string()).unwrap_or_default(),
                units.remove(&m.id).unwrap_or_default().join("、"),
            ]
        });
        let headers: Vec<&str> = MEMBER_COLUMNS.iter().map(|(_, names)| names[0]).collect();
        let mut out = Vec::new();
        let mut count = 0u64;
        let rows = rows.inspect(|_| count += 1);
        jinguo_interchange::write_table_csv(&mut out, &headers, rows)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        self.mark_clear_export(&mut out, caller, reason)?;
        self.note_read(
            caller,
            Record::new("member.export")
                .place(place.path.clone())
                .reason(reason.to_string())
                .detail(format!("members={count}")),
        )
        .await?;
        Ok(out)
    }

    /// Whether the caller may take records out in clear now: the right to (`clear_export` over
    /// the place), a stated reason, through a session (never an API token), not while she holds
    /// emergency access, within the day's limit of exports and the hour's limit of reveals (an
    /// export reveals more than a reveal does).
    async fn clear_export_allowed(
        &self,
        caller: &Caller,
        path: &str,
        reason: &str,
    ) -> Result<(), ServiceError> {
        // A right of its own: managing the place is not enough.
        if !caller.exports_clear(path) {
            return Err(ServiceError::Forbidden);
        }
        if reason.chars().count() < 4 {
            return Err(crate::error::invalid("reason", "reason.required"));
        }
        // The machine's operator (`jinguo export`) is counted by nobody's limit.
        let Some(actor) = caller.account_id else {
            return if caller.is_operator() {
                Ok(())
            } else {
                Err(ServiceError::Forbidden)
            };
        };
        if caller.by_token {
            return Err(ServiceError::Forbidden);
        }
        if caller.in_emergency() {
            return Err(crate::error::invalid("export", "export.emergency"));
        }
        let day_start = clock::day_start(clock::today());
        let mut exports = 0;
        for action in ["household.export", "member.export"] {
            exports +=
                jinguo_storage::audit::count_since(&self.db, actor, action, day_start).await?;
        }
        if exports >= self.security.clear_exports_per_day {
            return Err(ServiceError::RateLimited);
        }
        let hour_ago = clock::now() - chrono::Duration::hours(1);
        if self.reveals_since(actor, hour_ago).await? >= crate::households::REVEALS_PER_HOUR {
            return Err(ServiceError::RateLimited);
        }
        Ok(())
    }

    /// The last row of an export in clear: who, when, why (the importers skip it).
    fn mark_clear_export(
        &self,
        out: &mut Vec<u8>,
        caller: &Caller,
        reason: &str,
    ) -> Result<(), ServiceError> {
        jinguo_interchange::append_csv_mark(out, &self.clear_export_mark(caller, reason))
            .map_err(|e| ServiceError::Internal(e.to_string()))
    }

    /// What the mark of an export in clear says.
    fn clear_export_mark(&self, caller: &Caller, reason: &str) -> String {
        format!(
            "明文导出 export in clear: {} ({}), {}, {}",
            caller.username,
            caller.display_name,
            clock::local(clock::now()),
            reason
        )
    }
}
