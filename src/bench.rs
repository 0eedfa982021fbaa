//! `jinguo bench`: figures measured on this machine's database, for BENCHMARKS.md.

use anyhow::Context;
use jinguo_services::Services;
use jinguo_storage::{Db, Scope, Subtree, db_run, household};
use std::time::{Duration, Instant};

fn percentile(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(i).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

/// Times two queries `n` times each, alternating so that neither gains from running second
/// (after one warm-up run of each). Both must find something.
async fn time_pair<F, Fa, G, Ga>(
    n: usize,
    mut f: F,
    mut g: G,
) -> anyhow::Result<(Vec<Duration>, Vec<Duration>)>
where
    F: FnMut() -> Fa,
    Fa: std::future::Future<Output = anyhow::Result<usize>>,
    G: FnMut() -> Ga,
    Ga: std::future::Future<Output = anyhow::Result<usize>>,
{
    anyhow::ensure!(
        f().await? > 0 && g().await? > 0,
        "the query found nothing: run `jinguo demo` first"
    );
    let (mut a, mut b) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let t = Instant::now();
        f().await?;
        a.push(t.elapsed());
        let t = Instant::now();
        g().await?;
        b.push(t.elapsed());
    }
    Ok((a, b))
}

/// The query with no scope clause at all: the place's subtree only.
async fn page_unfiltered(db: &Db, place: &Subtree) -> anyhow::Result<usize> {
    let rows: Vec<(uuid::Uuid, String)> = db_run!(db, p => sqlx::query_as(
        "SELECT id, code FROM household WHERE path >= $1 AND path < $2 ORDER BY path, code LIMIT 50 OFFSET 75000")
        .bind(&place.lo).bind(&place.hi).fetch_all(p).await)?;
    Ok(rows.len())
}

async fn count_unfiltered(db: &Db, place: &Subtree) -> anyhow::Result<usize> {
    let (n,): (i64,) = db_run!(db, p => sqlx::query_as(
        "SELECT count(*) FROM household WHERE path >= $1 AND path < $2")
        .bind(&place.lo).bind(&place.hi).fetch_one(p).await)?;
    Ok(n as usize)
}

pub async fn run(services: &Services, username: &str, password: &str) -> anyhow::Result<()> {
    let db = &services.db;
    let county = Subtree::of_path("53/5301/530181/");
    // The caller's scope covers the whole county: nothing is cut away, so the two queries return
    // the same rows and any difference is the cost of the scope filter.
    let scope = Scope::of_paths(["53/5301/530181/"]);
    let n = 200;
    crate::out!("| figure | value | goal |");
    crate::out!("|---|---|---|");
    let pages = time_pair(
        n,
        || page_unfiltered(db, &county),
        || async {
            Ok(household::list_page(db, &county, &scope, 75_000, 50)
                .await?
                .len())
        },
    )
    .await?;
    let counts = time_pair(
        n,
        || count_unfiltered(db, &county),
        || async { Ok(household::count_visible(db, &county, &scope).await? as usize) },
    )
    .await?;
    for (label, (unscoped, scoped)) in [
        (
            "list a page of the county's households (offset 75,000)",
            pages,
        ),
        ("count the county's households", counts),
    ] {
        let (a, b) = (percentile(unscoped, 0.5), percentile(scoped, 0.5));
        crate::out!(
            "| {label}: without / with the caller's scope clause, p50 of {n} | {a:.2} / {b:.2} ms ({:+.0}%) | scope adds < 20% |",
            (b / a - 1.0) * 100.0
        );
    }
    readers(db, &county, n).await?;
    let mut logins = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        services
            .login(username, password, "127.0.0.1")
            .await
            .context("login of the demo account")?;
        logins.push(t.elapsed());
    }
    crate::out!(
        "| login (Argon2id m=19 MiB, t=2, p=1), p50 / max of 10 | {:.0} / {:.0} ms | < 300 ms |",
        percentile(logins.clone(), 0.5),
        percentile(logins, 1.0)
    );
    network(services).await
}

/// Each mechanism's main list at county scale, read through the storage reader that adds the
/// caller's reach against the same statement with no reach clause, for two readers that see the
/// same rows: staff of the whole county (her reach is the list's range, so nothing is added) and
/// staff holding each subdistrict of the county as a separate grant (the reach clause has one
/// range per subdistrict). A list the database holds nothing of is left out.
async fn readers(db: &Db, county: &Subtree, n: usize) -> anyhow::Result<()> {
    use jinguo_storage::{Reader, care, linkage, mediation, place};
    let whole = Reader::new(
        Scope::of_paths([county.lo.as_str()]),
        Scope::of_paths([county.lo.as_str()]),
    );
    let code = county
        .lo
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let townships: Vec<String> = place::children(db, code)
        .await?
        .into_iter()
        .map(|p| p.path)
        .collect();
    let parts = Reader::new(
        Scope::of_paths(townships.iter().map(String::as_str)),
        Scope::of_paths(townships.iter().map(String::as_str)),
    );
    let readers = [
        ("staff of the county", &whole),
        (
            &*format!("staff of each of {} subdistricts", townships.len()),
            &parts,
        ),
    ];
    // Both readers hold whole subtrees: no household is matched one by one by its pseudonym.
    let no_households = &|_: &uuid::Uuid| String::new();
    for (who, reader) in readers {
        let mut lines = Vec::new();
        let disputes = time_pair(
            n,
            || async {
                let rows: Vec<mediation::DisputeRow> = db_run!(db, p => sqlx::query_as(
                    "SELECT * FROM dispute WHERE path >= $1 AND path < $2 \
                     AND ($3 = FALSE OR status IN ('registered', 'accepted', 'assigned', 'in_mediation')) \
                     ORDER BY CASE WHEN status IN ('registered', 'accepted', 'assigned', 'in_mediation') \
                     THEN 0 ELSE 1 END, due_on, opened_on DESC, id LIMIT $4")
                    .bind(&county.lo).bind(&county.hi).bind(false).bind(500_i64).fetch_all(p).await)?;
                Ok(rows.len())
            },
            || async {
                Ok(mediation::list(db, reader, county, false, 500)
                    .await?
                    .len())
            },
        )
        .await;
        lines.push(("disputes of the county (500)", disputes));
        let cases = time_pair(
            n,
            || async {
                let rows: Vec<linkage::CaseRow> = db_run!(db, p => sqlx::query_as(
                    "SELECT * FROM dv_case WHERE path >= $1 AND path < $2 \
                     AND ($3 = FALSE OR status = 'open') \
                     ORDER BY CASE status WHEN 'open' THEN 0 ELSE 1 END, received_on DESC, id LIMIT $4")
                    .bind(&county.lo).bind(&county.hi).bind(false).bind(500_i64).fetch_all(p).await)?;
                Ok(rows.len())
            },
            || async { Ok(linkage::cases(db, reader, county, false, 500).await?.len()) },
        )
        .await;
        lines.push(("domestic-violence cases of the county (500)", cases));
        let entries = time_pair(
            n,
            || async {
                let rows: Vec<care::EntryRow> = db_run!(db, p => sqlx::query_as(
                    "SELECT registry_entry.* FROM registry_entry \
                     WHERE registry_entry.path >= $1 AND registry_entry.path < $2 \
                     ORDER BY registry_entry.next_review_on, registry_entry.path, registry_entry.id LIMIT $3")
                    .bind(&county.lo).bind(&county.hi).bind(500_i64).fetch_all(p).await)?;
                Ok(rows.len())
            },
            || async {
                Ok(care::entries(db, reader, county, &Default::default(), 500, no_households)
                    .await?
                    .len())
            },
        )
        .await;
        lines.push(("registry entries of the county (500)", entries));
        let wishes = time_pair(
            n,
            || async {
                let rows: Vec<care::WishRow> = db_run!(db, p => sqlx::query_as(
                    "SELECT wish.* FROM wish WHERE wish.path >= $1 AND wish.path < $2 ORDER BY wish.created_at DESC, wish.id LIMIT $3")
                    .bind(&county.lo).bind(&county.hi).bind(500_i64).fetch_all(p).await)?;
                Ok(rows.len())
            },
            || async {
                Ok(care::wishes(db, reader, county, false, 500, no_households)
                    .await?
                    .len())
            },
        )
        .await;
        lines.push(("micro-wishes of the county (500)", wishes));
        for (label, pair) in lines {
            let Ok((unscoped, scoped)) = pair else {
                continue;
            };
            let (a, b) = (percentile(unscoped, 0.5), percentile(scoped, 0.5));
            crate::out!(
                "| {label}, {who}: without / with the reader's reach, p50 of {n} | {a:.2} / {b:.2} ms ({:+.0}%) | reach adds ≤ 10% |",
                (b / a - 1.0) * 100.0
            );
        }
    }
    Ok(())
}

/// Coverage of the whole county counted by hand: units, households and members nobody or nothing
/// is assigned to, in one statement over the same tables and indexes. Returns the members.
async fn coverage_by_hand(db: &Db, county: &Subtree) -> anyhow::Result<usize> {
    let (units, households, idle, members): (i64, i64, i64, i64) = db_run!(db, p => sqlx::query_as(
        "SELECT \
           (SELECT count(*) FROM place p WHERE p.path >= $1 AND p.path < $2 AND p.level > 3 \
              AND NOT EXISTS (SELECT 1 FROM assignment a WHERE a.unit_code = p.code AND a.ended_on IS NULL)), \
           (SELECT count(*) FROM household h WHERE h.path >= $1 AND h.path < $2 \
              AND NOT EXISTS (SELECT 1 FROM assignment a WHERE a.county_code = h.county_code AND a.household_id = h.id AND a.ended_on IS NULL)), \
           (SELECT count(*) FROM member m WHERE m.path >= $1 AND m.path < $2 AND m.ended_on IS NULL \
              AND NOT EXISTS (SELECT 1 FROM assignment a WHERE a.county_code = m.county_code AND a.member_id = m.id AND a.ended_on IS NULL)), \
           (SELECT count(*) FROM member m WHERE m.path >= $1 AND m.path < $2 AND m.ended_on IS NULL)")
        .bind(&county.lo).bind(&county.hi).fetch_one(p).await)?;
    let _ = (units, households, idle);
    Ok(members as usize)
}

/// A campaign's progress per subdistrict counted by hand: households joined to their visit.
async fn progress_by_hand(
    db: &Db,
    county: &Subtree,
    campaign: uuid::Uuid,
) -> anyhow::Result<usize> {
    let prefix = jinguo_storage::place::path_len(jinguo_domain::place::PlaceLevel::Township);
    let rows: Vec<(String, i64, i64, i64)> = db_run!(db, p => sqlx::query_as(
        "SELECT substr(h.path, 1, $3) AS unit, count(*), count(v.id), \
            sum(CASE WHEN v.risk = 'medium' THEN 1 ELSE 0 END) \
         FROM household h LEFT JOIN visit v ON v.county_code = h.county_code AND v.household_id = h.id AND v.campaign_id = $4 \
         WHERE h.path >= $1 AND h.path < $2 GROUP BY unit")
        .bind(&county.lo).bind(&county.hi).bind(prefix).bind(campaign).fetch_all(p).await)?;
    Ok(rows.iter().map(|r| r.2 as usize).sum())
}

/// Coverage and campaign progress of the whole county through the services, each against the
/// hand-written aggregate, alternating, `n` times.
pub async fn network(services: &Services) -> anyhow::Result<()> {
    let db = &services.db;
    let county = Subtree::of_path("53/5301/530181/");
    let staff = jinguo_services::Caller::new(
        uuid::Uuid::nil(),
        "bench".into(),
        "bench".into(),
        vec![jinguo_services::access::Grant {
            role: jinguo_domain::account::Role::Staff,
            scope_path: county.lo.clone(),
            expires_at: None,
        }],
    );
    let campaign = services
        .campaigns(&staff)
        .await?
        .into_iter()
        .find(|c| c.name == jinguo_services::demo::CAMPAIGN_2021)
        .context("the demo's 2021 campaign")?
        .id;
    let n = 30;
    let coverage = time_pair(
        n,
        || coverage_by_hand(db, &county),
        || async { Ok(services.coverage(&staff, "530181").await?.members as usize) },
    )
    .await?;
    let progress = time_pair(
        n,
        || progress_by_hand(db, &county, campaign),
        || async {
            Ok(services
                .campaign_progress(&staff, campaign, None)
                .await?
                .tally
                .screened as usize)
        },
    )
    .await?;
    for (label, (by_hand, service)) in [
        (
            "coverage of the whole county (units, households, members)",
            coverage,
        ),
        (
            "2021 campaign progress of the whole county, per subdistrict",
            progress,
        ),
    ] {
        let (a, b) = (percentile(by_hand, 0.5), percentile(service, 0.5));
        crate::out!(
            "| {label}: hand-written SQL / service, p50 of {n} | {a:.1} / {b:.1} ms ({:.2}×) | < 100 ms, ≤ 2× |",
            b / a
        );
    }
    Ok(())
}

/// The Anning places and members without households, into an empty database.
async fn prepare_empty(services: &Services) -> anyhow::Result<()> {
    let shape = jinguo_services::demo::Shape {
        households: 0,
        screened: 0,
        medium_risks: 0,
        care: false,
        current: false,
        ..jinguo_services::demo::ANNING_2021
    };
    services.ensure_demo_shaped(2021, shape).await?;
    Ok(())
}

fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// `jinguo bench import FILE`: the household sheet imported as a user would, checked and written.
pub async fn import(services: &Services, file: &std::path::Path) -> anyhow::Result<()> {
    prepare_empty(services).await?;
    let source = jinguo_services::import::SheetSource::CsvFile(file.to_path_buf());
    // The check alone first (what a preview costs), then the import as a user confirms it.
    let t = Instant::now();
    services
        .import_households(&jinguo_services::Caller::operator(), &source, false)
        .await?;
    let check_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let r = services
        .import_households(&jinguo_services::Caller::operator(), &source, true)
        .await?;
    let secs = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        r.committed && r.issue_count == 0,
        "the import was refused: {} problems",
        r.issue_count
    );
    crate::out!(
        "import {} {} {:.2} {:.0} {:.0} {:.2}",
        r.rows,
        r.new_households,
        secs,
        r.rows as f64 / secs,
        peak_mb(),
        check_secs
    );
    Ok(())
}

/// `jinguo bench insert FILE`: the yardstick — the same rows written by a plain loop of prepared
/// INSERT statements into the same kind of SQLite file, in one transaction, with no checks and
/// no encryption.
pub async fn insert(services: &Services, file: &std::path::Path) -> anyhow::Result<()> {
    prepare_empty(services).await?;
    let Db::Sqlite(lite) = &services.db else {
        anyhow::bail!("the yardstick runs on SQLite");
    };
    let t = Instant::now();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        // The mark of an export in clear (one `# …` cell) is no household: see `data_row`.
        .flexible(true)
        .from_path(file)
        .with_context(|| format!("reading {}", file.display()))?;
    let now = chrono::Utc::now();
    let mut tx = lite.write.begin().await?;
    let mut paths: std::collections::HashMap<String, String> = Default::default();
    let mut last = String::new();
    let mut household = uuid::Uuid::nil();
    let mut rows = 0u64;
    let mut record = csv::StringRecord::new();
    let width = reader.headers()?.len();
    while reader.read_record(&mut record)? {
        if !data_row(&record, width)? {
            continue;
        }
        let cell = |i: usize| record.get(i).unwrap_or_default().trim_start_matches('\t');
        let (code, group, id_number) = (cell(0), cell(1), cell(4));
        if !paths.contains_key(group) {
            let (path,): (String,) = sqlx::query_as("SELECT path FROM place WHERE code = $1")
                .bind(group)
                .fetch_one(&mut *tx)
                .await?;
            paths.insert(group.to_string(), path);
        }
        let path = paths.get(group).cloned().unwrap_or_default();
        if code != last {
            household = uuid::Uuid::now_v7();
            sqlx::query(
                "INSERT INTO household (county_code, id, code, group_code, path, address, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
            )
            .bind(&group[..6]).bind(household).bind(code).bind(group).bind(&path).bind(cell(2)).bind(now)
            .execute(&mut *tx)
            .await?;
            last = code.to_string();
        }
        let sex = if id_number.as_bytes().get(16).is_some_and(|d| d % 2 == 1) {
            "male"
        } else {
            "female"
        };
        sqlx::query(
            "INSERT INTO person (county_code, id, household_id, path, name, sex, birth_date, id_number, id_number_index, phone, relationship, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11, $11)",
        )
        .bind(&group[..6]).bind(uuid::Uuid::now_v7()).bind(household).bind(&path).bind(cell(3)).bind(sex)
        .bind(cell(6)).bind(id_number).bind(cell(7)).bind(cell(8)).bind(now)
        .execute(&mut *tx)
        .await?;
        rows += 1;
    }
    tx.commit().await?;
    let secs = t.elapsed().as_secs_f64();
    crate::out!(
        "insert {rows} {:.2} {:.0} {:.0}",
        secs,
        rows as f64 / secs,
        peak_mb()
    );
    Ok(())
}

/// Whether a record of an exported household sheet is a household's row: the mark an export in
/// clear ends with (a quoted `# …` cell, alone) is not; a row of another width is refused.
fn data_row(record: &csv::StringRecord, width: usize) -> anyhow::Result<bool> {
    let marked = record.get(0).is_some_and(|f| f.starts_with('#'));
    if marked && jinguo_interchange::is_mark(&record.iter().collect::<Vec<_>>()) {
        return Ok(false);
    }
    if record.len() == width {
        return Ok(true);
    }
    anyhow::bail!(
        "line {}: {} fields where the header has {width}",
        record.position().map_or(0, csv::Position::line),
        record.len()
    )
}

fn copy_row(out: &mut jinguo_storage::copy::CopyText, values: &[&str]) {
    for v in values {
        out.field(v);
    }
    out.end_row();
}

/// `jinguo bench copy FILE`: the PostgreSQL yardstick — the same rows as `bench insert`, sent
/// with `COPY … FROM STDIN` into the household and person tables in one transaction, with no
/// checks and no encryption.
pub async fn copy(services: &Services, file: &std::path::Path) -> anyhow::Result<()> {
    prepare_empty(services).await?;
    let Db::Postgres(pg) = &services.db else {
        anyhow::bail!("the COPY yardstick runs on PostgreSQL");
    };
    let t = Instant::now();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        // The mark of an export in clear (one `# …` cell) is no household: see `data_row`.
        .flexible(true)
        .from_path(file)
        .with_context(|| format!("reading {}", file.display()))?;
    let now = chrono::Utc::now().to_rfc3339();
    let paths: std::collections::HashMap<String, String> =
        sqlx::query_as::<_, (String, String)>("SELECT code, path FROM place WHERE level = 6")
            .fetch_all(pg)
            .await?
            .into_iter()
            .collect();
    let (mut households, mut persons) = (
        jinguo_storage::copy::CopyText::new(),
        jinguo_storage::copy::CopyText::new(),
    );
    let mut last = String::new();
    let mut household = String::new();
    let mut rows = 0u64;
    let mut record = csv::StringRecord::new();
    let width = reader.headers()?.len();
    while reader.read_record(&mut record)? {
        if !data_row(&record, width)? {
            continue;
        }
        let cell = |i: usize| record.get(i).unwrap_or_default().trim_start_matches('\t');
        let (code, group, id_number) = (cell(0), cell(1), cell(4));
        let path = paths.get(group).map(String::as_str).unwrap_or_default();
        let county = group.get(..6).unwrap_or_default();
        if code != last {
            household = uuid::Uuid::now_v7().to_string();
            copy_row(
                &mut households,
                &[county, &household, code, group, path, cell(2), &now, &now],
            );
            last = code.to_string();
        }
        let sex = if id_number.as_bytes().get(16).is_some_and(|d| d % 2 == 1) {
            "male"
        } else {
            "female"
        };
        let person = uuid::Uuid::now_v7().to_string();
        copy_row(
            &mut persons,
            &[
                county,
                &person,
                &household,
                path,
                cell(3),
                sex,
                cell(6),
                id_number,
                id_number,
                cell(7),
                cell(8),
                &now,
                &now,
            ],
        );
        rows += 1;
    }
    let mut tx = pg.begin().await?;
    let mut sink = tx
        .copy_in_raw(
            "COPY household (county_code, id, code, group_code, path, address, created_at, updated_at) FROM STDIN",
        )
        .await?;
    sink.send(households.take().into_bytes()).await?;
    sink.finish().await?;
    let mut sink = tx
        .copy_in_raw(
            "COPY person (county_code, id, household_id, path, name, sex, birth_date, id_number, id_number_index, phone, relationship, created_at, updated_at) FROM STDIN",
        )
        .await?;
    sink.send(persons.take().into_bytes()).await?;
    sink.finish().await?;
    tx.commit().await?;
    let secs = t.elapsed().as_secs_f64();
    crate::out!(
        "copy {rows} {:.2} {:.0} {:.0}",
        secs,
        rows as f64 / secs,
        peak_mb()
    );
    Ok(())
}

/// A caller holding the staff role over one place's subtree, for measuring.
fn staff_of(path: &str) -> jinguo_services::Caller {
    jinguo_services::Caller::new(
        uuid::Uuid::now_v7(),
        "bench".into(),
        "bench".into(),
        vec![jinguo_services::access::Grant {
            role: jinguo_domain::account::Role::Staff,
            scope_path: path.into(),
            expires_at: None,
        }],
    )
}

/// The median of `runs` timings of `f`, in milliseconds.
async fn median_ms<F, Fut, T>(runs: usize, mut f: F) -> anyhow::Result<f64>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, jinguo_services::ServiceError>>,
{
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f().await?;
        times.push(t.elapsed());
    }
    Ok(percentile(times, 0.5))
}

/// The resident ID number of the `k`th person of a county in `bench province`: the county's
/// code, a birth date among 16,384 days from 1950 and a sequence number, unique in the county.
fn province_id_number(county: &str, k: u64) -> jinguo_domain::resident_id::ResidentId {
    let birth = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default()
        + chrono::Days::new(k % 16_384);
    jinguo_domain::resident_id::ResidentId::compose(
        county.parse().unwrap_or_default(),
        birth,
        (k / 16_384 % 1000) as u16,
    )
}

/// The households of one county's resident groups (`(code, path)`, `per_group` each) and their
/// heads, every value sealed and indexed by the services' own functions, on every core.
fn seal_county(
    services: &Services,
    groups: &[(String, String)],
    per_group: i64,
) -> anyhow::Result<(Vec<household::NewHousehold>, Vec<household::NewPerson>)> {
    use jinguo_domain::person::{Relationship, Sex};
    const SURNAMES: [&str; 8] = ["李", "王", "张", "刘", "陈", "杨", "赵", "黄"];
    let per_group = per_group.max(0) as u64;
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = groups.len().div_ceil(threads).max(1);
    let seal = |first: usize, groups: &[(String, String)]| {
        let mut households = Vec::with_capacity(groups.len() * per_group as usize);
        let mut persons = Vec::with_capacity(households.capacity());
        for (g, (code, path)) in groups.iter().enumerate() {
            let county = code.get(..6).unwrap_or_default();
            for n in 1..=per_group {
                let k = (first + g) as u64 * per_group + n - 1;
                let id = uuid::Uuid::now_v7();
                households.push(household::NewHousehold {
                    id,
                    county_code: county.into(),
                    code: format!("{code}{n:04}"),
                    group_code: code.clone(),
                    path: path.clone(),
                    address: services.seal(
                        "household",
                        "address",
                        &id,
                        &format!("{code}组{n}号"),
                    )?,
                });
                let id_number = province_id_number(county, k);
                let name = format!("{}某{}", SURNAMES[k as usize % SURNAMES.len()], k % 1000);
                persons.push(services.new_person(jinguo_services::sealed::PersonFields {
                    id: uuid::Uuid::now_v7(),
                    county_code: county.into(),
                    household_id: id,
                    path: path.clone(),
                    name: &name,
                    sex: Sex::Female,
                    birth_date: id_number.birth_date(),
                    id_number: id_number.as_str(),
                    id_number_index: services.id_number_index(id_number.as_str()),
                    phone: None,
                    relationship: Relationship::Head,
                })?);
            }
        }
        anyhow::Ok((households, persons))
    };
    std::thread::scope(|s| {
        let parts: Vec<_> = groups
            .chunks(chunk)
            .enumerate()
            .map(|(i, part)| s.spawn(move || seal(i * chunk, part)))
            .collect();
        let (mut households, mut persons) = (Vec::new(), Vec::new());
        for part in parts {
            let (h, p) = part
                .join()
                .map_err(|_| anyhow::anyhow!("sealing a county's households failed"))??;
            households.extend(h);
            persons.extend(p);
        }
        Ok((households, persons))
    })
}

/// Four resident groups under every village of `counties` (division codes already imported),
/// and in each group `per_group(groups of its county)` households with one person each, every
/// value sealed as the services seal it, a county at a time: the next county is sealed (on every
/// core) while the one before is written with COPY, in a transaction of its own. Then `ANALYZE`.
async fn generate_counties(
    services: &Services,
    counties: &[String],
    per_group: impl Fn(i64) -> i64,
) -> anyhow::Result<()> {
    let Db::Postgres(pg) = &services.db else {
        anyhow::bail!("the generator runs on PostgreSQL");
    };
    sqlx::query(
        "INSERT INTO place (code, parent_code, level, name, path, county_code) \
         SELECT v.code || lpad(g::text, 3, '0'), v.code, 6, '第' || g || '组', \
                v.path || v.code || lpad(g::text, 3, '0') || '/', v.county_code \
         FROM place v CROSS JOIN generate_series(1, 4) g \
         WHERE v.level = 5 AND v.county_code = ANY($1)",
    )
    .bind(counties)
    .execute(pg)
    .await?;
    // The groups written past `place::upsert` are counted in the places' tallies afresh.
    jinguo_storage::db_tx!(&services.db, tx => {
        jinguo_storage::place::rebuild_place_tallies(tx).await
    })?;
    let groups: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT county_code, code, path FROM place WHERE level = 6 AND county_code = ANY($1) \
         ORDER BY county_code, code",
    )
    .bind(counties)
    .fetch_all(pg)
    .await?;
    let mut per_county: Vec<Vec<(String, String)>> = Vec::new();
    let mut last = "";
    for (county, code, path) in &groups {
        if county != last {
            per_county.push(Vec::new());
            last = county;
        }
        if let Some(c) = per_county.last_mut() {
            c.push((code.clone(), path.clone()));
        }
    }
    let shared = std::sync::Arc::new(services.clone());
    let seal = |groups: Vec<(String, String)>| {
        let services = shared.clone();
        let n = per_group(groups.len() as i64);
        tokio::task::spawn_blocking(move || seal_county(&services, &groups, n))
    };
    let mut pending = per_county.into_iter();
    let mut next = pending.next().map(seal);
    while let Some(task) = next {
        let (households, persons) = task.await??;
        next = pending.next().map(seal);
        let now = chrono::Utc::now();
        jinguo_storage::db_tx!(&services.db, tx => {
            household::insert_households(tx, &households, now).await?;
            household::insert_persons(tx, &persons, now).await?;
            Ok::<(), jinguo_storage::StorageError>(())
        })?;
    }
    sqlx::query("ANALYZE").execute(pg).await?;
    Ok(())
}

/// `jinguo bench province --households N`: on PostgreSQL holding the division codes of Yunnan
/// (`import places`), generates resident groups under every village of the province and N
/// households with one person each, sealed as the services seal them and written with COPY;
/// then reads one back through the services and times the overview and coverage of the
/// province, a prefecture and a county, and a household search by resident ID across the
/// province. Prints a Markdown table.
pub async fn province(services: &Services, households: i64) -> anyhow::Result<()> {
    let Db::Postgres(pg) = &services.db else {
        anyhow::bail!("the province benchmark runs on PostgreSQL");
    };
    let (villages,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM place WHERE level = 5 AND path LIKE '53/%'")
            .fetch_one(pg)
            .await?;
    anyhow::ensure!(
        villages > 0,
        "no villages of Yunnan (53): run `jinguo import places` with the division files first"
    );
    let (existing,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM household WHERE path LIKE '53/%'")
            .fetch_one(pg)
            .await?;
    let started = Instant::now();
    if existing == 0 {
        // The households spread evenly over the province's groups, four a village.
        let per_group = (households + villages * 4 - 1) / (villages * 4);
        let counties: Vec<String> = sqlx::query_scalar(
            "SELECT code FROM place WHERE level = 3 AND path LIKE '53/%' ORDER BY code",
        )
        .fetch_all(pg)
        .await?;
        generate_counties(services, &counties, |_| per_group).await?;
    }
    let generated = started.elapsed().as_secs_f64();
    let (total,): (i64,) = sqlx::query_as("SELECT count(*) FROM household WHERE path LIKE '53/%'")
        .fetch_one(pg)
        .await?;
    // The head of the first household of the first county of Dali (5329), to be found.
    let (dali,): (String,) =
        sqlx::query_as("SELECT min(code) FROM place WHERE level = 3 AND path LIKE '53/5329/%'")
            .fetch_one(pg)
            .await
            .context("no county under 5329 (Dali)")?;
    let wanted = province_id_number(&dali, 0);
    crate::out!(
        "| generation: {total} households with one person each, {} resident groups (when generated) | {generated:.0} s |",
        villages * 4
    );
    crate::out!("| scope | households | overview | coverage |");
    crate::out!("|---|---|---|---|");
    for code in ["530181", "5301", "53"] {
        let place = jinguo_domain::place::PlaceCode::parse(code)
            .map_err(|e| anyhow::anyhow!("{code}: {}", e.code))?;
        let caller = staff_of(&place.path());
        let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM household WHERE path LIKE $1")
            .bind(format!("{}%", place.path()))
            .fetch_one(pg)
            .await?;
        let overview = median_ms(3, || services.place_view(&caller, code)).await?;
        let coverage = median_ms(3, || services.coverage(&caller, code)).await?;
        crate::out!("| {code} | {n} | {overview:.0} ms | {coverage:.0} ms |");
    }
    let province = staff_of("53/");
    let found = services.find_household(&province, wanted.as_str()).await?;
    // What was generated opens as what the services write does.
    let view = services.household_view(&province, found.id).await?;
    anyhow::ensure!(
        view.persons.len() == 1 && !view.household.address.is_empty(),
        "the household found does not open"
    );
    let search = median_ms(5, || services.find_household(&province, wanted.as_str())).await?;
    crate::out!(
        "| household search by resident ID across the province (found {}) | {search:.1} ms |",
        found.code
    );
    province_tables(services).await
}

/// The statistical tables a province's federation receives for the last complete year: every
/// county of Yunnan defines one table (every figure as a column, a row for each township),
/// counts it (its staff's draft and workbook), signs it off and sends it; then the province's
/// staff read the tables of all counties and their sum. Prints the times.
async fn province_tables(services: &Services) -> anyhow::Result<()> {
    use chrono::Datelike;
    use jinguo_domain::report::{Figure, TableInput};
    let Db::Postgres(pg) = &services.db else {
        anyhow::bail!("the province benchmark runs on PostgreSQL");
    };
    let counties: Vec<(String, String)> = sqlx::query_as(
        "SELECT code, path FROM place WHERE level = 3 AND path LIKE '53/%' ORDER BY code",
    )
    .fetch_all(pg)
    .await?;
    let year = jinguo_services::clock::today().year() - 1;
    let period = jinguo_domain::period::Period::year(year)
        .map_err(|e| anyhow::anyhow!("period {year}: {e:?}"))?;
    let table = TableInput {
        name: "综合统计".into(),
        columns: Figure::ALL
            .iter()
            .map(|f| f.key())
            .collect::<Vec<_>>()
            .join(","),
    };
    let (mut counting, mut slowest, mut workbooks, mut sending) = (
        Duration::ZERO,
        (Duration::ZERO, String::new()),
        Duration::ZERO,
        Duration::ZERO,
    );
    for (code, path) in &counties {
        let staff = staff_of(path);
        if services.stat_tables(&staff, code).await?.is_empty() {
            services.save_stat_table(&staff, code, None, &table).await?;
        }
        let t = Instant::now();
        let drafted = services.county_tables(&staff, code, period).await?;
        let took = t.elapsed();
        counting += took;
        if took > slowest.0 {
            slowest = (took, code.clone());
        }
        let t = Instant::now();
        services
            .tables_workbook(&staff, code, period, jinguo_domain::Lang::Zh)
            .await?;
        workbooks += t.elapsed();
        if drafted
            .sign_off
            .as_ref()
            .is_none_or(|s| s.sent_ms.is_none())
        {
            let t = Instant::now();
            services.sign_stat_tables(&staff, code, period).await?;
            services.send_stat_tables(&staff, code, period).await?;
            sending += t.elapsed();
        }
    }
    let province = staff_of("53/");
    let received = services.received_tables(&province, "53", period).await?;
    let sent = received.tables.first().map_or(0, |t| t.counties.len());
    anyhow::ensure!(
        sent == counties.len(),
        "the province received {sent} counties' tables of {}",
        counties.len()
    );
    let reading = median_ms(5, || services.received_tables(&province, "53", period)).await?;
    let n = counties.len();
    crate::out!(
        "| statistical tables of {year} ({n} counties, one table of {} figures a township) | time |",
        Figure::ALL.len()
    );
    crate::out!("|---|---|");
    crate::out!(
        "| every county counts its tables (the staff's draft), together | {:.0} ms ({:.0} ms a county, slowest {} {:.0} ms) |",
        ms(counting),
        ms(counting) / n as f64,
        slowest.1,
        ms(slowest.0)
    );
    crate::out!(
        "| every county's workbook, together | {:.0} ms ({:.0} ms a county) |",
        ms(workbooks),
        ms(workbooks) / n as f64
    );
    crate::out!(
        "| every county signs off (counting again) and sends, together | {:.0} ms |",
        ms(sending)
    );
    crate::out!(
        "| the province's staff: the {n} counties' tables and their sum (received, suppressed) | {reading:.1} ms |"
    );
    crate::out!(
        "| the province's statistical tables from the records: counting, workbooks and the sum | {:.0} ms |",
        ms(counting) + ms(workbooks) + reading
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The statements of a county's figures whose plans `bench country` shows (the county's range
/// bound as $1 and $2, its code as $3): the overview's places' tallies, coverage's households of
/// the groups and the units answered for, as the storage layer writes them.
const COUNTY_STATEMENTS: [(&str, &str); 3] = [
    (
        "overview: the places' tallies",
        "SELECT path, sum(households) FROM place_tally WHERE level IN (3, 4) \
         AND path >= $1 AND path < $2 AND county_code = $3 GROUP BY path",
    ),
    (
        "coverage: the groups' households",
        "SELECT path, households FROM group_tally WHERE households > 0 \
         AND path >= $1 AND path < $2 AND county_code = $3",
    ),
    (
        "coverage: the members' loads and the units answered for",
        "SELECT 'm' AS k, m.id, m.name, m.role, m.path, (SELECT count(*) FROM assignment a \
         WHERE a.county_code = $3 AND a.member_id = m.id AND a.ended_on IS NULL) AS units \
         FROM member m WHERE m.ended_on IS NULL \
         AND m.role IN ('executive', 'representative') AND m.path >= $1 AND m.path < $2 \
         AND m.county_code = $3 \
         UNION ALL SELECT 'a', NULL, u.unit_code, '', '', 0 FROM assignment u \
         WHERE u.unit_code IS NOT NULL AND u.ended_on IS NULL \
         AND u.path >= $1 AND u.path < $2 AND u.county_code = $3 ORDER BY 1, 5, 3",
    ),
];

/// The `Task Count` lines of a statement's plan (a Citus plan; none on a plain PostgreSQL).
async fn task_counts(
    pg: &sqlx::PgPool,
    statement: &str,
    within: &Subtree,
    county: &str,
) -> anyhow::Result<String> {
    let plan: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("EXPLAIN {statement}")))
        .bind(&within.lo)
        .bind(&within.hi)
        .bind(county)
        .fetch_all(pg)
        .await?;
    Ok(plan
        .iter()
        .filter(|l| l.contains("Task Count:"))
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join(", "))
}

/// `jinguo bench country --counties N --households H`: on PostgreSQL or a Citus coordinator
/// holding Yunnan's division codes (`import places`), generates four resident groups a village
/// and H households (one person each, sealed as the services seal them) in each of the first N
/// counties; then times a county's overview and coverage, the province's (the roll-up of every
/// county) and a search by resident ID across the province. On Citus it also shows the plans of
/// the county's statements (one task) against the same over the province's range (every shard),
/// and asks the county's and the province's figures again with every statement of more than one
/// task refused (`citus.multi_task_query_log_level = error`). Prints Markdown tables.
pub async fn country(
    services: &Services,
    url: &str,
    counties: i64,
    households: i64,
) -> anyhow::Result<()> {
    let Db::Postgres(pg) = &services.db else {
        anyhow::bail!("the country benchmark runs on PostgreSQL or Citus");
    };
    let citus = jinguo_storage::db::is_citus(pg).await?;
    let chosen: Vec<String> = sqlx::query_scalar(
        "SELECT c.code FROM place c WHERE c.level = 3 AND c.path LIKE '53/%' \
         AND EXISTS (SELECT 1 FROM place v WHERE v.level = 5 AND v.county_code = c.code) \
         ORDER BY c.code LIMIT $1",
    )
    .bind(counties)
    .fetch_all(pg)
    .await?;
    anyhow::ensure!(
        !chosen.is_empty(),
        "no villages of Yunnan (53): run `jinguo import places` with the division files first"
    );
    let (existing,): (i64,) = sqlx::query_as("SELECT count(*) FROM household")
        .fetch_one(pg)
        .await?;
    let started = Instant::now();
    if existing == 0 {
        generate_counties(services, &chosen, |groups| {
            (households + groups - 1) / groups.max(1)
        })
        .await?;
    }
    let generated = started.elapsed().as_secs_f64();
    let (total,): (i64,) = sqlx::query_as("SELECT count(*) FROM household")
        .fetch_one(pg)
        .await?;
    let (groups,): (i64,) = sqlx::query_as("SELECT count(*) FROM place WHERE level = 6")
        .fetch_one(pg)
        .await?;
    let setting = if citus {
        let (workers,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM citus_get_active_worker_nodes()")
                .fetch_one(pg)
                .await?;
        let (shards,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'household'::regclass",
        )
        .fetch_one(pg)
        .await?;
        format!(
            "Citus, {workers} workers, {} shards a worker",
            shards / workers.max(1)
        )
    } else {
        "PostgreSQL".to_string()
    };
    crate::out!(
        "| {setting}: {} counties, {groups} resident groups, {total} households with one person each (generated in {generated:.0} s, when generated) |",
        chosen.len()
    );
    let county = chosen[chosen.len() / 2].clone();
    let last = chosen[chosen.len() - 1].clone();
    let county_place = jinguo_domain::place::PlaceCode::parse(&county)
        .map_err(|e| anyhow::anyhow!("{county}: {}", e.code))?;
    let county_caller = staff_of(&county_place.path());
    let province = staff_of("53/");
    // One call of each before timing: the connections open (scripts/bench-country turns the
    // caches off, so each timed call reads the database).
    services.place_view(&county_caller, &county).await?;
    services.coverage(&county_caller, &county).await?;
    let overview = median_ms(7, || services.place_view(&county_caller, &county)).await?;
    let coverage = median_ms(7, || services.coverage(&county_caller, &county)).await?;
    let province_overview = median_ms(5, || services.place_view(&province, "53")).await?;
    let province_coverage = median_ms(5, || services.coverage(&province, "53")).await?;
    let wanted = province_id_number(&last, 0);
    let found = services.find_household(&province, wanted.as_str()).await?;
    let view = services.household_view(&province, found.id).await?;
    anyhow::ensure!(
        view.persons.len() == 1 && !view.household.address.is_empty(),
        "the household found does not open"
    );
    let search = median_ms(7, || services.find_household(&province, wanted.as_str())).await?;
    crate::out!("| figure | median |");
    crate::out!("|---|---|");
    crate::out!("| county {county}: overview | {overview:.1} ms |");
    crate::out!("| county {county}: coverage | {coverage:.1} ms |");
    crate::out!("| province (53, every county): overview | {province_overview:.1} ms |");
    crate::out!("| province (53, every county): coverage | {province_coverage:.1} ms |");
    crate::out!(
        "| household search by resident ID across the province (found {}) | {search:.1} ms |",
        found.code
    );
    if !citus {
        return Ok(());
    }
    let within = Subtree::of_path(&county_place.path());
    let everywhere = Subtree::of_path("53/");
    crate::out!("| statement | county {county} | the province's range |");
    crate::out!("|---|---|---|");
    for (what, statement) in COUNTY_STATEMENTS {
        let one = task_counts(pg, statement, &within, &county).await?;
        let wide = ["", "a.", "m.", "u."]
            .iter()
            .fold(statement.to_string(), |s, alias| {
                s.replace(&format!(" AND {alias}county_code = $3"), " AND $3 <> ''")
            });
        let all = task_counts(pg, &wide, &everywhere, &county).await?;
        crate::out!("| {what} | {one} | {all} |");
    }
    // The same services on connections that refuse any statement of more than one task.
    let sep = if url.contains('?') { '&' } else { '?' };
    let refusing = Services {
        db: Db::connect(&format!(
            "{url}{sep}options=-c%20citus.multi_task_query_log_level%3Derror"
        ))
        .await?,
        ..services.clone()
    };
    let answers = |r: bool| if r { "answers" } else { "refused" };
    crate::out!(
        "| with statements of more than one task refused | county {county}: overview {}, coverage {}; province: overview {}, coverage {} |",
        answers(refusing.place_view(&county_caller, &county).await.is_ok()),
        answers(refusing.coverage(&county_caller, &county).await.is_ok()),
        answers(refusing.place_view(&province, "53").await.is_ok()),
        answers(refusing.coverage(&province, "53").await.is_ok()),
    );
    refusing.db.close().await;
    Ok(())
}

/// `jinguo bench escalation`: into this (empty) database, the Anning places and departments, a
/// police liaison, and `steps` open clocks of referrals (1% of them past their deadline); then
/// times the worker's rounds: one with nothing due yet (the scan alone), one escalating the 1%
/// (a notification, an audit entry and a robot message each, one transaction per clock), and
/// the same round again (nothing left to do).
pub async fn escalation(services: &Services, steps: i64) -> anyhow::Result<()> {
    use jinguo_storage::linkage::{self as store, DeadlineRow};
    prepare_empty(services).await?;
    let operator = jinguo_services::Caller::operator();
    services.ensure_departments(&operator, "530181").await?;
    let account = jinguo_services::accounts::NewAccount {
        username: "bench-police".into(),
        display_name: "bench".into(),
        password: jinguo_services::demo::DEMO_PASSWORD.into(),
        role: Some(jinguo_domain::account::Role::Liaison),
        place: "530181".into(),
    };
    services.create_account(&operator, &account).await?;
    services
        .set_liaison(&operator, "530181", "police", "bench-police", "liaison")
        .await?;
    let police = store::department_by_key(&services.db, "530181", "police")
        .await?
        .context("no police department")?;
    let now = chrono::Utc::now();
    let ms = |t: chrono::DateTime<chrono::Utc>| t.timestamp_millis();
    let due_now = steps / 100;
    let started = Instant::now();
    let mut written = 0;
    while written < steps {
        let batch: Vec<DeadlineRow> = (written..(written + 5000).min(steps))
            .map(|i| {
                // The first 1% fell due an hour ago; the others fall due over the next 30 days.
                let due = if i < due_now {
                    now - chrono::Duration::hours(1)
                } else {
                    now + chrono::Duration::minutes(1 + (i % 43_200))
                };
                DeadlineRow {
                    id: uuid::Uuid::now_v7(),
                    county_code: "530181".into(),
                    path: "53/5301/530181/530181001/".into(),
                    kind: "referral_ack".into(),
                    subject_id: uuid::Uuid::now_v7(),
                    case_id: None,
                    department_id: Some(police.id),
                    due_ms: ms(due),
                    level: 0,
                    next_ms: Some(ms(due)),
                    done_ms: None,
                }
            })
            .collect();
        written += batch.len() as i64;
        jinguo_storage::db_tx!(&services.db, tx => {
            for d in &batch {
                store::insert_deadline(tx, d, ms(now)).await?;
            }
            Ok::<(), jinguo_storage::StorageError>(())
        })?;
    }
    let fill = started.elapsed();
    let t = Instant::now();
    let idle = services.escalate(now - chrono::Duration::hours(2)).await?;
    let scan = t.elapsed();
    anyhow::ensure!(idle.escalated == 0, "nothing should be due yet");
    let t = Instant::now();
    let round = services.escalate(now).await?;
    let busy = t.elapsed();
    anyhow::ensure!(round.escalated as i64 == due_now, "escalated {round:?}");
    let t = Instant::now();
    let again = services.escalate(now).await?;
    let repeat = t.elapsed();
    anyhow::ensure!(again.escalated == 0, "escalated twice");
    crate::out!("| measure | value |");
    crate::out!("|---|---|");
    crate::out!(
        "| open clocks written | {steps} in {:.1} s |",
        fill.as_secs_f64()
    );
    crate::out!(
        "| round with nothing due (scan of {steps} open clocks) | {:.1} ms |",
        scan.as_secs_f64() * 1000.0
    );
    crate::out!(
        "| round escalating {due_now} overdue clocks ({} notifications and messages) | {:.0} ms |",
        round.notifications,
        busy.as_secs_f64() * 1000.0
    );
    crate::out!(
        "| the same round again (nothing left) | {:.1} ms |",
        repeat.as_secs_f64() * 1000.0
    );
    crate::out!("| peak memory | {:.0} MB |", peak_mb());
    Ok(())
}

/// `jinguo bench worklist`: a women's representative answering for `households` households of
/// the demo's first resident group (530181001001001) opens her home page, which holds her
/// worklist; p50 and p99 of the page (through the application's router, logged in, with the
/// worklist's read audited as always) and of the worklist service alone. To reach that many
/// households she takes over the group's first ones from her colleagues: run it on a copy of
/// the demo (`scripts/bench` makes its own).
pub async fn worklist(services: &Services, households: i64) -> anyhow::Result<()> {
    use jinguo_domain::account::Role;
    use tower::ServiceExt as _;
    let db = &services.db;
    let group = jinguo_services::demo::REPRESENTATIVE_GROUP;
    // A representative of the group with no account yet (the demo's `daibiao` holds the first,
    // who takes over what she held before).
    let free: Option<(uuid::Uuid,)> = db_run!(db, p => sqlx::query_as(
        "SELECT id FROM member WHERE place_code = $1 AND role = 'representative' AND ended_on IS NULL \
         AND account_id IS NULL ORDER BY id DESC LIMIT 1")
        .bind(group).fetch_optional(p).await)?;
    let Some((her,)) = free else {
        anyhow::bail!("no representative without an account in {group}: run `jinguo demo` first");
    };
    services
        .demo_hand_households(group, her, households)
        .await
        .map_err(|e| anyhow::anyhow!("{group} cannot hand {households} households: {e}"))?;
    let operator = jinguo_services::Caller::operator();
    let username = format!("bench-{}", &uuid::Uuid::now_v7().simple().to_string()[20..]);
    let password = format!("Bench-{}", uuid::Uuid::now_v7().simple());
    services
        .create_account(
            &operator,
            &jinguo_services::accounts::NewAccount {
                username: username.clone(),
                display_name: "bench".into(),
                password: password.clone(),
                role: Some(Role::Representative),
                place: group.into(),
            },
        )
        .await?;
    services.link_member(&operator, &username, her).await?;
    let token = services
        .login(&username, &password, "127.0.0.1")
        .await?
        .token;
    let caller = services.caller_from_session(&token, "127.0.0.1").await?;
    let app = jinguo_web::app(services.clone());
    let n = 200;
    let query = jinguo_domain::worklist::Query::default();
    let mut service = Vec::with_capacity(n);
    let mut page = Vec::with_capacity(n);
    let mut shown = 0;
    for k in 0..=n {
        let t = Instant::now();
        shown = services.worklist(&caller, &query, None).await?.items.len();
        let s = t.elapsed();
        let req = axum::http::Request::get(format!("/places/{group}"))
            .header("cookie", format!("jinguo_session={token}"))
            .extension(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [127, 0, 0, 1],
                9,
            ))))
            .body(axum::body::Body::empty())?;
        let t = Instant::now();
        let res = app.clone().oneshot(req).await?;
        let status = res.status();
        let body = axum::body::to_bytes(res.into_body(), 10 << 20).await?;
        let p = t.elapsed();
        anyhow::ensure!(status.is_success(), "her home page answered {status}");
        anyhow::ensure!(
            body.windows(8).any(|w| w == b"worklist"),
            "her home page holds no worklist"
        );
        // The first round warms the caches and the connections.
        if k > 0 {
            service.push(s);
            page.push(p);
        }
    }
    anyhow::ensure!(
        shown as i64 == households,
        "the worklist holds {shown} households"
    );
    crate::out!("| figure | value | goal |");
    crate::out!("|---|---|---|");
    crate::out!(
        "| a representative's home page with her worklist of {households} households, p50 / p99 of {n} | {:.1} / {:.1} ms | p99 < 50 ms |",
        percentile(page.clone(), 0.5),
        percentile(page, 0.99)
    );
    crate::out!(
        "| her worklist read by the service alone, p50 / p99 of {n} | {:.1} / {:.1} ms | |",
        percentile(service.clone(), 0.5),
        percentile(service, 0.99)
    );
    // Where the page's time goes: each read of a place page alone, through the services (her home
    // page counts its screening lines from the worklist instead of `campaigns_at`).
    let place = services.place_view(&caller, group).await?.place;
    let mut parts: Vec<(&str, Vec<Duration>)> = [
        "the session's caller",
        "the place (figures)",
        "campaigns_at (her campaign progress; no longer on her home page)",
        "disputes, clocks, care",
    ]
    .into_iter()
    .map(|name| (name, Vec::with_capacity(n)))
    .collect();
    for k in 0..=n {
        let mut times = Vec::with_capacity(parts.len());
        let t = Instant::now();
        services.caller_from_session(&token, "127.0.0.1").await?;
        times.push(t.elapsed());
        let t = Instant::now();
        services.place_view(&caller, group).await?;
        times.push(t.elapsed());
        let t = Instant::now();
        services.campaigns_at(&caller, &place, 3).await?;
        times.push(t.elapsed());
        let t = Instant::now();
        services.dispute_counts(&caller, &place).await?;
        services.clock_counts(&caller, &place).await?;
        services.care_counts(&caller, &place).await?;
        times.push(t.elapsed());
        if k > 0 {
            for (p, t) in parts.iter_mut().zip(times) {
                p.1.push(t);
            }
        }
    }
    for (name, times) in parts {
        crate::out!(
            "| of which {name}, p50 / p99 of {n} | {:.1} / {:.1} ms | |",
            percentile(times.clone(), 0.5),
            percentile(times, 0.99)
        );
    }
    Ok(())
}

/// `jinguo bench conference`: into this (empty) database, the Anning places and departments,
/// `cases` open high-risk cases waiting to be heard and `actions` open safety-plan actions
/// decided at earlier conferences (50 for each case heard there); then times the next
/// conference's agenda (the cases waiting with their clocks, the open actions to review)
/// through the service, p50 / p99 of 50 reads (goal: under 100 ms), and the county's figures.
pub async fn conference(services: &Services, cases: i64, actions: i64) -> anyhow::Result<()> {
    use jinguo_domain::conference::{ActionInput, ConferenceInput};
    prepare_empty(services).await?;
    let operator = jinguo_services::Caller::operator();
    services.ensure_departments(&operator, "530181").await?;
    let staff = staff_of("53/5301/530181/");
    let today = jinguo_services::clock::today();
    let case = |k: i64| jinguo_domain::linkage::CaseInput {
        victim_name: format!("测试{k}"),
        relationship: "丈夫".into(),
        violence: vec!["physical".into()],
        severity: "serious".into(),
        risk_factors: vec!["threat_to_kill".into()],
        source: "walk_in".into(),
        received_on: today.to_string(),
        narrative: "测试".into(),
        ..Default::default()
    };
    let started = Instant::now();
    for k in 0..cases {
        services
            .register_case(&staff, "530181001", &case(k))
            .await?;
    }
    // The actions: 50 for each of the cases heard at conferences held today, 10 cases each.
    let per_case = 50;
    let heard = (actions + per_case - 1) / per_case;
    let departments = ["police", "court", "civil_affairs", "health", "justice"];
    let mut written = 0;
    let mut conference = None;
    for k in 0..heard {
        if k % 10 == 0 {
            conference = Some(
                services
                    .plan_conference(
                        &staff,
                        "530181",
                        &ConferenceInput {
                            conference_on: today.to_string(),
                            invited: departments.iter().map(|d| d.to_string()).collect(),
                        },
                    )
                    .await?,
            );
        }
        let conf = conference.context("no conference")?;
        let id = services
            .register_case(&staff, "530181001", &case(cases + k))
            .await?;
        services.hear_case(&staff, conf, id).await?;
        for a in 0..per_case.min(actions - written) {
            services
                .add_action(
                    &staff,
                    conf,
                    &ActionInput {
                        case: Some(id),
                        department: departments[(a % 5) as usize].into(),
                        action: format!("措施{a}"),
                        due_on: (today + chrono::Days::new((a % 30) as u64)).to_string(),
                    },
                )
                .await?;
            written += 1;
        }
    }
    let fill = started.elapsed();
    // The next conference, tomorrow: its agenda holds the cases waiting and reviews the actions.
    let next = services
        .plan_conference(
            &staff,
            "530181",
            &ConferenceInput {
                conference_on: (today + chrono::Days::new(1)).to_string(),
                invited: departments.iter().map(|d| d.to_string()).collect(),
            },
        )
        .await?;
    let n = 50;
    let mut times = Vec::with_capacity(n);
    let mut agenda = None;
    for k in 0..=n {
        let t = Instant::now();
        let v = services.conference(&staff, next).await?;
        if k > 0 {
            times.push(t.elapsed());
        }
        agenda = Some((v.awaiting.len(), v.open_before.len()));
    }
    let (waiting, reviewed) = agenda.context("no agenda")?;
    anyhow::ensure!(waiting as i64 == cases.min(500), "{waiting} cases waiting");
    let figures_ms = median_ms(20, || services.conference_figures(&staff, "530181")).await?;
    crate::out!("| figure | value | goal |");
    crate::out!("|---|---|---|");
    crate::out!(
        "| written: {cases} open high-risk cases waiting, {written} open actions of {heard} cases heard | {:.1} s | |",
        fill.as_secs_f64()
    );
    crate::out!(
        "| the next conference's agenda ({waiting} cases waiting, {reviewed} open actions reviewed), p50 / p99 of {n} | {:.1} / {:.1} ms | < 100 ms |",
        percentile(times.clone(), 0.5),
        percentile(times, 0.99)
    );
    crate::out!(
        "| the county's figures (cases by risk, conferences, actions on time / late), median of 20 | {figures_ms:.1} ms | |"
    );
    Ok(())
}

/// `jinguo bench opinion`: into this (empty) database, the Anning places, a keyword rule per
/// category and one feed source; then a generated archive of `items` news items (30% reposts,
/// `events` events, seed `seed`) taken in feeds of 1,000 items the way the worker takes a
/// fetched feed (parsed, then stored in batches: dedupe, near-duplicates, topics, keywords,
/// places, sealing, audit). Prints items per second, peak memory, and the precision and recall
/// of the near-duplicates and of the topics against the generator's truth.
pub async fn opinion(
    services: &Services,
    items: u32,
    events: u32,
    seed: u64,
) -> anyhow::Result<()> {
    use jinguo_services::demo::opinion::{Archive, CATEGORY_WORDS, guid, pair_scores};
    use jinguo_storage::opinion as store;
    prepare_empty(services).await?;
    let county = "530181";
    let staff = staff_of("53/5301/530181/");
    for (category, words) in CATEGORY_WORDS {
        let rule = jinguo_services::opinion::RuleInput {
            name: category.into(),
            event_words: words.join(" "),
            category: category.into(),
            ..jinguo_services::opinion::RuleInput::default()
        };
        services
            .add_rule(&staff, county, &rule)
            .await
            .map_err(|e| anyhow::anyhow!("rule {category}: {e}"))?;
    }
    // A monitoring service's source (adding it asks no name of the network).
    let (id, _) = services
        .add_source(
            &staff,
            county,
            &jinguo_services::opinion::SourceInput {
                kind: "webhook".into(),
                name: "bench".into(),
                ..jinguo_services::opinion::SourceInput::default()
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("source: {e}"))?;
    let source = store::source(&services.db, id)
        .await?
        .context("the source just added")?;
    let places: Vec<String> = store::gazetteer(&services.db, "53/5301/530181/")
        .await?
        .into_iter()
        .filter(|(code, ..)| code.len() > 6)
        .map(|(_, name, ..)| name)
        .collect();
    let mut archive = Archive::new(seed, items, events, 30, places);
    // The county's scheme and gazetteer compiled before the clock starts, as a running server has.
    services.opinion_judge(county).await?;
    let mut busy = Duration::ZERO;
    let (mut new, mut duplicates) = (0u64, 0u64);
    while let Some(feed) = archive.next_feed(1000) {
        let t = Instant::now();
        let parsed = jinguo_services::feeds::parse_feed(&feed)
            .map_err(|e| anyhow::anyhow!("not a feed: {e}"))?;
        let (n, d) = services
            .store_feed_items(&source, parsed, chrono::Utc::now())
            .await?;
        busy += t.elapsed();
        new += n;
        duplicates += d;
    }
    let rows: Vec<(String, Option<uuid::Uuid>, uuid::Uuid, Option<uuid::Uuid>)> = db_run!(&services.db, p =>
        sqlx::query_as("SELECT external_id, dup_of, topic_id, suggested_topic FROM opinion_item \
            WHERE county_code = $1 AND source_id = $2")
        .bind(county).bind(source.id).fetch_all(p).await)?;
    let index: std::collections::HashMap<String, usize> = (0..archive.truth.len() as u32)
        .map(|n| (guid(n), n as usize))
        .collect();
    let (mut tp, mut fp, mut fneg) = (0u64, 0u64, 0u64);
    let mut predicted = Vec::with_capacity(rows.len());
    let mut actual = Vec::with_capacity(rows.len());
    let mut suggested = 0;
    let mut topics = std::collections::HashSet::new();
    for (external, dup_of, topic, proposed) in &rows {
        let n = *index
            .get(external)
            .with_context(|| format!("unknown item {external}"))?;
        let truth = archive.truth[n];
        match (dup_of.is_some(), truth.original.is_some()) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fneg += 1,
            (false, false) => {}
        }
        predicted.push(topic.as_u64_pair().0 ^ topic.as_u64_pair().1);
        actual.push(u64::from(truth.event));
        topics.insert(*topic);
        suggested += usize::from(proposed.is_some());
    }
    let ratio = |x: u64, y: u64| if y == 0 { 1.0 } else { x as f64 / y as f64 };
    let (topic_precision, topic_recall) = pair_scores(&predicted, &actual);
    let secs = busy.as_secs_f64();
    crate::out!("| measure | value |");
    crate::out!("|---|---|");
    crate::out!(
        "| items taken (feeds of 1,000, batches of {}) | {} ({new} new, {duplicates} already given) |",
        jinguo_services::opinion_ingest::INGEST_BATCH,
        new + duplicates
    );
    crate::out!(
        "| time (parse and store) | {secs:.1} s: **{:.0} items/s** |",
        (new + duplicates) as f64 / secs.max(1e-9)
    );
    crate::out!(
        "| peak memory of the process (VmHWM) | {:.0} MB |",
        peak_mb()
    );
    crate::out!(
        "| near-duplicates: precision / recall | {:.3} / {:.3} ({tp} found, {fp} wrongly, {fneg} missed) |",
        ratio(tp, tp + fp),
        ratio(tp, tp + fneg)
    );
    crate::out!(
        "| topics (pairs of items): precision / recall | {topic_precision:.3} / {topic_recall:.3} ({} topics for {} events; {suggested} items proposed for a topic) |",
        topics.len(),
        archive.events()
    );
    Ok(())
}

/// `jinguo bench deidentify`: a typical case's text of `chars` characters — a paragraph naming
/// people, with ID and mobile numbers, an address below the county and full dates, repeated —
/// de-identified `runs` times as a proposal is (the segmenter's names, then the rules); p50 and
/// p99. The segmenter's dictionary is loaded before the clock starts, as a running server has.
pub fn deidentify(chars: usize, runs: usize) {
    let paragraph = "2021年3月15日，张小芳（身份证号53018119850601123X，电话13812345678）来到连然街道妇联，\
        称丈夫王强酒后多次殴打她，并威胁要带走孩子。她家住云南省昆明市安宁市连然街道金方社区3组12号，\
        2021-04-02调解时，邻居李红梅和村妇联主任赵丽到场，申请人欧阳小芳也在。妇联协调公安出具告诫书，\
        并帮助她向法院申请人身安全保护令，2021年4月20日法院作出裁定。";
    let mut text = String::new();
    while text.chars().count() < chars {
        text.push_str(paragraph);
    }
    let text: String = text.chars().take(chars).collect();
    let known = jinguo_domain::typical::Known {
        names: vec!["张小芳".into(), "王强".into()],
        places: vec!["金方社区".into(), "连然街道".into()],
        county: "安宁市".into(),
    };
    let mut out = jinguo_services::typical::deidentify_text(&text, &mut known.clone());
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        out = jinguo_services::typical::deidentify_text(&text, &mut known.clone());
        times.push(t.elapsed());
    }
    let left = jinguo_domain::opinion::personal_numbers(&out).len();
    crate::out!(
        "deidentify: {} characters, {runs} runs: p50 {:.2} ms, p99 {:.2} ms ({} characters out, {left} numbers left)",
        text.chars().count(),
        percentile(times.clone(), 0.5),
        percentile(times, 0.99),
        out.chars().count()
    );
}

/// `jinguo bench report`: on the demo (`jinguo demo` first), the county's annual report of a
/// year — every mechanism counted from the records, the year before, its 9 subdistricts, the
/// charts — built RUNS times as the page builds it and as PDF; p50 and p99 of each (goals:
/// under 1 s and under 3 s).
pub async fn report(services: &Services, year: i32, runs: usize) -> anyhow::Result<()> {
    let staff = staff_of("53/5301/530181/");
    let mut page = Vec::with_capacity(runs);
    let mut pdf = Vec::with_capacity(runs);
    let mut bytes = 0;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let r = services.annual_report(&staff, "530181", year).await?;
        let _ = r.lines();
        let _ = r.charts(jinguo_domain::Lang::Zh);
        page.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let (_, out) = services.annual_report_pdf(&staff, "530181", year).await?;
        pdf.push(t.elapsed().as_secs_f64() * 1e3);
        bytes = out.len();
    }
    let pct = |v: &mut Vec<f64>, p: f64| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[((v.len() as f64 - 1.0) * p).round() as usize]
    };
    crate::out!(
        "report {year} of 530181, {} runs: page p50 {:.0} ms, p99 {:.0} ms; PDF ({} KB) p50 {:.0} ms, p99 {:.0} ms",
        page.len(),
        pct(&mut page, 0.5),
        pct(&mut page, 0.99),
        bytes / 1024,
        pct(&mut pdf, 0.5),
        pct(&mut pdf, 0.99)
    );
    Ok(())
}

/// `jinguo bench supervision`: into this (empty) database, the Anning places and departments and
/// `tasks` supervision tasks issued by the county over the last two years to its departments
/// and townships (a third of them past their deadline, a tenth due within the yellow days, all
/// still open); then times the county's supervision board as its
/// staff read it (the lights, the first 100 tasks, the figures per lead unit), p50 / p99 of 50
/// reads (goal: under 100 ms), and the board over this year and the red tasks alone.
pub async fn supervision(services: &Services, tasks: i64) -> anyhow::Result<()> {
    use jinguo_domain::supervision::TaskInput;
    prepare_empty(services).await?;
    let operator = jinguo_services::Caller::operator();
    services.ensure_departments(&operator, "530181").await?;
    let staff = staff_of("53/5301/530181/");
    let towns: Vec<String> = jinguo_storage::place::children(&services.db, "530181")
        .await?
        .into_iter()
        .map(|p| p.code)
        .collect();
    anyhow::ensure!(!towns.is_empty(), "no townships");
    let departments = ["police", "court", "civil_affairs", "health", "justice"];
    let today = jinguo_services::clock::today();
    let started = Instant::now();
    let mut ids = Vec::with_capacity(tasks as usize);
    for k in 0..tasks {
        let issued = today - chrono::Days::new((k * 7 % 700) as u64);
        // A third overdue, a tenth due within three days, the others later.
        let due = match k % 30 {
            0..=9 => (issued + chrono::Days::new(1)).min(today - chrono::Days::new(1)),
            10..=12 => today + chrono::Days::new(2),
            _ => today + chrono::Days::new(10 + (k % 90) as u64),
        };
        let issued = issued.min(due - chrono::Days::new(1));
        let (lead_department, lead_place) = if k % 3 == 0 {
            (String::new(), towns[(k as usize) % towns.len()].clone())
        } else {
            (departments[(k % 5) as usize].to_string(), String::new())
        };
        let input = TaskInput {
            title: format!("督办事项{k}：家暴个案后续处置"),
            matter: "请按期报告办理进展。".into(),
            source: "meeting".into(),
            lead_department,
            lead_place,
            owner_name: "李主任".into(),
            cadence: "monthly".into(),
            issued_on: issued.to_string(),
            deadline: due.to_string(),
            ..TaskInput::default()
        };
        ids.push(services.issue_task(&staff, "530181", &input).await?);
    }
    let written = started.elapsed();
    let board = services.supervision_board(&staff, None, None).await?;
    let open = board.green + board.yellow + board.red;
    anyhow::ensure!(open == tasks, "{open} open tasks on the board");
    let n = 50;
    let mut times = Vec::with_capacity(n);
    for k in 0..=n {
        let t = Instant::now();
        let b = services.supervision_board(&staff, None, None).await?;
        if k > 0 {
            times.push(t.elapsed());
        }
        anyhow::ensure!(b.lines.len() == 100, "{} lines", b.lines.len());
    }
    let this_year = jinguo_domain::period::Period::year(chrono::Datelike::year(&today))
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let year_ms = median_ms(20, || {
        services.supervision_board_in(&staff, None, None, Some(this_year))
    })
    .await?;
    let red_ms = median_ms(20, || services.supervision_board(&staff, None, Some("red"))).await?;
    crate::out!("| figure | value | goal |");
    crate::out!("|---|---|---|");
    crate::out!(
        "| written: {tasks} tasks issued through the service ({} units) | {:.1} s | |",
        board.units.len(),
        written.as_secs_f64()
    );
    crate::out!(
        "| the county's board ({} green, {} yellow, {} red; 100 lines, {} units), p50 / p99 of {n} | {:.1} / {:.1} ms | < 100 ms |",
        board.green,
        board.yellow,
        board.red,
        board.units.len(),
        percentile(times.clone(), 0.5),
        percentile(times, 0.99)
    );
    crate::out!("| the board over this year, median of 20 | {year_ms:.1} ms | |");
    crate::out!("| the red tasks alone, median of 20 | {red_ms:.1} ms | |");
    Ok(())
}
