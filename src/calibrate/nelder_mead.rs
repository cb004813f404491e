//! A small Nelder-Mead simplex minimiser on the unit box.
//!
//! Calibration objectives are Monte Carlo estimates: even with common random numbers they are
//! piecewise constant in the parameters (a share moves in steps of 1/careers), so gradients are
//! useless and a derivative-free method is the honest choice. Parameters are searched in
//! `[0, 1]^k` (the caller maps them to each key's bounds); points outside the box are projected
//! onto it before evaluation, which keeps every evaluated scenario valid.
//!
//! Coefficients are the standard ones (reflection 1, expansion 2, contraction 1/2, shrink 1/2;
//! Nelder & Mead 1965, as in Lagarias et al. 1998).

/// Settings for [`minimize`].
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Largest number of objective evaluations.
    pub max_evaluations: usize,
    /// Stop when the best and worst simplex values differ by less than this.
    pub f_tolerance: f64,
    /// Stop when every simplex vertex is within this distance (max norm) of the best one.
    pub x_tolerance: f64,
    /// Edge length of the starting simplex, in unit-box coordinates.
    pub initial_step: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_evaluations: 200,
            f_tolerance: 1e-6,
            x_tolerance: 1e-3,
            initial_step: 0.15,
        }
    }
}

/// The result of a minimisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    /// Best point found (inside the unit box).
    pub x: Vec<f64>,
    /// Objective at `x`.
    pub value: f64,
    /// Objective evaluations used.
    pub evaluations: usize,
    /// True when a tolerance was met before `max_evaluations`.
    pub converged: bool,
}

fn project(x: &mut [f64]) {
    for v in x {
        *v = v.clamp(0.0, 1.0);
    }
}

/// Minimise `f` over `[0, 1]^k` from `start`. `f` may fail (the error stops the search).
pub fn minimize<E>(
    mut f: impl FnMut(&[f64]) -> Result<f64, E>,
    start: &[f64],
    settings: Settings,
) -> Result<Minimum, E> {
    let k = start.len();
    let mut evaluations = 0usize;
    let mut eval = |x: &[f64], n: &mut usize| -> Result<f64, E> {
        *n += 1;
        f(x)
    };
    let mut x0 = start.to_vec();
    project(&mut x0);
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(k + 1);
    let f0 = eval(&x0, &mut evaluations)?;
    simplex.push((x0.clone(), f0));
    for i in 0..k {
        let mut x = x0.clone();
        // Step away from the nearer wall so the vertex stays distinct after projection.
        x[i] += if x[i] + settings.initial_step <= 1.0 {
            settings.initial_step
        } else {
            -settings.initial_step
        };
        project(&mut x);
        let fx = eval(&x, &mut evaluations)?;
        simplex.push((x, fx));
    }
    let mut converged = false;
    while evaluations < settings.max_evaluations {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let best = simplex[0].1;
        let worst = simplex[k].1;
        let spread = simplex
            .iter()
            .flat_map(|(x, _)| x.iter().zip(&simplex[0].0).map(|(a, b)| (a - b).abs()))
            .fold(0.0, f64::max);
        if (worst - best).abs() <= settings.f_tolerance || spread <= settings.x_tolerance {
            converged = true;
            break;
        }
        let centroid: Vec<f64> = (0..k)
            .map(|j| simplex[..k].iter().map(|(x, _)| x[j]).sum::<f64>() / k as f64)
            .collect();
        let along = |t: f64| -> Vec<f64> {
            let mut x: Vec<f64> = centroid
                .iter()
                .zip(&simplex[k].0)
                .map(|(c, w)| c + t * (c - w))
                .collect();
            project(&mut x);
            x
        };
        let xr = along(1.0);
        let fr = eval(&xr, &mut evaluations)?;
        if fr < simplex[0].1 {
            let xe = along(2.0);
            let fe = eval(&xe, &mut evaluations)?;
            simplex[k] = if fe < fr { (xe, fe) } else { (xr, fr) };
            continue;
        }
        if fr < simplex[k - 1].1 {
            simplex[k] = (xr, fr);
            continue;
        }
        // Contract: outside if the reflection beat the worst vertex, inside otherwise.
        let (xc, fc) = if fr < worst {
            let xc = along(0.5);
            let fc = eval(&xc, &mut evaluations)?;
            (xc, fc)
        } else {
            let xc = along(-0.5);
            let fc = eval(&xc, &mut evaluations)?;
            (xc, fc)
        };
        if fc < fr.min(worst) {
            simplex[k] = (xc, fc);
            continue;
        }
        // Shrink towards the best vertex.
        let best_x = simplex[0].0.clone();
        for v in simplex.iter_mut().skip(1) {
            let mut x: Vec<f64> =
                v.0.iter()
                    .zip(&best_x)
                    .map(|(a, b)| b + 0.5 * (a - b))
                    .collect();
            project(&mut x);
            let fx = eval(&x, &mut evaluations)?;
            *v = (x, fx);
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (x, value) = simplex.swap_remove(0);
    Ok(Minimum {
        x,
        value,
        evaluations,
        converged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(v: f64) -> Result<f64, ()> {
        Ok(v)
    }

    #[test]
    fn finds_the_minimum_of_a_shifted_quadratic() {
        let m = minimize(
            |x| ok((x[0] - 0.3).powi(2) + 4.0 * (x[1] - 0.7).powi(2)),
            &[0.9, 0.1],
            Settings {
                max_evaluations: 500,
                f_tolerance: 1e-14,
                x_tolerance: 1e-7,
                initial_step: 0.2,
            },
        )
        .unwrap();
        assert!(m.converged);
        assert!((m.x[0] - 0.3).abs() < 1e-3, "{:?}", m.x);
        assert!((m.x[1] - 0.7).abs() < 1e-3, "{:?}", m.x);
    }

    #[test]
    fn rosenbrock_valley_is_followed_to_the_minimum() {
        // Rosenbrock scaled into the unit box: minimum at (0.5, 0.5).
        let f = |x: &[f64]| {
            let (a, b) = (4.0 * x[0] - 2.0 + 1.0, 4.0 * x[1] - 2.0 + 1.0);
            ok((1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2))
        };
        let m = minimize(
            f,
            &[0.1, 0.9],
            Settings {
                max_evaluations: 2000,
                f_tolerance: 1e-16,
                x_tolerance: 1e-9,
                initial_step: 0.1,
            },
        )
        .unwrap();
        assert!(
            (m.x[0] - 0.5).abs() < 1e-3 && (m.x[1] - 0.5).abs() < 1e-3,
            "{:?}",
            m.x
        );
    }

    #[test]
    fn a_minimum_on_the_boundary_is_reached_and_the_budget_is_respected() {
        let m = minimize(|x| ok(x[0]), &[0.5], Settings::default()).unwrap();
        assert!(m.x[0] < 1e-3);
        let capped = minimize(
            |x| ok((x[0] - 0.4).powi(2)),
            &[0.9],
            Settings {
                max_evaluations: 5,
                ..Settings::default()
            },
        )
        .unwrap();
        // One iteration may finish after the budget: at most k + 1 evaluations over it.
        assert!(capped.evaluations <= 5 + 2);
    }

    #[test]
    fn errors_from_the_objective_stop_the_search() {
        let r: Result<Minimum, &str> = minimize(|_| Err("boom"), &[0.5], Settings::default());
        assert_eq!(r, Err("boom"));
    }
}
