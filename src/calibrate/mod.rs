//! `mlm-sim calibrate`: fit scenario parameters to published outcome figures.
//!
//! A targets file names outcome figures (a share that lost money, survival at month 12, ...)
//! with tolerances, and the scenario keys that may move, with bounds. The fit minimises
//!
//! ```text
//! sum over targets of ((fitted - target) / tolerance)^2
//! ```
//!
//! with Nelder-Mead ([`nelder_mead`]). Every evaluation simulates the **same** career indices
//! with the **same** seed (common random numbers): the difference between two parameter sets
//! is then not drowned by fresh sampling noise, and the objective is a deterministic function
//! of the parameters, which a simplex search needs. The fitted scenario is written by editing
//! the original text with `toml_edit`, so its comments survive.

pub mod nelder_mead;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::engine::{self, Hooks};
use crate::model::Model;
use crate::scenario::{self, params::fmt_num, Override, Param, ParamId, Scenario};
use crate::stats::{wilson, Z95};
use crate::summary::{pct, Summary};

/// An outcome figure a scenario can be fitted to. All are shares of followed careers unless
/// said otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// `failure_rate`: quit before the horizon, or net <= 0 at it.
    FailureRate,
    /// `quit_share`: quit before the horizon.
    QuitShare,
    /// `profitable_share`: whole-career net > 0.
    ProfitableShare,
    /// `lost_money`: whole-career net below minus the break-even band.
    LostMoney,
    /// `broke_even`: whole-career net within the break-even band.
    BrokeEven,
    /// `profited`: whole-career net above the break-even band.
    Profited,
    /// `profited_under_5000`: share of the `profited` whose net is under $5,000.
    ProfitedUnder5000,
    /// `survival_month_N`: still active at the end of month N (1-based).
    SurvivalMonth(u32),
    /// `company_payments_zero`: no payments from the company at all.
    CompanyPaymentsZero,
    /// `company_payments_at_most_1000`: company payments of $1,000 a year or less.
    CompanyPaymentsAtMost1000,
}

/// The metric names a targets file may use, for error messages.
pub const METRIC_NAMES: &str = "failure_rate, quit_share, profitable_share, lost_money, broke_even, profited, profited_under_5000, survival_month_N (N = 1..months), company_payments_zero, company_payments_at_most_1000";

/// A measured value with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// Point value.
    pub value: f64,
    /// 95% interval, [low, high].
    pub ci: [f64; 2],
}

impl Metric {
    /// Parse a metric name as written in a targets file.
    pub fn parse(name: &str) -> Option<Metric> {
        Some(match name {
            "failure_rate" => Metric::FailureRate,
            "quit_share" => Metric::QuitShare,
            "profitable_share" => Metric::ProfitableShare,
            "lost_money" => Metric::LostMoney,
            "broke_even" => Metric::BrokeEven,
            "profited" => Metric::Profited,
            "profited_under_5000" => Metric::ProfitedUnder5000,
            "company_payments_zero" => Metric::CompanyPaymentsZero,
            "company_payments_at_most_1000" => Metric::CompanyPaymentsAtMost1000,
            other => {
                let m: u32 = other.strip_prefix("survival_month_")?.parse().ok()?;
                (m >= 1).then_some(Metric::SurvivalMonth(m))?
            }
        })
    }

    /// The name as written in a targets file.
    pub fn name(self) -> String {
        match self {
            Metric::FailureRate => "failure_rate".into(),
            Metric::QuitShare => "quit_share".into(),
            Metric::ProfitableShare => "profitable_share".into(),
            Metric::LostMoney => "lost_money".into(),
            Metric::BrokeEven => "broke_even".into(),
            Metric::Profited => "profited".into(),
            Metric::ProfitedUnder5000 => "profited_under_5000".into(),
            Metric::SurvivalMonth(m) => format!("survival_month_{m}"),
            Metric::CompanyPaymentsZero => "company_payments_zero".into(),
            Metric::CompanyPaymentsAtMost1000 => "company_payments_at_most_1000".into(),
        }
    }

    /// The metric's value in `s`, with its 95% interval.
    pub fn measure(self, s: &Summary) -> Measured {
        let o = &s.outcome_bands;
        let g = &s.income_disclosure.company_payments;
        let (value, ci) = match self {
            Metric::FailureRate => (s.failure_rate, s.failure_rate_ci),
            Metric::QuitShare => {
                let quits = (s.quit_share * s.careers as f64).round() as u64;
                let e = wilson(quits, s.careers, Z95);
                (e.share, [e.ci_low, e.ci_high])
            }
            Metric::ProfitableShare => (s.profitable_share, s.profitable_share_ci),
            Metric::LostMoney => (o.lost_money, o.lost_money_ci),
            Metric::BrokeEven => (o.broke_even, o.broke_even_ci),
            Metric::Profited => (o.profited, o.profited_ci),
            Metric::ProfitedUnder5000 => (o.profited_small_share, o.profited_small_share_ci),
            Metric::SurvivalMonth(m) => {
                let i = (m as usize - 1).min(s.survival.len().saturating_sub(1));
                match s.survival.get(i) {
                    Some(v) => (*v, [s.survival_ci_low[i], s.survival_ci_high[i]]),
                    None => (0.0, [0.0, 1.0]),
                }
            }
            Metric::CompanyPaymentsZero => g
                .rows
                .first()
                .map_or((0.0, [0.0, 1.0]), |r| (r.share, r.share_ci)),
            Metric::CompanyPaymentsAtMost1000 => {
                let n: u64 = g.rows.iter().take(5).map(|r| r.careers).sum();
                let e = wilson(n, s.careers, Z95);
                (e.share, [e.ci_low, e.ci_high])
            }
        };
        Measured { value, ci }
    }
}

/// One outcome figure to fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// What is measured.
    pub metric: Metric,
    /// The published value.
    pub value: f64,
    /// How far off still counts as a fit; one tolerance off adds 1 to the objective.
    pub tolerance: f64,
    /// Where the figure comes from.
    pub source: String,
}

/// A scenario key the fit may move.
#[derive(Debug, Clone, PartialEq)]
pub struct FreeKey {
    /// The parameter.
    pub id: ParamId,
    /// Smallest value tried.
    pub min: f64,
    /// Largest value tried.
    pub max: f64,
}

/// A parsed and validated targets file.
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    /// The file, as named.
    pub file: String,
    /// Careers per evaluation the file asks for (the `--careers` flag wins).
    pub careers: Option<u64>,
    /// Outcome figures.
    pub targets: Vec<Target>,
    /// Keys that may move.
    pub free: Vec<FreeKey>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTargets {
    #[serde(default)]
    description: String,
    careers: Option<u64>,
    #[serde(default)]
    target: Vec<RawTarget>,
    #[serde(default)]
    free: Vec<RawFree>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    metric: String,
    value: f64,
    tolerance: f64,
    #[serde(default)]
    source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFree {
    key: String,
    min: f64,
    max: f64,
}

impl Targets {
    /// Read and validate a targets file.
    pub fn load(path: &Path) -> Result<Targets> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{file}: cannot read the targets file"))?;
        Targets::parse(&text, &file)
    }

    /// Parse targets text (named `file` in errors).
    pub fn parse(text: &str, file: &str) -> Result<Targets> {
        let raw: RawTargets = toml::from_str(text)
            .map_err(|e| anyhow::anyhow!("{file}: not a valid targets file: {}", e.message()))?;
        let _ = raw.description;
        if raw.target.is_empty() {
            bail!("{file}: no [[target]] tables; give at least one outcome figure to fit");
        }
        let mut targets = Vec::new();
        for (i, t) in raw.target.iter().enumerate() {
            let Some(metric) = Metric::parse(&t.metric) else {
                bail!(
                    "{file}: target {} has unknown metric `{}`; allowed: {METRIC_NAMES}",
                    i + 1,
                    t.metric
                );
            };
            if !(0.0..=1.0).contains(&t.value) {
                bail!(
                    "{file}: target `{}` value must be a share between 0 and 1, got {}",
                    t.metric,
                    t.value
                );
            }
            if !(t.tolerance > 0.0 && t.tolerance <= 1.0) {
                bail!(
                    "{file}: target `{}` tolerance must be in (0, 1], got {}",
                    t.metric,
                    t.tolerance
                );
            }
            targets.push(Target {
                metric,
                value: t.value,
                tolerance: t.tolerance,
                source: t.source.clone(),
            });
        }
        let mut free = Vec::new();
        for f in &raw.free {
            let Some(id) = ParamId::from_path(&f.key) else {
                let known: Vec<&str> = scenario::PARAMS.iter().map(|p| p.path).collect();
                let hint = scenario::did_you_mean(&f.key, &known)
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                bail!(
                    "{file}: free key `{}` is not a distributor parameter{hint}; see `mlm-sim check` for the list",
                    f.key
                );
            };
            let spec = id.spec();
            if f.min.partial_cmp(&f.max) != Some(std::cmp::Ordering::Less)
                || f.min < spec.min
                || f.max > spec.max
            {
                bail!(
                    "{file}: free key `{}` needs min < max within [{}, {}], got [{}, {}]",
                    f.key,
                    fmt_num(spec.min),
                    fmt_num(spec.max),
                    f.min,
                    f.max
                );
            }
            if free.iter().any(|g: &FreeKey| g.id == id) {
                bail!("{file}: free key `{}` is listed twice", f.key);
            }
            free.push(FreeKey {
                id,
                min: f.min,
                max: f.max,
            });
        }
        if free.is_empty() {
            bail!("{file}: no [[free]] tables; name at least one scenario key the fit may move");
        }
        if raw.careers == Some(0) {
            bail!("{file}: careers must be at least 1");
        }
        Ok(Targets {
            file: file.to_string(),
            careers: raw.careers,
            targets,
            free,
        })
    }

    /// The objective: sum of squared standardised misses.
    pub fn objective(&self, s: &Summary) -> f64 {
        self.targets
            .iter()
            .map(|t| ((t.metric.measure(s).value - t.value) / t.tolerance).powi(2))
            .sum()
    }

    /// Check the targets against a scenario: survival months within the horizon.
    pub fn check_against(&self, s: &Scenario) -> Result<()> {
        for t in &self.targets {
            if let Metric::SurvivalMonth(m) = t.metric {
                if m > s.months {
                    bail!(
                        "{}: target `{}` is past the horizon of {} ({} months)",
                        self.file,
                        t.metric.name(),
                        s.file,
                        s.months
                    );
                }
            }
        }
        Ok(())
    }
}

/// A scenario text and the overrides every evaluation applies.
#[derive(Debug, Clone)]
pub struct Problem {
    /// Scenario TOML text.
    pub text: String,
    /// The scenario file's name, for errors.
    pub file: String,
    /// Overrides applied before the free keys (`careers`, user `--set`s).
    pub base: Vec<Override>,
    /// What to fit.
    pub targets: Targets,
}

fn set_override(path: &str, v: f64) -> Override {
    Override {
        path: path.to_string(),
        value: toml_edit::Value::from(v),
        text: format!("{path}={v} (calibrate)"),
    }
}

impl Problem {
    /// The scenario with the free keys at `values`.
    pub fn scenario_at(&self, values: &[f64]) -> Result<Scenario> {
        let mut o = self.base.clone();
        for (f, v) in self.targets.free.iter().zip(values) {
            o.push(set_override(f.id.spec().path, *v));
        }
        let s = scenario::parse(&self.text, &self.file, &o)?;
        crate::world::output::refuse_company(&s, "calibrate")?; // company world (issue 11)
        Ok(s)
    }

    /// Simulate the scenario with the free keys at `values` (same seed and careers every
    /// time: common random numbers). Runs on the current rayon pool.
    pub fn summary_at(&self, values: &[f64]) -> Result<Summary> {
        let s = self.scenario_at(values)?;
        let model = Model::new(&s);
        let cancel = AtomicBool::new(false);
        let hooks = Hooks {
            progress: &|_| {},
            cancel: &cancel,
        };
        let tally = engine::run(&s, &model, 0..s.careers, &hooks)?;
        Ok(Summary::new(&s, &tally))
    }

    /// The free keys' starting values: the scenario's own, clamped into the bounds.
    pub fn start(&self) -> Result<Vec<f64>> {
        let s = self.scenario_at(&[])?;
        self.targets.check_against(&s)?;
        self.targets
            .free
            .iter()
            .map(|f| match s.param(f.id) {
                Param::Fixed(v) => Ok(v.clamp(f.min, f.max)),
                Param::Drawn(_) => bail!(
                    "{}: free key `{}` is drawn from a distribution in {}; calibrate moves fixed numbers only",
                    self.targets.file,
                    f.id.spec().path,
                    self.file
                ),
            })
            .collect()
    }

    fn to_values(&self, u: &[f64]) -> Vec<f64> {
        self.targets
            .free
            .iter()
            .zip(u)
            .map(|(f, u)| f.min + u * (f.max - f.min))
            .collect()
    }
}

/// The result of a fit.
#[derive(Debug, Clone)]
pub struct Fit {
    /// Starting values of the free keys.
    pub start: Vec<f64>,
    /// Fitted values of the free keys.
    pub values: Vec<f64>,
    /// Summary at the fitted values.
    pub summary: Summary,
    /// Objective at the fitted values.
    pub objective: f64,
    /// Evaluations used.
    pub evaluations: usize,
    /// Whether the simplex converged before the evaluation budget ran out.
    pub converged: bool,
}

/// Fit `problem` with at most `max_evaluations` simulations.
pub fn fit(problem: &Problem, max_evaluations: usize) -> Result<Fit> {
    let start = problem.start()?;
    let u0: Vec<f64> = problem
        .targets
        .free
        .iter()
        .zip(&start)
        .map(|(f, v)| (v - f.min) / (f.max - f.min))
        .collect();
    let settings = nelder_mead::Settings {
        max_evaluations,
        f_tolerance: 1e-4,
        x_tolerance: 1e-3,
        initial_step: 0.15,
    };
    let best = nelder_mead::minimize(
        |u| -> Result<f64> {
            let s = problem.summary_at(&problem.to_values(u))?;
            Ok(problem.targets.objective(&s))
        },
        &u0,
        settings,
    )?;
    let values: Vec<f64> = problem
        .to_values(&best.x)
        .into_iter()
        .map(round_sig)
        .collect();
    let summary = problem.summary_at(&values)?;
    Ok(Fit {
        start,
        objective: problem.targets.objective(&summary),
        values,
        summary,
        evaluations: best.evaluations,
        converged: best.converged,
    })
}

/// Round to 4 significant digits: the fit is not more precise than that, and the written
/// scenario stays readable.
pub fn round_sig(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let mag = 10f64.powi(3 - v.abs().log10().floor() as i32);
    (v * mag).round() / mag
}

/// The target-vs-fitted table a person reads.
pub fn report(problem: &Problem, fit: &Fit, careers: u64) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Calibrated {} to {} — {} careers per evaluation (seed {}), {} evaluations{}",
        problem.file,
        problem.targets.file,
        careers,
        fit.summary.seed,
        fit.evaluations,
        if fit.converged {
            ""
        } else {
            " (budget used up before the simplex converged)"
        }
    );
    let _ = writeln!(
        s,
        "  {:<30} {:>16} {:>24} {:>10}",
        "target", "published ± tol", "fitted (95% CI)", "miss/tol"
    );
    for t in &problem.targets.targets {
        let m = t.metric.measure(&fit.summary);
        let _ = writeln!(
            s,
            "  {:<30} {:>16} {:>24} {:>+10.2}",
            t.metric.name(),
            format!("{} ± {}", pct(t.value), pct(t.tolerance)),
            format!("{} ({}-{})", pct(m.value), pct(m.ci[0]), pct(m.ci[1])),
            (m.value - t.value) / t.tolerance
        );
    }
    let _ = writeln!(
        s,
        "  objective (sum of squared misses/tol): {:.3}",
        fit.objective
    );
    let _ = writeln!(
        s,
        "  {:<40} {:>12} {:>12} {:>20}",
        "key", "start", "fitted", "bounds"
    );
    for ((f, a), b) in problem.targets.free.iter().zip(&fit.start).zip(&fit.values) {
        let _ = writeln!(
            s,
            "  {:<40} {:>12} {:>12} {:>20}",
            f.id.spec().path,
            fmt_num(round_sig(*a)),
            fmt_num(*b),
            format!("[{}, {}]", fmt_num(f.min), fmt_num(f.max))
        );
    }
    s
}

/// The scenario text with `values` set for `keys`, keeping comments and layout. A key missing
/// from the file is added to its table.
pub fn fitted_text(text: &str, file: &str, keys: &[(ParamId, f64)], note: &str) -> Result<String> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| anyhow::anyhow!("{file}: {}", e.message()))?;
    for (id, v) in keys {
        let path = id.spec().path;
        let (table, key) = path.split_once('.').unwrap_or(("", path));
        let new = if *v == v.trunc() && v.abs() < 1e15 {
            toml_edit::Value::from(*v as i64)
        } else {
            toml_edit::Value::from(*v)
        };
        let tbl = doc
            .entry(table)
            .or_insert_with(toml_edit::table)
            .as_table_like_mut()
            .with_context(|| format!("{file}: `{table}` is not a table"))?;
        match tbl.get_mut(key).and_then(|i| i.as_value_mut()) {
            Some(old) => {
                let decor = old.decor().clone();
                *old = new;
                *old.decor_mut() = decor;
            }
            None => {
                tbl.insert(key, toml_edit::Item::Value(new));
            }
        }
    }
    let mut out = String::new();
    for line in note.lines() {
        let _ = writeln!(out, "# {line}");
    }
    out.push_str(&doc.to_string());
    Ok(out)
}

/// Settings of a `calibrate` command, already validated.
#[derive(Debug, Clone)]
pub struct Request {
    /// The scenario file.
    pub scenario: std::path::PathBuf,
    /// The targets file.
    pub targets: std::path::PathBuf,
    /// Careers per evaluation (None: the targets file's, else 4000).
    pub careers: Option<u64>,
    /// Evaluation budget.
    pub max_evaluations: usize,
    /// Where to write the fitted scenario (None: `<scenario stem>.fitted.toml` beside it).
    pub out: Option<std::path::PathBuf>,
    /// Extra `--set` overrides.
    pub overrides: Vec<Override>,
}

/// Careers per evaluation when neither the flag nor the targets file says.
pub const DEFAULT_CAREERS: u64 = 4000;

/// Run a calibration: fit, print the table, write the fitted scenario.
pub fn command(req: &Request) -> Result<()> {
    let file = req.scenario.display().to_string();
    let text = std::fs::read_to_string(&req.scenario)
        .with_context(|| format!("{file}: cannot read the scenario file"))?;
    let targets = Targets::load(&req.targets)?;
    let careers = req.careers.or(targets.careers).unwrap_or(DEFAULT_CAREERS);
    if careers == 0 {
        bail!("--careers must be at least 1");
    }
    if req.max_evaluations < 2 {
        bail!(
            "--max-evaluations must be at least 2, got {}",
            req.max_evaluations
        );
    }
    let out = req.out.clone().unwrap_or_else(|| {
        let stem = req
            .scenario
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into());
        req.scenario.with_file_name(format!("{stem}.fitted.toml"))
    });
    let mut base = req.overrides.clone();
    base.push(Override {
        path: "careers".into(),
        value: toml_edit::Value::from(careers as i64),
        text: format!("--careers {careers}"),
    });
    let problem = Problem {
        text: text.clone(),
        file: file.clone(),
        base,
        targets,
    };
    // Validate everything (scenario, overrides, free keys, output path) before simulating.
    problem.start()?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            bail!(
                "--out {}: folder {} does not exist",
                out.display(),
                parent.display()
            );
        }
    }
    let fit = fit(&problem, req.max_evaluations)?;
    print!("{}", report(&problem, &fit, careers));
    let keys: Vec<(ParamId, f64)> = problem
        .targets
        .free
        .iter()
        .map(|f| f.id)
        .zip(fit.values.iter().copied())
        .collect();
    let moved: BTreeMap<&str, String> = keys
        .iter()
        .map(|(id, v)| (id.spec().path, fmt_num(*v)))
        .collect();
    let note = format!(
        "Fitted by `mlm-sim calibrate {} --targets {}` ({careers} careers per evaluation, seed {}).\nMoved: {}",
        file,
        problem.targets.file,
        fit.summary.seed,
        moved
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let fitted = fitted_text(&text, &file, &keys, &note)?;
    crate::export::write_atomic(&out, fitted.as_bytes())
        .with_context(|| format!("cannot write the fitted scenario to {}", out.display()))?;
    println!("  Fitted scenario   {}", out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_files_are_validated_with_named_errors() {
        let ok = "[[target]]\nmetric='survival_month_12'\nvalue=0.5\ntolerance=0.05\n[[free]]\nkey='attrition.life_events_per_month'\nmin=0\nmax=0.2\n";
        let t = Targets::parse(ok, "t.toml").unwrap();
        assert_eq!(t.targets[0].metric, Metric::SurvivalMonth(12));
        let bad_metric = ok.replace("survival_month_12", "survival");
        let e = Targets::parse(&bad_metric, "t.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown metric `survival`"), "{e}");
        let bad_key = ok.replace("attrition.life_events_per_month", "attrition.life_event");
        let e = Targets::parse(&bad_key, "t.toml").unwrap_err().to_string();
        assert!(
            e.contains("did you mean `attrition.life_events_per_month`"),
            "{e}"
        );
        let bad_bounds = ok.replace("max=0.2", "max=2");
        assert!(Targets::parse(&bad_bounds, "t.toml").is_err());
        let bad_tol = ok.replace("tolerance=0.05", "tolerance=0");
        assert!(Targets::parse(&bad_tol, "t.toml").is_err());
    }

    #[test]
    fn fitted_text_keeps_comments_and_changes_only_the_moved_keys() {
        let text = "# head\nname = 'x'\n[attrition]\nlife_events_per_month = 0.05   # life\n";
        let out = fitted_text(
            text,
            "x.toml",
            &[(ParamId::LifeEvents, 0.0431), (ParamId::StarterKit, 60.0)],
            "fitted",
        )
        .unwrap();
        assert!(out.starts_with("# fitted\n# head\n"), "{out}");
        assert!(
            out.contains("life_events_per_month = 0.0431   # life"),
            "{out}"
        );
        assert!(out.contains("starter_kit = 60"), "{out}");
        let s = scenario::parse(&out, "x.toml", &[]).unwrap();
        assert_eq!(s.param(ParamId::LifeEvents).mean(), 0.0431);
    }

    #[test]
    fn calibration_recovers_a_known_hazard_from_its_own_survival() {
        // Targets produced by the model itself at h = 0.06: survival at month 12 is
        // (1 - h)^12 exactly in expectation. Fit h from h = 0.02 with 2,000 careers; the
        // standard error of the survival estimate is ~0.011, so a fit within 0.01 of h is
        // well inside what the data pin down (dS/dh = -12 (1-h)^11 ~ -6).
        let truth: f64 = 0.06;
        let text = "name='x'\nmonths=12\nseed=7\n[attrition]\nlife_events_per_month=0.02\n";
        let s12 = (1.0 - truth).powi(12);
        let targets = Targets::parse(
            &format!("[[target]]\nmetric='survival_month_12'\nvalue={s12}\ntolerance=0.02\n[[target]]\nmetric='survival_month_6'\nvalue={}\ntolerance=0.02\n[[free]]\nkey='attrition.life_events_per_month'\nmin=0\nmax=0.2\n", (1.0 - truth).powi(6)),
            "t.toml",
        )
        .unwrap();
        let problem = Problem {
            text: text.into(),
            file: "x.toml".into(),
            base: vec![Override::parse("careers=2000").unwrap()],
            targets,
        };
        let fit = fit(&problem, 60).unwrap();
        assert!((fit.values[0] - truth).abs() < 0.01, "{:?}", fit.values);
        assert!(fit.objective < 4.0, "{}", fit.objective);
    }

    #[test]
    fn round_sig_keeps_four_digits() {
        assert_eq!(round_sig(0.0123456), 0.01235);
        assert_eq!(round_sig(1234.5), 1235.0);
        assert_eq!(round_sig(0.0), 0.0);
    }
}
