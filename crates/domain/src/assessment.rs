//! The structured risk assessment (风险评估) of a domestic-violence case, in the spirit of the
//! DASH checklist used by multi-agency risk assessment conferences: about two dozen questions
//! answered with the victim (yes, no, not known), each with a weight the county may change; the
//! weighted count of "yes" gives the risk, escalation (three incidents or more in twelve months)
//! makes it high, and a professional judgement may raise it — and lower it only with a reason.
//! Assessments are repeated over time; each is kept.

use crate::Lang;
use crate::error::ValidationErrors;
use crate::screening::Risk;
use std::collections::BTreeMap;

/// Longest reason or question text kept, in characters.
pub const TEXT_MAX_CHARS: usize = 2000;
/// Most questions a county's checklist may hold.
pub const MAX_QUESTIONS: usize = 60;
/// The highest weight of one question.
pub const MAX_WEIGHT: i64 = 10;

/// One question of the default checklist: key, Chinese, English.
pub const CHECKLIST: [(&str, &str, &str); 24] = [
    (
        "injury",
        "这次施暴是否造成了伤害？",
        "Is she injured by this incident?",
    ),
    ("afraid", "她是否非常害怕？", "Is she very frightened?"),
    (
        "fears_worse",
        "她是否担心对方会进一步伤害她或他人？",
        "Is she afraid of further injury or violence to herself or others?",
    ),
    (
        "isolated",
        "她是否被隔绝于家人和朋友？",
        "Is she isolated from family and friends?",
    ),
    (
        "depressed",
        "她是否感到抑郁或有轻生念头？",
        "Is she feeling depressed or having suicidal thoughts?",
    ),
    (
        "separation",
        "一年内是否分居、提出离婚或试图离开？",
        "Has she separated, sought divorce or tried to leave within the past year?",
    ),
    (
        "child_contact",
        "是否因子女抚养或探望与对方发生冲突？",
        "Is there conflict over the children's custody or contact?",
    ),
    (
        "stalking",
        "对方是否跟踪、纠缠或不断打电话发消息骚扰？",
        "Does the abuser follow, stalk or constantly call and text her?",
    ),
    (
        "pregnant",
        "她是否怀孕或近一年半内生育？",
        "Is she pregnant, or has she had a baby in the last 18 months?",
    ),
    (
        "children_harmed",
        "子女是否受到伤害或目睹暴力？",
        "Have the children been hurt or witnessed the violence?",
    ),
    (
        "threatens_others",
        "对方是否威胁伤害子女或其他家人？",
        "Has the abuser threatened to hurt the children or other relatives?",
    ),
    (
        "escalating",
        "暴力是否越来越频繁或越来越严重？",
        "Is the abuse happening more often or getting worse?",
    ),
    (
        "threat_to_kill",
        "对方是否扬言杀害她或其家人？",
        "Has the abuser threatened to kill her or her family?",
    ),
    (
        "strangling",
        "对方是否曾掐脖子、捂口鼻或使其窒息？",
        "Has the abuser ever strangled, choked or suffocated her?",
    ),
    (
        "sexual_abuse",
        "是否有性暴力或强迫的性行为？",
        "Is there sexual violence or coerced sex?",
    ),
    (
        "weapon",
        "对方是否使用或威胁使用凶器？",
        "Has the abuser used or threatened to use a weapon?",
    ),
    (
        "controlling",
        "对方是否过度嫉妒或控制她的日常生活、钱财？",
        "Is the abuser excessively jealous, or controlling her daily life or money?",
    ),
    (
        "record",
        "对方是否有违法犯罪或施暴记录？",
        "Does the abuser have a criminal record or a record of violence?",
    ),
    (
        "breached_order",
        "对方是否曾违反告诫书或保护令？",
        "Has the abuser breached a warning letter or a protection order?",
    ),
    (
        "substance",
        "对方是否酗酒、吸毒或滥用药物？",
        "Does the abuser misuse alcohol or drugs?",
    ),
    (
        "abuser_suicide",
        "对方是否威胁或企图自杀？",
        "Has the abuser threatened or attempted suicide?",
    ),
    (
        "financial",
        "对方是否有经济困难、失业或沉重债务？",
        "Does the abuser have financial trouble, lost a job or heavy debts?",
    ),
    (
        "animals",
        "对方是否虐待或威胁伤害家中的动物？",
        "Has the abuser hurt or threatened to hurt animals at home?",
    ),
    (
        "hurt_others",
        "对方是否伤害过其他人？",
        "Has the abuser hurt anyone else?",
    ),
];

catalog!(
    /// An answer to one question.
    Answer {
        Yes = "yes", "是", "yes";
        No = "no", "否", "no";
        Unknown = "unknown", "不清楚", "not known";
    }
);

catalog!(
    /// What made the result of an assessment.
    Basis {
        Score = "score", "评分", "score";
        Escalation = "escalation", "暴力升级", "escalation";
        Judgement = "judgement", "专业判断", "professional judgement";
    }
);

/// A question of a county's checklist (the default one when it has set none).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Question {
    pub key: String,
    pub zh: String,
    pub en: String,
    pub weight: i64,
}

impl Question {
    pub fn text(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

/// The default checklist, every question of weight 1.
pub fn default_checklist() -> Vec<Question> {
    CHECKLIST
        .iter()
        .map(|(key, zh, en)| Question {
            key: (*key).into(),
            zh: (*zh).into(),
            en: (*en).into(),
            weight: 1,
        })
        .collect()
}

/// The thresholds of the result (configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Weighted "yes" that make the risk high (DASH: 14).
    pub high_score: i64,
    /// … medium.
    pub medium_score: i64,
    /// Incidents in the last twelve months that make the risk high (escalation).
    pub escalation_incidents: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            high_score: 14,
            medium_score: 10,
            escalation_incidents: 3,
        }
    }
}

/// Checks a checklist a county sets: keys of lower-case letters, digits and `_` (at most 40),
/// each once; both texts; weights 1 to [`MAX_WEIGHT`]; 1 to [`MAX_QUESTIONS`] questions.
pub fn check_checklist(list: &[Question]) -> Result<Vec<Question>, ValidationErrors> {
    let numbered: Vec<(usize, &Question)> = list.iter().enumerate().collect();
    let mut e = ValidationErrors::new();
    let out = check_numbered(&mut e, &numbered);
    e.into_result().map(|()| out)
}

/// The checks of [`check_checklist`] on questions that keep the row numbers they were entered
/// with (an edited list, some rows removed), each error named by its row.
fn check_numbered(e: &mut ValidationErrors, list: &[(usize, &Question)]) -> Vec<Question> {
    if list.is_empty() {
        e.push("questions", "required");
    }
    if list.len() > MAX_QUESTIONS {
        e.push("questions", "assessment.too_many");
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for (i, q) in list {
        let key = q.key.trim();
        let field = |f: &str| format!("questions[{i}].{f}");
        if key.is_empty() {
            e.push(field("key"), "required");
        } else if key.len() > 40
            || !key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            e.push(field("key"), "invalid");
        } else if !seen.insert(key.to_string()) {
            e.push(field("key"), "assessment.duplicate_question");
        }
        for (name, text) in [("zh", &q.zh), ("en", &q.en)] {
            if text.trim().is_empty() {
                e.push(field(name), "required");
            } else if text.chars().count() > TEXT_MAX_CHARS {
                e.push(field(name), "too_long");
            }
        }
        if !(1..=MAX_WEIGHT).contains(&q.weight) {
            e.push(field("weight"), "out_of_range");
        }
        out.push(Question {
            key: key.into(),
            zh: q.zh.trim().into(),
            en: q.en.trim().into(),
            weight: q.weight,
        });
    }
    out
}

/// A row of the checklist as its editing page sends it: a question of the list in force
/// (`existing`, its key fixed) or a new one; `remove` takes it out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EditedQuestion {
    pub existing: bool,
    pub question: Question,
    pub remove: bool,
}

/// The checklist an editing page makes of `current`: rows in order, a new row left blank
/// ignored, removed rows dropped. A row claiming to be a question of `current` that it does
/// not hold is an unknown question; every error names its row (`questions[3].weight`).
pub fn check_edited(
    current: &[Question],
    rows: &[EditedQuestion],
) -> Result<Vec<Question>, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let mut kept = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let q = &r.question;
        if r.existing && !current.iter().any(|c| c.key == q.key.trim()) {
            e.push(format!("questions[{i}].key"), "assessment.unknown_question");
            continue;
        }
        let blank = !r.existing && q.key.trim().is_empty() && q.zh.trim().is_empty();
        if r.remove || blank {
            continue;
        }
        kept.push((i, q));
    }
    let out = check_numbered(&mut e, &kept);
    e.into_result().map(|()| out)
}

/// An assessment as entered.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AssessmentInput {
    /// Question key → `yes`, `no` or `unknown`; a question not answered counts as not known.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    /// Incidents in the last twelve months, as she tells them.
    #[serde(default)]
    pub incidents: Option<i64>,
    /// Answered with the victim (else from records and others' accounts).
    #[serde(default)]
    pub with_victim: bool,
    /// The professional judgement, when the assessor gives one: `low`, `medium` or `high`.
    #[serde(default)]
    pub judgement: String,
    /// Why: required when the judgement lowers the result.
    #[serde(default)]
    pub reason: String,
}

/// An answered question, as kept with the assessment: what was asked and how it weighed then.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Answered {
    pub key: String,
    pub answer: String,
    pub weight: i64,
}

/// A valid assessment with its result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAssessment {
    pub answers: Vec<Answered>,
    pub incidents: Option<i64>,
    pub with_victim: bool,
    /// Weighted count of "yes".
    pub score: i64,
    /// The result of the score and the escalation alone.
    pub computed: Risk,
    pub judgement: Option<Risk>,
    pub reason: String,
    /// The result in force.
    pub result: Risk,
    pub basis: Basis,
}

fn rank(r: Risk) -> u8 {
    match r {
        Risk::None => 0,
        Risk::Low => 1,
        Risk::Medium => 2,
        Risk::High => 3,
    }
}

impl AssessmentInput {
    /// Checks the answers against the county's checklist and computes the result.
    pub fn validate(
        &self,
        checklist: &[Question],
        t: &Thresholds,
    ) -> Result<ValidAssessment, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let mut answers = Vec::new();
        for (key, a) in &self.answers {
            let Some(q) = checklist.iter().find(|q| q.key == key.trim()) else {
                e.push(format!("answers.{key}"), "assessment.unknown_question");
                continue;
            };
            match Answer::parse(a) {
                Some(a) => answers.push(Answered {
                    key: q.key.clone(),
                    answer: a.key().into(),
                    weight: q.weight,
                }),
                None => e.push(format!("answers.{key}"), "invalid"),
            }
        }
        if answers.is_empty() && e.is_empty() {
            e.push("answers", "required");
        }
        if let Some(n) = self.incidents
            && !(0..=1000).contains(&n)
        {
            e.push("incidents", "out_of_range");
        }
        let judgement = match self.judgement.trim() {
            "" => None,
            j => match Risk::parse(j) {
                Some(Risk::None) | None => {
                    e.push("judgement", "invalid");
                    None
                }
                Some(r) => Some(r),
            },
        };
        let reason = self.reason.trim().to_string();
        if reason.chars().count() > TEXT_MAX_CHARS {
            e.push("reason", "too_long");
        }
        let score: i64 = answers
            .iter()
            .filter(|a| a.answer == Answer::Yes.key())
            .map(|a| a.weight)
            .sum();
        let escalated = self.incidents.is_some_and(|n| n >= t.escalation_incidents);
        let by_score = if score >= t.high_score {
            Risk::High
        } else if score >= t.medium_score {
            Risk::Medium
        } else {
            Risk::Low
        };
        let computed = if escalated { Risk::High } else { by_score };
        if let Some(j) = judgement
            && rank(j) < rank(computed)
            && reason.is_empty()
        {
            e.push("reason", "assessment.lower_needs_reason");
        }
        e.into_result()?;
        let (result, basis) = match judgement {
            Some(j) if j != computed => (j, Basis::Judgement),
            _ if escalated && by_score != Risk::High => (Risk::High, Basis::Escalation),
            _ => (computed, Basis::Score),
        };
        Ok(ValidAssessment {
            answers,
            incidents: self.incidents,
            with_victim: self.with_victim,
            score,
            computed,
            judgement,
            reason,
            result,
            basis,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(yes: &[&str]) -> AssessmentInput {
        AssessmentInput {
            answers: yes
                .iter()
                .map(|k| ((*k).to_string(), "yes".to_string()))
                .collect(),
            with_victim: true,
            ..Default::default()
        }
    }

    fn keys(n: usize) -> Vec<&'static str> {
        CHECKLIST.iter().take(n).map(|q| q.0).collect()
    }

    #[test]
    fn the_checklist_has_two_dozen_questions_in_both_languages() {
        let list = default_checklist();
        assert_eq!(list.len(), 24);
        assert!(check_checklist(&list).is_ok());
        for k in crate::linkage::RiskFactor::ALL {
            assert!(
                list.iter().any(|q| q.key == k.key()),
                "the short assessment's {} is a question",
                k.key()
            );
        }
    }

    #[test]
    fn the_score_gives_the_risk_and_escalation_makes_it_high() {
        let list = default_checklist();
        let t = Thresholds::default();
        let r = |i: AssessmentInput| i.validate(&list, &t).map(|v| (v.score, v.result, v.basis));
        assert_eq!(r(input(&keys(13))), Ok((13, Risk::Medium, Basis::Score)));
        assert_eq!(r(input(&keys(14))), Ok((14, Risk::High, Basis::Score)));
        assert_eq!(r(input(&keys(2))), Ok((2, Risk::Low, Basis::Score)));
        let mut esc = input(&keys(2));
        esc.incidents = Some(3);
        assert_eq!(r(esc), Ok((2, Risk::High, Basis::Escalation)));
        // Weights count.
        let mut heavy = list.clone();
        heavy[0].weight = 10;
        let v = input(&keys(5)).validate(&heavy, &t).map(|v| v.result);
        assert_eq!(v, Ok(Risk::High));
    }

    #[test]
    fn judgement_raises_freely_and_lowers_only_with_a_reason() {
        let list = default_checklist();
        let t = Thresholds::default();
        let mut up = input(&keys(1));
        up.judgement = "high".into();
        let v = up
            .validate(&list, &t)
            .map(|v| (v.computed, v.result, v.basis));
        assert_eq!(v, Ok((Risk::Low, Risk::High, Basis::Judgement)));
        let mut down = input(&keys(15));
        down.judgement = "medium".into();
        let e = down.validate(&list, &t).err().map(|e| e.0);
        assert_eq!(
            e.map(|e| (e[0].field.clone(), e[0].code)),
            Some(("reason".into(), "assessment.lower_needs_reason"))
        );
        down.reason = "施暴人已被刑事拘留".into();
        let v = down.validate(&list, &t).map(|v| v.result);
        assert_eq!(v, Ok(Risk::Medium));
    }

    #[test]
    fn an_edited_checklist_names_its_rows() {
        let current = default_checklist();
        let row = |existing: bool, key: &str, weight: i64, remove: bool| EditedQuestion {
            existing,
            question: Question {
                key: key.into(),
                zh: "问".into(),
                en: "Q".into(),
                weight,
            },
            remove,
        };
        let key0 = current[0].key.clone();
        let key1 = current[1].key.clone();
        let e = check_edited(
            &current,
            &[
                row(true, "no_such", 1, false),
                row(true, &key1, 11, false),
                row(false, "", 1, false),
            ],
        )
        .err()
        .map(|e| {
            e.0.into_iter()
                .map(|f| (f.field, f.code))
                .collect::<Vec<_>>()
        });
        assert_eq!(
            e,
            Some(vec![
                ("questions[0].key".into(), "assessment.unknown_question"),
                ("questions[1].weight".into(), "out_of_range"),
                // A new row with a text but no key.
                ("questions[2].key".into(), "required"),
            ])
        );
        // Removed rows and blank new rows are left out; row numbers stay those entered.
        let ok = check_edited(
            &current,
            &[
                row(true, &key0, 2, true),
                row(true, &key1, 3, false),
                row(false, "pets", 2, false),
                EditedQuestion::default(),
            ],
        )
        .map(|l| l.into_iter().map(|q| (q.key, q.weight)).collect::<Vec<_>>());
        assert_eq!(ok, Ok(vec![(key1, 3), ("pets".into(), 2)]));
    }

    #[test]
    fn unknown_questions_and_answers_are_named() {
        let list = default_checklist();
        let t = Thresholds::default();
        let mut i = input(&["injury", "no_such"]);
        i.answers.insert("afraid".into(), "maybe".into());
        i.judgement = "none".into();
        let fields: Vec<(String, &str)> = i
            .validate(&list, &t)
            .err()
            .map(|e| e.0.into_iter().map(|f| (f.field, f.code)).collect())
            .unwrap_or_default();
        assert_eq!(
            fields,
            vec![
                ("answers.afraid".into(), "invalid"),
                ("answers.no_such".into(), "assessment.unknown_question"),
                ("judgement".into(), "invalid"),
            ]
        );
        let empty = AssessmentInput::default().validate(&list, &t);
        assert_eq!(
            empty.err().map(|e| e.0[0].field.clone()),
            Some("answers".into())
        );
    }

    #[test]
    fn a_county_checklist_is_checked() {
        let mut list = default_checklist();
        list[1].key = list[0].key.clone();
        list[2].weight = 0;
        list[3].en = " ".into();
        let fields: Vec<String> = check_checklist(&list)
            .err()
            .map(|e| e.0.into_iter().map(|f| f.field).collect())
            .unwrap_or_default();
        assert_eq!(
            fields,
            vec!["questions[1].key", "questions[2].weight", "questions[3].en"]
        );
    }
}
