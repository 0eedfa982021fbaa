//! Places: the dashboard of the hierarchy with its figures, and the import of NBS division files.

use crate::{Caller, ServiceError, Services};
use jinguo_domain::place::{PlaceCode, PlaceLevel};
use jinguo_storage::db_tx;
use jinguo_storage::place::{self as store, NewPlace};
pub use jinguo_storage::place::{Figures, Place};
use std::io::Read;
use std::path::Path;

/// One place as the dashboard shows it: where it is, what it holds, and its children.
#[derive(Debug, Clone)]
pub struct PlaceView {
    pub place: Place,
    pub lineage: Vec<Place>,
    pub figures: Figures,
    pub children: Vec<ChildLine>,
}

#[derive(Debug, Clone)]
pub struct ChildLine {
    pub place: Place,
    pub figures: Figures,
}

impl Services {
    /// The place the caller's overview opens on: the place of her first grant that reads
    /// households (`None` when she has none).
    pub fn home_place(&self, caller: &Caller) -> Option<String> {
        let path = caller.home_path()?;
        path.trim_end_matches('/')
            .rsplit('/')
            .next()
            .map(str::to_string)
    }

    /// The dashboard of one place: its lineage, its figures and each child's figures. A place
    /// outside the caller's scope is not found.
    pub async fn place_view(&self, caller: &Caller, code: &str) -> Result<PlaceView, ServiceError> {
        let code = PlaceCode::parse(code).map_err(|_| ServiceError::NotFound)?;
        let read = self.cached_figures();
        let scope = caller.household_read_scope();
        // The place with its lineage and children, kept only when her scope covers it.
        let (place, (lineage, children)) = read
            .place_family(&code)
            .await?
            .filter(|(p, _)| scope.covers(&p.path))
            .ok_or(ServiceError::NotFound)?;
        let lineage = lineage.as_ref().clone();
        let Some(child_level) = place.level().child() else {
            // A resident group: its children are households, listed by `group_households`.
            let mut figures = read
                .child_figures(&place, PlaceLevel::Group)
                .await?
                .0
                .clone();
            // A representative counts the households she answers for, not her whole group's.
            if !scope.covers_all(&place.path) {
                figures.households =
                    jinguo_storage::household::count_visible(&self.db, &place.subtree(), &scope)
                        .await?;
            }
            return Ok(PlaceView {
                place,
                lineage,
                figures,
                children: Vec::new(),
            });
        };
        let counted = read.child_figures(&place, child_level).await?;
        let (figures, by_child) = (counted.0.clone(), &counted.1);
        let children = children
            .iter()
            .map(|c| {
                let figures = by_child
                    .binary_search_by(|(p, _)| p.as_str().cmp(c.path.as_str()))
                    .ok()
                    .map(|i| by_child[i].1.clone())
                    .unwrap_or_default();
                ChildLine {
                    place: c.clone(),
                    figures,
                }
            })
            .collect();
        Ok(PlaceView {
            place,
            lineage,
            figures,
            children,
        })
    }

    /// Loads the NBS division files (`provinces`, `cities`, `areas`, `streets`, `villages`, each
    /// `.csv` or `.csv.gz`) found in `dir`, top-down, in one transaction. Rows whose parent is
    /// not in the files are skipped and counted. Re-importing renames places and adds new ones; nothing is duplicated.
    pub async fn import_places(
        &self,
        caller: &Caller,
        dir: &Path,
    ) -> Result<ImportReport, ServiceError> {
        if !caller.is_operator() {
            return Err(ServiceError::Forbidden);
        }
        let mut report = ImportReport::default();
        let mut known: std::collections::HashSet<String> = Default::default();
        let mut rows: Vec<NewPlace> = Vec::new();
        for name in ["provinces", "cities", "areas", "streets", "villages"] {
            let Some(text) = read_maybe_gz(dir, name)? else {
                continue;
            };
            report.files += 1;
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(true)
                .from_reader(text.as_bytes());
            for (i, rec) in rdr.records().enumerate() {
                let rec =
                    rec.map_err(|e| std::io::Error::other(format!("{name}: row {}: {e}", i + 2)))?;
                let (Some(code), Some(pname)) = (rec.get(0), rec.get(1)) else {
                    report
                        .refused
                        .push(format!("{name}.csv row {}: missing code or name", i + 2));
                    continue;
                };
                let Ok(code) = PlaceCode::parse(code) else {
                    report
                        .refused
                        .push(format!("{name}.csv row {}: bad code {code}", i + 2));
                    continue;
                };
                let parent = code.parent();
                if let Some(p) = &parent
                    && !known.contains(p.as_str())
                {
                    report.orphans += 1;
                    continue;
                }
                known.insert(code.as_str().to_string());
                rows.push(new_place(&code, pname.trim()));
            }
        }
        report.places = rows.len() as u64;
        let detail = format!("{} places from {} files", rows.len(), report.files);
        db_tx!(&self.db, tx => {
            store::upsert(tx, &rows).await?;
            crate::audit::record(tx, &self.keys, caller, crate::audit::Record::new("places.import").detail(detail.clone())).await
        })?;
        Ok(report)
    }
}

/// The place row for a code and name.
pub fn new_place(code: &PlaceCode, name: &str) -> NewPlace {
    NewPlace {
        code: code.as_str().to_string(),
        parent_code: code.parent().map(|p| p.as_str().to_string()),
        level: code.level().as_i16(),
        name: name.to_string(),
        path: code.path(),
        county_code: code.county().map(str::to_string),
    }
}

#[derive(Debug, Default, Clone)]
pub struct ImportReport {
    pub files: u32,
    pub places: u64,
    pub orphans: u64,
    pub refused: Vec<String>,
}

fn read_maybe_gz(dir: &Path, name: &str) -> Result<Option<String>, ServiceError> {
    let plain = dir.join(format!("{name}.csv"));
    if plain.exists() {
        return Ok(Some(std::fs::read_to_string(plain)?));
    }
    let gz = dir.join(format!("{name}.csv.gz"));
    if gz.exists() {
        let mut s = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(gz)?).read_to_string(&mut s)?;
        return Ok(Some(s));
    }
    Ok(None)
}
