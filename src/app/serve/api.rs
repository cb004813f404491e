//! The HTTP API behind the page: routes, sessions and their cancellation, limits.
//!
//! Simulations never run on the async threads: each run is handed to the server's rayon pool
//! and its answer comes back through a oneshot channel. Each page (a *session*, an id the page
//! makes up) has one cancel flag; a new request from the same session sets the flag of the run
//! in progress, which the engine checks between cohorts, so moving a lever stops the old run
//! within milliseconds instead of leaving it to finish unseen. A semaphore bounds the runs in
//! flight; its permit travels into the rayon job and is released only when the job has really
//! stopped, so `GET /api/status` shows what is actually still computing.
//!
//! Why over 600 lines: the handlers of both kinds of scenario (followed careers and company
//! worlds) share the session, run-slot and cancel machinery above them, which is the part
//! that must stay in one place; splitting the routes by kind is the next step if it grows.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use mlm_sim::charts::ChartFormat;
use mlm_sim::export::charts::Chart;
use mlm_sim::export::standard_exporters;

use super::catalog::{lever_groups, lever_values, Catalog, LeverGroup, LeverValue};
use super::company;
use super::page;
use super::simulate::{self, Limits, Rejected, RunError, Settings};
use super::toml_out;

/// Most pages whose refinement progress is kept at once.
const MAX_KEPT_PROGRESS: usize = 256;

/// `m` locked, even if a thread panicked while holding it (the maps stay usable).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Largest request body: a page request is a few kilobytes even with every lever moved.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Longest session id.
const MAX_SESSION_CHARS: usize = 64;
/// How long a request waits for a free run slot before it is told the server is busy.
const QUEUE_WAIT: Duration = Duration::from_secs(3);

/// Everything the handlers share.
pub struct AppState {
    /// The scenarios on offer.
    pub catalog: Catalog,
    /// Where simulations run.
    pub pool: rayon::ThreadPool,
    /// Request limits.
    pub limits: Limits,
    /// Most runs in flight at once.
    pub max_runs: usize,
    /// Free run slots.
    pub slots: Arc<Semaphore>,
    /// The cancel flag of each session's run in progress.
    pub sessions: Mutex<HashMap<String, Arc<AtomicBool>>>,
    /// Each session's careers simulated so far, which the next refinement step continues.
    pub progress: Mutex<HashMap<String, simulate::Progress>>,
    /// Runs that finished with a result.
    pub finished: AtomicU64,
    /// Runs stopped by a newer request, a cancel or shutdown.
    pub cancelled: AtomicU64,
}

impl AppState {
    /// Set every session's flag: used at shutdown so runs in progress stop at once.
    pub fn cancel_all(&self) {
        if let Ok(map) = self.sessions.lock() {
            for flag in map.values() {
                flag.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Cancel `session`'s run in progress, if any, and register `flag` as its new one.
    fn replace_run(&self, session: &str, flag: Arc<AtomicBool>) {
        let mut map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = map.insert(session.to_string(), flag) {
            old.store(true, Ordering::Relaxed);
        }
    }

    /// Forget `session`'s flag if it is still `flag` (the run ended and nothing replaced it).
    fn end_run(&self, session: &str, flag: &Arc<AtomicBool>) {
        let mut map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if map.get(session).is_some_and(|f| Arc::ptr_eq(f, flag)) {
            map.remove(session);
        }
    }
}

/// An error answer: a status and a message the page shows as it is.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn bad(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

impl From<Rejected> for ApiError {
    fn from(r: Rejected) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: r.0,
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        ApiError {
            status: r.status(),
            message: format!("the request is not what the page sends: {}", r.body_text()),
        }
    }
}

impl From<RunError> for ApiError {
    fn from(e: RunError) -> Self {
        match e {
            RunError::Cancelled => ApiError {
                status: StatusCode::CONFLICT,
                message: "cancelled: a newer request from this page replaced this run".into(),
            },
            RunError::Internal(m) => ApiError {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                message: m,
            },
        }
    }
}

/// The JSON body of every error answer.
#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    cancelled: bool,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: &self.message,
            cancelled: self.status == StatusCode::CONFLICT,
        };
        (self.status, Json(body)).into_response()
    }
}

/// The routes.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(page::index))
        .route("/app.js", get(page::script))
        .route("/app.css", get(page::style))
        .route("/api/catalog", get(catalog))
        .route("/api/status", get(status))
        .route("/api/run", post(run))
        .route("/api/cancel", post(cancel))
        .route("/api/download", post(download))
        .fallback(|| async {
            ApiError {
                status: StatusCode::NOT_FOUND,
                message: "no such page".into(),
            }
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// A scenario in the picker.
#[derive(Serialize)]
struct ScenarioInfo {
    id: String,
    name: String,
    description: String,
    file: String,
    careers: u64,
    months: u32,
    seed: u64,
    /// "careers" (followed careers) or "company" (a company world).
    kind: &'static str,
    /// Replicate companies (0 for followed careers).
    replicates: u64,
    values: std::collections::BTreeMap<&'static str, LeverValue>,
}

/// `GET /api/catalog`: the scenarios, the levers and the limits.
#[derive(Serialize)]
struct CatalogBody {
    scenarios: Vec<ScenarioInfo>,
    groups: Vec<LeverGroup>,
    first_picture_careers: u64,
    refine_steps: &'static [u64],
    max_careers: u64,
    charts: Vec<&'static str>,
    /// The company world's own levers (shown, above the person levers, for a company).
    company_groups: Vec<LeverGroup>,
    /// Chart stems of a company scenario.
    company_charts: [&'static str; company::CHART_STEMS.len()],
    /// Table files of a company scenario.
    company_tables: [&'static str; company::TABLES.len()],
}

/// Careers of the first picture after a lever moves: enough for a failure rate within about
/// ±1.5 points, few enough to be drawn in well under 300 ms on two cores.
pub const FIRST_PICTURE_CAREERS: u64 = 4000;
/// Intermediate refinement steps before the full count (each re-runs from career 0, so each
/// result is exactly `run --careers N`).
pub const REFINE_STEPS: &[u64] = &[20_000];

async fn catalog(State(st): State<Arc<AppState>>) -> Json<CatalogBody> {
    Json(CatalogBody {
        scenarios: st
            .catalog
            .entries
            .iter()
            .map(|e| ScenarioInfo {
                id: e.id.clone(),
                name: e.base.name.clone(),
                description: e.base.description.clone(),
                file: e.file.clone(),
                careers: e.base.careers.min(st.limits.max_careers),
                months: e.base.months,
                seed: e.base.seed,
                kind: if e.base.company.is_some() {
                    "company"
                } else {
                    "careers"
                },
                replicates: company::replicates(&e.base),
                values: lever_values(&e.base),
            })
            .collect(),
        groups: lever_groups(),
        first_picture_careers: FIRST_PICTURE_CAREERS,
        refine_steps: REFINE_STEPS,
        max_careers: st.limits.max_careers,
        charts: simulate::PAGE_CHARTS.iter().map(|c| c.stem()).collect(),
        company_groups: company::world_groups(),
        company_charts: company::CHART_STEMS,
        company_tables: company::TABLES,
    })
}

/// `GET /api/status`.
#[derive(Serialize)]
struct StatusBody {
    /// Runs computing right now (a cancelled run counts until it has really stopped).
    runs_in_flight: usize,
    max_runs: usize,
    runs_finished: u64,
    runs_cancelled: u64,
}

async fn status(State(st): State<Arc<AppState>>) -> Json<StatusBody> {
    Json(StatusBody {
        runs_in_flight: st.max_runs - st.slots.available_permits(),
        max_runs: st.max_runs,
        runs_finished: st.finished.load(Ordering::Relaxed),
        runs_cancelled: st.cancelled.load(Ordering::Relaxed),
    })
}

/// `POST /api/run`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunRequest {
    /// The page's session id: a new run cancels the session's run in progress.
    session: String,
    /// The current settings (B in A/B mode).
    current: Settings,
    /// The pinned settings (A) in A/B mode.
    #[serde(default)]
    pinned: Option<Settings>,
    /// Careers to simulate (default: the scenario's own count).
    #[serde(default)]
    careers: Option<u64>,
    /// Replicate companies to simulate, for a company scenario (default: its own count).
    #[serde(default)]
    replicates: Option<u64>,
    /// For a company scenario: the first sketch, one company at reduced scale
    /// (`company::sketch_side`); A is left out.
    #[serde(default)]
    sketch: bool,
}

fn check_session(session: &str) -> Result<(), ApiError> {
    if session.is_empty()
        || session.len() > MAX_SESSION_CHARS
        || !session
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ApiError::bad(format!(
            "session must be 1 to {MAX_SESSION_CHARS} letters, digits, - or _"
        )));
    }
    Ok(())
}

/// Sets the flag when dropped unless disarmed: if the handler is dropped (the client went
/// away), its run stops too.
struct CancelOnDrop(Option<Arc<AtomicBool>>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f.store(true, Ordering::Relaxed);
        }
    }
}

/// Run `work` on the pool under `session`'s cancel flag, after taking a run slot.
async fn on_pool<T: Send + 'static>(
    st: &Arc<AppState>,
    session: &str,
    work: impl FnOnce(&AtomicBool) -> Result<T, RunError> + Send + 'static,
) -> Result<T, ApiError> {
    let flag = Arc::new(AtomicBool::new(false));
    st.replace_run(session, flag.clone());
    let mut guard = CancelOnDrop(Some(flag.clone()));
    let permit = match tokio::time::timeout(QUEUE_WAIT, st.slots.clone().acquire_owned()).await {
        Ok(Ok(p)) => p,
        _ => {
            st.end_run(session, &flag);
            guard.0 = None;
            return Err(ApiError {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: format!(
                    "busy: {} runs are in progress (serve --max-runs); try again in a moment",
                    st.max_runs
                ),
            });
        }
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job_flag = flag.clone();
    let job_state = st.clone();
    let job_session = session.to_string();
    // The job does its own bookkeeping: when the handler is gone (the page closed its
    // connection) nobody else is left to do it.
    st.pool.spawn(move || {
        let out = work(&job_flag);
        match &out {
            Ok(_) => job_state.finished.fetch_add(1, Ordering::Relaxed),
            Err(_) => job_state.cancelled.fetch_add(1, Ordering::Relaxed),
        };
        job_state.end_run(&job_session, &job_flag);
        drop(permit);
        let _ = tx.send(out);
    });
    let out = rx
        .await
        .map_err(|_| RunError::Internal("the simulation stopped unexpectedly".into()));
    guard.0 = None;
    Ok(out.and_then(|r| r)?)
}

async fn run(
    State(st): State<Arc<AppState>>,
    req: Result<Json<RunRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = req?;
    check_session(&req.session)?;
    if req.careers == Some(0) || req.replicates == Some(0) {
        return Err(ApiError::bad("careers and replicates must be at least 1"));
    }
    if is_company(&st, &req.current) {
        return run_company(st, req).await;
    }
    if req.replicates.is_some() || req.sketch {
        return Err(ApiError::bad(
            "replicates and sketch apply to a company scenario; this one counts careers",
        ));
    }
    let (own_careers, full_careers) = simulate::own_careers(&st.catalog, &req.current, st.limits)?;
    // At the scenario's own count there is no `careers` override, so charts and files carry
    // the same footnote as `run` on the scenario file.
    let careers = req.careers.filter(|&n| n != own_careers);
    let b = simulate::resolve(&st.catalog, &req.current, careers, st.limits)?.scenario;
    let a = match &req.pinned {
        Some(p) => {
            let a = simulate::resolve(&st.catalog, p, Some(b.careers), st.limits)?.scenario;
            if a.seed != b.seed || a.cohort_size != b.cohort_size {
                return Err(ApiError::from(Rejected(format!(
                    "A and B must share the seed and cohort_size to be compared on the same \
                     careers (A: seed {}, cohort_size {}; B: seed {}, cohort_size {})",
                    a.seed, a.cohort_size, b.seed, b.cohort_size
                ))));
            }
            Some(a)
        }
        None => None,
    };
    let prior = lock(&st.progress).remove(&req.session);
    let (result, progress) = on_pool(&st, &req.session, move |cancel| {
        simulate::run(&b, a.as_ref(), full_careers, cancel, prior)
    })
    .await?;
    let mut map = lock(&st.progress);
    // A few hundred kilobytes a page; forget them all rather than grow without bound.
    if map.len() >= MAX_KEPT_PROGRESS {
        map.clear();
    }
    map.insert(req.session, progress);
    Ok(Json(result).into_response())
}

/// Whether `side` names a company scenario.
fn is_company(st: &AppState, side: &Settings) -> bool {
    st.catalog
        .get(&side.scenario)
        .is_some_and(|e| e.base.company.is_some())
}

/// `POST /api/run` for a company scenario: replicate companies instead of careers.
async fn run_company(st: Arc<AppState>, req: RunRequest) -> Result<Response, ApiError> {
    if req.careers.is_some() {
        return Err(ApiError::bad(
            "careers applies to followed careers; a company scenario counts replicates",
        ));
    }
    let (own, full) = simulate::own_careers(&st.catalog, &req.current, st.limits)?;
    let count = req.replicates.filter(|&n| n != own);
    let b = simulate::resolve(&st.catalog, &req.current, count, st.limits)?.scenario;
    if req.sketch {
        // The settings were validated at full size just above; the sketch scales them down.
        let side = company::sketch_side(&req.current, &b);
        let s = simulate::resolve(&st.catalog, &side, Some(1), st.limits)?.scenario;
        let words = company::sketch_words(&s);
        let (mut result, _) = on_pool(&st, &req.session, move |cancel| {
            company::run(&s, None, full, cancel, None)
        })
        .await?;
        result.headline.words.precision = words.clone();
        result.sketch = Some(words);
        return Ok(Json(result).into_response());
    }
    let a = match &req.pinned {
        Some(p) => {
            if !is_company(&st, p) {
                return Err(ApiError::from(Rejected(
                    "A and B must both be company scenarios to be compared company by company"
                        .into(),
                )));
            }
            let a = simulate::resolve(&st.catalog, p, Some(company::replicates(&b)), st.limits)?
                .scenario;
            if a.seed != b.seed {
                return Err(ApiError::from(Rejected(format!(
                    "A and B must share the seed to be compared on the same companies (A: seed \
                     {}, B: seed {})",
                    a.seed, b.seed
                ))));
            }
            Some(a)
        }
        None => None,
    };
    let key = company::settings_key(&b, a.as_ref());
    let prior = match lock(&st.progress).remove(&req.session) {
        Some(simulate::Progress {
            key: k,
            done: simulate::Done::Company(d),
            ..
        }) if k == key => Some(d),
        _ => None,
    };
    let (result, done) = on_pool(&st, &req.session, move |cancel| {
        company::run(&b, a.as_ref(), full, cancel, prior)
    })
    .await?;
    let mut map = lock(&st.progress);
    if map.len() >= MAX_KEPT_PROGRESS {
        map.clear();
    }
    map.insert(
        req.session,
        simulate::Progress {
            key,
            careers: result.replicates,
            done: simulate::Done::Company(done),
        },
    );
    Ok(Json(result).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CancelRequest {
    session: String,
}

/// `POST /api/cancel`: stop the session's run in progress (the page leaving, for instance).
async fn cancel(
    State(st): State<Arc<AppState>>,
    req: Result<Json<CancelRequest>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(req) = req?;
    check_session(&req.session)?;
    let map = st.sessions.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(f) = map.get(&req.session) {
        f.store(true, Ordering::Relaxed);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/download`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DownloadRequest {
    session: String,
    current: Settings,
    #[serde(default)]
    careers: Option<u64>,
    /// `scenario.toml`, a table (`summary.csv`, `summary.json`, ...) or a chart
    /// (`survival.svg`, `survival.png`, ...).
    file: String,
}

/// What a download name stands for.
enum Wanted {
    Toml,
    Table(String),
    Chart(Chart, ChartFormat),
    /// A table of a company run.
    CompanyTable(String),
    /// A chart of a company run, by file name.
    CompanyChart(String, ChartFormat),
}

/// What `file` stands for in a company scenario.
fn wanted_company(file: &str) -> Result<Wanted, ApiError> {
    if file == "scenario.toml" {
        return Ok(Wanted::Toml);
    }
    if company::TABLES.contains(&file) {
        return Ok(Wanted::CompanyTable(file.to_string()));
    }
    for stem in company::CHART_STEMS {
        for format in [ChartFormat::Svg, ChartFormat::Png] {
            if file == format!("{stem}.{}", format.extension()) {
                return Ok(Wanted::CompanyChart(file.to_string(), format));
            }
        }
    }
    Err(ApiError::bad(format!(
        "cannot offer `{}` for a company scenario; files on offer: scenario.toml, {}, and each \
         chart as .svg or .png ({})",
        file.chars().take(60).collect::<String>(),
        company::TABLES.join(", "),
        company::CHART_STEMS.join(", ")
    )))
}

fn wanted(file: &str) -> Result<Wanted, ApiError> {
    if file == "scenario.toml" {
        return Ok(Wanted::Toml);
    }
    let tables: Vec<String> = standard_exporters()
        .iter()
        .map(|e| e.file_name().to_string())
        .filter(|n| n.ends_with(".csv") || n.ends_with(".json"))
        .collect();
    if tables.iter().any(|t| t == file) {
        return Ok(Wanted::Table(file.to_string()));
    }
    for chart in Chart::ALL {
        for format in [ChartFormat::Svg, ChartFormat::Png] {
            if file == format!("{}.{}", chart.stem(), format.extension()) {
                return Ok(Wanted::Chart(chart, format));
            }
        }
    }
    Err(ApiError::bad(format!(
        "cannot offer `{}`; files on offer: scenario.toml, {}, and each chart as .svg or .png ({})",
        file.chars().take(60).collect::<String>(),
        tables.join(", "),
        Chart::ALL.map(|c| c.stem()).join(", ")
    )))
}

fn content_type(file: &str) -> &'static str {
    match file.rsplit('.').next() {
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("csv") => "text/csv; charset=utf-8",
        Some("json") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/toml; charset=utf-8",
    }
}

async fn download(
    State(st): State<Arc<AppState>>,
    req: Result<Json<DownloadRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = req?;
    check_session(&req.session)?;
    let what = if is_company(&st, &req.current) {
        wanted_company(&req.file)?
    } else {
        wanted(&req.file)?
    };
    let (own_careers, _) = simulate::own_careers(&st.catalog, &req.current, st.limits)?;
    let careers = req.careers.filter(|&n| n != own_careers);
    let resolved = simulate::resolve(&st.catalog, &req.current, careers, st.limits)?;
    let slug = resolved.scenario.slug();
    let bytes = match what {
        Wanted::Toml => toml_out::scenario_toml(&resolved)
            .map_err(|e| ApiError {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                message: format!("{e:#}"),
            })?
            .into_bytes(),
        Wanted::Table(name) => {
            let s = resolved.scenario;
            // Downloads have their own session key so they never cancel the page's picture.
            let key = format!("{}-download", req.session);
            on_pool(&st, &key, move |cancel| {
                let summary = simulate::summarise(&s, cancel)?;
                let exporter = standard_exporters()
                    .into_iter()
                    .find(|e| e.file_name() == name)
                    .ok_or_else(|| RunError::Internal(format!("no exporter for {name}")))?;
                Ok(exporter.render(&summary)?)
            })
            .await?
        }
        Wanted::Chart(chart, format) => {
            let s = resolved.scenario;
            let key = format!("{}-download", req.session);
            on_pool(&st, &key, move |cancel| {
                let summary = simulate::summarise(&s, cancel)?;
                Ok(chart.render(&summary, simulate::chart_size(), format)?)
            })
            .await?
        }
        Wanted::CompanyTable(name) => {
            let s = resolved.scenario;
            let reps = company_replicates(&st, &req.session, s.clone()).await?;
            mlm_sim::world::output::render(&s, &reps)
                .into_iter()
                .find(|(n, _)| *n == name)
                .map(|(_, text)| text.into_bytes())
                .ok_or_else(|| ApiError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    message: format!("no company table {name}"),
                })?
        }
        Wanted::CompanyChart(name, format) => {
            let s = resolved.scenario;
            let reps = company_replicates(&st, &req.session, s.clone()).await?;
            let set = mlm_sim::export::charts::ChartSet {
                formats: vec![format],
                size: simulate::chart_size(),
            };
            mlm_sim::world::charts::render(&s, &reps, &set)
                .map_err(|e| ApiError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    message: format!("{e:#}"),
                })?
                .into_iter()
                .find(|(n, _)| *n == name)
                .map(|(_, bytes)| bytes)
                .ok_or_else(|| ApiError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    message: format!("no company chart {name}"),
                })?
        }
    };
    let name = format!("{slug}-{}", req.file);
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(&req.file)),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// Every replicate of company scenario `s`: those the page already has for exactly these
/// settings (a download right after the picture costs nothing), else simulated afresh under
/// the session's download key.
async fn company_replicates(
    st: &Arc<AppState>,
    session: &str,
    s: mlm_sim::scenario::Scenario,
) -> Result<Vec<mlm_sim::world::report::ReplicateSummary>, ApiError> {
    let key = company::settings_key(&s, None);
    let wanted = company::replicates(&s) as usize;
    if let Some(simulate::Progress {
        key: k,
        done: simulate::Done::Company(d),
        ..
    }) = lock(&st.progress).get(session)
    {
        if *k == key && d.b.len() == wanted {
            return Ok(d.b.clone());
        }
    }
    let download = format!("{session}-download");
    on_pool(st, &download, move |cancel| {
        company::simulate(&s, 0..company::replicates(&s), cancel)
    })
    .await
}
