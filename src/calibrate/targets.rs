//! The targets file of `mlm-sim calibrate`: which outcome figures to fit (with tolerances)
//! and which scenario keys may move (with bounds), parsed and checked against the scenario.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::fmt::compact as fmt_num;
use crate::scenario::{self, ParamId, Scenario};
use crate::stats::{wilson, Z95};
use crate::summary::Summary;

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
        let text =
            crate::input::read_text_capped(path, crate::input::MAX_SCENARIO_BYTES, "targets")
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
