//! The "1+N+1+1" chain on both databases: a county's staff define a chain (a lead body, member
//! units, a court link, a follow-up, each with a unit and a time limit); staff attach a dispute of
//! their reach to it; the steps follow one another, each a stored clock the escalation worker
//! climbs, each done by its unit's person with who and when. Bad input (a limit of no days, no
//! steps, an unknown unit, a record outside the caller's reach) refused naming the field.

use crate::support::{self, both_backends, with_small_demo};
use chrono::Duration;
use jinguo_domain::account::Role;
use jinguo_domain::chain::{ChainInput, StepInput};
use jinguo_domain::supervision::Light;
use jinguo_services::{Caller, ServiceError, Services, clock};
use jinguo_storage::Backend;
use serde_json::json;
use uuid::Uuid;

fn fields(e: &ServiceError) -> Vec<(String, String)> {
    match e {
        ServiceError::Invalid(v) => {
            v.0.iter()
                .map(|f| (f.field.clone(), f.code.to_string()))
                .collect()
        }
        e => panic!("not a refusal: {e:?}"),
    }
}

fn step(role: &str, name: &str, unit: &str, days: &str) -> StepInput {
    StepInput {
        role: role.into(),
        name: name.into(),
        unit: unit.into(),
        days: days.into(),
    }
}

fn chain(place: &str, town: &str) -> ChainInput {
    ChainInput {
        place: place.into(),
        name: "安宁市“1+N+1+1”婚姻家庭纠纷化解".into(),
        steps: vec![
            step("lead", "街道妇联牵头受理", town, "5"),
            step("member", "公安机关核查", "police", "10"),
            step("court", "法院诉调对接", "court", "15"),
            step("followup", "跟踪回访", town, "30"),
        ],
    }
}

async fn dispute(s: &Services, staff: &Caller, village: &str) -> Uuid {
    let intake: jinguo_domain::mediation::IntakeInput = serde_json::from_value(json!({
        "kind": "marriage", "source": "walk_in", "risk": "low",
        "received_on": clock::today().to_string(),
        "parties": [{"name": "甲", "relationship": "妻子"}, {"name": "乙", "relationship": "丈夫"}],
        "narrative": "夫妻因家务分担争吵", "consent": true}))
    .unwrap();
    s.register_dispute(staff, village, &intake, false)
        .await
        .unwrap()
        .id
}

async fn told(s: &Services, name: &str, kind: &str) -> bool {
    let id = jinguo_storage::account::by_username(&s.db, name)
        .await
        .unwrap()
        .unwrap()
        .id;
    jinguo_storage::linkage::inbox(&s.db, id, 100)
        .await
        .unwrap()
        .iter()
        .any(|n| n.kind == kind)
}

async fn lifecycle(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let operator = Caller::operator();
    s.ensure_departments(&operator, "530181").await.unwrap();
    let towns = jinguo_storage::place::children(&s.db, "530181")
        .await
        .unwrap();
    let (town, other) = (towns[0].code.clone(), towns[1].code.clone());
    let village_in = jinguo_storage::place::children(&s.db, &town).await.unwrap()[0]
        .code
        .clone();
    let village_out = jinguo_storage::place::children(&s.db, &other)
        .await
        .unwrap()[0]
        .code
        .clone();
    support::account(&s, "c-county", Role::Staff, "530181").await;
    support::account(&s, "c-town", Role::Staff, &town).await;
    support::account(&s, "c-other", Role::Staff, &other).await;
    support::account(&s, "c-police", Role::Liaison, "530181").await;
    support::account(&s, "c-rep", Role::Representative, &village_in).await;
    s.set_liaison(&operator, "530181", "police", "c-police", "liaison")
        .await
        .unwrap();
    let c = |n: &'static str| support::caller_of(&s, n, support::PASSWORD);
    let (county, town_staff, other_staff, police, rep) = (
        c("c-county").await,
        c("c-town").await,
        c("c-other").await,
        c("c-police").await,
        c("c-rep").await,
    );

    // Bad input, each named, nothing written.
    let mut bad = chain("530181", &town);
    bad.steps[0].days = "0".into();
    bad.steps[1].days = "-2".into();
    bad.steps[2].role = "judge".into();
    let e = s.define_chain(&county, &bad).await.unwrap_err();
    assert_eq!(
        fields(&e),
        vec![
            ("steps[0].limit_days".into(), "chain.days".into()),
            ("steps[1].limit_days".into(), "chain.days".into()),
            ("steps[2].step_role".into(), "invalid".into()),
        ]
    );
    let mut none = chain("530181", &town);
    none.steps = vec![StepInput::default()];
    let e = s.define_chain(&county, &none).await.unwrap_err();
    assert_eq!(fields(&e), vec![("steps".into(), "required".into())]);
    let mut unknown = chain("530181", &town);
    unknown.steps[1].unit = "no_such_department".into();
    let e = s.define_chain(&county, &unknown).await.unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("steps[1].step_unit".into(), "not_found".into())]
    );
    // Only at a county, by its staff.
    let e = s
        .define_chain(&town_staff, &chain("530181", &town))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), vec![("place".into(), "not_found".into())]);
    let e = s
        .define_chain(&town_staff, &chain(&town, &village_in))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), vec![("place".into(), "not_found".into())]);
    assert!(matches!(
        s.define_chain(&rep, &chain("530181", &town)).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(s.chains(&county).await.unwrap().0.is_empty());
    let id = s
        .define_chain(&county, &chain("530181", &town))
        .await
        .unwrap();
    // Staff of the county and of its townships see it.
    for who in [&county, &town_staff, &other_staff] {
        let (chains, _) = s.chains(who).await.unwrap();
        assert_eq!(chains.len(), 1);
        assert_eq!(chains[0].steps.len(), 4);
    }
    assert!(matches!(s.chains(&rep).await, Err(ServiceError::Forbidden)));

    // Attaching: a record of her reach, in the chain's county, once.
    let mine = dispute(&s, &county, &village_in).await;
    let theirs = dispute(&s, &county, &village_out).await;
    let e = s
        .attach_to_chain(&town_staff, id, "dispute", Some(theirs))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), vec![("subject".into(), "not_found".into())]);
    let e = s
        .attach_to_chain(&town_staff, id, "case", Some(mine))
        .await
        .unwrap_err();
    assert_eq!(fields(&e), vec![("subject".into(), "not_found".into())]);
    let e = s
        .attach_to_chain(&town_staff, id, "party", None)
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![
            ("subject_kind".into(), "invalid".into()),
            ("subject".into(), "required".into())
        ]
    );
    assert!(matches!(
        s.attach_to_chain(&rep, id, "dispute", Some(mine)).await,
        Err(ServiceError::Forbidden)
    ));
    let run = s
        .attach_to_chain(&town_staff, id, "dispute", Some(mine))
        .await
        .unwrap();
    let e = s
        .attach_to_chain(&county, id, "dispute", Some(mine))
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("subject".into(), "chain.attached".into())]
    );

    // The first step's clock runs; the others wait for it.
    let today = clock::today();
    let v = s.chain_run(&town_staff, run).await.unwrap();
    assert_eq!(v.steps[0].due_on, Some(today + Duration::days(5)));
    assert_eq!(v.steps[0].light, Some(Light::Green));
    assert!(v.steps[1..].iter().all(|st| st.due_on.is_none()));
    assert_eq!(v.may_take, Some(1));
    // The police see it (a step is theirs) but may not take the town's step; another
    // township's staff does not see it at all.
    let pv = s.chain_run(&police, run).await.unwrap();
    assert_eq!(pv.may_take, None);
    assert!(matches!(
        s.chain_run(&other_staff, run).await,
        Err(ServiceError::NotFound)
    ));
    assert!(s.chains(&other_staff).await.unwrap().1.is_empty());
    assert!(matches!(
        s.take_chain_step(&other_staff, run, 1).await,
        Err(ServiceError::NotFound)
    ));
    let e = s.take_chain_step(&police, run, 1).await.unwrap_err();
    assert_eq!(fields(&e), vec![("seq".into(), "chain.not_unit".into())]);
    let e = s.take_chain_step(&town_staff, run, 2).await.unwrap_err();
    assert_eq!(fields(&e), vec![("seq".into(), "chain.not_current".into())]);
    s.take_chain_step(&town_staff, run, 1).await.unwrap();
    let e = s.take_chain_step(&town_staff, run, 1).await.unwrap_err();
    assert_eq!(fields(&e), vec![("seq".into(), "chain.not_current".into())]);
    let v = s.chain_run(&police, run).await.unwrap();
    assert_eq!(v.steps[0].done_by, "c-town");
    assert!(v.steps[0].done_at.is_some());
    assert_eq!(v.steps[0].light, Some(Light::Done));
    assert_eq!(v.steps[1].due_on, Some(today + Duration::days(10)));
    assert_eq!(v.may_take, Some(2));
    assert_eq!((v.line.done, v.line.steps), (1, 4));

    // The police's step overdue: the worker tells the department and whoever attached it, then
    // the county's chair.
    let now = clock::now();
    assert!(!told(&s, "c-police", "deadline.overdue").await);
    s.escalate(now + Duration::days(12)).await.unwrap();
    assert!(told(&s, "c-police", "deadline.overdue").await);
    assert!(told(&s, "c-town", "deadline.overdue").await);
    assert!(!told(&s, "c-county", "deadline.overdue").await);
    // Today, ten days before its deadline, the light is still green.
    let v = s.chain_run(&county, run).await.unwrap();
    assert_eq!(v.steps[1].light, Some(Light::Green));
    s.escalate(now + Duration::days(40)).await.unwrap();
    assert!(told(&s, "c-county", "deadline.overdue").await);
    // Done late, by the police: the court's clock starts.
    s.take_chain_step(&police, run, 2).await.unwrap();
    let v = s.chain_run(&county, run).await.unwrap();
    assert_eq!(v.steps[1].done_by, "c-police");
    assert_eq!(v.steps[2].due_on, Some(today + Duration::days(15)));
    assert_eq!(v.may_take, None);
}
both_backends!(a_chain_from_definition_to_follow_up, super::lifecycle);
