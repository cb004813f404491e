//! The validation report: every target of a targets file, fitted and held for validation,
//! model against published, with intervals, a pass/fail at the stated uncertainty, and the
//! list of what the model still gets wrong, generated from the failures.
//!
//! Why fitted and held-out figures sit side by side: a calibration that matches what it was
//! fitted to and nothing else is a curve fit. The held-out rows are the honest test; the
//! fitted rows only show the fit worked. A fitted target that fails means the calibration
//! itself is broken, so `validate` exits non-zero; a held-out figure that fails is a finding
//! about the model, reported and listed, not fatal.

use std::fmt::Write as _;

use super::metric::Measured;
use super::targets::{Role, Target, Targets, Uncertainty};
use super::Figures;

/// One published figure against the model.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureCheck {
    /// The figure.
    pub target: Target,
    /// The model's value, interval and standard error.
    pub model: Measured,
    /// Largest |model - published| that passes ([`Target::allowed_miss`]).
    pub allowed: f64,
}

impl FigureCheck {
    /// Whether the model matches the figure.
    pub fn passed(&self) -> bool {
        (self.model.value - self.target.value).abs() <= self.allowed
    }
}

/// A scenario's figures against a targets file.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetValidation {
    /// Scenario file, as named.
    pub scenario: String,
    /// Targets file, as named.
    pub targets_file: String,
    /// What was simulated, in words ("20,000 careers", "10 replicate companies ...").
    pub simulated: String,
    /// Seed.
    pub seed: u64,
    /// One row per target, in file order.
    pub rows: Vec<FigureCheck>,
}

impl TargetValidation {
    /// Compare every target of `targets` with `figures` (of the scenario named `scenario`).
    pub fn new(scenario: &str, targets: &Targets, figures: &Figures) -> TargetValidation {
        let rows = targets
            .targets
            .iter()
            .map(|t| {
                let model = figures.measure(t.metric);
                FigureCheck {
                    target: t.clone(),
                    allowed: t.allowed_miss(&model),
                    model,
                }
            })
            .collect();
        TargetValidation {
            scenario: scenario.to_string(),
            targets_file: targets.file.clone(),
            simulated: figures.describe(),
            seed: figures.seed(),
            rows,
        }
    }

    fn failed(&self, role: Role) -> usize {
        self.rows
            .iter()
            .filter(|r| r.target.role == role && !r.passed())
            .count()
    }

    /// Fitted targets the model misses: the calibration is broken (fatal in `validate`).
    pub fn fitted_failures(&self) -> usize {
        self.failed(Role::Fitted)
    }

    /// Held-out figures the model misses: findings, reported, not fatal.
    pub fn validation_failures(&self) -> usize {
        self.failed(Role::Validation)
    }

    /// The side-by-side table, the sources, and the "still wrong" list.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Published figures: {} against {} ({}, seed {})",
            self.scenario, self.targets_file, self.simulated, self.seed
        );
        let _ = writeln!(
            s,
            "{:<11} {:<36} {:>22} {:>30} {:>12}  {:<6} src",
            "role", "figure", "published", "model (95% CI)", "allowed miss", "result"
        );
        for (i, r) in self.rows.iter().enumerate() {
            let m = r.target.metric;
            let model = match r.model.std_error {
                Some(_) => format!(
                    "{} ({} to {})",
                    m.show(r.model.value),
                    m.show(r.model.ci[0]),
                    m.show(r.model.ci[1])
                ),
                None => format!("{} (no SE)", m.show(r.model.value)),
            };
            let _ = writeln!(
                s,
                "{:<11} {:<36} {:>22} {:>30} {:>12}  {:<6} [{}]",
                r.target.role.as_str(),
                m.name(),
                format!(
                    "{} {}",
                    m.show(r.target.value),
                    r.target.uncertainty.show(m)
                ),
                model,
                format!("±{}", m.show(r.allowed)),
                if r.passed() { "PASS" } else { "FAIL" },
                i + 1
            );
        }
        let _ = writeln!(s, "Sources:");
        for (i, r) in self.rows.iter().enumerate() {
            let src = if r.target.source.is_empty() {
                "(no source given in the targets file)"
            } else {
                r.target.source.as_str()
            };
            let _ = writeln!(s, "  [{}] {src}", i + 1);
        }
        let _ = writeln!(
            s,
            "Pass rule: |model - published| <= tolerance + 1.96 model SE, or 1.96 x sqrt(SE^2 + model SE^2) \
             for a published standard error. A fitted figure that fails makes validate exit non-zero; \
             a figure held for validation that fails is reported here, not fatal."
        );
        s.push_str(&self.still_wrong());
        s
    }

    /// "What the model still gets wrong": one line per failed figure, worst first within
    /// fitted, then held-out figures.
    pub fn still_wrong(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "What the model still gets wrong:");
        let mut failed: Vec<&FigureCheck> = self.rows.iter().filter(|r| !r.passed()).collect();
        if failed.is_empty() {
            let _ = writeln!(
                s,
                "  nothing at the stated uncertainties ({} figures checked).",
                self.rows.len()
            );
            return s;
        }
        let badness = |r: &FigureCheck| (r.model.value - r.target.value).abs() / r.allowed;
        failed.sort_by(|a, b| {
            (a.target.role == Role::Validation)
                .cmp(&(b.target.role == Role::Validation))
                .then(badness(b).total_cmp(&badness(a)))
        });
        for r in failed {
            let m = r.target.metric;
            let diff = r.model.value - r.target.value;
            let unc = match r.target.uncertainty {
                Uncertainty::StandardError(v) => format!("standard error {}", m.show(v)),
                Uncertainty::Tolerance(v) => format!("tolerance {}", m.show(v)),
            };
            let _ = writeln!(
                s,
                "  - {} ({}): the model gives {}, the source {} ({unc}): {} by {}, {:.1} times the allowed miss.{}",
                m.name(),
                if r.target.role == Role::Fitted {
                    "FITTED target"
                } else {
                    "held for validation"
                },
                m.show(r.model.value),
                m.show(r.target.value),
                if diff > 0.0 { "too high" } else { "too low" },
                m.show_diff(diff.abs()),
                badness(r),
                if r.target.source.is_empty() {
                    String::new()
                } else {
                    format!(" Source: {}.", short_source(&r.target.source))
                }
            );
        }
        s
    }
}

/// The source up to its first colon (the citation, without the quoted finding).
fn short_source(source: &str) -> &str {
    source.split(':').next().unwrap_or(source).trim()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::Metric;

    fn check(role: Role, value: f64, model: f64) -> FigureCheck {
        let target = Target {
            metric: Metric::LostMoney,
            value,
            uncertainty: Uncertainty::Tolerance(0.04),
            source: "AARP Foundation 2018: nearly half lost money".into(),
            role,
        };
        let m = Measured {
            value: model,
            ci: [model - 0.01, model + 0.01],
            std_error: Some(0.005),
        };
        FigureCheck {
            allowed: target.allowed_miss(&m),
            target,
            model: m,
        }
    }

    fn report(rows: Vec<FigureCheck>) -> TargetValidation {
        TargetValidation {
            scenario: "s.toml".into(),
            targets_file: "t.toml".into(),
            simulated: "1,000 careers".into(),
            seed: 1,
            rows,
        }
    }

    #[test]
    fn failures_are_counted_by_role_and_listed_with_their_direction_and_source() {
        let v = report(vec![
            check(Role::Fitted, 0.47, 0.48),
            check(Role::Validation, 0.47, 0.30),
            check(Role::Fitted, 0.47, 0.60),
        ]);
        assert_eq!(v.fitted_failures(), 1);
        assert_eq!(v.validation_failures(), 1);
        let text = v.to_text();
        assert_eq!(text.matches("FAIL").count(), 2, "{text}");
        let wrong = v.still_wrong();
        let lines: Vec<&str> = wrong.lines().skip(1).collect();
        assert_eq!(lines.len(), 2, "{wrong}");
        // Fitted failures first.
        assert!(lines[0].contains("FITTED target") && lines[0].contains("too high"));
        assert!(lines[1].contains("held for validation") && lines[1].contains("too low"));
        assert!(
            lines[1].contains("Source: AARP Foundation 2018."),
            "{wrong}"
        );
    }

    #[test]
    fn nothing_wrong_says_so() {
        let v = report(vec![check(Role::Fitted, 0.47, 0.47)]);
        assert!(v
            .still_wrong()
            .contains("nothing at the stated uncertainties"));
    }
}
