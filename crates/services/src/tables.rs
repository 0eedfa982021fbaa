//! Statistical tables for the level above (统计报表): a county's staff choose the tables (each a
//! name and its columns, figures of `jinguo_domain::report::Figure`; its rows the places one
//! level below the county), count them over a period, sign them off (a person, a time) and send
//! them. A table changed after the sign-off needs a new one before anything is sent. The
//! federation of a city or province above sees the tables its counties sent and their sum.
//! Everything that leaves the county is suppressed (`jinguo_domain::suppress`): small counts as
//! "<5", and further cells hidden so that none can be worked out from the totals.

use crate::audit::{Record, record};
use crate::error::invalid;
use crate::{Caller, ServiceError, Services, clock};
use jinguo_domain::Lang;
use jinguo_domain::account::Role;
use jinguo_domain::period::Period;
use jinguo_domain::place::PlaceLevel;
use jinguo_domain::report::{Figure, TableDef, TableInput, columns_key};
use jinguo_domain::suppress::{self, Suppressed};
use jinguo_storage::place::Place;
use jinguo_storage::tables::{self as store, ReturnRow, TableRow};
use jinguo_storage::{StorageError, db_tx};
use uuid::Uuid;

/// A table of a county.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatTable {
    pub id: Uuid,
    pub name: String,
    pub columns: Vec<Figure>,
    pub changed_by: String,
    pub changed_ms: i64,
    pub version: i64,
}

impl StatTable {
    fn of(r: &TableRow) -> StatTable {
        StatTable {
            id: r.id,
            name: r.name.clone(),
            columns: r.columns.split(',').filter_map(Figure::parse).collect(),
            changed_by: r.changed_by.clone(),
            changed_ms: r.changed_ms,
            version: r.version,
        }
    }
}

/// The definitions of a set of tables as one text: what a sign-off is of.
fn definitions(tables: &[StatTable]) -> String {
    tables
        .iter()
        .map(|t| format!("{}|{}|{}", t.id, t.name, columns_key(&t.columns)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One row of a counted table: a place one level below and its counts, in the columns' order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CountedRow {
    pub code: String,
    pub name: String,
    pub values: Vec<i64>,
}

/// A table counted over a period (before suppression).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counted {
    pub name: String,
    /// Figure keys.
    pub columns: Vec<String>,
    pub rows: Vec<CountedRow>,
}

impl Counted {
    pub fn figures(&self) -> Vec<Figure> {
        self.columns
            .iter()
            .filter_map(|k| Figure::parse(k))
            .collect()
    }

    /// The county's counts: the sum of its rows, column by column.
    pub fn sums(&self) -> Vec<i64> {
        (0..self.columns.len())
            .map(|c| {
                self.rows
                    .iter()
                    .map(|r| r.values.get(c).copied().unwrap_or(0))
                    .sum()
            })
            .collect()
    }

    /// As it leaves the county: rows and the total line, suppressed.
    pub fn shown(&self, threshold: i64) -> Suppressed {
        let cells: Vec<Vec<i64>> = self.rows.iter().map(|r| r.values.clone()).collect();
        suppress::table_with(
            &cells,
            threshold,
            suppress::Margins {
                rows: false,
                columns: true,
            },
        )
    }
}

/// Who signed off and sent a period's tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOff {
    pub signed_by: String,
    pub signed_ms: i64,
    pub sent_by: Option<String>,
    pub sent_ms: Option<i64>,
    /// A table was changed (added, removed) since: a new sign-off is needed before sending.
    pub stale: bool,
}

/// A county's tables of a period: as signed when they are, else as counted now.
#[derive(Debug, Clone)]
pub struct CountyTables {
    pub place: Place,
    pub period: Period,
    pub tables: Vec<StatTable>,
    pub counted: Vec<Counted>,
    pub sign_off: Option<SignOff>,
    pub threshold: i64,
}

/// One table the counties below a federation sent: a row per county (its sums) and their sum,
/// suppressed.
#[derive(Debug, Clone)]
pub struct ReceivedTable {
    pub name: String,
    pub columns: Vec<Figure>,
    /// Each county that sent it, in the rows' order.
    pub counties: Vec<ReceivedCounty>,
    pub shown: Suppressed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedCounty {
    pub code: String,
    pub name: String,
    pub signed_by: String,
    pub signed_ms: i64,
    pub sent_ms: i64,
}

/// What a federation received for a period.
#[derive(Debug, Clone)]
pub struct Received {
    pub place: Place,
    pub period: Period,
    pub tables: Vec<ReceivedTable>,
    pub threshold: i64,
}

/// Tables received under one name and columns: the counties and their sums, in the same order.
type Group = (String, Vec<String>, Vec<ReceivedCounty>, Vec<Vec<i64>>);

fn not_county() -> ServiceError {
    invalid("place", "report.not_county")
}

impl Services {
    /// The county whose tables these are, for its own staff: a staff grant at the county
    /// itself. Anyone else's request is refused naming `place`; a place that is not a county
    /// too.
    async fn table_county(&self, caller: &Caller, code: &str) -> Result<Place, ServiceError> {
        let place = self.report_place(caller, code).await?;
        if place.level() != PlaceLevel::County {
            return Err(not_county());
        }
        let own = caller.is_operator()
            || caller
                .grants
                .iter()
                .any(|g| g.role == Role::Staff && g.scope_path == place.path);
        if !own {
            return Err(invalid("place", "report.outside"));
        }
        Ok(place)
    }

    /// The tables a county sends, in their order.
    pub async fn stat_tables(
        &self,
        caller: &Caller,
        code: &str,
    ) -> Result<Vec<StatTable>, ServiceError> {
        let place = self.table_county(caller, code).await?;
        Ok(store::tables(&self.db, &place.county())
            .await?
            .iter()
            .map(StatTable::of)
            .collect())
    }

    /// A new table (`id` none) or a table changed at `version`. A changed set needs a new
    /// sign-off. Returns the table's id.
    pub async fn save_stat_table(
        &self,
        caller: &Caller,
        code: &str,
        id: Option<(Uuid, i64)>,
        input: &TableInput,
    ) -> Result<Uuid, ServiceError> {
        let place = self.table_county(caller, code).await?;
        let TableDef { name, columns } = input.validate()?;
        let county = place.county();
        let row = TableRow {
            county_code: county.clone(),
            id: id.map(|(i, _)| i).unwrap_or_else(Uuid::now_v7),
            path: place.path.clone(),
            name,
            columns: columns_key(&columns),
            position: 0,
            changed_by: caller.username.clone(),
            changed_ms: clock::now().timestamp_millis(),
            version: 1,
        };
        if let Some((tid, _)) = id
            && !store::tables(&self.db, &county)
                .await?
                .iter()
                .any(|t| t.id == tid)
        {
            return Err(ServiceError::NotFound);
        }
        let entry = Record::new("stat_table.save")
            .target(format!("stat_table:{}", row.id))
            .place(place.path.clone())
            .detail(format!("columns={}", row.columns));
        let saved = db_tx!(&self.db, tx => {
            let done = match id {
                None => { store::insert_table(tx, &row).await?; true }
                Some((_, version)) => store::update_table(tx, &row, version).await?,
            };
            if done {
                record(tx, &self.keys, caller, entry.clone()).await?;
            }
            Ok::<bool, StorageError>(done)
        })?;
        if !saved {
            return Err(ServiceError::Conflict);
        }
        Ok(row.id)
    }

    /// Removes a table from the set (a new sign-off is then needed).
    pub async fn delete_stat_table(
        &self,
        caller: &Caller,
        code: &str,
        id: Uuid,
    ) -> Result<(), ServiceError> {
        let place = self.table_county(caller, code).await?;
        let county = place.county();
        let entry = Record::new("stat_table.delete")
            .target(format!("stat_table:{id}"))
            .place(place.path.clone());
        let gone = db_tx!(&self.db, tx => {
            let gone = store::delete_table(tx, &county, id).await?;
            if gone {
                record(tx, &self.keys, caller, entry.clone()).await?;
            }
            Ok::<bool, StorageError>(gone)
        })?;
        if gone {
            Ok(())
        } else {
            Err(ServiceError::NotFound)
        }
    }

    /// Counts a county's tables over a period from the records, row by row.
    async fn count_tables(
        &self,
        caller: &Caller,
        place: &Place,
        tables: &[StatTable],
        period: Period,
    ) -> Result<Vec<Counted>, ServiceError> {
        let mut units = Vec::new();
        if !tables.is_empty() {
            for child in self.cached().children(&place.code).await?.iter() {
                let f = self.figures_of(caller, child, period).await?;
                units.push((child.code.clone(), child.name.clone(), f));
            }
        }
        Ok(tables
            .iter()
            .map(|t| Counted {
                name: t.name.clone(),
                columns: t.columns.iter().map(|f| f.key().to_string()).collect(),
                rows: units
                    .iter()
                    .map(|(code, name, f)| CountedRow {
                        code: code.clone(),
                        name: name.clone(),
                        values: t.columns.iter().map(|c| f.get(*c)).collect(),
                    })
                    .collect(),
            })
            .collect())
    }

    /// A county's tables of a period: as signed off when they are (with who signed and sent),
    /// else as counted now.
    pub async fn county_tables(
        &self,
        caller: &Caller,
        code: &str,
        period: Period,
    ) -> Result<CountyTables, ServiceError> {
        let place = self.table_county(caller, code).await?;
        let tables: Vec<StatTable> = store::tables(&self.db, &place.county())
            .await?
            .iter()
            .map(StatTable::of)
            .collect();
        let signed = store::return_of(&self.db, &place.county(), &period.key()).await?;
        let (counted, sign_off) = match signed {
            Some(r) => {
                let counted: Vec<Counted> = serde_json::from_str(&r.data)
                    .map_err(|e| ServiceError::Internal(format!("return data: {e}")))?;
                let stale = r.sent_ms.is_none() && r.tables != definitions(&tables);
                (
                    counted,
                    Some(SignOff {
                        signed_by: r.signed_by,
                        signed_ms: r.signed_ms,
                        sent_by: r.sent_by,
                        sent_ms: r.sent_ms,
                        stale,
                    }),
                )
            }
            None => (
                self.count_tables(caller, &place, &tables, period).await?,
                None,
            ),
        };
        Ok(CountyTables {
            place,
            period,
            tables,
            counted,
            sign_off,
            threshold: self.suppression_threshold,
        })
    }

    /// Signs a period's tables off as counted now, in the caller's name; replaces an earlier
    /// sign-off not yet sent. A period already sent is refused naming `period`; no table at all
    /// naming `tables`.
    pub async fn sign_stat_tables(
        &self,
        caller: &Caller,
        code: &str,
        period: Period,
    ) -> Result<(), ServiceError> {
        let place = self.table_county(caller, code).await?;
        let county = place.county();
        let tables: Vec<StatTable> = store::tables(&self.db, &county)
            .await?
            .iter()
            .map(StatTable::of)
            .collect();
        if tables.is_empty() {
            return Err(invalid("tables", "report.no_tables"));
        }
        if let Some(r) = store::return_of(&self.db, &county, &period.key()).await?
            && r.sent_ms.is_some()
        {
            return Err(invalid("period", "report.already_sent"));
        }
        let counted = self.count_tables(caller, &place, &tables, period).await?;
        let row = ReturnRow {
            county_code: county.clone(),
            id: Uuid::now_v7(),
            path: place.path.clone(),
            period: period.key(),
            tables: definitions(&tables),
            data: serde_json::to_string(&counted)
                .map_err(|e| ServiceError::Internal(format!("return data: {e}")))?,
            signed_by: caller.username.clone(),
            signed_ms: clock::now().timestamp_millis(),
            sent_by: None,
            sent_ms: None,
        };
        let entry = Record::new("stat_return.sign")
            .target(format!("stat_return:{}", row.id))
            .place(place.path.clone())
            .detail(format!("period={}", row.period));
        let signed = db_tx!(&self.db, tx => {
            let signed = store::sign(tx, &row).await?;
            if signed {
                record(tx, &self.keys, caller, entry.clone()).await?;
            }
            Ok::<bool, StorageError>(signed)
        })?;
        if !signed {
            return Err(invalid("period", "report.already_sent"));
        }
        Ok(())
    }

    /// Sends a period's signed tables to the federation above. Not signed off, or a table
    /// changed since the sign-off, is refused naming `tables`; already sent naming `period`.
    pub async fn send_stat_tables(
        &self,
        caller: &Caller,
        code: &str,
        period: Period,
    ) -> Result<(), ServiceError> {
        let place = self.table_county(caller, code).await?;
        let county = place.county();
        let Some(r) = store::return_of(&self.db, &county, &period.key()).await? else {
            return Err(invalid("tables", "report.not_signed"));
        };
        if r.sent_ms.is_some() {
            return Err(invalid("period", "report.already_sent"));
        }
        let tables: Vec<StatTable> = store::tables(&self.db, &county)
            .await?
            .iter()
            .map(StatTable::of)
            .collect();
        if r.tables != definitions(&tables) {
            return Err(invalid("tables", "report.sign_again"));
        }
        let entry = Record::new("stat_return.send")
            .target(format!("stat_return:{}", r.id))
            .place(place.path.clone())
            .detail(format!("period={} signed_by={}", r.period, r.signed_by));
        let now = clock::now().timestamp_millis();
        let sent = db_tx!(&self.db, tx => {
            let sent = store::send(tx, &county, r.id, &caller.username, now).await?;
            if sent {
                record(tx, &self.keys, caller, entry.clone()).await?;
            }
            Ok::<bool, StorageError>(sent)
        })?;
        if !sent {
            return Err(ServiceError::Conflict);
        }
        Ok(())
    }

    /// What the counties below a city's or province's federation sent for a period: each table
    /// (by name and columns) with a row per county and their sum, suppressed. For staff
    /// managing that place; a county or a place below is refused naming `place`. The read is
    /// audited.
    pub async fn received_tables(
        &self,
        caller: &Caller,
        code: &str,
        period: Period,
    ) -> Result<Received, ServiceError> {
        let place = self.report_place(caller, code).await?;
        if !matches!(place.level(), PlaceLevel::Province | PlaceLevel::Prefecture) {
            return Err(invalid("place", "report.not_above"));
        }
        let returns = store::sent_within(&self.db, &place.subtree(), &period.key()).await?;
        let mut groups: Vec<Group> = Vec::new();
        for r in &returns {
            let counted: Vec<Counted> = serde_json::from_str(&r.data)
                .map_err(|e| ServiceError::Internal(format!("return data: {e}")))?;
            let name = match self.cached().place(&r.county_code).await? {
                Some(p) => p.name.clone(),
                None => r.county_code.clone(),
            };
            let county = ReceivedCounty {
                code: r.county_code.clone(),
                name,
                signed_by: r.signed_by.clone(),
                signed_ms: r.signed_ms,
                sent_ms: r.sent_ms.unwrap_or_default(),
            };
            for t in counted {
                let sums = t.sums();
                match groups
                    .iter_mut()
                    .find(|g| g.0 == t.name && g.1 == t.columns)
                {
                    Some(g) => {
                        g.2.push(county.clone());
                        g.3.push(sums);
                    }
                    None => groups.push((t.name, t.columns, vec![county.clone()], vec![sums])),
                }
            }
        }
        let threshold = self.suppression_threshold;
        let tables = groups
            .into_iter()
            .map(|(name, columns, counties, cells)| ReceivedTable {
                name,
                columns: columns.iter().filter_map(|k| Figure::parse(k)).collect(),
                counties,
                shown: suppress::table_with(
                    &cells,
                    threshold,
                    suppress::Margins {
                        rows: false,
                        columns: true,
                    },
                ),
            })
            .collect();
        let entry = Record::new("stat_return.read")
            .target(format!("place:{}", place.code))
            .place(place.path.clone())
            .detail(format!(
                "period={} counties={}",
                period.key(),
                returns.len()
            ));
        db_tx!(&self.db, tx => record(tx, &self.keys, caller, entry.clone()).await)?;
        Ok(Received {
            place,
            period,
            tables,
            threshold,
        })
    }

    /// A county's tables of a period as a workbook (one sheet a table, suppressed as sent,
    /// and a sheet on the period and the sign-off).
    pub async fn tables_workbook(
        &self,
        caller: &Caller,
        code: &str,
        period: Period,
        lang: Lang,
    ) -> Result<Vec<u8>, ServiceError> {
        use jinguo_interchange::{Cell, Sheet, xlsx};
        let v = self.county_tables(caller, code, period).await?;
        let t = v.threshold;
        let cell = |s: suppress::Shown| match s {
            suppress::Shown::Count(n) => Cell::Int(n),
            other => Cell::Text(other.text(t)),
        };
        let mut sheets = Vec::new();
        for (i, c) in v.counted.iter().enumerate() {
            let shown = c.shown(t);
            let mut headers = vec![
                lang.pick("区划代码", "Code").to_string(),
                lang.pick("单位", "Unit").to_string(),
            ];
            headers.extend(c.figures().iter().map(|f| f.label(lang).to_string()));
            let mut rows: Vec<Vec<Cell>> = c
                .rows
                .iter()
                .zip(&shown.cells)
                .map(|(r, cells)| {
                    [Cell::Text(r.code.clone()), Cell::Text(r.name.clone())]
                        .into_iter()
                        .chain(cells.iter().map(|x| cell(*x)))
                        .collect()
                })
                .collect();
            rows.push(
                [
                    Cell::Text(v.place.code.clone()),
                    Cell::Text(lang.pick("合计", "Total").to_string()),
                ]
                .into_iter()
                .chain(shown.column_totals.iter().map(|x| cell(*x)))
                .collect(),
            );
            // Numbered; the workbook writer makes the name fit a sheet (length, characters).
            let name = format!("{} {}", i + 1, c.name);
            sheets.push(Sheet {
                name,
                headers,
                rows,
            });
        }
        let text = |s: &str| Cell::Text(s.to_string());
        let mut about = vec![
            vec![
                text(lang.pick("区划", "Place")),
                text(&format!("{} {}", v.place.code, v.place.name)),
            ],
            vec![
                text(lang.pick("统计期间", "Period")),
                text(&v.period.label(lang)),
            ],
        ];
        match &v.sign_off {
            Some(s) => {
                about.push(vec![
                    text(lang.pick("审核签发人", "Signed off by")),
                    text(&s.signed_by),
                ]);
                about.push(vec![
                    text(lang.pick("签发时间", "Signed off at")),
                    text(&ms_local(s.signed_ms)),
                ]);
                if let Some(sent) = s.sent_ms {
                    about.push(vec![
                        text(lang.pick("报送时间", "Sent at")),
                        text(&ms_local(sent)),
                    ]);
                }
            }
            None => about.push(vec![
                text(lang.pick("状态", "Status")),
                text(lang.pick("未签发（草稿）", "not signed off (draft)")),
            ]),
        }
        about.push(vec![
            text(lang.pick("说明", "Note")),
            text(&format!(
                "{}{t}{}",
                lang.pick("“<", "\"<"),
                lang.pick(
                    "”为1至阈值减1的数，“×”为防止推算而隐藏的数",
                    "\" is a count from 1 to the threshold less one; \"×\" is hidden so that it cannot be worked out from the totals"
                )
            )),
        ]);
        sheets.push(Sheet {
            name: lang.pick("说明", "About").into(),
            headers: vec![
                lang.pick("项目", "Item").to_string(),
                lang.pick("内容", "Value").to_string(),
            ],
            rows: about,
        });
        xlsx(&sheets).map_err(|e| ServiceError::Internal(format!("workbook: {e}")))
    }
}

/// A time in milliseconds as shown (Asia/Shanghai).
pub fn ms_local(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(clock::local)
        .unwrap_or_default()
}
