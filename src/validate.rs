//! `mlm-sim validate`: the built-in validation suite, as a table a skeptic can read.
//!
//! Each check compares something the simulator measures with what it must be: a closed-form
//! result of probability theory for a set-up where it holds exactly, an identity
//! (determinism). Tolerances come from standard errors: a closed-form check passes when
//! `|observed - expected| <= 4 SE` (a false alarm about once in 16,000 checks).
//!
//! After the checks comes the table of published figures ([`TargetValidation`]): the shipped
//! `typical` scenario (or `--scenario`) against every target of its targets file, fitted and
//! held for validation, with the "what the model still gets wrong" list. A fitted target that
//! fails counts as a failed check; a held-out figure that fails is reported, not counted.
//! docs/validation.md explains every check and its source.
//!
//! The scenarios are built here from TOML text, so the suite cannot drift with the shipped
//! files — except `typical`, which is embedded on purpose: its calibration is what is checked.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};

use crate::calibrate::validation::TargetValidation;
use crate::calibrate::{Figures, Targets};
use crate::engine::{self, Hooks};
use crate::model::Model;
use crate::outcome::CareerOutcome;
use crate::scenario::{self, Override, Scenario};
use crate::stats::Tally;
use crate::summary::Summary;

/// The shipped calibrated scenario.
pub const TYPICAL: &str = include_str!("../scenarios/typical.toml");
/// The targets it was calibrated to.
pub const TYPICAL_TARGETS: &str = include_str!("../scenarios/targets/aarp-2018.toml");

/// Careers simulated for the `typical` calibration checks.
pub const TYPICAL_CAREERS: u64 = 20_000;

/// Standard errors allowed between observed and expected.
pub const SE_ALLOWED: f64 = 4.0;

/// Validation ended with failed checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} check(s) failed")]
pub struct ChecksFailed(pub usize);

/// One row of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Group: what kind of check.
    pub group: &'static str,
    /// What is compared.
    pub name: String,
    /// The simulator's value.
    pub observed: f64,
    /// The value it must have.
    pub expected: f64,
    /// Largest allowed |observed - expected|.
    pub tolerance: f64,
    /// How the tolerance was set, e.g. "4 SE (SE 0.0021)".
    pub basis: String,
}

impl Check {
    /// True when the miss is within the tolerance.
    pub fn passed(&self) -> bool {
        (self.observed - self.expected).abs() <= self.tolerance
    }
}

/// All checks of one run of the suite.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Checks in order.
    pub checks: Vec<Check>,
    /// The scenario against its published figures, fitted and held for validation.
    pub figures: Option<TargetValidation>,
}

impl Report {
    /// True when every check passed and every fitted figure matched (held-out figures do not
    /// count: they are findings, not failures of the calibration).
    pub fn all_passed(&self) -> bool {
        self.failed() == 0
    }

    /// Failed checks plus failed fitted figures.
    pub fn failed(&self) -> usize {
        self.checks.iter().filter(|c| !c.passed()).count()
            + self
                .figures
                .as_ref()
                .map_or(0, TargetValidation::fitted_failures)
    }

    /// The pass/fail table.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<26} {:<44} {:>12} {:>12} {:>11}  {:<24} result",
            "check", "quantity", "observed", "expected", "tolerance", "tolerance basis"
        );
        for c in &self.checks {
            let _ = writeln!(
                s,
                "{:<26} {:<44} {:>12} {:>12} {:>11}  {:<24} {}",
                c.group,
                c.name,
                num(c.observed),
                num(c.expected),
                format!("±{}", num(c.tolerance)),
                c.basis,
                if c.passed() { "PASS" } else { "FAIL" }
            );
        }
        let checks_failed = self.checks.iter().filter(|c| !c.passed()).count();
        let _ = writeln!(
            s,
            "{} of {} checks passed",
            self.checks.len() - checks_failed,
            self.checks.len()
        );
        if let Some(f) = &self.figures {
            s.push('\n');
            s.push_str(&f.to_text());
            let fitted = f
                .rows
                .iter()
                .filter(|r| r.target.role == crate::calibrate::Role::Fitted)
                .count();
            let _ = writeln!(
                s,
                "{} of {fitted} fitted figures matched; {} of {} figures held for validation matched{}",
                fitted - f.fitted_failures(),
                f.rows.len() - fitted - f.validation_failures(),
                f.rows.len() - fitted,
                if f.validation_failures() > 0 {
                    " (held-out misses are reported, not fatal)"
                } else {
                    ""
                }
            );
            if f.fitted_failures() > 0 {
                let _ = writeln!(
                    s,
                    "The scenario does not reproduce figures it should be fitted to: it has not been \
                     calibrated to {} (or the model changed since). `mlm-sim calibrate {} --targets {}` \
                     fits it; until then its figures are not calibrated results.",
                    f.targets_file, f.scenario, f.targets_file
                );
            }
        }
        s
    }
}

fn num(v: f64) -> String {
    crate::fmt::measured(v)
}

fn build(text: &str) -> Result<Scenario> {
    Ok(scenario::parse(
        text,
        "(built-in validation scenario)",
        &[],
    )?)
}

/// Simulate `s` on the current pool, handing every career to `each`.
fn simulate(s: &Scenario, each: &mut dyn FnMut(&CareerOutcome)) -> Result<Tally> {
    let model = Model::new(s);
    let cancel = AtomicBool::new(false);
    let hooks = Hooks {
        progress: &|_| {},
        cancel: &cancel,
    };
    let tally = engine::run_with_records(s, &model, 0..s.careers, &hooks, &mut |rs| {
        rs.iter().for_each(&mut *each);
        Ok(())
    })??;
    Ok(tally)
}

/// Mean and standard error of the mean of `xs`.
fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

fn se_check(group: &'static str, name: String, observed: f64, expected: f64, se: f64) -> Check {
    Check {
        group,
        name,
        observed,
        expected,
        tolerance: SE_ALLOWED * se,
        basis: format!("4 SE (SE {:.2e})", se),
    }
}

/// Survival with only the life-event hazard `h`: `S(t) = (1-h)^(t+1)` at the end of month t.
fn geometric_survival(out: &mut Vec<Check>) -> Result<()> {
    let h = 0.05;
    let s = build(&format!(
        "name='geometric survival'\nmonths=24\ncareers=20000\nseed=11\n[prospecting]\ncontacts_per_month=0\n[attrition]\nlife_events_per_month={h}\n"
    ))?;
    let t = simulate(&s, &mut |_| {})?;
    let sum = Summary::new(&s, &t);
    for month in [0usize, 5, 11, 23] {
        let p = (1.0f64 - h).powi(month as i32 + 1);
        let se = (p * (1.0 - p) / t.careers as f64).sqrt();
        out.push(se_check(
            "geometric survival",
            format!("S(t={month}) with h = {h}"),
            sum.survival[month],
            p,
            se,
        ));
    }
    Ok(())
}

/// Direct recruits when effort follows consistency decay only: a sum of Poisson counts whose
/// mean is `sum_t S_start(t) * contacts * follow_through * c_t * p_join * (1 + gain*quality)`.
fn poisson_recruits(out: &mut Vec<Check>) -> Result<()> {
    let (months, h, contacts, follow, p_join) = (12u32, 0.04, 20.0, 0.8, 0.03);
    let (decay, floor, pd, quality, gain) = (0.2, 0.3, 0.4, 0.5, 1.0);
    let s = build(&format!(
        "name='poisson recruits'\nmonths={months}\ncareers=20000\nseed=12\n\
         [prospecting]\ncontacts_per_month={contacts}\nfollow_through={follow}\njoin_probability={p_join}\n\
         [consistency]\ndecay_per_month={decay}\nfloor={floor}\n\
         [personal_development]\nlevel={pd}\n[training]\nquality={quality}\nskill_gain={gain}\n\
         [attrition]\nlife_events_per_month={h}\n"
    ))?;
    let d_eff = decay * (1.0 - 0.5 * pd);
    let expected: f64 = (0..months)
        .map(|t| {
            let alive = (1.0f64 - h).powi(t as i32);
            let c = floor + (1.0 - floor) * (1.0f64 - d_eff).powi(t as i32);
            alive * contacts * follow * c * p_join * (1.0 + gain * quality)
        })
        .sum();
    let mut xs = Vec::with_capacity(s.careers as usize);
    simulate(&s, &mut |c| xs.push(c.person.recruits as f64))?;
    let (mean, se) = mean_se(&xs);
    out.push(se_check(
        "Poisson recruits",
        "mean direct recruits, 12 months".into(),
        mean,
        expected,
        se,
    ));
    Ok(())
}

/// Expected downline size with constant recruiting rate `lambda`, life hazard `h`, depth
/// `depth` and horizon `months`, by recursion over start months: a person who starts working
/// in month `s` at level `l` recruits `lambda` a month while active (probability
/// `(1-h)^(t-s)` at the start of month `t`), and each recruit signed in month `t` starts in
/// month `t + 1` (if that is before the horizon) with a downline of its own.
pub fn expected_downline(lambda: f64, h: f64, depth: u32, months: u32) -> f64 {
    let months = months as usize;
    // below[s] = expected downline of a person one level further down starting in month s.
    let mut below = vec![0.0; months + 1];
    for _ in 0..depth {
        let mut this = vec![0.0; months + 1];
        for (s, slot) in this.iter_mut().enumerate().take(months) {
            *slot = (s..months.saturating_sub(1))
                .map(|t| (1.0 - h).powi((t - s) as i32) * lambda * (1.0 + below[t + 1]))
                .sum();
        }
        below = this;
    }
    below[0]
}

/// Galton-Watson downline: the simulated downline size against [`expected_downline`].
fn galton_watson(out: &mut Vec<Check>) -> Result<()> {
    let (months, h, contacts, p_join, depth) = (12u32, 0.1, 20.0, 0.03, 3u32);
    let s = build(&format!(
        "name='galton-watson'\nmonths={months}\ncareers=4000\nseed=13\n\
         [prospecting]\ncontacts_per_month={contacts}\njoin_probability={p_join}\n\
         [downline]\ndepth={depth}\nmax_size=10000000\n[attrition]\nlife_events_per_month={h}\n"
    ))?;
    let expected = expected_downline(contacts * p_join, h, depth, months);
    let mut xs = Vec::with_capacity(s.careers as usize);
    simulate(&s, &mut |c| xs.push(c.downline_size as f64))?;
    let (mean, se) = mean_se(&xs);
    out.push(se_check(
        "Galton-Watson downline",
        format!("mean downline size, depth {depth}"),
        mean,
        expected,
        se,
    ));
    Ok(())
}

/// Careers are independent and identically distributed, so a cohort's failure count is
/// binomial: the spread of cohort failure rates must be sqrt(p(1-p)/cohort_size).
fn binomial_spread(out: &mut Vec<Check>) -> Result<()> {
    let s = build(
        "name='binomial cohorts'\nmonths=12\ncareers=20000\nseed=14\ncohort_size=50\n\
         [prospecting]\ncontacts_per_month=5\njoin_probability=0\ncustomer_probability=0.1\n\
         [economics]\nretail_margin=0.3\ncustomer_order=100\ncustomer_churn=0.1\n\
         [attrition]\nlife_events_per_month=0.05\n",
    )?;
    let t = simulate(&s, &mut |_| {})?;
    let c = Summary::new(&s, &t).cohort_failure_rates;
    // SE of a sample standard deviation of k values: sd * sqrt((kurtosis - 1) / (4 (k - 1))),
    // with the binomial's kurtosis 3 + (1 - 6p(1-p)) / (n p (1-p)).
    let p = c.mean;
    let n = c.cohort_size as f64;
    let kurt = 3.0 + (1.0 - 6.0 * p * (1.0 - p)) / (n * p * (1.0 - p));
    let k = c.cohorts as f64;
    let se = c.binomial_sd * ((kurt - 1.0) / (4.0 * (k - 1.0))).sqrt();
    out.push(se_check(
        "binomial cohort spread",
        format!(
            "sd of failure rate, {} cohorts of {}",
            c.cohorts, c.cohort_size
        ),
        c.sd,
        c.binomial_sd,
        se,
    ));
    Ok(())
}

/// The same scenario on 1 and 2 threads must give identical tallies.
fn determinism(out: &mut Vec<Check>) -> Result<()> {
    let s = scenario::parse(
        TYPICAL,
        "scenarios/typical.toml",
        &[Override::parse("careers=3000").map_err(anyhow::Error::msg)?],
    )?;
    let model = Model::new(&s);
    let cancel = AtomicBool::new(false);
    let hooks = Hooks {
        progress: &|_| {},
        cancel: &cancel,
    };
    let mut tallies = Vec::new();
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .context("cannot start worker threads")?;
        tallies.push(pool.install(|| engine::run(&s, &model, 0..s.careers, &hooks))?);
    }
    let differ = if tallies[0] == tallies[1] { 0.0 } else { 1.0 };
    out.push(Check {
        group: "determinism",
        name: "tallies differ, 1 vs 2 threads (typical)".into(),
        observed: differ,
        expected: 0.0,
        tolerance: 0.0,
        basis: "identical".into(),
    });
    Ok(())
}

/// What `validate` checks the published figures on.
#[derive(Debug, Clone, Default)]
pub struct SuiteRequest {
    /// Scenario file (None: the shipped `typical`, embedded).
    pub scenario: Option<std::path::PathBuf>,
    /// Targets file (None: the shipped `scenarios/targets/aarp-2018.toml`, embedded).
    pub targets: Option<std::path::PathBuf>,
    /// Careers for the published-figure table (None: [`TYPICAL_CAREERS`]); followed
    /// careers only (a company scenario simulates `company.replicates` companies).
    pub careers: Option<u64>,
    /// `--set` overrides applied to the scenario (e.g. a smaller market or fewer replicates
    /// for a quick company check).
    pub overrides: Vec<Override>,
}

/// The scenario the published figures are checked on, read and validated.
fn figures_scenario(req: &SuiteRequest, targets: &Targets) -> Result<Scenario> {
    let (text, file) = match &req.scenario {
        Some(p) => {
            let file = p.display().to_string();
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("invalid scenario {file}: cannot read the file"))?;
            (text, file)
        }
        None => (TYPICAL.to_string(), "scenarios/typical.toml".to_string()),
    };
    let plain = scenario::parse(&text, &file, &req.overrides)?;
    if plain.company.is_some() {
        // Company world (issue 13): the figures come from its replicate companies.
        if req.careers.is_some() {
            anyhow::bail!(
                "{file}: --careers applies to followed careers; a company scenario simulates \
                 company.replicates companies (choose them with --set company.replicates=R)"
            );
        }
        targets.check_against(&plain)?;
        return Ok(plain);
    }
    let careers = req.careers.unwrap_or(TYPICAL_CAREERS);
    let mut overrides = req.overrides.clone();
    overrides.push(Override::integer(
        "careers",
        careers.min(i64::MAX as u64) as i64,
    ));
    let s = scenario::parse(&text, &file, &overrides)?;
    targets.check_against(&s)?;
    Ok(s)
}

/// The scenario against every target, fitted and held for validation.
fn figures(s: &Scenario, targets: &Targets) -> Result<TargetValidation> {
    let figures = if s.company.is_some() {
        let never = AtomicBool::new(false);
        Figures::Company(crate::calibrate::company::simulate(s, &never, &|_| {})?)
    } else {
        let t = simulate(s, &mut |_| {})?;
        Figures::Careers(Box::new(Summary::new(s, &t)))
    };
    Ok(TargetValidation::new(&s.file, targets, &figures))
}

/// Run the whole suite on the current rayon pool with the shipped scenario and targets, or
/// `targets` instead of the shipped targets (for testing that a wrong target fails).
pub fn run_suite(targets: Option<&Path>) -> Result<Report> {
    run_suite_with(&SuiteRequest {
        targets: targets.map(Path::to_path_buf),
        ..SuiteRequest::default()
    })
}

/// Run the whole suite on the current rayon pool.
pub fn run_suite_with(req: &SuiteRequest) -> Result<Report> {
    if req.scenario.is_some() && req.targets.is_none() {
        anyhow::bail!(
            "--scenario needs --targets: the file of published figures to check it against"
        );
    }
    if req.careers == Some(0) {
        anyhow::bail!("--careers must be at least 1");
    }
    let targets = match &req.targets {
        Some(p) => Targets::load(p)?,
        None => Targets::parse(TYPICAL_TARGETS, "scenarios/targets/aarp-2018.toml")?,
    };
    let scenario = figures_scenario(req, &targets)?;
    let mut checks = Vec::new();
    geometric_survival(&mut checks)?;
    poisson_recruits(&mut checks)?;
    galton_watson(&mut checks)?;
    binomial_spread(&mut checks)?;
    determinism(&mut checks)?;
    let figures = figures(&scenario, &targets)?;
    Ok(Report {
        checks,
        figures: Some(figures),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_downline_matches_the_simple_cases() {
        // Depth 1, no attrition: lambda recruits in each month but the last (a recruit signed
        // then would start after the horizon).
        assert!((expected_downline(0.5, 0.0, 1, 10) - 4.5).abs() < 1e-12);
        // Depth 2, no attrition, 2 months: lambda = 1 recruit signed in month 0 works month 1,
        // and their own recruit signed in month 1 would start after the horizon: 1.
        assert!((expected_downline(1.0, 0.0, 2, 2) - 1.0).abs() < 1e-12);
        assert_eq!(expected_downline(1.0, 0.3, 0, 12), 0.0);
    }

    #[test]
    fn a_failed_check_is_reported_as_failed() {
        let c = Check {
            group: "g",
            name: "x".into(),
            observed: 0.5,
            expected: 0.6,
            tolerance: 0.05,
            basis: String::new(),
        };
        let r = Report {
            checks: vec![c],
            figures: None,
        };
        assert!(!r.all_passed());
        assert!(r.to_text().contains("FAIL"));
    }
}
