//! A county's categories of public opinion: the eight defaults are written when the county is
//! first judged, then its federation staff add categories, rename them (in Chinese and English)
//! and retire those no longer wanted. A retired category is offered no more — to keyword rules,
//! at judgement — but stays on the items and topics that have it and in their figures and
//! workbooks; none is ever deleted.

use crate::audit::{Record, record};
use crate::error::invalid;
use crate::linkage::ms;
use crate::{Caller, ServiceError, Services, clock};
use jinguo_domain::opinion as rules;
use jinguo_storage::opinion as store;
pub use jinguo_storage::opinion::CategoryRow;
use jinguo_storage::place::Place;
use jinguo_storage::{StorageError, db_tx};
use uuid::Uuid;

/// A category's names as entered.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CategoryInput {
    pub name_zh: String,
    pub name_en: String,
}

/// The names of the county's categories other than `key`.
fn others<'a>(all: &'a [CategoryRow], key: &str) -> Vec<(&'a str, &'a str)> {
    all.iter()
        .filter(|c| c.key != key)
        .map(|c| (c.name_zh.as_str(), c.name_en.as_str()))
        .collect()
}

impl Services {
    /// A county whose categories the caller keeps (its federation staff); any other place is
    /// not found. Its defaults are written first.
    async fn category_county(&self, caller: &Caller, county: &str) -> Result<Place, ServiceError> {
        let place = self.managed_place(caller, county).await?;
        if place.code.len() != 6 {
            return Err(ServiceError::NotFound);
        }
        self.opinion_judge(&place.code).await?;
        Ok(place)
    }

    /// The categories of a county, the retired ones too, as its staff keep them.
    pub async fn opinion_categories(
        &self,
        caller: &Caller,
        county: &str,
    ) -> Result<Vec<CategoryRow>, ServiceError> {
        let place = self.category_county(caller, county).await?;
        Ok(store::categories(&self.db, &place.code).await?)
    }

    /// A category the county adds, after its others; returns its key (made here, never reused).
    pub async fn add_opinion_category(
        &self,
        caller: &Caller,
        county: &str,
        input: &CategoryInput,
    ) -> Result<String, ServiceError> {
        let place = self.category_county(caller, county).await?;
        let all = store::categories(&self.db, &place.code).await?;
        let (name_zh, name_en) =
            rules::validate_category(&input.name_zh, &input.name_en, &others(&all, ""))?;
        let row = CategoryRow {
            key: format!("c_{}", Uuid::now_v7().simple()),
            name_zh,
            name_en,
            position: all.iter().map(|c| c.position).max().unwrap_or(-1) + 1,
            retired_ms: None,
        };
        let code = place.code.clone();
        db_tx!(&self.db, tx => {
            store::insert_category(tx, &code, &row).await?;
            record(tx, &self.keys, caller, Record::new("opinion.category")
                .target(format!("opinion_category:{code}:{}", row.key))
                .place(place.path.clone()).detail("add")).await
        })?;
        self.opinion_judges.forget(&place.code);
        Ok(row.key)
    }

    /// A category's names changed (a retired one's too: the figures show its new names).
    pub async fn rename_opinion_category(
        &self,
        caller: &Caller,
        county: &str,
        key: &str,
        input: &CategoryInput,
    ) -> Result<(), ServiceError> {
        let place = self.category_county(caller, county).await?;
        let all = store::categories(&self.db, &place.code).await?;
        if !all.iter().any(|c| c.key == key) {
            return Err(ServiceError::NotFound);
        }
        let (name_zh, name_en) =
            rules::validate_category(&input.name_zh, &input.name_en, &others(&all, key))?;
        let code = place.code.clone();
        db_tx!(&self.db, tx => {
            if store::rename_category(tx, &code, key, &name_zh, &name_en).await? == 0 {
                return Err(StorageError::Conflict("opinion_category".into()));
            }
            record(tx, &self.keys, caller, Record::new("opinion.category")
                .target(format!("opinion_category:{code}:{key}"))
                .place(place.path.clone()).detail("rename")).await
        })?;
        self.opinion_judges.forget(&place.code);
        Ok(())
    }

    /// A category retired: no longer offered to rules or at judgement; the items, topics and
    /// rules that have it keep it, and the figures count them under it. Retiring the last
    /// category still offered is refused.
    pub async fn retire_opinion_category(
        &self,
        caller: &Caller,
        county: &str,
        key: &str,
    ) -> Result<(), ServiceError> {
        let place = self.category_county(caller, county).await?;
        let all = store::categories(&self.db, &place.code).await?;
        let Some(c) = all.iter().find(|c| c.key == key) else {
            return Err(ServiceError::NotFound);
        };
        if c.retired_ms.is_some() {
            return Err(invalid("category", "opinion.category_retired"));
        }
        if !all.iter().any(|o| o.key != key && o.retired_ms.is_none()) {
            return Err(invalid("category", "opinion.category_last"));
        }
        let code = place.code.clone();
        let now = ms(clock::now());
        db_tx!(&self.db, tx => {
            // Retired meanwhile by another: nothing written twice.
            if store::retire_category(tx, &code, key, now).await? == 0 {
                return Err(StorageError::Conflict("opinion_category".into()));
            }
            record(tx, &self.keys, caller, Record::new("opinion.category")
                .target(format!("opinion_category:{code}:{key}"))
                .place(place.path.clone()).detail("retire")).await
        })?;
        self.opinion_judges.forget(&place.code);
        Ok(())
    }
}
