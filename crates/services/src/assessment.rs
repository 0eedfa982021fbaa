//! The structured risk assessment of a domestic-violence case (风险评估): the county's checklist
//! (its staff over the whole county edit questions and weights), and the assessments of a case,
//! made by staff managing it with the victim, kept over time; the newest gives the case its risk.
//! The answers and the reason of a judgement are sealed; staff who do not own the case see the
//! score, the result and what made it, never the answers or the reason. Every read and every
//! change is audited.

use crate::audit::{Record, record};
use crate::error::invalid;
use crate::{Caller, ServiceError, Services, clock};
use chrono::{DateTime, Utc};
use jinguo_domain::Kind as _;
use jinguo_domain::assessment::{
    Answered, AssessmentInput, Basis, Question, check_checklist, default_checklist,
};
use jinguo_domain::place::PlaceLevel;
use jinguo_domain::screening::Risk;
use jinguo_storage::assessment::{self as store, AssessmentRow, QuestionRow};
use jinguo_storage::db_tx;
use jinguo_storage::linkage as cases;
use jinguo_storage::scope::county_of_path;
use uuid::Uuid;

/// One assessment as its reader may see it.
#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentView {
    pub id: Uuid,
    pub assessed_at: DateTime<Utc>,
    pub assessed_by: String,
    pub with_victim: bool,
    pub incidents: Option<i64>,
    pub score: i64,
    pub computed: Risk,
    pub judgement: Option<Risk>,
    /// Empty unless the reader owns the case.
    pub reason: String,
    pub result: Risk,
    pub basis: Basis,
    /// Empty unless the reader owns the case.
    pub answers: Vec<Answered>,
}

/// A case's checklist and its assessments, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseAssessments {
    pub questions: Vec<Question>,
    pub assessments: Vec<AssessmentView>,
    /// Whether the reader sees the answers (she owns the case).
    pub whole: bool,
}

fn questions_of(rows: Vec<QuestionRow>) -> Vec<Question> {
    if rows.is_empty() {
        return default_checklist();
    }
    rows.into_iter()
        .map(|r| Question {
            key: r.key,
            zh: r.zh,
            en: r.en,
            weight: r.weight,
        })
        .collect()
}

impl Services {
    /// The checklist in force at a place the caller manages: its county's (the default one
    /// until the county's staff set theirs).
    pub async fn risk_checklist(
        &self,
        caller: &Caller,
        place: &str,
    ) -> Result<Vec<Question>, ServiceError> {
        let place = self.managed_place(caller, place).await?;
        let county = county_of_path(&place.path).ok_or(ServiceError::NotFound)?;
        Ok(questions_of(store::questions(&self.db, county).await?))
    }

    /// Sets the county's checklist: its questions in order, with their texts and weights.
    /// Assessments already made keep what was asked and how it weighed.
    pub async fn set_risk_checklist(
        &self,
        caller: &Caller,
        county: &str,
        list: &[Question],
    ) -> Result<Vec<Question>, ServiceError> {
        let place = self.managed_place(caller, county).await?;
        // Staff of a township or a village read the county's checklist, never set it.
        if place.level() != PlaceLevel::County {
            return Err(ServiceError::Forbidden);
        }
        let list = check_checklist(list)?;
        let rows: Vec<QuestionRow> = list
            .iter()
            .enumerate()
            .map(|(i, q)| QuestionRow {
                key: q.key.clone(),
                position: i as i64,
                zh: q.zh.clone(),
                en: q.en.clone(),
                weight: q.weight,
            })
            .collect();
        let entry = Record::new("assessment.checklist")
            .target(format!("county:{county}"))
            .place(place.path.clone())
            .detail(format!("questions={}", rows.len()));
        db_tx!(&self.db, tx => {
            store::replace_questions(tx, county, &rows).await?;
            record(tx, &self.keys, caller, entry.clone()).await
        })?;
        Ok(list)
    }

    /// Sets the county's checklist from its editing page: the rows of the list in force (their
    /// keys fixed, texts and weights changed, some removed) and new ones. A row naming a
    /// question the list does not hold is refused, as any row refused, on its own fields.
    pub async fn edit_risk_checklist(
        &self,
        caller: &Caller,
        county: &str,
        rows: &[jinguo_domain::assessment::EditedQuestion],
    ) -> Result<Vec<Question>, ServiceError> {
        let current = self.risk_checklist(caller, county).await?;
        let list = jinguo_domain::assessment::check_edited(&current, rows)?;
        self.set_risk_checklist(caller, county, &list).await
    }

    /// Records an assessment of a case made by staff managing it: checked against the county's
    /// checklist, its result becomes the case's risk. Returns its id and result.
    pub async fn assess_case(
        &self,
        caller: &Caller,
        case: Uuid,
        input: &AssessmentInput,
    ) -> Result<(Uuid, Risk), ServiceError> {
        let c = self.staff_case(caller, case).await?;
        let checklist = questions_of(store::questions(&self.db, &c.county_code).await?);
        let v = input.validate(&checklist, &self.assessment)?;
        // A new assessment never lowers the case's risk silently (a partial checklist, a careless
        // entry): below what the case stands at, the assessor says why.
        let present = Risk::parse(&c.risk).unwrap_or(Risk::None);
        if v.result < present && v.reason.trim().is_empty() {
            return Err(invalid("reason", "assessment.lowers_case_needs_reason"));
        }
        let id = Uuid::now_v7();
        let answers =
            serde_json::to_string(&v.answers).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let now = clock::now();
        let row = AssessmentRow {
            county_code: c.county_code.clone(),
            id,
            case_id: c.id,
            path: c.path.clone(),
            assessed_at: now,
            assessed_by: caller.username.clone(),
            with_victim: v.with_victim,
            answers: self.seal("risk_assessment", "answers", &id, &answers)?,
            incidents: v.incidents,
            score: v.score,
            computed: v.computed.key().into(),
            judgement: v.judgement.map(|j| j.key().to_string()),
            reason: if v.reason.is_empty() {
                String::new()
            } else {
                self.seal("risk_assessment", "reason", &id, &v.reason)?
            },
            result: v.result.key().into(),
            basis: v.basis.key().into(),
        };
        let step = cases::CaseStepRow {
            seq: 0,
            kind: "assess".into(),
            at: now,
            by_account: caller.username.clone(),
            department: String::new(),
            note: String::new(),
        };
        let yes: Vec<&str> = v
            .answers
            .iter()
            .filter(|a| a.answer == "yes")
            .map(|a| a.key.as_str())
            .collect();
        let hearing = if v.result == Risk::High {
            self.hearing_clock(&c, crate::conference::lethal(&yes), now)
                .await?
        } else {
            None
        };
        let entry = Record::new("case.assess")
            .target(format!("case:{}", c.id))
            .place(c.path.clone())
            .detail(format!(
                "assessment={id} score={} result={} basis={}",
                v.score,
                v.result.key(),
                v.basis.key()
            ));
        db_tx!(&self.db, tx => {
            store::insert_assessment(tx, &row).await?;
            store::set_case_risk(tx, &c.county_code, c.id, v.result.key(), now).await?;
            cases::add_case_step(tx, &c.county_code, c.id, &step).await?;
            if let Some(d) = &hearing {
                cases::insert_deadline(tx, d, crate::linkage::ms(now)).await?;
            }
            record(tx, &self.keys, caller, entry.clone()).await
        })?;
        Ok((id, v.result))
    }

    /// The checklist of a case's county and the case's assessments, newest first, for staff
    /// managing the case (answers and reasons for its owner only). Audited.
    pub async fn case_assessments(
        &self,
        caller: &Caller,
        case: Uuid,
    ) -> Result<CaseAssessments, ServiceError> {
        let c = self.managed_case(caller, case).await?;
        let whole = c.owner == caller.username;
        let questions = questions_of(store::questions(&self.db, &c.county_code).await?);
        let rows = store::assessments_of_case(&self.db, &c).await?;
        let mut assessments = Vec::with_capacity(rows.len());
        for r in rows {
            let (answers, reason) = if whole {
                let json = self.open("risk_assessment", "answers", &r.id, &r.answers)?;
                let answers: Vec<Answered> = serde_json::from_str(&json)
                    .map_err(|e| ServiceError::Internal(e.to_string()))?;
                let reason = if r.reason.is_empty() {
                    String::new()
                } else {
                    self.open("risk_assessment", "reason", &r.id, &r.reason)?
                };
                (answers, reason)
            } else {
                (Vec::new(), String::new())
            };
            assessments.push(AssessmentView {
                id: r.id,
                assessed_at: r.assessed_at,
                assessed_by: r.assessed_by,
                with_victim: r.with_victim,
                incidents: r.incidents,
                score: r.score,
                computed: Risk::stored(&r.computed)?,
                judgement: r.judgement.as_deref().map(Risk::stored).transpose()?,
                reason,
                result: Risk::stored(&r.result)?,
                basis: Basis::stored(&r.basis)?,
                answers,
            });
        }
        self.note_read(
            caller,
            Record::new("case.assessments")
                .target(format!("case:{}", c.id))
                .place(c.path.clone())
                .detail(format!("count={} whole={whole}", assessments.len())),
        )
        .await?;
        Ok(CaseAssessments {
            questions,
            assessments,
            whole,
        })
    }
}

/// The answers an assessment form starts from: the newest assessment's, else the case's short
/// assessment (each factor it named a "yes").
pub fn starting_answers(
    a: &CaseAssessments,
    factors: &[jinguo_domain::linkage::RiskFactor],
) -> Vec<(String, String)> {
    match a.assessments.first() {
        Some(newest) if !newest.answers.is_empty() => newest
            .answers
            .iter()
            .map(|x| (x.key.clone(), x.answer.clone()))
            .collect(),
        _ => factors
            .iter()
            .map(|f| (f.key().to_string(), "yes".to_string()))
            .collect(),
    }
}
