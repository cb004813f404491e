//! A page request turned into validated scenarios, simulated, and turned into what the page
//! shows: headline numbers in plain words and the charts as SVG.
//!
//! Every value a request carries becomes a `--set` override and goes through
//! [`scenario::parse`], the same validation a scenario file and the command line get, so the
//! page cannot run anything `mlm-sim run` would refuse, and its messages are the same. The
//! numbers are those of `mlm-sim run` with those overrides and `--careers N`: the same engine,
//! the same summary, the same chart code (`export::charts`), so page and files never disagree.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};

use mlm_sim::charts::{ChartFormat, ChartSize};
use mlm_sim::engine::{self, Hooks, Interrupted};
use mlm_sim::export::charts::{Chart, ChartSet};
use mlm_sim::fmt::thousands as group;
use mlm_sim::model::estimate;
use mlm_sim::model::Model;
use mlm_sim::scenario::{self, Origin, Override, Param, ParamId, Scenario, MAX_OVERRIDES};
use mlm_sim::study::compare::{self, Comparison};
use mlm_sim::summary::Summary;

use super::catalog::{Catalog, Entry};
pub use super::headline::Headline;

/// Longest key or value text a request may carry (a distribution table is ~40 characters).
const MAX_SETTING_CHARS: usize = 200;

/// The charts the page shows, in page order (the "main charts").
pub const PAGE_CHARTS: [Chart; 5] = [
    Chart::FailureRateDistribution,
    Chart::Survival,
    Chart::QuitReasons,
    Chart::NetIncome,
    Chart::IncomeDisclosure,
];

/// Canvas of every chart the page and its downloads draw: the size `run` draws by default,
/// whose type sizes were tuned to be read from the back of a room.
pub fn chart_size() -> ChartSize {
    ChartSize::default()
}

/// One side's settings: a scenario from the table and the levers moved away from it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Table id of the scenario (see `GET /api/catalog`).
    pub scenario: String,
    /// Key -> TOML value text, exactly as `--set KEY=VALUE` takes it.
    #[serde(default)]
    pub settings: BTreeMap<String, String>,
    /// Drawn (per-distributor) key -> new mean; the spread is kept (as `sensitivity` scales).
    #[serde(default)]
    pub means: BTreeMap<String, f64>,
}

/// The limits a request is checked against (from the `serve` flags).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most careers one request may simulate (per side).
    pub max_careers: u64,
    /// Most person-months one request may be expected to simulate.
    pub max_work: f64,
}

/// A request that cannot be run: the message the page shows, naming the key and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected(pub String);

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A validated side: the table entry, the overrides as typed, and the scenario they give.
pub struct Resolved<'a> {
    /// The table entry the settings start from.
    pub entry: &'a Entry,
    /// The overrides, in the order they apply (the careers override last).
    pub overrides: Vec<Override>,
    /// The validated scenario.
    pub scenario: Scenario,
}

/// A drawn lever moved to a new mean: its distribution scaled by mean / old mean, as a typed
/// override (validated by the scenario resolver like any other).
fn scaled_mean(base: &Scenario, key: &str, mean: f64) -> Result<Override, Rejected> {
    let id = ParamId::from_path(key).ok_or_else(|| {
        Rejected(format!(
            "`{key}` is not a lever; a mean can be given for: {}",
            drawn_keys(base).join(", ")
        ))
    })?;
    let spec = id.spec();
    let param = base.param(id);
    let Param::Drawn(_) = param else {
        return Err(Rejected(format!(
            "`{key}` is one value for everyone in this scenario, not drawn per person: set \
             its value instead of a mean"
        )));
    };
    if !mean.is_finite() || mean < spec.min || mean > spec.max {
        return Err(Rejected(format!(
            "`{key}` mean {mean} is outside the allowed range {} to {}",
            spec.min, spec.max
        )));
    }
    let old = param.mean();
    if !(old.is_finite() && old > 0.0) {
        return Err(Rejected(format!(
            "`{key}` has mean {old} in this scenario, which cannot be scaled: set its value instead"
        )));
    }
    let moved = mlm_sim::study::sensitivity::scaled(param, spec, mean / old)
        .map_err(|e| Rejected(format!("{e:#}")))?
        .ok_or_else(|| Rejected(format!("`{key}` cannot be scaled")))?;
    Ok(Override::param(spec.path, &moved))
}

fn drawn_keys(s: &Scenario) -> Vec<&'static str> {
    s.varying().iter().map(|(id, _)| id.spec().path).collect()
}

/// Check `side` against the table and the limits and validate it as `run` would with
/// `--set` for every setting and `--careers count` (when given) last; for a company scenario
/// `count` is its replicate companies (`--set company.replicates=count`).
pub fn resolve<'a>(
    catalog: &'a Catalog,
    side: &Settings,
    count: Option<u64>,
    limits: Limits,
) -> Result<Resolved<'a>, Rejected> {
    let entry = catalog.get(&side.scenario).ok_or_else(|| {
        Rejected(format!(
            "unknown scenario `{}`; this server offers: {}",
            side.scenario,
            catalog.ids().join(", ")
        ))
    })?;
    if side.settings.len() + side.means.len() > MAX_OVERRIDES {
        return Err(Rejected(format!(
            "{} settings in one request; at most {MAX_OVERRIDES} are allowed",
            side.settings.len() + side.means.len()
        )));
    }
    let mut texts: Vec<String> = Vec::new();
    for (key, value) in &side.settings {
        if key.len() > MAX_SETTING_CHARS || value.len() > MAX_SETTING_CHARS {
            return Err(Rejected(format!(
                "the setting for `{}` is longer than {MAX_SETTING_CHARS} characters",
                key.chars().take(40).collect::<String>()
            )));
        }
        if side.means.contains_key(key) {
            return Err(Rejected(format!(
                "`{key}` is given both a value and a mean; give one"
            )));
        }
        texts.push(format!("{key}={value}"));
    }
    let mut overrides = texts
        .iter()
        .map(|t| Override::parse(t).map_err(Rejected))
        .collect::<Result<Vec<_>, _>>()?;
    for (key, mean) in &side.means {
        overrides.push(scaled_mean(&entry.base, key, *mean)?);
    }
    if let Some(n) = count {
        overrides.push(Override::integer(
            count_key(entry),
            n.min(i64::MAX as u64) as i64,
        ));
    }
    let scenario =
        scenario::parse(&entry.text, &entry.file, &overrides).map_err(|e| Rejected(message(&e)))?;
    if scenario.company.is_some() {
        super::company::check_limits(&scenario, limits.max_work).map_err(Rejected)?;
        return Ok(Resolved {
            entry,
            overrides,
            scenario,
        });
    }
    if scenario.careers > limits.max_careers {
        return Err(Rejected(format!(
            "{} careers asked for; this server runs at most {} per request (serve --max-careers)",
            group(scenario.careers as f64, 0),
            group(limits.max_careers as f64, 0)
        )));
    }
    let work = estimate::expected_work(&scenario).person_months;
    if work > limits.max_work {
        return Err(Rejected(format!(
            "these settings are expected to simulate about {work:.1e} person-months, above this \
             server's limit of {:.1e} (serve --max-work); lower careers, months, downline.depth \
             or the recruiting levers",
            limits.max_work
        )));
    }
    Ok(Resolved {
        entry,
        overrides,
        scenario,
    })
}

/// The careers `side` asks for without a `careers` override (the scenario's own count, or
/// what its settings set), and that count capped at the server's limit: refinement goes up
/// to the capped count, and a request for exactly the own count needs no override.
pub fn own_careers(
    catalog: &Catalog,
    side: &Settings,
    limits: Limits,
) -> Result<(u64, u64), Rejected> {
    let entry = catalog.get(&side.scenario);
    // A company scenario counts replicate companies (limited by --max-work, not careers).
    if let Some(e) = entry.filter(|e| e.base.company.is_some()) {
        let own = match side.settings.get(count_key(e)) {
            Some(text) => text.trim().parse::<u64>().map_err(|_| {
                Rejected(format!(
                    "company.replicates={text}: give a whole number of companies from 1 to {}",
                    scenario::company::MAX_REPLICATES
                ))
            })?,
            None => super::company::replicates(&e.base),
        };
        return Ok((own, own));
    }
    let own = match side.settings.get("careers") {
        Some(text) => text.trim().parse::<u64>().map_err(|_| {
            Rejected(format!(
                "careers={text}: give a whole number of careers from 1 to {}",
                limits.max_careers
            ))
        })?,
        None => entry.map_or(0, |e| e.base.careers),
    };
    Ok((own, own.min(limits.max_careers)))
}

/// The key a request's count sets: `careers`, or `company.replicates` for a company.
fn count_key(entry: &Entry) -> &'static str {
    if entry.base.company.is_some() {
        "company.replicates"
    } else {
        "careers"
    }
}

/// A validation error as the page shows it: the key and what is wrong, without the file
/// name (the page knows which scenario it is on) but with the setting as typed.
fn message(e: &scenario::ScenarioError) -> String {
    let mut m = String::new();
    if let Origin::Override(text) = &e.origin {
        m.push_str(&format!("{text}: "));
    } else if let Some(k) = &e.key {
        m.push_str(&format!("`{k}`: "));
    }
    m.push_str(&e.message);
    m
}

/// One chart for the page.
#[derive(Debug, Serialize)]
pub struct PageChart {
    /// File stem (`survival`), also the download name.
    pub stem: String,
    /// The `<svg>` element, ready to put into the page.
    pub svg: String,
}

/// One row of the A/B table, formatted as `compare` prints it.
#[derive(Debug, Serialize)]
pub struct AbRow {
    /// Metric key (as in comparison.csv).
    pub key: String,
    /// Words.
    pub label: String,
    /// A's value.
    pub a: String,
    /// B's value.
    pub b: String,
    /// B - A with its 95% interval (paired where the metric has a paired interval).
    pub diff: String,
}

/// The A/B part of a result.
#[derive(Debug, Serialize)]
pub struct AbResult {
    /// A's headline.
    pub a: Headline,
    /// The table.
    pub rows: Vec<AbRow>,
    /// The one-line verdict on failures of B against A.
    pub verdict: String,
    /// Paired difference in failure rate, B - A, and its 95% interval.
    pub failure_diff: [f64; 3],
}

/// What one run gives the page.
#[derive(Debug, Serialize)]
pub struct RunResult {
    /// Careers simulated (per side).
    pub careers: u64,
    /// The scenario's full number of careers (what refinement goes up to).
    pub full_careers: u64,
    /// The current settings' headline (B in A/B mode).
    pub headline: Headline,
    /// The charts (overlays of A and B in A/B mode).
    pub charts: Vec<PageChart>,
    /// Present in A/B mode.
    pub ab: Option<AbResult>,
    /// The current settings' `summary.json`, as `run` writes it.
    pub summary: serde_json::Value,
    /// Careers taken over from the previous refinement step (0: simulated from career 0).
    pub continued_from: u64,
    /// Milliseconds spent simulating and drawing.
    pub elapsed_ms: u64,
}

/// `svg` without its XML declaration, so it can sit inside an HTML page.
pub fn inline(svg: &[u8]) -> String {
    let svg = String::from_utf8_lossy(svg);
    svg.find("<svg")
        .map_or(svg.to_string(), |i| svg[i..].to_string())
}

/// Any failure of a run: interrupted by a newer request, or an error drawing the charts.
#[derive(Debug)]
pub enum RunError {
    /// The session's cancel flag was set: a newer request replaced this one.
    Cancelled,
    /// Something that is not the request's fault.
    Internal(String),
}

impl From<Interrupted> for RunError {
    fn from(_: Interrupted) -> Self {
        RunError::Cancelled
    }
}

impl From<anyhow::Error> for RunError {
    fn from(e: anyhow::Error) -> Self {
        RunError::Internal(format!("{e:#}"))
    }
}

/// The careers a page has already simulated for one set of settings: the next refinement
/// step simulates only the careers after them and merges. Tallies merge exactly (integer
/// counts, order-free sketches), so the result is identical to simulating from career 0.
pub struct Progress {
    /// Which settings these careers belong to (see [`settings_key`]).
    pub key: String,
    /// Careers `0..careers` are in `done`.
    pub careers: u64,
    /// Their tally.
    pub done: Done,
}

/// The tally of a [`Progress`].
pub enum Done {
    /// One scenario.
    Single(Box<mlm_sim::stats::Tally>),
    /// A and B on the same careers.
    Paired(mlm_sim::engine::PairedTally),
    /// Replicate companies of a company scenario (`careers` counts them).
    Company(super::company::CompanyDone),
}

/// Identifies `b` (and `a`) apart from the number of careers: every resolved value else.
pub fn settings_key(b: &Scenario, a: Option<&Scenario>) -> String {
    let id = |s: &Scenario| {
        let mut s = s.clone();
        s.careers = 0;
        s.fingerprint()
    };
    match a {
        None => id(b),
        Some(a) => format!("{}+{}", id(a), id(b)),
    }
}

/// Simulate `b` (and `a`, on the same careers, in A/B mode) on the current rayon pool,
/// stopping between cohorts once `cancel` is set. `full_careers` is the count refinement goes
/// up to, reported back so the page can show how far it is. When `prior` holds careers of the
/// same settings ending on a cohort boundary, only the careers after them are simulated.
pub fn run(
    b: &Scenario,
    a: Option<&Scenario>,
    full_careers: u64,
    cancel: &AtomicBool,
    prior: Option<Progress>,
) -> Result<(RunResult, Progress), RunError> {
    let started = std::time::Instant::now();
    let hooks = Hooks {
        progress: &|_| {},
        cancel,
    };
    let key = settings_key(b, a);
    let prior =
        prior.filter(|p| p.key == key && p.careers < b.careers && p.careers % b.cohort_size == 0);
    let from = prior.as_ref().map_or(0, |p| p.careers);
    let done;
    let (summary, charts, ab) = match a {
        None => {
            let mut tally = match prior {
                Some(Progress {
                    done: Done::Single(t),
                    ..
                }) => *t,
                _ => mlm_sim::stats::Tally::for_scenario(b),
            };
            tally.merge(&engine::run(b, &Model::new(b), from..b.careers, &hooks)?);
            let s = Summary::new(b, &tally);
            let charts = PAGE_CHARTS
                .iter()
                .map(|c| {
                    Ok(PageChart {
                        stem: c.stem().to_string(),
                        svg: inline(&c.render(&s, chart_size(), ChartFormat::Svg)?),
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            done = Done::Single(Box::new(tally));
            (s, charts, None)
        }
        Some(a) => {
            // Both sides are often the same scenario: name them A and B so legends and the
            // verdict tell them apart.
            let mut scenarios = [a.clone(), b.clone()];
            for (s, side) in scenarios.iter_mut().zip(["A", "B"]) {
                s.name = format!("{side} · {}", s.name);
            }
            let models = [Model::new(&scenarios[0]), Model::new(&scenarios[1])];
            let mut paired = match prior {
                Some(Progress {
                    done: Done::Paired(t),
                    ..
                }) => t,
                _ => mlm_sim::engine::PairedTally::new(&scenarios),
            };
            paired.merge(&engine::run_paired(
                &scenarios,
                &models,
                from..b.careers,
                &hooks,
            )?);
            let summaries: Vec<Summary> = scenarios
                .iter()
                .zip(&paired.tallies)
                .map(|(s, t)| Summary::new(s, t))
                .collect();
            let cmp = Comparison::new(&scenarios, &paired, &summaries);
            let set = ChartSet {
                formats: vec![ChartFormat::Svg],
                size: chart_size(),
            };
            let charts = compare::charts(&set, &scenarios, &paired, &summaries)?
                .into_iter()
                .filter(|(name, _)| name.ends_with(".svg"))
                .map(|(name, bytes)| PageChart {
                    stem: name.trim_end_matches(".svg").to_string(),
                    svg: inline(&bytes),
                })
                .collect();
            let d = paired
                .pair(0, 1)
                .share_difference(mlm_sim::stats::paired::Binary::Failed);
            let ab = AbResult {
                a: Headline::new(&summaries[0]),
                rows: ab_rows(&cmp),
                verdict: cmp.verdicts.first().cloned().unwrap_or_default(),
                failure_diff: [d.diff, d.ci_low, d.ci_high],
            };
            let mut summaries = summaries;
            done = Done::Paired(paired);
            (summaries.remove(1), charts, Some(ab))
        }
    };
    let result = RunResult {
        careers: b.careers,
        full_careers,
        headline: Headline::new(&summary),
        charts,
        ab,
        summary: serde_json::to_value(&summary).map_err(anyhow::Error::from)?,
        continued_from: from,
        elapsed_ms: started.elapsed().as_millis() as u64,
    };
    Ok((
        result,
        Progress {
            key,
            careers: b.careers,
            done,
        },
    ))
}

/// The rows of the A/B table: the metrics a room asks about, formatted as `compare` prints.
fn ab_rows(c: &Comparison) -> Vec<AbRow> {
    const SHOWN: &[&str] = &[
        "failure_rate",
        "quit_share",
        "profitable_share",
        "still_in_business_month_12",
        "net_income_mean",
        "net_income_median",
    ];
    SHOWN
        .iter()
        .filter_map(|k| c.metric(k))
        .map(|m| AbRow {
            key: m.key.clone(),
            label: m.label.clone(),
            a: compare::fmt_value(m.kind, m.values[0].value),
            b: compare::fmt_value(m.kind, m.values[1].value),
            diff: m.diffs[1]
                .as_ref()
                .map(|d| compare::fmt_diff(m.kind, d))
                .unwrap_or_default(),
        })
        .collect()
}

/// Simulate `s` alone and return its summary (for downloads).
pub fn summarise(s: &Scenario, cancel: &AtomicBool) -> Result<Summary, RunError> {
    let hooks = Hooks {
        progress: &|_| {},
        cancel,
    };
    let tally = engine::run(s, &Model::new(s), 0..s.careers, &hooks)?;
    Ok(Summary::new(s, &tally))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_careers: 1_000_000,
            max_work: 1e11,
        }
    }

    fn side(settings: &[(&str, &str)]) -> Settings {
        Settings {
            scenario: "typical".into(),
            settings: settings
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            means: BTreeMap::new(),
        }
    }

    #[test]
    fn request_values_get_the_scenario_files_validation() {
        let c = Catalog::load(&[]).unwrap();
        let e = resolve(&c, &side(&[("rejection.sting", "2")]), None, limits())
            .err()
            .unwrap();
        assert!(e.0.contains("rejection.sting"), "{e}");
        let e = resolve(&c, &side(&[("rejection.stign", "0.1")]), None, limits())
            .err()
            .unwrap();
        assert!(
            e.0.contains("rejection.sting"),
            "did-you-mean expected: {e}"
        );
        let e = resolve(&c, &side(&[]), Some(2_000_000), limits())
            .err()
            .unwrap();
        assert!(e.0.contains("--max-careers"), "{e}");
        let mut bad = side(&[]);
        bad.scenario = "../../etc/passwd".into();
        let e = resolve(&c, &bad, None, limits()).err().unwrap();
        assert!(e.0.contains("unknown scenario"), "{e}");
    }

    #[test]
    fn a_drawn_lever_moved_by_its_mean_keeps_its_form() {
        let c = Catalog::load(&[]).unwrap();
        let mut s = side(&[]);
        s.means.insert("rejection.resilience".into(), 0.8);
        let r = resolve(&c, &s, Some(100), limits()).ok().unwrap();
        let p = r.scenario.param(ParamId::Resilience);
        assert!(matches!(p, Param::Drawn(_)));
        assert!((p.mean() - 0.8).abs() < 1e-9, "{}", p.mean());
        s.means.clear();
        s.means.insert("rejection.sting".into(), 0.5);
        assert!(resolve(&c, &s, None, limits()).is_err());
    }
}
