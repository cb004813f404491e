//! Histograms of net income: "nice" bin widths over a money sketch, shared by `run` and
//! `compare` so their charts can be overlaid.

use super::HistogramBin;
use crate::stats::{MoneySketch, Tally};

/// A "nice" bin width (1, 2 or 5 times a power of ten) giving about `target` bins over `span`.
pub fn nice_width(span: f64, target: usize) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / target as f64;
    let mag = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if raw <= m * mag {
            return m * mag;
        }
    }
    10.0 * mag
}

pub(super) fn net_histogram(t: &Tally) -> Vec<HistogramBin> {
    match (t.net.quantile(0.01), t.net.quantile(0.99)) {
        (Some(lo), Some(hi)) => sketch_histogram(&t.net, lo, hi),
        _ => Vec::new(),
    }
}

/// About 40 bins of a "nice" width covering `lo ..= hi`, counting every sketch bin by its mean;
/// values outside the range are folded into the end bins. Several sketches binned with the
/// same `lo` and `hi` share their bins, so their histograms can be overlaid.
pub fn sketch_histogram(sketch: &MoneySketch, lo: f64, hi: f64) -> Vec<HistogramBin> {
    let width = nice_width(hi - lo, 40);
    let start = (lo / width).floor() * width;
    let n = (((hi - start) / width).floor() as usize + 1).clamp(1, 200);
    let mut bins: Vec<HistogramBin> = (0..n)
        .map(|i| HistogramBin {
            bin_low: start + i as f64 * width,
            bin_high: start + (i + 1) as f64 * width,
            count: 0,
        })
        .collect();
    for b in sketch.bins_ascending() {
        let i = ((b.mean() - start) / width).floor();
        let i = if i < 0.0 { 0 } else { (i as usize).min(n - 1) };
        bins[i].count += b.count;
    }
    bins
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_width_rounds_up_to_a_round_step() {
        assert_eq!(nice_width(1000.0, 40), 50.0);
    }
}
