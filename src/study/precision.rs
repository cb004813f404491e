//! `--precision`: keep adding careers until the answer is precise enough.
//!
//! Careers are added in fixed batches of career indices, `0..b`, `b..2b`, ..., where `b` is
//! [`BATCH_CAREERS`] rounded up to whole cohorts. After each batch the 95% interval's
//! half-width is checked against the target; the run stops at the first batch boundary where
//! it is below (or at the `--careers` cap). Because batches start at 0, are cohort-aligned and
//! tallies merge exactly, the result is bit-for-bit the result of a plain run with that many
//! careers: the stopping rule decides only *how many* careers, never *which*.

use std::ops::Range;

use anyhow::{bail, Result};

/// Careers per batch (rounded up to whole cohorts): large enough that checking between
/// batches costs nothing, small enough not to overshoot the needed number by much.
pub const BATCH_CAREERS: u64 = 5_000;

/// Careers per batch for cohorts of `cohort_size`.
pub fn batch_size(cohort_size: u64) -> u64 {
    BATCH_CAREERS.div_ceil(cohort_size.max(1)) * cohort_size.max(1)
}

/// Where a precision-driven run stopped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stopped {
    /// Careers simulated (indices `0..careers`).
    pub careers: u64,
    /// Half-width of the 95% interval reached.
    pub half_width: f64,
    /// The target, when one was given.
    pub target: Option<f64>,
}

impl Stopped {
    /// Whether the target was reached (always true without a target).
    pub fn reached(&self) -> bool {
        self.target.is_none_or(|t| self.half_width < t)
    }

    /// One line for the terminal, or `None` without a target.
    pub fn describe(&self, what: &str) -> Option<String> {
        let t = self.target?;
        let careers = crate::fmt::thousands(self.careers as f64, 0);
        Some(if self.reached() {
            format!(
                "{what} known to ±{:.2} points (target ±{:.2}) after {careers} careers",
                100.0 * self.half_width,
                100.0 * t
            )
        } else {
            format!(
                "target ±{:.2} points NOT reached: ±{:.2} after {careers} careers (the --careers cap); raise --careers",
                100.0 * t,
                100.0 * self.half_width
            )
        })
    }
}

/// Parse `--precision`: a half-width in share units, e.g. 0.005 for ±0.5 points.
pub fn parse_precision(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v < 0.5 => Ok(v),
        _ => Err(format!(
            "`{text}` is not a usable precision: give the 95% interval's half-width as a share \
             between 0 and 0.5, e.g. 0.005 for ±0.5 percentage points"
        )),
    }
}

/// Run `step` over career batches up to `cap` (all at once without a `target`); `step` adds
/// the careers of one range and returns the half-width reached so far.
pub fn until_precise(
    cap: u64,
    cohort_size: u64,
    target: Option<f64>,
    mut step: impl FnMut(Range<u64>) -> Result<f64>,
) -> Result<Stopped> {
    if cap == 0 {
        bail!("--careers must be at least 1");
    }
    let batch = match target {
        Some(_) => batch_size(cohort_size),
        None => cap,
    };
    let mut done = 0;
    loop {
        let end = (done + batch).min(cap);
        let half_width = step(done..end)?;
        done = end;
        let stopped = Stopped {
            careers: done,
            half_width,
            target,
        };
        if done == cap || stopped.reached() {
            return Ok(stopped);
        }
    }
}

/// `run --precision`: simulate `scenario` on the current rayon pool in batches until its
/// failure rate's 95% interval is narrower than ± `target` (all `scenario.careers` at once
/// without a target).
pub fn simulate_run(
    scenario: &crate::scenario::Scenario,
    hooks: &crate::engine::Hooks<'_>,
    target: Option<f64>,
) -> Result<(crate::stats::Tally, Stopped)> {
    let model = crate::model::Model::new(scenario);
    let mut tally = crate::stats::Tally::for_scenario(scenario);
    let stopped = until_precise(scenario.careers, scenario.cohort_size, target, |range| {
        tally.merge(&crate::engine::run(scenario, &model, range, hooks)?);
        let w = crate::stats::wilson(tally.failures(), tally.careers, crate::stats::Z95);
        Ok((w.ci_high - w.ci_low) / 2.0)
    })?;
    Ok((tally, stopped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_cohort_aligned_and_stop_at_the_first_precise_boundary() {
        assert_eq!(batch_size(100), 5_000);
        assert_eq!(batch_size(300), 5_100);
        let mut seen = Vec::new();
        let s = until_precise(40_000, 100, Some(0.01), |r| {
            seen.push(r.clone());
            Ok(1.0 / (r.end as f64).sqrt())
        })
        .unwrap();
        // 1/sqrt(n) < 0.01 first at n > 10,000: the boundary 15,000.
        assert_eq!(s.careers, 15_000);
        assert_eq!(seen, vec![0..5_000, 5_000..10_000, 10_000..15_000]);
        let capped = until_precise(7_000, 100, Some(1e-9), |r| Ok(1.0 / r.end as f64)).unwrap();
        assert_eq!(capped.careers, 7_000);
        assert!(!capped.reached());
        let plain = until_precise(7_000, 100, None, |r| {
            assert_eq!(r, 0..7_000);
            Ok(0.3)
        })
        .unwrap();
        assert!(plain.reached());
    }

    #[test]
    fn precision_must_be_a_share_half_width() {
        assert_eq!(parse_precision("0.005"), Ok(0.005));
        for bad in ["0", "-0.1", "0.5", "abc", "NaN", "inf"] {
            assert!(parse_precision(bad).is_err(), "{bad}");
        }
    }
}
