//! Paired comparison of scenarios that simulated the **same careers**.
//!
//! Career `k` meets the same luck under every scenario (its random streams derive from
//! (seed, k, position, purpose) alone), so outcomes of two scenarios are strongly correlated
//! career by career. Differences are therefore estimated from the per-career differences,
//! not from two independent samples: the counts below are all that is needed, they are
//! integers, and they merge by addition exactly like a [`Tally`](super::Tally).
//!
//! For a binary outcome (failed, made a profit, quit) and the pair (A, B), career `k` gives
//! `d_k = b_k - a_k` in {-1, 0, 1}. With `n01` careers where A = 0 and B = 1, `n10` where
//! A = 1 and B = 0, and `n` careers in all, the mean difference is `d = (n01 - n10) / n`
//! and the sample variance of `d_k` is `(n01 + n10) / n - d^2`, so
//!
//! ```text
//! var(d) = (n01 + n10 - (n01 - n10)^2 / n) / n^2
//! ```
//!
//! (McNemar's setting; the concordant careers `n00` and `n11` carry no information about the
//! difference). The 95% interval is `d ± 1.96 sqrt(var(d))`. Two independent runs would give
//! `var = pA(1-pA)/n + pB(1-pB)/n`, which is larger by `2 cov(a, b) / n`; with common random
//! numbers that covariance is large and positive.

use serde::Serialize;

use super::Z95;

/// Binary per-career outcomes counted jointly for every pair of scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(usize)]
pub enum Binary {
    /// Failed: quit before the horizon, or net <= 0 at it.
    Failed = 0,
    /// Cumulative net income > 0.
    Profitable = 1,
    /// Quit before the horizon.
    Quit = 2,
}

impl Binary {
    /// Number of binary outcomes counted.
    pub const COUNT: usize = 3;
}

/// One career's outcomes under one scenario, as the paired counts need them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CareerBits {
    /// Values of the [`Binary`] outcomes, in `Binary` order.
    pub bits: [bool; Binary::COUNT],
    /// Cumulative net income, in cents.
    pub net_cents: i64,
}

/// Joint counts of two scenarios (A, B) over the same careers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PairCounts {
    /// Careers counted.
    pub careers: u64,
    /// `joint[m][2a + b]`: careers whose outcome `m` was `a` under A and `b` under B
    /// (index 0 = `00`, 1 = `01`, 2 = `10`, 3 = `11`).
    pub joint: [[u64; 4]; Binary::COUNT],
    /// Sum over careers of net(B) - net(A), in cents.
    pub net_diff_cents: i128,
    /// Sum over careers of (net(B) - net(A))², in cents².
    pub net_diff_sq_cents: i128,
}

/// A difference B - A with its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DiffEstimate {
    /// Point estimate of B - A.
    pub diff: f64,
    /// Lower end of the 95% interval.
    pub ci_low: f64,
    /// Upper end of the 95% interval.
    pub ci_high: f64,
    /// Standard error of the difference.
    pub std_error: f64,
}

impl DiffEstimate {
    fn from_se(diff: f64, se: f64) -> DiffEstimate {
        DiffEstimate {
            diff,
            ci_low: diff - Z95 * se,
            ci_high: diff + Z95 * se,
            std_error: se,
        }
    }

    /// Half the width of the 95% interval.
    pub fn half_width(&self) -> f64 {
        Z95 * self.std_error
    }
}

impl PairCounts {
    /// Count one career seen under A and under B.
    #[inline]
    pub fn add(&mut self, a: &CareerBits, b: &CareerBits) {
        self.careers += 1;
        for m in 0..Binary::COUNT {
            self.joint[m][2 * usize::from(a.bits[m]) + usize::from(b.bits[m])] += 1;
        }
        let d = i128::from(b.net_cents) - i128::from(a.net_cents);
        self.net_diff_cents += d;
        self.net_diff_sq_cents += d * d;
    }

    /// Add the counts of the same pair over other careers.
    pub fn merge(&mut self, o: &PairCounts) {
        self.careers += o.careers;
        for (a, b) in self.joint.iter_mut().zip(&o.joint) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        self.net_diff_cents += o.net_diff_cents;
        self.net_diff_sq_cents += o.net_diff_sq_cents;
    }

    /// Paired difference of the share with outcome `m`: share(B) - share(A), with the
    /// McNemar-style variance derived in the module documentation.
    pub fn share_difference(&self, m: Binary) -> DiffEstimate {
        let j = &self.joint[m as usize];
        paired_share_difference(j[1], j[2], self.careers)
    }

    /// Paired difference of mean net income, B - A, in currency units.
    pub fn mean_net_difference(&self) -> DiffEstimate {
        if self.careers == 0 {
            return DiffEstimate::from_se(0.0, 0.0);
        }
        let n = self.careers as f64;
        let mean = self.net_diff_cents as f64 / n;
        let var = if self.careers > 1 {
            ((self.net_diff_sq_cents as f64 - n * mean * mean) / (n - 1.0)).max(0.0)
        } else {
            0.0
        };
        DiffEstimate::from_se(mean / 100.0, (var / n).sqrt() / 100.0)
    }
}

/// Paired difference of two shares from the discordant counts: `n01` careers with outcome 0
/// under A and 1 under B, `n10` the other way round, out of `n`.
pub fn paired_share_difference(n01: u64, n10: u64, n: u64) -> DiffEstimate {
    if n == 0 {
        return DiffEstimate::from_se(0.0, 0.0);
    }
    let nf = n as f64;
    let (a, b) = (n01 as f64, n10 as f64);
    let d = (a - b) / nf;
    let var = ((a + b - (a - b) * (a - b) / nf) / (nf * nf)).max(0.0);
    DiffEstimate::from_se(d, var.sqrt())
}

/// Difference of two shares from two **independent** samples of `n` each:
/// `se = sqrt(pA(1-pA)/n + pB(1-pB)/n)`. What the paired estimate is compared against.
pub fn unpaired_share_difference(p_a: f64, p_b: f64, n: u64) -> DiffEstimate {
    let nf = (n.max(1)) as f64;
    DiffEstimate::from_se(
        p_b - p_a,
        ((p_a * (1.0 - p_a) + p_b * (1.0 - p_b)) / nf).sqrt(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(failed: bool, net: i64) -> CareerBits {
        CareerBits {
            bits: [failed, net > 0, failed],
            net_cents: net,
        }
    }

    #[test]
    fn paired_variance_matches_the_sample_variance_of_differences() {
        // d_k over 10 careers: three +1, one -1, six 0.
        let mut c = PairCounts::default();
        let pairs = [
            (false, true),
            (false, true),
            (false, true),
            (true, false),
            (true, true),
            (true, true),
            (false, false),
            (false, false),
            (false, false),
            (false, false),
        ];
        let mut ds = Vec::new();
        for (a, b) in pairs {
            c.add(&bits(a, 0), &bits(b, 0));
            ds.push(f64::from(u8::from(b)) - f64::from(u8::from(a)));
        }
        let e = c.share_difference(Binary::Failed);
        let n = ds.len() as f64;
        let mean = ds.iter().sum::<f64>() / n;
        // Population variance of d_k over n, divided by n.
        let var = ds.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n / n;
        assert!((e.diff - 0.2).abs() < 1e-12);
        assert!((e.std_error - var.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn identical_scenarios_have_a_zero_width_difference_and_merge_is_addition() {
        let mut a = PairCounts::default();
        let mut b = PairCounts::default();
        for k in 0..50 {
            let x = bits(k % 3 == 0, k * 100 - 2000);
            if k < 20 { &mut a } else { &mut b }.add(&x, &x);
        }
        a.merge(&b);
        assert_eq!(a.careers, 50);
        let e = a.share_difference(Binary::Failed);
        assert_eq!((e.diff, e.std_error), (0.0, 0.0));
        let m = a.mean_net_difference();
        assert_eq!((m.diff, m.std_error), (0.0, 0.0));
    }

    #[test]
    fn mean_net_difference_is_in_currency_units() {
        let mut c = PairCounts::default();
        c.add(&bits(false, 0), &bits(false, 1000));
        c.add(&bits(false, 0), &bits(false, 3000));
        let m = c.mean_net_difference();
        assert!((m.diff - 20.0).abs() < 1e-12);
        // Sample sd of {10, 30} dollars is 14.14; se = 14.14 / sqrt(2) = 10.
        assert!((m.std_error - 10.0).abs() < 1e-9);
    }
}
