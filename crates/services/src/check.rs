//! `jinguo check`: is the database sound — the engine's own checks, the foreign keys, the
//! network's rules, the households-per-group tallies, the campaigns' tallies of visits and the
//! years' screening tallies (each
//! against a fresh count, and rebuilt when asked), the audit chain (against the anchors of the
//! configured anchor file).

use crate::audit::Verification;
use crate::{Caller, ServiceError, Services};
use jinguo_storage::maintenance;

/// One check: what, whether it passed, and what was found.
#[derive(Debug, Clone)]
pub struct CheckLine {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

impl Services {
    /// Runs every check (the machine's operator only).
    pub async fn check(&self, caller: &Caller) -> Result<Vec<CheckLine>, ServiceError> {
        if !caller.is_operator() {
            return Err(ServiceError::Forbidden);
        }
        let mut out = Vec::new();
        match maintenance::sqlite_checks(&self.db).await? {
            Some((integrity, orphans)) => {
                out.push(CheckLine {
                    name: "storage",
                    ok: integrity == "ok",
                    detail: format!("integrity_check: {integrity}"),
                });
                out.push(CheckLine {
                    name: "foreign keys",
                    ok: orphans == 0,
                    detail: format!("{orphans} rows point nowhere"),
                });
            }
            None => out.push(CheckLine {
                name: "foreign keys",
                ok: true,
                detail: "enforced by PostgreSQL".into(),
            }),
        }
        let doubly = maintenance::doubly_assigned(&self.db).await?;
        out.push(CheckLine {
            name: "network",
            ok: doubly == 0,
            detail: format!("{doubly} households with two representatives at once"),
        });
        let drift = maintenance::tally_drift(&self.db).await?;
        out.push(CheckLine {
            name: "tallies",
            ok: drift == 0,
            detail: format!("{drift} resident groups whose tally differs from a fresh count"),
        });
        let drift = jinguo_storage::place::place_tally_drift(&self.db).await?;
        out.push(CheckLine {
            name: "place tallies",
            ok: drift == 0,
            detail: format!(
                "{drift} places whose figures (places, households, members below) differ from a fresh count"
            ),
        });
        let drift = jinguo_storage::screening::campaign_tally_drift(&self.db).await?;
        out.push(CheckLine {
            name: "campaign tallies",
            ok: drift == 0,
            detail: format!(
                "{drift} tallies of campaigns (a place and a risk) that differ from a fresh count of the visits"
            ),
        });
        let drift = jinguo_storage::screening::screening_tally_drift(&self.db).await?;
        out.push(CheckLine {
            name: "screening tallies",
            ok: drift == 0,
            detail: format!(
                "{drift} tallies of a year's screening (a place, or a household screened) that differ from a fresh count of the visits"
            ),
        });
        // Against the anchors of the configured anchor file, when there is one.
        let (ok, detail) = match self.configured_anchors() {
            Err(e) => (false, format!("anchors: {e}")),
            Ok(anchors) => match self.verify_audit_against(&anchors).await? {
                Verification::Intact { entries } => (
                    true,
                    format!("{entries} entries intact, {} anchors", anchors.len()),
                ),
                broken @ Verification::Broken { .. } => (false, format!("broken at {broken}")),
            },
        };
        out.push(CheckLine {
            name: "audit chain",
            ok,
            detail,
        });
        Ok(out)
    }

    /// Writes the households-per-group tallies, the places' tallies, the campaigns' tallies and
    /// the years' screening tallies afresh from the households, places, members and visits, in one transaction (the machine's operator only). On
    /// PostgreSQL the tables counted are locked against writes meanwhile, so that a household or
    /// a visit written at the same moment is counted once: before the rebuild, or after it.
    pub async fn rebuild_tallies(&self, caller: &Caller) -> Result<(), ServiceError> {
        if !caller.is_operator() {
            return Err(ServiceError::Forbidden);
        }
        jinguo_storage::db_tx!(&self.db, tx => {
            maintenance::lock_for_tallies(tx).await?;
            maintenance::rebuild_group_tallies(tx).await?;
            jinguo_storage::place::rebuild_place_tallies(tx).await?;
            jinguo_storage::screening::rebuild_campaign_tallies(tx).await?;
            jinguo_storage::screening::rebuild_screening_tallies(tx).await
        })?;
        Ok(())
    }
}
