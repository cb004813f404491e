//! `mlm-sim calibrate`: fit scenario parameters to published outcome figures.
//!
//! A targets file ([`targets`]) names outcome figures (a share that lost money, survival at
//! month 12, quit reasons among quitters, ...) each with an uncertainty, a source and a role
//! (fitted, or held for validation), and the scenario keys that may move, with bounds. The
//! fit minimises
//!
//! ```text
//! sum over fitted targets of ((model - published) / sqrt(uncertainty^2 + model_se^2))^2
//! ```
//!
//! with Nelder-Mead ([`nelder_mead`]), restarted from several starting points spread over the
//! bounds (derived from the seed, so a fit is reproducible). Every evaluation simulates the
//! **same** career indices with the **same** seed (common random numbers): the difference
//! between two parameter sets is then not drowned by fresh sampling noise, and the objective
//! is a deterministic function of the parameters, which a simplex search needs.
//!
//! A small objective does not mean the keys are known: [`identify`] reads the local
//! sensitivity matrix at the fit and says which keys trade off or wander. A fit with more free
//! keys than independent fitted targets is refused unless forced, because it cannot pin them.
//! The fitted scenario is written by editing the original text with `toml_edit`, so its
//! comments survive.

pub mod company;
mod figures;
mod fit;
pub mod identify;
pub mod metric;
pub mod nelder_mead;
pub mod targets;
pub mod validation;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::AtomicBool;

use anyhow::{bail, Context, Result};

use crate::engine::{self, Hooks};
use crate::fmt::compact as fmt_num;
use crate::model::Model;
use crate::scenario::{self, Override, Param, ParamId, Scenario};
use crate::summary::Summary;
pub use figures::Figures;
pub use fit::{fit, Fit, StartResult, SENSITIVITY_STEP};
pub use identify::Identification;
pub use metric::{Measured, Metric, METRIC_NAMES};
pub use targets::{FreeKey, Role, Target, Targets, Uncertainty};

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
    /// Checked between cohorts of every evaluation; when set, the fit stops with
    /// [`engine::Interrupted`] (Ctrl-C, SIGTERM). `None`: never cancelled.
    pub cancel: Option<&'static AtomicBool>,
}

fn set_override(path: &str, v: f64) -> Override {
    Override::number(path, v).said_as(format!("{path}={v} (calibrate)"))
}

impl Problem {
    /// The scenario with the free keys at `values`.
    pub fn scenario_at(&self, values: &[f64]) -> Result<Scenario> {
        let mut o = self.base.clone();
        for (f, v) in self.targets.free.iter().zip(values) {
            o.push(set_override(f.id.spec().path, *v));
        }
        Ok(scenario::parse(&self.text, &self.file, &o)?)
    }

    /// Simulate the scenario with the free keys at `values` (same seed and careers, or same
    /// replicate companies, every time: common random numbers). Runs on the current rayon pool.
    pub fn figures_at(&self, values: &[f64]) -> Result<Figures> {
        let s = self.scenario_at(values)?;
        let never = AtomicBool::new(false);
        let cancel = self.cancel.unwrap_or(&never);
        if s.company.is_some() {
            return Ok(Figures::Company(company::simulate(&s, cancel, &|_| {})?));
        }
        let model = Model::new(&s);
        let hooks = Hooks {
            progress: &|_| {},
            cancel,
        };
        let tally = engine::run(&s, &model, 0..s.careers, &hooks)?;
        Ok(Figures::Careers(Box::new(Summary::new(&s, &tally))))
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

/// Significant digits a fitted value is written with: the fit is not more precise than that,
/// and the written scenario stays readable.
const FIT_DIGITS: u32 = 4;

/// `v` rounded to [`FIT_DIGITS`] significant digits.
pub fn round_sig(v: f64) -> f64 {
    crate::fmt::round_sig(v, FIT_DIGITS)
}

/// The target-vs-fitted table a person reads, with every start and the identification table.
pub fn report(problem: &Problem, fit: &Fit) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Calibrated {} to {} — {} per evaluation (seed {}), {} starts, {} evaluations{}",
        problem.file,
        problem.targets.file,
        fit.figures.describe(),
        fit.figures.seed(),
        fit.starts.len(),
        fit.evaluations,
        if fit.converged {
            ""
        } else {
            " (budget used up before the best start's simplex converged)"
        }
    );
    let _ = writeln!(
        s,
        "  {:<34} {:<10} {:>22} {:>28} {:>10}",
        "target", "role", "published", "model (95% CI)", "miss/unc"
    );
    for t in &problem.targets.targets {
        let m = fit.figures.measure(t.metric);
        let model = match m.std_error {
            Some(_) => format!(
                "{} ({} to {})",
                t.metric.show(m.value),
                t.metric.show(m.ci[0]),
                t.metric.show(m.ci[1])
            ),
            None => format!("{} (n/a)", t.metric.show(m.value)),
        };
        let _ = writeln!(
            s,
            "  {:<34} {:<10} {:>22} {:>28} {:>+10.2}",
            t.metric.name(),
            t.role.as_str(),
            format!(
                "{} {}",
                t.metric.show(t.value),
                t.uncertainty.show(t.metric)
            ),
            model,
            t.standardised_miss(&m)
        );
    }
    let _ = writeln!(
        s,
        "  objective (sum over fitted targets of (miss/uncertainty)^2, model SE included): {:.3}",
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
    if fit.starts.len() > 1 {
        let _ = writeln!(s, "  starts (1 = the scenario's own values):");
        for (n, st) in fit.starts.iter().enumerate() {
            let end: Vec<String> = st.end.iter().map(|v| fmt_num(round_sig(*v))).collect();
            let _ = writeln!(
                s,
                "    {:>2}: objective {:>9.3} after {:>4} evaluations{}  ended at [{}]",
                n + 1,
                st.objective,
                st.evaluations,
                if st.converged { "" } else { " (budget)" },
                end.join(", ")
            );
        }
    }
    s.push_str(&fit.identification.to_text());
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
    /// Careers per evaluation (None: the targets file's, else 4000); followed careers only
    /// (a company scenario's evaluation simulates its `company.replicates` companies).
    pub careers: Option<u64>,
    /// Evaluation budget.
    pub max_evaluations: usize,
    /// Where to write the fitted scenario (None: `<scenario stem>.fitted.toml` beside it).
    pub out: Option<std::path::PathBuf>,
    /// Extra `--set` overrides.
    pub overrides: Vec<Override>,
    /// Starting points of the search (the scenario's own values, then spread ones).
    pub restarts: usize,
    /// Fit even with more free keys than independent fitted targets.
    pub force: bool,
}

/// Careers per evaluation when neither the flag nor the targets file says.
pub const DEFAULT_CAREERS: u64 = 4000;

/// A calibration, read and validated, ready to fit.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// What is fitted.
    pub problem: Problem,
    /// Careers per evaluation.
    pub careers: u64,
    /// Evaluation budget of each start.
    pub max_evaluations: usize,
    /// Starting points.
    pub restarts: usize,
    /// Where the fitted scenario goes.
    pub out: std::path::PathBuf,
}

/// The identification table's file beside the fitted scenario: `x.fitted.toml` ->
/// `x.fitted.identification.csv`.
pub fn identification_path(out: &std::path::Path) -> std::path::PathBuf {
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "fitted".into());
    out.with_file_name(format!("{stem}.identification.csv"))
}

/// What a finished calibration says and writes.
#[derive(Debug, Clone)]
pub struct Calibrated {
    /// The fit table for the terminal.
    pub report: String,
    /// The fitted scenario's text (the original's comments kept).
    pub fitted_text: String,
    /// `identification.csv`: the identification table.
    pub identification_csv: Vec<u8>,
    /// The fit itself.
    pub fit: Fit,
}

impl Calibration {
    /// Read the scenario and targets of `req` and validate everything (scenario, overrides,
    /// free keys, output folder) before anything is simulated.
    pub fn prepare(req: &Request) -> Result<Calibration> {
        let file = req.scenario.display().to_string();
        let text = crate::input::read_text_capped(
            &req.scenario,
            crate::input::MAX_SCENARIO_BYTES,
            "scenario",
        )
        .with_context(|| format!("{file}: cannot read the scenario file"))?;
        let targets = Targets::load(&req.targets)?;
        targets.require_free_keys()?;
        let (independent, why) = targets.independent_fitted();
        if targets.free.len() > independent && !req.force {
            bail!(
                "{}: {} free keys but only {} independent fitted target(s){}: the fit cannot pin \
                 them all, and different key sets would fit equally well. Fix some keys, add \
                 fitted targets, or pass --force to fit anyway (the identification table then \
                 shows which keys wander)",
                targets.file,
                targets.free.len(),
                independent,
                if why.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", why.join("; "))
                }
            );
        }
        if req.restarts == 0 {
            bail!("--restarts must be at least 1");
        }
        let careers = req.careers.or(targets.careers).unwrap_or(DEFAULT_CAREERS);
        if careers == 0 {
            bail!("--careers must be at least 1");
        }
        // Company world (issue 13): an evaluation simulates the scenario's replicate
        // companies; `careers` has no meaning there.
        let company = scenario::parse(&text, &file, &req.overrides)?
            .company
            .is_some();
        if company && req.careers.is_some() {
            bail!(
                "{file}: --careers applies to followed careers; each evaluation of a company \
                 scenario simulates company.replicates companies (choose them with --set \
                 company.replicates=R)"
            );
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
        if !company {
            base.push(
                Override::integer("careers", careers.min(i64::MAX as u64) as i64)
                    .said_as(format!("--careers {careers}")),
            );
        }
        let problem = Problem {
            text,
            file,
            base,
            targets,
            cancel: None,
        };
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
        Ok(Calibration {
            problem,
            careers,
            max_evaluations: req.max_evaluations,
            restarts: req.restarts,
            out,
        })
    }

    /// The scenario at the starting values: what one evaluation simulates (for the work check).
    pub fn start_scenario(&self) -> Result<Scenario> {
        self.problem.scenario_at(&self.problem.start()?)
    }

    /// Fit on the current rayon pool; nothing is written.
    pub fn run(&self) -> Result<Calibrated> {
        let problem = &self.problem;
        let fit = fit(problem, self.max_evaluations, self.restarts)?;
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
            "Fitted by `mlm-sim calibrate {} --targets {}` ({} per evaluation, seed {}).\nMoved: {}",
            problem.file,
            problem.targets.file,
            fit.figures.describe(),
            fit.figures.seed(),
            moved
                .iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(Calibrated {
            report: report(problem, &fit),
            fitted_text: fitted_text(&problem.text, &problem.file, &keys, &note)?,
            identification_csv: fit.identification.to_csv()?,
            fit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            cancel: None,
        };
        let fit = fit(&problem, 60, 1).unwrap();
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

#[cfg(test)]
mod synthetic_tests;

#[cfg(test)]
mod company_tests;
