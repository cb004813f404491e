//! A deterministic, mergeable quantile sketch for money amounts.
//!
//! Amounts are rounded to whole cents, then put in logarithmic bins 1% wide (separately for
//! losses and gains, plus one bin for exactly zero). Each bin keeps its count and the exact sum
//! of its members in integer cents, so
//!
//! * merging two sketches is integer addition: any split of the careers (threads, chunks,
//!   shards) gives bit-identical results;
//! * a percentile is reported as the mean of the bin holding that rank: exact when the members
//!   are equal (common: everyone who quit in month one with no income lost the same amount),
//!   and never more than 1% (relative) away from the true order statistic otherwise.

use serde::{Deserialize, Serialize};

/// Relative width of a bin.
const GROWTH: f64 = 1.01;
/// Bins per sign: covers 1 cent to 10^12 cents ($10 billion).
const BINS: usize = 2_780;

/// One bin: how many values and their sum in cents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bin {
    /// Values in the bin.
    pub count: u64,
    /// Their sum, in cents.
    pub sum_cents: i128,
}

impl Bin {
    fn add(&mut self, cents: i64) {
        self.count += 1;
        self.sum_cents += i128::from(cents);
    }
    /// Mean of the members in currency units.
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            (self.sum_cents as f64 / self.count as f64) / 100.0
        }
    }
}

/// Two sketches cannot be added: a count or sum would overflow, or one is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the sketches cannot be added (overflow or malformed bins)")]
pub struct SketchOverflow;

/// Mergeable log-binned sketch of money amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneySketch {
    negative: Vec<Bin>,
    zero: Bin,
    positive: Vec<Bin>,
}

impl Default for MoneySketch {
    fn default() -> Self {
        Self::new()
    }
}

/// Largest amount in cents [`to_cents`] returns ($10^13); beyond it amounts are clamped.
pub const LIMIT_CENTS: f64 = 1e15;

/// Round an amount to whole cents, saturating far outside any valid scenario's range.
#[inline]
pub fn to_cents(amount: f64) -> i64 {
    if amount == 0.0 {
        // The common case in reduced scenarios; skips a libm call per money flow.
        return 0;
    }
    let c = (amount * 100.0).round();
    if c.is_nan() {
        0
    } else {
        c.clamp(-LIMIT_CENTS, LIMIT_CENTS) as i64
    }
}

fn bin_index(cents_abs: u64) -> usize {
    let k = ((cents_abs as f64).ln() / GROWTH.ln()).floor();
    (k.max(0.0) as usize).min(BINS - 1)
}

impl MoneySketch {
    /// An empty sketch. The bin arrays are allocated on the first loss or gain, so a tally
    /// that only ever sees zero (or nothing) costs no memory or merging time.
    pub fn new() -> Self {
        MoneySketch {
            negative: Vec::new(),
            zero: Bin::default(),
            positive: Vec::new(),
        }
    }

    /// Add one amount (currency units).
    pub fn add(&mut self, amount: f64) {
        let cents = to_cents(amount);
        match cents.cmp(&0) {
            std::cmp::Ordering::Equal => self.zero.add(0),
            std::cmp::Ordering::Greater => {
                Self::bins(&mut self.positive)[bin_index(cents as u64)].add(cents)
            }
            std::cmp::Ordering::Less => {
                Self::bins(&mut self.negative)[bin_index(cents.unsigned_abs())].add(cents)
            }
        }
    }

    fn bins(side: &mut Vec<Bin>) -> &mut Vec<Bin> {
        if side.is_empty() {
            side.resize(BINS, Bin::default());
        }
        side
    }

    /// Add every bin of `other`. The result does not depend on the order of merging: a side
    /// is allocated exactly when some value on that side was ever added.
    pub fn merge(&mut self, other: &MoneySketch) {
        for (mine, theirs) in [
            (&mut self.negative, &other.negative),
            (&mut self.positive, &other.positive),
        ] {
            if theirs.is_empty() {
                continue;
            }
            for (a, b) in Self::bins(mine).iter_mut().zip(theirs) {
                a.count += b.count;
                a.sum_cents += b.sum_cents;
            }
        }
        self.zero.count += other.zero.count;
    }

    /// [`MoneySketch::merge`] with overflow checks (for sketches read from disk); this sketch
    /// is unchanged on failure.
    pub fn try_merge(&mut self, other: &MoneySketch) -> Result<(), SketchOverflow> {
        let mut merged = self.clone();
        for (mine, theirs) in [
            (&mut merged.negative, &other.negative),
            (&mut merged.positive, &other.positive),
        ] {
            if theirs.is_empty() {
                continue;
            }
            if theirs.len() != BINS {
                return Err(SketchOverflow);
            }
            for (a, b) in Self::bins(mine).iter_mut().zip(theirs) {
                a.count = a.count.checked_add(b.count).ok_or(SketchOverflow)?;
                a.sum_cents = a.sum_cents.checked_add(b.sum_cents).ok_or(SketchOverflow)?;
            }
        }
        merged.zero.count = merged
            .zero
            .count
            .checked_add(other.zero.count)
            .ok_or(SketchOverflow)?;
        *self = merged;
        Ok(())
    }

    /// Whether the sketch has the shape [`MoneySketch::add`] gives it (for sketches read from
    /// disk): each side empty or [`BINS`] bins, negative sums in negative bins, positive in
    /// positive, nothing but zeros in the zero bin.
    pub fn is_well_formed(&self) -> bool {
        let side_ok = |side: &[Bin], sign: i128| {
            (side.is_empty() || side.len() == BINS)
                && side.iter().all(|b| {
                    (b.count == 0 && b.sum_cents == 0)
                        || (b.sum_cents.signum() == sign
                            && b.sum_cents.unsigned_abs() >= u128::from(b.count))
                })
        };
        side_ok(&self.negative, -1) && side_ok(&self.positive, 1) && self.zero.sum_cents == 0
    }

    /// Values in the top bin on either side: $10^10 or more in size, up to the money limit
    /// (amounts are clamped to ±10^15 cents, $10^13, by [`to_cents`]). The sketch cannot tell
    /// a clamped value from one just below the limit, so it counts them all.
    pub fn at_limit(&self) -> u64 {
        let top = bin_index(LIMIT_CENTS as u64);
        [&self.negative, &self.positive]
            .iter()
            .filter_map(|side| side.get(top))
            .map(|b| b.count)
            .fold(0u64, u64::saturating_add)
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.bins_ascending().map(|b| b.count).sum()
    }

    /// Non-empty bins from the most negative to the most positive amount.
    pub fn bins_ascending(&self) -> impl Iterator<Item = &Bin> + '_ {
        self.negative
            .iter()
            .rev()
            .chain(std::iter::once(&self.zero))
            .chain(self.positive.iter())
            .filter(|b| b.count > 0)
    }

    /// The `p`-quantile (0 < p <= 1) by the nearest-rank rule: the mean of the bin holding
    /// rank ceil(p·n). `None` when empty.
    pub fn quantile(&self, p: f64) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let rank = ((p * n as f64).ceil() as u64).clamp(1, n);
        let mut seen = 0;
        for b in self.bins_ascending() {
            seen += b.count;
            if seen >= rank {
                return Some(b.mean());
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_exact_for_repeated_values_and_within_one_percent_otherwise() {
        let mut s = MoneySketch::new();
        for _ in 0..60 {
            s.add(-200.0);
        }
        for i in 0..40 {
            s.add(1000.0 + 10.0 * i as f64);
        }
        assert_eq!(s.quantile(0.5), Some(-200.0));
        assert_eq!(s.quantile(0.6), Some(-200.0));
        let q = s.quantile(0.9).unwrap();
        // Rank 90 is the 30th gain: 1000 + 290 = 1290.
        assert!((q - 1290.0).abs() / 1290.0 < 0.01, "{q}");
    }

    #[test]
    fn merging_in_any_split_gives_identical_sketches() {
        let values: Vec<f64> = (0..1000)
            .map(|i| ((i * 7919) % 2001) as f64 * 3.7 - 3000.0)
            .collect();
        let mut whole = MoneySketch::new();
        values.iter().for_each(|v| whole.add(*v));
        let mut a = MoneySketch::new();
        let mut b = MoneySketch::new();
        values[..333].iter().for_each(|v| a.add(*v));
        values[333..].iter().for_each(|v| b.add(*v));
        b.merge(&a);
        assert_eq!(whole, b);
    }
}
