//! Every kind is declared once, as an enum: the values its column's CHECK allows after every
//! migration are exactly the enum's keys (or the part of them a rule allows there), on both
//! databases; and a row holding anything else is an error when read, never a default.

use crate::support::{self, both_backends};
use jinguo_domain::Kind;
use jinguo_domain::{
    assessment, care, chain, family, hotline, linkage, mediation, member, person, screening,
    supervision, training, typical, volunteer,
};
use jinguo_storage::{Backend, Db, db_run};

/// The literals the CHECK of `table.column` allows, as the database reports them.
async fn allowed(db: &Db, table: &str, column: &str) -> Vec<String> {
    let texts: Vec<String> = match db {
        Db::Sqlite(_) => db_run!(db, p => sqlx::query_scalar(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $1")
            .bind(table).fetch_all(p).await)
        .unwrap(),
        Db::Postgres(_) => db_run!(db, p => sqlx::query_scalar(
            "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class r \
             ON r.oid = c.conrelid WHERE r.relname = $1 AND c.contype = 'c'")
            .bind(table).fetch_all(p).await)
        .unwrap(),
    };
    let starts = [
        format!("CHECK ({column} IN ("),
        format!("CHECK (({column} = ANY (ARRAY["),
        format!("CHECK ((({column})::text = ANY ((ARRAY["),
    ];
    let mut out = Vec::new();
    for text in &texts {
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for start in &starts {
            let Some(at) = flat.find(start.as_str()) else {
                continue;
            };
            let rest = &flat[at + start.len()..];
            let body = &rest[..rest.find(')').unwrap_or(rest.len())];
            out.extend(
                body.split(',')
                    .filter_map(|v| v.trim().split('\'').nth(1).map(str::to_string)),
            );
        }
    }
    assert!(!out.is_empty(), "no CHECK on {table}.{column}: {texts:?}");
    out.sort();
    out
}

fn sorted(mut keys: Vec<&str>) -> Vec<String> {
    keys.sort();
    keys.into_iter().map(str::to_string).collect()
}

async fn checks_are_the_enums(b: Backend) {
    let t = support::fresh(b).await;
    // A dispute or a case has some risk: never none.
    let some_risk: Vec<&str> = screening::Risk::keys()
        .into_iter()
        .filter(|k| *k != screening::Risk::None.key())
        .collect();
    let expected: Vec<(&str, &str, Vec<&str>)> = vec![
        ("person", "sex", person::Sex::keys()),
        ("member", "role", member::MemberRole::keys()),
        ("visit", "risk", screening::Risk::keys()),
        ("dispute", "source", mediation::Source::keys()),
        ("dispute", "kind", mediation::DisputeKind::keys()),
        ("dispute", "risk", some_risk.clone()),
        ("dispute", "status", mediation::Status::keys()),
        ("dispute", "outcome", mediation::Outcome::keys()),
        ("agreement_term", "kind", mediation::TermKind::keys()),
        ("mediator_profile", "kind", mediation::MediatorKind::keys()),
        ("dv_case", "severity", linkage::Severity::keys()),
        ("dv_case", "risk", some_risk.clone()),
        ("risk_assessment", "computed", some_risk.clone()),
        ("risk_assessment", "judgement", some_risk.clone()),
        ("risk_assessment", "result", some_risk),
        ("risk_assessment", "basis", assessment::Basis::keys()),
        ("dv_case", "source", linkage::CaseSource::keys()),
        ("referral", "basis", linkage::Basis::keys()),
        ("referral", "status", linkage::ReferralStatus::keys()),
        ("instrument", "kind", linkage::InstrumentKind::keys()),
        ("registry_entry", "status", care::EntryStatus::keys()),
        ("care_service", "kind", care::ServiceKind::keys()),
        ("wish", "status", care::WishStatus::keys()),
        ("care_event", "kind", care::EventKind::keys()),
        ("supervision_task", "source", supervision::Source::keys()),
        ("supervision_task", "cadence", supervision::Cadence::keys()),
        ("supervision_task", "status", supervision::Status::keys()),
        ("supervision_task", "rating", supervision::Rating::keys()),
        ("supervision_step", "kind", supervision::Step::keys()),
        ("hotline_call", "kind", hotline::CallKind::keys()),
        ("hotline_call", "action", hotline::Action::keys()),
        ("typical_case", "kind", typical::TypicalKind::keys()),
        ("typical_case", "source", typical::TypicalSource::keys()),
        ("typical_case", "status", typical::TypicalStatus::keys()),
        ("family_award", "nominated_by", family::Nominator::keys()),
        ("family_award", "status", family::FamilyStatus::keys()),
        ("family_award", "level", family::AwardLevel::keys()),
        ("family_event", "kind", family::EventKind::keys()),
        (
            "volunteer_service",
            "service_for",
            volunteer::ServiceFor::keys(),
        ),
        ("training", "kind", training::TrainingKind::keys()),
        ("training", "mode", training::Mode::keys()),
        ("chain_step", "role", chain::StepRole::keys()),
        ("chain_run_step", "role", chain::StepRole::keys()),
        ("chain_run", "subject", chain::Subject::keys()),
    ];
    let mut wrong = Vec::new();
    for (table, column, keys) in expected {
        let found = allowed(&t.db, table, column).await;
        if found != sorted(keys.clone()) {
            wrong.push(format!(
                "{table}.{column}: CHECK allows {found:?}, the enum has {keys:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
both_backends!(checks_match_the_enums, super::checks_are_the_enums);

#[test]
fn a_stored_value_is_its_key_or_an_error() {
    use mediation::Status;
    assert_eq!(Status::stored("accepted"), Ok(Status::Accepted));
    // A name a sheet may carry is parsed from input, never accepted from storage.
    let e = Status::stored("受理").unwrap_err();
    assert_eq!(e.kind, "Status");
    assert!(Status::stored("").is_err());
    assert_eq!(
        care::WishStatus::sql_in("status"),
        "status IN ('proposed', 'published', 'claimed', 'fulfilled', 'confirmed', 'withdrawn')"
    );
}

/// A row holding a value its kind does not have (written by hand, or by another version) is an
/// error when read, not taken for some default. Written here past SQLite's CHECK, as a hand at the
/// database's prompt could; PostgreSQL's CHECK refuses it outright.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_value_is_refused_on_read() {
    use sqlx::Connection;
    let (t, s) = support::with_small_demo(Backend::Sqlite).await;
    let staff = support::county_staff();
    let listed = s.disputes(&staff, Some("530181"), false).await.unwrap();
    assert!(!listed.is_empty(), "the demo has a dispute");
    let id = listed[0].id;
    assert!(s.dispute(&staff, id).await.is_ok());
    let mut c = sqlx::SqliteConnection::connect(&t.url).await.unwrap();
    sqlx::query("PRAGMA ignore_check_constraints = ON")
        .execute(&mut c)
        .await
        .unwrap();
    sqlx::query("UPDATE dispute SET status = 'lost' WHERE id = $1")
        .bind(id)
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    let read = s.dispute(&staff, id).await.map(|_| ());
    assert!(
        matches!(&read, Err(jinguo_services::ServiceError::Internal(m)) if m.contains("Status")),
        "{read:?}"
    );
}
