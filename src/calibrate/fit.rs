//! The fit itself: Nelder-Mead from several starting points, then the identification table
//! at the best end point (see the module documentation of [`super`] and [`super::identify`]).

use anyhow::{Context, Result};

use super::identify::{self, Identification};
use super::Figures;
use super::{nelder_mead, round_sig, Problem, Target};
use crate::fmt::compact as fmt_num;

/// Where one start of the search began and ended.
#[derive(Debug, Clone, PartialEq)]
pub struct StartResult {
    /// Starting values of the free keys.
    pub start: Vec<f64>,
    /// Where the simplex ended.
    pub end: Vec<f64>,
    /// Objective at `end`.
    pub objective: f64,
    /// Evaluations used.
    pub evaluations: usize,
    /// Whether the simplex converged before its budget ran out.
    pub converged: bool,
}

/// The result of a fit.
#[derive(Debug, Clone)]
pub struct Fit {
    /// Starting values of the free keys (the scenario's own).
    pub start: Vec<f64>,
    /// Fitted values of the free keys (the best start's end, rounded to 4 digits).
    pub values: Vec<f64>,
    /// Figures at the fitted values (followed careers or replicate companies).
    pub figures: Figures,
    /// Objective at the fitted values.
    pub objective: f64,
    /// Evaluations used, all starts and the identification included.
    pub evaluations: usize,
    /// Whether the best start's simplex converged before its budget ran out.
    pub converged: bool,
    /// Every start, the scenario's own values first.
    pub starts: Vec<StartResult>,
    /// How well each key is pinned down.
    pub identification: Identification,
}

/// A number in [0.1, 0.9) from (seed, start, key): restarts are spread over the box but keep
/// off the walls, and are the same on every machine (no random generator state).
fn spread_start(seed: u64, start: usize, key: usize) -> f64 {
    let h = crate::model::rng::mix(
        crate::model::rng::mix(seed, 0xca11b),
        (start * 64 + key) as u64,
    );
    0.1 + 0.8 * ((h >> 11) as f64 / (1u64 << 53) as f64)
}

/// Step of the central differences, as a share of each key's range: large enough that a
/// share estimated from a few thousand careers moves by more than its granularity.
pub const SENSITIVITY_STEP: f64 = 0.05;

/// The local sensitivity matrix at `values` (see [`identify`]): rows are fitted targets,
/// columns keys; each entry is the change of the standardised miss per unit of the key. The
/// miss is standardised by the uncertainty at `at` (kept fixed, so the matrix is linear in
/// the model's figures).
fn sensitivity_matrix(
    problem: &Problem,
    values: &[f64],
    at: &Figures,
    evaluations: &mut usize,
) -> Result<Vec<Vec<f64>>> {
    let fitted: Vec<&Target> = problem.targets.fitted().collect();
    let scales: Vec<f64> = fitted
        .iter()
        .map(|t| {
            let m = at.measure(t.metric);
            let (u, se) = (t.uncertainty.scale(), m.se_or_zero());
            (u * u + se * se).sqrt()
        })
        .collect();
    let mut jac = vec![vec![0.0; values.len()]; fitted.len()];
    for (j, f) in problem.targets.free.iter().enumerate() {
        let h = SENSITIVITY_STEP * (f.max - f.min);
        let (lo, hi) = ((values[j] - h).max(f.min), (values[j] + h).min(f.max));
        let at_value = |v: f64, n: &mut usize| -> Result<Figures> {
            let mut x = values.to_vec();
            x[j] = v;
            *n += 1;
            problem.figures_at(&x)
        };
        let (s_lo, s_hi) = (at_value(lo, evaluations)?, at_value(hi, evaluations)?);
        for (i, t) in fitted.iter().enumerate() {
            let d = s_hi.measure(t.metric).value - s_lo.measure(t.metric).value;
            jac[i][j] = d / (hi - lo) / scales[i];
        }
    }
    Ok(jac)
}

/// Fit `problem`: a Nelder-Mead search from the scenario's own values and from `restarts - 1`
/// more starting points spread over the bounds (derived from the scenario's seed), each with
/// at most `max_evaluations` simulations; the best end point wins. Then the identification
/// table at the fitted values (2 more simulations per key).
pub fn fit(problem: &Problem, max_evaluations: usize, restarts: usize) -> Result<Fit> {
    let start = problem.start()?;
    let seed = problem.scenario_at(&start)?.seed;
    let free = &problem.targets.free;
    let u0: Vec<f64> = free
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
    let mut starts = Vec::new();
    let mut evaluations = 0;
    for r in 0..restarts.max(1) {
        let u_start: Vec<f64> = if r == 0 {
            u0.clone()
        } else {
            (0..free.len()).map(|j| spread_start(seed, r, j)).collect()
        };
        let best = nelder_mead::minimize(
            |u| -> Result<f64> {
                let s = problem.figures_at(&problem.to_values(u))?;
                Ok(problem.targets.objective(&s))
            },
            &u_start,
            settings,
        )?;
        evaluations += best.evaluations;
        starts.push(StartResult {
            start: problem.to_values(&u_start),
            end: problem.to_values(&best.x),
            objective: best.value,
            evaluations: best.evaluations,
            converged: best.converged,
        });
    }
    let best = starts
        .iter()
        .min_by(|a, b| a.objective.total_cmp(&b.objective))
        .cloned()
        .context("internal: no start")?;
    let values: Vec<f64> = best.end.iter().copied().map(round_sig).collect();
    let figures = problem.figures_at(&values)?;
    evaluations += 1;
    let jac = sensitivity_matrix(problem, &values, &figures, &mut evaluations)?;
    let names: Vec<String> = problem.targets.fitted().map(|t| t.metric.name()).collect();
    let mut identification = identify::analyse(&jac, &names, free, &values);
    identification
        .warnings
        .extend(disagreeing_starts(&starts, &best, &identification));
    Ok(Fit {
        start,
        objective: problem.targets.objective(&figures),
        values,
        figures,
        evaluations,
        converged: best.converged,
        starts,
        identification,
    })
}

/// Starts that ended about as well as the best (objective within 1, i.e. within one standard
/// error's worth of misfit) at keys more than 2 standard errors (and 5% of the range) away: the
/// data cannot tell those key sets apart, whatever the local table says. The standard error is
/// the one with the other keys fixed: finite even when the joint one is unbounded, and the
/// smallest distance the data could resolve.
fn disagreeing_starts(
    starts: &[StartResult],
    best: &StartResult,
    id: &Identification,
) -> Vec<String> {
    let mut out = Vec::new();
    for (n, s) in starts.iter().enumerate() {
        if s.objective > best.objective + 1.0 {
            continue;
        }
        let far: Vec<String> = id
            .keys
            .iter()
            .zip(s.end.iter().zip(&best.end))
            .filter(|(k, (a, b))| {
                let d = (*a - *b).abs();
                d > 2.0 * k.se_alone && d > 0.05 * (k.max - k.min)
            })
            .map(|(k, (a, b))| {
                format!(
                    "{} {} vs {}",
                    k.key,
                    fmt_num(round_sig(*a)),
                    fmt_num(round_sig(*b))
                )
            })
            .collect();
        if !far.is_empty() {
            out.push(format!(
                "Start {} ended at different keys with an objective of {:.2} against the best {:.2}: {}. Several key sets fit about equally well.",
                n + 1,
                s.objective,
                best.objective,
                far.join("; ")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::FreeKey;
    use crate::scenario::ParamId;

    #[test]
    fn starts_that_fit_as_well_at_other_keys_are_reported() {
        let keys = vec![FreeKey {
            id: ParamId::LifeEvents,
            min: 0.0,
            max: 0.1,
        }];
        // SE 0.001 with the other keys fixed; unbounded jointly (as when keys trade off).
        let mut id = identify::analyse(&[vec![1000.0]], &["s".into()], &keys, &[0.05]);
        id.keys[0].se_joint = f64::INFINITY;
        let start = |end: f64, objective: f64| StartResult {
            start: vec![0.5],
            end: vec![end],
            objective,
            evaluations: 10,
            converged: true,
        };
        let best = start(0.05, 0.1);
        let starts = vec![
            best.clone(),
            start(0.08, 0.5),
            start(0.02, 3.0),
            start(0.0505, 0.2),
        ];
        let w = disagreeing_starts(&starts, &best, &id);
        // Start 2 fits about as well far away; start 3 fits worse; start 4 is close.
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].starts_with("Start 2 ended at different keys"), "{w:?}");
    }
}
