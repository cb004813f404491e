//! Confidence intervals for shares.

use serde::Serialize;

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A share with its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ShareEstimate {
    /// Point estimate (successes / trials).
    pub share: f64,
    /// Lower end of the 95% Wilson score interval.
    pub ci_low: f64,
    /// Upper end of the 95% Wilson score interval.
    pub ci_high: f64,
    /// Binomial standard error sqrt(p(1-p)/n).
    pub std_error: f64,
}

/// Wilson score interval for `successes` out of `trials` at normal quantile `z`.
///
/// Wilson rather than the textbook p ± z·SE because failure rates near 0 or 1 are common here
/// and the Wald interval collapses or leaves [0, 1] there.
pub fn wilson(successes: u64, trials: u64, z: f64) -> ShareEstimate {
    if trials == 0 {
        return ShareEstimate {
            share: 0.0,
            ci_low: 0.0,
            ci_high: 1.0,
            std_error: 0.0,
        };
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    ShareEstimate {
        share: p,
        // At p = 0 or 1 the bounds equal p only up to rounding; never let the interval
        // exclude its own point estimate.
        ci_low: (centre - half).clamp(0.0, p),
        ci_high: (centre + half).clamp(p, 1.0),
        std_error: (p * (1.0 - p) / n).sqrt(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_contains_the_estimate_at_the_extremes() {
        for n in [1, 3, 7, 50, 77, 123, 999, 1_000_003] {
            for k in [0, 1, n / 2, n - 1, n] {
                let e = wilson(k, n, Z95);
                assert!(
                    e.ci_low <= e.share && e.share <= e.ci_high,
                    "{k}/{n}: {e:?}"
                );
            }
        }
    }

    #[test]
    fn wilson_matches_known_values_and_stays_in_unit_interval() {
        // 50/100: centre 0.5, half-width 0.0962 (standard tables give 0.404-0.596).
        let e = wilson(50, 100, Z95);
        assert!((e.ci_low - 0.4038).abs() < 1e-3 && (e.ci_high - 0.5962).abs() < 1e-3);
        let e = wilson(0, 20, Z95);
        assert_eq!(e.ci_low, 0.0);
        assert!(e.ci_high > 0.0 && e.ci_high < 0.2);
        let e = wilson(20, 20, Z95);
        assert_eq!(e.ci_high, 1.0);
        assert!(e.ci_low > 0.8);
    }
}
