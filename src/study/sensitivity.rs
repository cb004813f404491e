//! `mlm-sim sensitivity SCENARIO.toml [--delta 0.2]`: which pitfall matters most?
//!
//! One at a time, every pitfall lever is moved down and up by the relative `delta` (value x
//! (1 - delta) and x (1 + delta), clamped to its valid range from the parameter registry),
//! and the change in failure rate and in median net income is measured against the
//! unchanged scenario. All variants run on the same careers ([`crate::engine::run_paired`]),
//! so each change is a paired difference with a tight interval.
//!
//! **Distribution-valued levers** (drawn once per distributor) are moved by scaling their
//! draws: exactly for `normal` (mean and sd x factor), `lognormal` (mu + ln factor),
//! `uniform` and `triangular` (every bound x factor, clamped to the key's range). A `beta`
//! variable stays in [0, 1], so its *mean* is scaled and its concentration a + b kept.
//!
//! A lever at 0 (its neutral value: the mechanism is off) stays 0 under relative scaling; it
//! is not simulated, reports no change, and ranks last. So does an absent loss tolerance
//! (infinite: never quits over losses).

use anyhow::{bail, Result};

use super::precision::Stopped;
use super::{chart_files, footnote, Study, StudyReport};
use crate::charts::{self, ChartText, TornadoRow};
use crate::engine::PairedTally;
use crate::export::charts::ChartSet;
use crate::fmt::{money, percent as pct};
use crate::scenario::{self, Dist, Override, Param, ParamId, ParamSpec, Scenario};
use crate::stats::paired::{Binary, DiffEstimate};

/// Parse `--delta`: a relative change strictly between 0 and 1.
pub fn parse_delta(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v < 1.0 => Ok(v),
        _ => Err(format!(
            "`{text}` is not a usable delta: give a relative change between 0 and 1, e.g. 0.2 for ±20%"
        )),
    }
}

/// The pitfall levers, with the words the tornado chart uses.
pub const LEVERS: &[(ParamId, &str)] = &[
    (ParamId::ContactsPerMonth, "contacts per month"),
    (ParamId::JoinProbability, "join probability"),
    (ParamId::CustomerProbability, "customer probability"),
    (ParamId::FollowThrough, "follow-through"),
    (ParamId::FollowThroughFade, "follow-through fade"),
    (ParamId::Sting, "rejection sting"),
    (ParamId::Resilience, "resilience"),
    (ParamId::DecayPerMonth, "consistency decay"),
    (ParamId::ConsistencyFloor, "consistency floor"),
    (ParamId::PersonalDevelopment, "personal development"),
    (ParamId::TrainingQuality, "training quality"),
    (ParamId::Rapport, "rapport"),
    (ParamId::ReferralsPerCustomer, "referrals per customer"),
    (ParamId::ExpectedMonthlyIncome, "expected income"),
    (ParamId::PatienceMonths, "patience"),
    (ParamId::Disillusionment, "disillusionment"),
    (ParamId::StarterKit, "starter kit"),
    (ParamId::MonthlyPurchase, "monthly purchase"),
    (ParamId::MonthlyExpenses, "monthly expenses"),
    (ParamId::CustomerChurn, "customer churn"),
    (ParamId::RetailMargin, "retail margin"),
    (ParamId::LossTolerance, "loss tolerance"),
    (ParamId::LifeEvents, "life events"),
    (ParamId::NeglectDropout, "neglect dropout"),
];

/// `param` moved by the relative `factor` (clamped to the key's valid range), or `None` when
/// the lever is off (at 0, or an infinite loss tolerance).
pub fn scaled(param: &Param, spec: &ParamSpec, factor: f64) -> Result<Option<Param>> {
    let clamp = |v: f64| v.clamp(spec.min, spec.max);
    let dist = |name: &str, args: &[f64]| -> Result<Option<Param>> {
        let d = Dist::build(name, args, spec)
            .map_err(|e| anyhow::anyhow!("{} moved by x{factor}: {e}", spec.path))?;
        Ok(Some(Param::Drawn(d)))
    };
    match *param {
        Param::Fixed(v) if v == 0.0 || !v.is_finite() => Ok(None),
        Param::Fixed(v) => Ok(Some(Param::Fixed(clamp(v * factor)))),
        Param::Drawn(d) => match d {
            Dist::Beta { a, b, .. } => {
                let k = a + b;
                let m = (a / k * factor).clamp(1e-6, 1.0 - 1e-6);
                dist("beta", &[m * k, (1.0 - m) * k])
            }
            Dist::Uniform { lo, hi } => {
                let (l, h) = (clamp(lo * factor), clamp(hi * factor));
                dist("uniform", &[l.min(h), h])
            }
            Dist::Normal { mean, sd, .. } => dist("normal", &[clamp(mean * factor), sd * factor]),
            Dist::LogNormal { mu, sigma, .. } => dist("lognormal", &[mu + factor.ln(), sigma]),
            Dist::Triangular { min, mode, max, .. } => {
                let (l, m, h) = (
                    clamp(min * factor),
                    clamp(mode * factor),
                    clamp(max * factor),
                );
                dist("triangular", &[l, m.max(l).min(h), h])
            }
        },
    }
}

/// The measured effect of one lever.
#[derive(Debug, Clone, PartialEq)]
pub struct LeverEffect {
    /// Words for the chart.
    pub label: String,
    /// Scenario key.
    pub key: String,
    /// `fixed` or the distribution's name.
    pub form: String,
    /// Whether the lever is off (0, or an absent loss tolerance) and so was not moved.
    pub off: bool,
    /// Mean value of the lever: unchanged, moved down, moved up.
    pub values: [f64; 3],
    /// Failure rate: unchanged, down, up.
    pub failure: [f64; 3],
    /// Paired change of the failure rate when moved down, against the unchanged scenario.
    pub change_low: DiffEstimate,
    /// The same when moved up.
    pub change_high: DiffEstimate,
    /// Median net income: unchanged, down, up.
    pub median_net: [f64; 3],
}

impl LeverEffect {
    /// Largest absolute change of the failure rate (share units); what the ranking uses.
    pub fn swing(&self) -> f64 {
        self.change_low.diff.abs().max(self.change_high.diff.abs())
    }
}

/// Sort effects: levers that are on by swing (largest first), then the ones that are off.
pub fn rank(effects: &mut [LeverEffect]) {
    effects.sort_by(|a, b| {
        a.off
            .cmp(&b.off)
            .then(b.swing().total_cmp(&a.swing()))
            .then(a.key.cmp(&b.key))
    });
}

fn zero_diff() -> DiffEstimate {
    crate::stats::paired::paired_share_difference(0, 0, 1)
}

/// `sensitivity.csv`.
pub fn to_csv(effects: &[LeverEffect], careers: u64, delta: f64) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "rank",
        "lever",
        "key",
        "form",
        "switched_off",
        "delta",
        "careers",
        "value_base",
        "value_low",
        "value_high",
        "failure_base",
        "failure_low",
        "failure_high",
        "change_low_points",
        "change_low_ci_low",
        "change_low_ci_high",
        "change_high_points",
        "change_high_ci_low",
        "change_high_ci_high",
        "swing_points",
        "median_net_base",
        "median_net_low",
        "median_net_high",
    ])?;
    for (i, e) in effects.iter().enumerate() {
        let pts = |v: f64| (100.0 * v).to_string();
        let mut rec = vec![
            (i + 1).to_string(),
            e.label.clone(),
            e.key.clone(),
            e.form.clone(),
            e.off.to_string(),
            delta.to_string(),
            careers.to_string(),
        ];
        rec.extend(e.values.iter().map(|v| v.to_string()));
        rec.extend(e.failure.iter().map(|v| v.to_string()));
        for d in [&e.change_low, &e.change_high] {
            rec.extend([pts(d.diff), pts(d.ci_low), pts(d.ci_high)]);
        }
        rec.push(pts(e.swing()));
        rec.extend(e.median_net.iter().map(|v| v.to_string()));
        w.write_record(&rec)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

fn text_table(effects: &[LeverEffect], base_failure: f64) -> String {
    use super::lever_table::{change, LeverRow, LeverTable};
    let d = |e: &DiffEstimate| change(100.0, e.diff, e.ci_low, e.ci_high, 1, " pts");
    let rows: Vec<LeverRow> = effects
        .iter()
        .map(|e| LeverRow {
            label: &e.label,
            off: e.off,
            down: e.values[1],
            up: e.values[2],
            change_down: d(&e.change_low),
            change_up: d(&e.change_high),
            extra: vec![money(e.median_net[1]), money(e.median_net[2])],
        })
        .collect();
    let mut s = LeverTable {
        change_down: "failure change, down (95% CI)".into(),
        change_up: "failure change, up (95% CI)".into(),
        change_width: 30,
        extra: &["median dn", "median up"],
    }
    .render(&rows);
    s.push_str(&format!("  Baseline failure rate {}\n", pct(base_failure)));
    s
}

/// `mlm-sim sensitivity`: every pitfall lever moved down and up, one at a time.
#[derive(Debug, Clone)]
pub struct SensitivityStudy {
    base: Scenario,
    delta: f64,
    /// Variant 0 is the unchanged scenario; each lever that is on adds a down and an up one.
    scenarios: Vec<Scenario>,
    /// Per lever (index into [`LEVERS`]): its down and up variants, or `None` when it is off.
    moved: Vec<(usize, Option<(usize, usize)>)>,
    /// What the levers are ranked by (`--metric`); the failure rate keeps the original report.
    metric: crate::calibrate::Metric,
}

impl SensitivityStudy {
    /// The scenario `text` (from `file`, with the `base` overrides) with every lever moved by
    /// the relative `delta`, each variant validated like a `--set`.
    pub fn new(text: &str, file: &str, base: &[Override], delta: f64) -> Result<SensitivityStudy> {
        let base_scenario = scenario::parse(text, file, base)?;
        let mut scenarios: Vec<Scenario> = vec![base_scenario.clone()];
        let mut moved: Vec<(usize, Option<(usize, usize)>)> = Vec::new();
        for (li, (id, _)) in LEVERS.iter().enumerate() {
            let spec = id.spec();
            let p = base_scenario.param(*id);
            let (Some(lo), Some(hi)) =
                (scaled(p, spec, 1.0 - delta)?, scaled(p, spec, 1.0 + delta)?)
            else {
                moved.push((li, None));
                continue;
            };
            let variant = |value: Param| -> Result<Scenario> {
                let mut o = base.to_vec();
                o.push(Override::param(spec.path, &value));
                scenario::parse(text, file, &o).map_err(anyhow::Error::from)
            };
            scenarios.push(variant(lo)?);
            scenarios.push(variant(hi)?);
            moved.push((li, Some((scenarios.len() - 2, scenarios.len() - 1))));
        }
        if scenarios.len() > 1 + 2 * LEVERS.len() {
            bail!("internal: too many variants");
        }
        Ok(SensitivityStudy {
            base: base_scenario,
            delta,
            scenarios,
            moved,
            metric: crate::calibrate::Metric::FailureRate,
        })
    }

    /// Per lever (index into [`LEVERS`]): its down and up variants, `None` when off (for the
    /// company-world study, [`super::company`]).
    pub fn moved(&self) -> &[(usize, Option<(usize, usize)>)] {
        &self.moved
    }

    /// The relative move of every lever.
    pub fn delta(&self) -> f64 {
        self.delta
    }

    /// Rank the levers by `metric` instead of the failure rate (see [`super::sensitivity_metric`]).
    pub fn with_metric(mut self, metric: crate::calibrate::Metric) -> SensitivityStudy {
        self.metric = metric;
        self
    }
}

impl Study for SensitivityStudy {
    fn scenarios(&self) -> &[Scenario] {
        &self.scenarios
    }

    fn folder_name(&self) -> String {
        format!("sensitivity-{}", self.base.slug())
    }

    fn report(
        &self,
        scenarios: &[Scenario],
        paired: &PairedTally,
        stopped: &Stopped,
        set: Option<&ChartSet>,
    ) -> Result<StudyReport> {
        if self.metric != crate::calibrate::Metric::FailureRate {
            return super::sensitivity_metric::report(
                self.metric,
                self.delta,
                &self.moved,
                scenarios,
                paired,
                stopped,
                set,
            );
        }
        let base = &scenarios[0];
        let delta = self.delta;
        let summaries = super::summaries(scenarios, paired);
        let b = &summaries[0];
        let mut effects: Vec<LeverEffect> = self
            .moved
            .iter()
            .map(|(li, variants)| {
                let (id, label) = LEVERS[*li];
                let p = base.param(id);
                let form = match p {
                    Param::Fixed(_) => "fixed".to_string(),
                    Param::Drawn(d) => d.name().to_string(),
                };
                match variants {
                    None => LeverEffect {
                        label: label.to_string(),
                        key: id.spec().path.to_string(),
                        form,
                        off: true,
                        values: [p.mean(); 3],
                        failure: [b.failure_rate; 3],
                        change_low: zero_diff(),
                        change_high: zero_diff(),
                        median_net: [b.net_income.p50; 3],
                    },
                    Some((lo, hi)) => LeverEffect {
                        label: label.to_string(),
                        key: id.spec().path.to_string(),
                        form,
                        off: false,
                        values: [
                            p.mean(),
                            scenarios[*lo].param(id).mean(),
                            scenarios[*hi].param(id).mean(),
                        ],
                        failure: [
                            b.failure_rate,
                            summaries[*lo].failure_rate,
                            summaries[*hi].failure_rate,
                        ],
                        change_low: paired.pair(0, *lo).share_difference(Binary::Failed),
                        change_high: paired.pair(0, *hi).share_difference(Binary::Failed),
                        median_net: [
                            b.net_income.p50,
                            summaries[*lo].net_income.p50,
                            summaries[*hi].net_income.p50,
                        ],
                    },
                }
            })
            .collect();
        rank(&mut effects);
        let foot = footnote(base.careers, base.months, base.seed);
        let rows: Vec<TornadoRow> = effects
            .iter()
            .map(|e| TornadoRow {
                lever: e.label.clone(),
                low_change: 100.0 * e.change_low.diff,
                high_change: 100.0 * e.change_high.diff,
            })
            .collect();
        let chart_text =
            ChartText::new(format!("{}: what moves the failure rate", base.name), &foot)
                .with_subtitle(format!(
                    "each lever moved down and up by {:.0}% (baseline failure rate {})",
                    100.0 * delta,
                    pct(b.failure_rate)
                ));
        let mut files = vec![(
            "sensitivity.csv".to_string(),
            to_csv(&effects, base.careers, delta)?,
        )];
        if let Some(set) = set {
            files.extend(chart_files(
                set,
                "tornado.svg",
                |t, z, f| charts::tornado(t, z, f, &rows),
                &chart_text,
            )?);
        }
        let mut text = format!(
            "Sensitivity of {} — each lever x {:.2} and x {:.2}; {} careers x {} months, seed {}, same careers in every variant\n",
            base.name,
            1.0 - delta,
            1.0 + delta,
            crate::fmt::thousands(base.careers as f64, 0),
            base.months,
            base.seed
        );
        text.push_str(&text_table(&effects, b.failure_rate));
        Ok(StudyReport { files, text })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_keeps_values_in_range_and_leaves_switched_off_levers_alone() {
        let share = ParamId::TrainingQuality.spec();
        let fixed = |p: Option<Param>| match p {
            Some(Param::Fixed(v)) => v,
            other => panic!("expected a fixed value, got {other:?}"),
        };
        let args = |p: Option<Param>| match p {
            Some(Param::Drawn(d)) => (d.name(), d.args()),
            other => panic!("expected a distribution, got {other:?}"),
        };
        assert!(scaled(&Param::Fixed(0.0), share, 1.2).unwrap().is_none());
        assert!(scaled(
            &Param::Fixed(f64::INFINITY),
            ParamId::LossTolerance.spec(),
            1.2
        )
        .unwrap()
        .is_none());
        assert_eq!(fixed(scaled(&Param::Fixed(0.9), share, 1.2).unwrap()), 1.0);
        assert!((fixed(scaled(&Param::Fixed(0.5), share, 0.8).unwrap()) - 0.4).abs() < 1e-12);
        let beta = Dist::build("beta", &[2.0, 198.0], share).unwrap();
        // Mean 0.01 x 1.5 = 0.015 with a + b = 200 kept: beta [3, 197].
        let (name, a) = args(scaled(&Param::Drawn(beta), share, 1.5).unwrap());
        assert_eq!(name, "beta");
        assert!(
            (a[0] - 3.0).abs() < 1e-9 && (a[1] - 197.0).abs() < 1e-9,
            "{a:?}"
        );
        let money = ParamId::ExpectedMonthlyIncome.spec();
        let ln = Dist::build("lognormal", &[6.0, 0.5], money).unwrap();
        let (name, a) = args(scaled(&Param::Drawn(ln), money, std::f64::consts::E).unwrap());
        assert_eq!(name, "lognormal");
        assert!((a[0] - 7.0).abs() < 1e-12 && a[1] == 0.5, "{a:?}");
    }

    #[test]
    fn ranking_puts_switched_off_levers_last() {
        let e = |key: &str, off: bool, change: f64| LeverEffect {
            label: key.into(),
            key: key.into(),
            form: "fixed".into(),
            off,
            values: [0.0; 3],
            failure: [0.0; 3],
            change_low: crate::stats::paired::paired_share_difference(0, 0, 1),
            change_high: DiffEstimate {
                diff: change,
                ci_low: change,
                ci_high: change,
                std_error: 0.0,
            },
            median_net: [0.0; 3],
        };
        let mut v = vec![
            e("off", true, 0.0),
            e("small", false, 0.0),
            e("big", false, -0.1),
            e("mid", false, 0.05),
        ];
        rank(&mut v);
        let keys: Vec<&str> = v.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["big", "mid", "small", "off"]);
    }
}
