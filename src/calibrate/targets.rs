//! Targets files: the published figures a scenario is fitted to or checked against, and the
//! scenario keys a fit may move.
//!
//! ```toml
//! [[target]]
//! metric = "lost_money"
//! value = 0.47
//! standard_error = 0.02      # or: tolerance = 0.04 (how far off still counts as a match)
//! source = "AARP Foundation 2018 ..."
//! role = "fitted"            # or "validation": held out of the fit, only compared
//! ```
//!
//! Why two kinds of uncertainty: a survey's sampling error is a standard error, but many
//! published figures are loose words ("about a quarter") or ranges across companies, for which
//! only a tolerance is honest. Both weigh the miss the same way in the fit (one unit off adds
//! 1 to the objective); they differ in the pass rule of `validate` (see [`Target::passes`]).
//!
//! The earlier format (`tolerance` only, no `role`) is read unchanged: a target without a role
//! is fitted.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::metric::{Kind, Measured, Metric};
use crate::fmt::compact as fmt_num;
use crate::outcome::EndReason;
use crate::scenario::{self, ParamId, Scenario};
use crate::stats::Z95;

/// How uncertain a published figure is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Uncertainty {
    /// A standard error (sampling error of a survey, say).
    StandardError(f64),
    /// How far off still counts as a match (loose wording, a range across sources).
    Tolerance(f64),
}

impl Uncertainty {
    /// The scale a miss is divided by in the objective.
    pub fn scale(self) -> f64 {
        match self {
            Uncertainty::StandardError(v) | Uncertainty::Tolerance(v) => v,
        }
    }

    /// `± 0.04` or `SE 0.02`, in the metric's units.
    pub fn show(self, metric: Metric) -> String {
        match self {
            Uncertainty::StandardError(v) => format!("SE {}", metric.show(v)),
            Uncertainty::Tolerance(v) => format!("± {}", metric.show(v)),
        }
    }
}

/// Whether a target is fitted or held for validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The fit minimises its miss.
    Fitted,
    /// Held out of the fit; `validate` compares it.
    Validation,
}

impl Role {
    /// As written in a targets file.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Fitted => "fitted",
            Role::Validation => "validation",
        }
    }
}

/// One published outcome figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// What is measured.
    pub metric: Metric,
    /// The published value.
    pub value: f64,
    /// How uncertain it is.
    pub uncertainty: Uncertainty,
    /// Where the figure comes from.
    pub source: String,
    /// Fitted or held for validation.
    pub role: Role,
}

impl Target {
    /// The miss of `m` over the combined uncertainty `sqrt(u^2 + se_model^2)`: the model's own
    /// sampling noise counts, so a figure the model measures poorly pulls less.
    pub fn standardised_miss(&self, m: &Measured) -> f64 {
        let u = self.uncertainty.scale();
        let se = m.se_or_zero();
        (m.value - self.value) / (u * u + se * se).sqrt()
    }

    /// The largest |model - published| that still passes: a tolerance plus 1.96 model SE, or
    /// 1.96 combined standard errors (published and model).
    pub fn allowed_miss(&self, m: &Measured) -> f64 {
        let se = m.se_or_zero();
        match self.uncertainty {
            Uncertainty::Tolerance(t) => t + Z95 * se,
            Uncertainty::StandardError(u) => Z95 * (u * u + se * se).sqrt(),
        }
    }

    /// Whether the model's `m` matches the figure.
    pub fn passes(&self, m: &Measured) -> bool {
        (m.value - self.value).abs() <= self.allowed_miss(m)
    }
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
    /// What the file says it holds.
    pub description: String,
    /// Careers per evaluation the file asks for (the `--careers` flag wins).
    pub careers: Option<u64>,
    /// Outcome figures, fitted and held for validation, in file order.
    pub targets: Vec<Target>,
    /// Keys that may move (may be empty in a file used only by `validate`).
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
    tolerance: Option<f64>,
    standard_error: Option<f64>,
    #[serde(default)]
    source: String,
    role: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFree {
    key: String,
    min: f64,
    max: f64,
}

fn parse_target(file: &str, i: usize, t: &RawTarget) -> Result<Target> {
    let what = format!("{file}: target {} (`{}`)", i + 1, t.metric);
    let metric = Metric::parse_or_explain(&t.metric)
        .map_err(|e| anyhow::anyhow!("{file}: target {} has {e}", i + 1))?;
    let ok_value = match metric.kind() {
        Kind::Share => (0.0..=1.0).contains(&t.value),
        Kind::Ratio => t.value.is_finite() && t.value >= 0.0,
        Kind::Dollars => t.value.is_finite(),
    };
    if !ok_value {
        let allowed = match metric.kind() {
            Kind::Share => "a share between 0 and 1",
            Kind::Ratio => "a ratio of 0 or more",
            Kind::Dollars => "a finite amount of dollars",
        };
        bail!("{what}: value must be {allowed}, got {}", t.value);
    }
    let uncertainty = match (t.standard_error, t.tolerance) {
        (Some(se), None) => Uncertainty::StandardError(se),
        (None, Some(tol)) => Uncertainty::Tolerance(tol),
        (Some(_), Some(_)) => {
            bail!("{what}: give `standard_error` or `tolerance`, not both")
        }
        (None, None) => bail!(
            "{what}: needs an uncertainty: `standard_error = ...` (sampling error) or \
             `tolerance = ...` (how far off still counts as a match)"
        ),
    };
    let u = uncertainty.scale();
    let ok_u = u.is_finite() && u > 0.0 && (metric.kind() != Kind::Share || u <= 1.0);
    if !ok_u {
        bail!(
            "{what}: the uncertainty must be above 0{}, got {u}",
            if metric.kind() == Kind::Share {
                " and at most 1"
            } else {
                ""
            }
        );
    }
    let role = match t.role.as_deref() {
        None | Some("fitted") => Role::Fitted,
        Some("validation") => Role::Validation,
        Some(other) => {
            bail!("{what}: role `{other}` is not allowed; use \"fitted\" or \"validation\"")
        }
    };
    Ok(Target {
        metric,
        value: t.value,
        uncertainty,
        source: t.source.clone(),
        role,
    })
}

fn parse_free(file: &str, f: &RawFree) -> Result<FreeKey> {
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
    Ok(FreeKey {
        id,
        min: f.min,
        max: f.max,
    })
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

    /// Parse targets text (named `file` in errors). Free keys may be absent here; a fit
    /// checks for them ([`Targets::require_free_keys`]).
    pub fn parse(text: &str, file: &str) -> Result<Targets> {
        let raw: RawTargets = toml::from_str(text)
            .map_err(|e| anyhow::anyhow!("{file}: not a valid targets file: {}", e.message()))?;
        if raw.target.is_empty() {
            bail!("{file}: no [[target]] tables; give at least one outcome figure");
        }
        let targets = raw
            .target
            .iter()
            .enumerate()
            .map(|(i, t)| parse_target(file, i, t))
            .collect::<Result<Vec<_>>>()?;
        let mut free: Vec<FreeKey> = Vec::new();
        for f in &raw.free {
            let key = parse_free(file, f)?;
            if free.iter().any(|g| g.id == key.id) {
                bail!("{file}: free key `{}` is listed twice", f.key);
            }
            free.push(key);
        }
        if raw.careers == Some(0) {
            bail!("{file}: careers must be at least 1");
        }
        Ok(Targets {
            file: file.to_string(),
            description: raw.description,
            careers: raw.careers,
            targets,
            free,
        })
    }

    /// Fail unless the file names free keys and fitted targets: what a fit needs.
    pub fn require_free_keys(&self) -> Result<()> {
        if self.free.is_empty() {
            bail!(
                "{}: no [[free]] tables; name at least one scenario key the fit may move",
                self.file
            );
        }
        if self.fitted().next().is_none() {
            bail!(
                "{}: every target has role = \"validation\"; at least one must be fitted",
                self.file
            );
        }
        Ok(())
    }

    /// The fitted targets.
    pub fn fitted(&self) -> impl Iterator<Item = &Target> {
        self.targets.iter().filter(|t| t.role == Role::Fitted)
    }

    /// How many fitted targets carry independent information, and why some do not: the three
    /// outcome bands always sum to 1, and so do the quit-reason shares among quitters, so a
    /// complete set of either counts one less.
    pub fn independent_fitted(&self) -> (usize, Vec<String>) {
        let fitted: Vec<Metric> = self.fitted().map(|t| t.metric).collect();
        let mut n = fitted.len();
        let mut why = Vec::new();
        let bands = [Metric::LostMoney, Metric::BrokeEven, Metric::Profited];
        if bands.iter().all(|b| fitted.contains(b)) {
            n -= 1;
            why.push("lost_money + broke_even + profited always sum to 1".to_string());
        }
        let valued = [
            Metric::LostMoneyWithValue,
            Metric::BrokeEvenWithValue,
            Metric::ProfitedWithValue,
        ];
        if valued.iter().all(|b| fitted.contains(b)) {
            n -= 1;
            why.push(
                "lost_money_with_value + broke_even_with_value + profited_with_value always sum to 1"
                    .to_string(),
            );
        }
        let reasons: Vec<Metric> = EndReason::ALL
            .into_iter()
            .filter(|r| r.is_quit())
            .map(Metric::QuitReason)
            .collect();
        if reasons.iter().all(|r| fitted.contains(r)) {
            n -= 1;
            why.push("the quit_reason.* shares among quitters always sum to 1".to_string());
        }
        (n, why)
    }

    /// The objective: sum over fitted targets of the squared standardised misses.
    pub fn objective(&self, s: &super::Figures) -> f64 {
        self.fitted()
            .map(|t| t.standardised_miss(&s.measure(t.metric)).powi(2))
            .sum()
    }

    /// Check the targets against a scenario: every metric measurable in its world (company
    /// figures need a company scenario), survival months within the horizon.
    pub fn check_against(&self, s: &Scenario) -> Result<()> {
        for (i, t) in self.targets.iter().enumerate() {
            if let Err(why) = t.metric.support(s) {
                bail!(
                    "{}: target {} cannot be measured on {}: {why}",
                    self.file,
                    i + 1,
                    s.file
                );
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = "[[target]]\nmetric='survival_month_12'\nvalue=0.5\ntolerance=0.05\n[[free]]\nkey='attrition.life_events_per_month'\nmin=0\nmax=0.2\n";

    #[test]
    fn targets_files_are_validated_with_named_errors() {
        let t = Targets::parse(OK, "t.toml").unwrap();
        assert_eq!(t.targets[0].metric, Metric::SurvivalMonth(12));
        assert_eq!(t.targets[0].role, Role::Fitted);
        let err = |text: &str| Targets::parse(text, "t.toml").unwrap_err().to_string();
        let e = err(&OK.replace("survival_month_12", "survival"));
        assert!(
            e.contains("t.toml: target 1 has unknown metric `survival`"),
            "{e}"
        );
        let e = err(&OK.replace("attrition.life_events_per_month", "attrition.life_event"));
        assert!(
            e.contains("did you mean `attrition.life_events_per_month`"),
            "{e}"
        );
        assert!(err(&OK.replace("max=0.2", "max=2")).contains("min < max within"));
        assert!(err(&OK.replace("tolerance=0.05", "tolerance=0")).contains("above 0"));
        let e = err(&OK.replace("tolerance=0.05", "standard_error=0.02\ntolerance=0.05"));
        assert!(e.contains("not both"), "{e}");
        let e = err(&OK.replace("tolerance=0.05", ""));
        assert!(e.contains("needs an uncertainty"), "{e}");
        let e = err(&OK.replace("tolerance=0.05", "tolerance=0.05\nrole='held'"));
        assert!(e.contains("role `held` is not allowed"), "{e}");
        // A company figure parses, and is refused on a followed-career scenario.
        let t = Targets::parse(
            &OK.replace("survival_month_12", "top_1pct_commission_share"),
            "t.toml",
        )
        .unwrap();
        let careers = scenario::parse("name='x'\n", "x.toml", &[]).unwrap();
        let e = t.check_against(&careers).unwrap_err().to_string();
        assert!(
            e.contains("t.toml: target 1 cannot be measured on x.toml")
                && e.contains("company scenario"),
            "{e}"
        );
    }

    #[test]
    fn dollar_and_ratio_targets_take_their_own_ranges() {
        let money =
            "[[target]]\nmetric='net_median'\nvalue=-450\nstandard_error=30\nrole='validation'\n";
        let t = Targets::parse(money, "t.toml").unwrap();
        assert_eq!(t.targets[0].uncertainty, Uncertainty::StandardError(30.0));
        assert_eq!(t.targets[0].role, Role::Validation);
        assert!(t.require_free_keys().is_err());
        let ratio = money.replace("net_median", "recruits_per_active_year");
        assert!(Targets::parse(&ratio, "t.toml").is_err());
    }

    #[test]
    fn complete_sets_of_shares_count_one_less() {
        let mut text = String::new();
        for m in ["lost_money", "broke_even", "profited", "survival_month_12"] {
            text.push_str(&format!(
                "[[target]]\nmetric='{m}'\nvalue=0.3\ntolerance=0.05\n"
            ));
        }
        text.push_str(
            "[[target]]\nmetric='quit_share'\nvalue=0.3\ntolerance=0.05\nrole='validation'\n",
        );
        let t = Targets::parse(&text, "t.toml").unwrap();
        let (n, why) = t.independent_fitted();
        assert_eq!(n, 3);
        assert_eq!(why.len(), 1);
    }

    #[test]
    fn pass_rules_follow_the_kind_of_uncertainty() {
        let m = Measured {
            value: 0.50,
            ci: [0.48, 0.52],
            std_error: Some(0.01),
        };
        let tol = Target {
            metric: Metric::LostMoney,
            value: 0.45,
            uncertainty: Uncertainty::Tolerance(0.04),
            source: String::new(),
            role: Role::Fitted,
        };
        // 0.04 + 1.96 x 0.01 = 0.0596 > 0.05.
        assert!(tol.passes(&m));
        let se = Target {
            uncertainty: Uncertainty::StandardError(0.02),
            ..tol.clone()
        };
        // 1.96 x sqrt(0.02^2 + 0.01^2) = 0.0438 < 0.05.
        assert!(!se.passes(&m));
        assert!((se.standardised_miss(&m) - 0.05 / 0.0005f64.sqrt()).abs() < 1e-12);
    }
}
