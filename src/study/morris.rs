//! `mlm-sim sensitivity --method morris`: Morris elementary effects, a global screening of the
//! levers beside the one-at-a-time tornado.
//!
//! Why a global method: one-at-a-time moves each lever around the scenario's own values only,
//! so a lever whose effect depends on the others (rejection sting matters only if people
//! prospect; patience only if income is low) looks as it does at that one point. Morris (1991)
//! moves every lever over its whole range along `r` random trajectories: each trajectory starts
//! at a random grid point and moves one lever at a time by `DELTA`, in random order, so every
//! step gives one **elementary effect** `(y(after) - y(before)) / step` of one lever at a
//! different setting of the others. Per lever:
//!
//! * `mu*`, the mean absolute effect: how much the lever matters overall (Campolongo et al.
//!   2007; a lever that is off has `mu* = 0`);
//! * `sigma`, the spread of its effects: 0 for a lever whose effect is the same everywhere
//!   (additive and linear), large when it interacts with others or is non-linear;
//! * `mu`, the signed mean, to tell a consistent direction from effects that cancel.
//!
//! The design uses `LEVELS = 4` grid levels and `DELTA = 2/3` (Morris's recommended
//! `p / (2 (p - 1))`), in unit coordinates: 0 is the lever x (1 - delta), 1 is x (1 + delta).
//! Starting points, directions and orders come from the seed through a hash (no generator
//! state), so the same seed gives the same design on every machine. All `r (k + 1)` points are
//! simulated side by side on the same careers (common random numbers), so effects are not
//! drowned by sampling noise.

use std::fmt::Write as _;

use anyhow::{bail, Result};

use super::precision::Stopped;
use super::sensitivity::{scaled, LEVERS};
use super::{chart_files, footnote, Study, StudyReport, MAX_VARIANTS};
use crate::calibrate::Metric;
use crate::charts::{self, ChartText, MorrisRow};
use crate::engine::PairedTally;
use crate::export::charts::ChartSet;
use crate::model::rng::mix;
use crate::scenario::{self, Override, ParamId, Scenario};

/// Grid levels of each lever's unit range.
pub const LEVELS: u32 = 4;

/// Step of an elementary effect in unit coordinates: `LEVELS / (2 (LEVELS - 1))` = 2/3.
pub const DELTA: f64 = LEVELS as f64 / (2.0 * (LEVELS as f64 - 1.0));

/// One trajectory: `k + 1` points; between point `i` and `i + 1` only lever `order[i]` moves.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// Points in unit coordinates.
    pub points: Vec<Vec<f64>>,
    /// The lever moved at each step.
    pub order: Vec<usize>,
}

/// A number in [0, 1) from the seed and a position in the design.
fn unit(seed: u64, trajectory: usize, what: u64, index: usize) -> f64 {
    let h = mix(
        mix(mix(seed, 0x6d6f_7272_6973), trajectory as u64),
        what * 1_000_003 + index as u64,
    );
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// `r` trajectories over `k` levers, derived from `seed`.
pub fn design(k: usize, r: usize, seed: u64) -> Vec<Trajectory> {
    // Base levels from which +DELTA stays on the grid: 0 and 1/3 for 4 levels.
    let bases = (LEVELS / 2) as usize;
    (0..r)
        .map(|t| {
            let mut order: Vec<usize> = (0..k).collect();
            // Fisher-Yates with hashed draws.
            for i in (1..k).rev() {
                let j = ((unit(seed, t, 1, i) * (i + 1) as f64) as usize).min(i);
                order.swap(i, j);
            }
            let mut x: Vec<f64> = (0..k)
                .map(|j| {
                    let level = ((unit(seed, t, 2, j) * bases as f64) as usize).min(bases - 1);
                    let base = level as f64 / (LEVELS - 1) as f64;
                    // Going down: start DELTA above the base.
                    if unit(seed, t, 3, j) < 0.5 {
                        base
                    } else {
                        base + DELTA
                    }
                })
                .collect();
            let mut points = vec![x.clone()];
            for &j in &order {
                x[j] = if x[j] + DELTA <= 1.0 + 1e-12 {
                    x[j] + DELTA
                } else {
                    x[j] - DELTA
                };
                points.push(x.clone());
            }
            Trajectory { points, order }
        })
        .collect()
}

/// Morris statistics of one lever.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisEffect {
    /// Mean elementary effect (signed).
    pub mu: f64,
    /// Mean absolute elementary effect.
    pub mu_star: f64,
    /// Standard deviation of the elementary effects (0 with fewer than 2).
    pub sigma: f64,
    /// The elementary effects, one per trajectory.
    pub effects: Vec<f64>,
}

/// The elementary effects of each of `k` levers from the outputs `y[t][i]` at point `i` of
/// trajectory `t`: change of the output per unit of the lever's unit range.
pub fn elementary_effects(k: usize, design: &[Trajectory], y: &[Vec<f64>]) -> Vec<MorrisEffect> {
    let mut per_lever: Vec<Vec<f64>> = vec![Vec::new(); k];
    for (tr, ys) in design.iter().zip(y) {
        for (i, &j) in tr.order.iter().enumerate() {
            let step = tr.points[i + 1][j] - tr.points[i][j];
            per_lever[j].push((ys[i + 1] - ys[i]) / step);
        }
    }
    per_lever
        .into_iter()
        .map(|effects| {
            let n = effects.len() as f64;
            let mu = effects.iter().sum::<f64>() / n;
            let mu_star = effects.iter().map(|e| e.abs()).sum::<f64>() / n;
            let sigma = if effects.len() > 1 {
                (effects.iter().map(|e| (e - mu).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
            } else {
                0.0
            };
            MorrisEffect {
                mu,
                mu_star,
                sigma,
                effects,
            }
        })
        .collect()
}

/// The Morris study of a scenario: every lever that is on, over x (1 - delta) .. x (1 + delta).
#[derive(Debug, Clone)]
pub struct MorrisStudy {
    base: Scenario,
    delta: f64,
    metric: Metric,
    /// The levers moved (index into [`LEVERS`]); levers that are off are listed in the report.
    levers: Vec<usize>,
    off: Vec<usize>,
    design: Vec<Trajectory>,
    scenarios: Vec<Scenario>,
}

impl MorrisStudy {
    /// The design's scenarios for `text` (from `file`, with the `base` overrides): `r`
    /// trajectories, levers moved by up to the relative `delta`, effects on `metric`.
    pub fn new(
        text: &str,
        file: &str,
        base: &[Override],
        delta: f64,
        trajectories: usize,
        metric: Metric,
    ) -> Result<MorrisStudy> {
        let base_scenario = scenario::parse(text, file, base)?;
        if trajectories < 2 {
            bail!("--trajectories must be at least 2 (sigma needs two effects per lever), got {trajectories}");
        }
        let (mut levers, mut off) = (Vec::new(), Vec::new());
        for (li, (id, _)) in LEVERS.iter().enumerate() {
            let spec = id.spec();
            match scaled(base_scenario.param(*id), spec, 1.0)? {
                Some(_) => levers.push(li),
                None => off.push(li),
            }
        }
        let k = levers.len();
        if k == 0 {
            bail!("{file}: every pitfall lever is off (0), so there is nothing to screen");
        }
        let variants = trajectories * (k + 1);
        if variants > MAX_VARIANTS {
            bail!(
                "Morris with {trajectories} trajectories over the {k} levers that are on needs \
                 {trajectories} x ({k} + 1) = {variants} variants, and at most {MAX_VARIANTS} run \
                 side by side: pass --trajectories {} or fewer",
                (MAX_VARIANTS / (k + 1)).max(1)
            );
        }
        let design = design(k, trajectories, base_scenario.seed);
        let mut scenarios = Vec::with_capacity(variants);
        for tr in &design {
            for x in &tr.points {
                let mut o = base.to_vec();
                for (&li, u) in levers.iter().zip(x) {
                    let id: ParamId = LEVERS[li].0;
                    let spec = id.spec();
                    let factor = 1.0 - delta + 2.0 * delta * u;
                    if let Some(p) = scaled(base_scenario.param(id), spec, factor)? {
                        o.push(Override::param(spec.path, &p));
                    }
                }
                scenarios.push(scenario::parse(text, file, &o)?);
            }
        }
        Ok(MorrisStudy {
            base: base_scenario,
            delta,
            metric,
            levers,
            off,
            design,
            scenarios,
        })
    }
}

/// Per lever: label, key, effect, ranked by `mu*` (largest first).
fn ranked(
    study: &MorrisStudy,
    effects: Vec<MorrisEffect>,
) -> Vec<(&'static str, &'static str, MorrisEffect)> {
    let mut rows: Vec<_> = study
        .levers
        .iter()
        .zip(effects)
        .map(|(&li, e)| (LEVERS[li].1, LEVERS[li].0.spec().path, e))
        .collect();
    rows.sort_by(|a, b| b.2.mu_star.total_cmp(&a.2.mu_star).then(a.1.cmp(b.1)));
    rows
}

/// Effects in the metric's units for people: shares in percentage points.
fn scale_for(metric: Metric) -> (f64, &'static str) {
    match metric.kind() {
        crate::calibrate::metric::Kind::Share => (100.0, "points"),
        crate::calibrate::metric::Kind::Dollars => (1.0, "dollars"),
        crate::calibrate::metric::Kind::Ratio => (1.0, "ratio"),
    }
}

impl Study for MorrisStudy {
    fn scenarios(&self) -> &[Scenario] {
        &self.scenarios
    }

    fn folder_name(&self) -> String {
        format!("morris-{}", self.base.slug())
    }

    fn report(
        &self,
        scenarios: &[Scenario],
        paired: &PairedTally,
        _stopped: &Stopped,
        set: Option<&ChartSet>,
    ) -> Result<StudyReport> {
        let summaries = super::summaries(scenarios, paired);
        let per_point = self.levers.len() + 1;
        let y: Vec<Vec<f64>> = summaries
            .chunks(per_point)
            .map(|c| c.iter().map(|s| self.metric.measure(s).value).collect())
            .collect();
        let base = &scenarios[0];
        let simulated = format!(
            "{} careers x {} months, seed {}, same careers at every point",
            crate::fmt::thousands(base.careers as f64, 0),
            base.months,
            base.seed
        );
        let foot = footnote(base.careers, base.months, base.seed);
        self.report_values(&y, base.careers, &simulated, foot, set)
    }
}

impl MorrisStudy {
    /// Trajectories of the design.
    pub fn trajectories(&self) -> usize {
        self.design.len()
    }

    /// The metric at each point of each trajectory, `y[trajectory][point]`, turned into the
    /// report. `size` fills the CSV's `careers` column (companies per point in the company
    /// world), `simulated` says in words what each point simulated.
    pub fn report_values(
        &self,
        y: &[Vec<f64>],
        size: u64,
        simulated: &str,
        foot: String,
        set: Option<&ChartSet>,
    ) -> Result<StudyReport> {
        let per_point = self.levers.len() + 1;
        let effects = elementary_effects(self.levers.len(), &self.design, y);
        let rows = ranked(self, effects);
        let (scale, unit) = scale_for(self.metric);
        let base = &self.scenarios[0];
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "rank",
            "lever",
            "key",
            "metric",
            "unit",
            "mu_star",
            "mu",
            "sigma",
            "trajectories",
            "delta",
            "careers",
        ])?;
        for (i, (label, key, e)) in rows.iter().enumerate() {
            w.write_record([
                (i + 1).to_string(),
                label.to_string(),
                key.to_string(),
                self.metric.name(),
                unit.to_string(),
                (scale * e.mu_star).to_string(),
                (scale * e.mu).to_string(),
                (scale * e.sigma).to_string(),
                self.design.len().to_string(),
                self.delta.to_string(),
                size.to_string(),
            ])?;
        }
        let csv = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut files = vec![("morris.csv".to_string(), csv)];
        if let Some(set) = set {
            let chart_rows: Vec<MorrisRow> = rows
                .iter()
                .map(|(label, _, e)| MorrisRow {
                    lever: label.to_string(),
                    mu_star: scale * e.mu_star,
                    sigma: scale * e.sigma,
                })
                .collect();
            let text = ChartText::new(
                format!("{}: what moves {} (Morris)", base.name, self.metric.name()),
                foot,
            )
            .with_subtitle(format!(
                "mean absolute effect (mu*) and its spread (sigma) over {} trajectories; each lever from x{:.2} to x{:.2}, in {unit}",
                self.design.len(),
                1.0 - self.delta,
                1.0 + self.delta
            ));
            let points = unit == "points";
            files.extend(chart_files(
                set,
                "morris.svg",
                |t, z, f| charts::morris(t, z, f, &chart_rows, points),
                &text,
            )?);
        }
        let mut text = String::new();
        let _ = writeln!(
            text,
            "Morris screening of {} on {}: {} trajectories x {} points, each lever over x{:.2}..x{:.2}; {simulated}",
            base.name,
            self.metric.name(),
            self.design.len(),
            per_point,
            1.0 - self.delta,
            1.0 + self.delta,
        );
        let _ = writeln!(
            text,
            "  {:>3}  {:<24}{:>12}{:>12}{:>12}  effect of moving the lever over its whole range, in {unit}",
            "#", "lever", "mu*", "mu", "sigma"
        );
        for (i, (label, _, e)) in rows.iter().enumerate() {
            let note = if e.mu_star == 0.0 {
                "no effect"
            } else if e.sigma > e.mu_star {
                "interacts or non-linear (sigma > mu*)"
            } else if e.mu.abs() < 0.5 * e.mu_star {
                "direction depends on the others"
            } else {
                ""
            };
            let _ = writeln!(
                text,
                "  {:>3}  {:<24}{:>12.3}{:>+12.3}{:>12.3}  {note}",
                i + 1,
                label,
                scale * e.mu_star,
                scale * e.mu,
                scale * e.sigma
            );
        }
        if !self.off.is_empty() {
            let names: Vec<&str> = self.off.iter().map(|&li| LEVERS[li].1).collect();
            let _ = writeln!(
                text,
                "  Switched off (0 stays 0 under relative moves), not screened: {}",
                names.join(", ")
            );
        }
        Ok(StudyReport { files, text })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_toy(f: impl Fn(&[f64]) -> f64, k: usize, r: usize) -> Vec<MorrisEffect> {
        let d = design(k, r, 42);
        let y: Vec<Vec<f64>> = d
            .iter()
            .map(|t| t.points.iter().map(|x| f(x)).collect())
            .collect();
        elementary_effects(k, &d, &y)
    }

    #[test]
    fn the_design_moves_each_lever_once_per_trajectory_by_delta_on_the_grid() {
        let d = design(5, 6, 7);
        assert_eq!(d, design(5, 6, 7), "same seed, same design");
        assert_ne!(d, design(5, 6, 8));
        for t in &d {
            let mut order = t.order.clone();
            order.sort_unstable();
            assert_eq!(order, (0..5).collect::<Vec<_>>());
            for (i, &j) in t.order.iter().enumerate() {
                for (l, (a, b)) in t.points[i].iter().zip(&t.points[i + 1]).enumerate() {
                    if l == j {
                        assert!(((a - b).abs() - DELTA).abs() < 1e-12);
                    } else {
                        assert_eq!(a, b);
                    }
                }
            }
            for x in t.points.iter().flatten() {
                let level = x * (LEVELS - 1) as f64;
                assert!((level - level.round()).abs() < 1e-9 && (0.0..=1.0).contains(x));
            }
        }
    }

    #[test]
    fn a_lever_that_is_off_has_mu_star_zero_and_an_additive_lever_has_sigma_zero() {
        // x0 additive and linear (effect 3 everywhere), x1 off, x2 and x3 interact.
        let f = |x: &[f64]| 3.0 * x[0] + 0.0 * x[1] + 4.0 * x[2] * x[3];
        let e = run_toy(f, 4, 10);
        assert!(
            (e[0].mu_star - 3.0).abs() < 1e-12 && e[0].sigma < 1e-12,
            "{:?}",
            e[0]
        );
        assert_eq!(e[1].mu_star, 0.0);
        assert_eq!(e[1].sigma, 0.0);
        // The interacting levers' effects are 4 x the other's level: they vary.
        assert!(
            e[2].sigma > 0.5 && e[3].sigma > 0.5,
            "{:?} {:?}",
            e[2],
            e[3]
        );
        // Closed form: E|effect of x2| = 4 E[x3] over the design's levels.
        assert!(e[2].mu_star > 0.0 && e[2].mu_star <= 4.0);
    }

    #[test]
    fn a_non_monotone_lever_shows_mu_near_zero_and_mu_star_large() {
        // y = (x - 0.5)^2 scaled: steps 0 -> 2/3 and 1/3 -> 1 have opposite signs.
        let e = run_toy(|x: &[f64]| 9.0 * (x[0] - 0.5).powi(2), 1, 40);
        assert!(e[0].mu_star > 0.0);
        assert!(e[0].mu.abs() < e[0].mu_star, "{:?}", e[0]);
    }
}
