//! The headline a room reads first: failure rate with its interval, share still in after a
//! year, share that lost money, median net, as numbers and in plain words.

use serde::Serialize;

use mlm_sim::fmt::{money, percent as pct, thousands as group};
use mlm_sim::summary::Summary;

/// The headline numbers in plain words, and as numbers for programs and tests.
#[derive(Debug, Serialize)]
pub struct Headline {
    /// Share of careers that failed (quit, or still in and not profitable), 0-1.
    pub failure_rate: f64,
    /// Its 95% interval.
    pub failure_ci: [f64; 2],
    /// Month at which "still in" is read: 12, or the horizon when shorter.
    pub still_in_month: u32,
    /// Share still in business at that month.
    pub still_in: f64,
    /// Share that lost more than the break-even band over the career.
    pub lost_money: f64,
    /// Median cumulative net income at the horizon (currency units).
    pub median_net: f64,
    /// The same four, as sentences.
    pub words: HeadlineWords,
}

/// The headline as the page prints it.
#[derive(Debug, Serialize)]
pub struct HeadlineWords {
    /// "74.1% fail".
    pub failure: String,
    /// "95% interval 73.2% to 75.0%".
    pub failure_ci: String,
    /// "52.3% still in after 12 months".
    pub still_in: String,
    /// "47.9% lost more than $500".
    pub lost_money: String,
    /// "Median net -$1,234 after 24 months".
    pub median_net: String,
    /// "±0.9 points with 4,000 careers".
    pub precision: String,
}

impl Headline {
    /// The headline of `s`.
    pub fn new(s: &Summary) -> Headline {
        let month = s.months.min(12);
        let still_in = s.survival_at(month).unwrap_or(1.0);
        let band = s.outcome_bands.break_even_band;
        let [lo, hi] = s.failure_rate_ci;
        Headline {
            failure_rate: s.failure_rate,
            failure_ci: s.failure_rate_ci,
            still_in_month: month,
            still_in,
            lost_money: s.outcome_bands.lost_money,
            median_net: s.net_income.p50,
            words: HeadlineWords {
                failure: format!("{} fail", pct(s.failure_rate)),
                failure_ci: format!("95% interval {} to {}", pct(lo), pct(hi)),
                still_in: format!("{} still in after {month} months", pct(still_in)),
                lost_money: format!(
                    "{} lost more than {}",
                    pct(s.outcome_bands.lost_money),
                    money(band)
                ),
                median_net: format!(
                    "Median net {} after {} months",
                    money(s.net_income.p50),
                    s.months
                ),
                precision: format!(
                    "±{} points with {} careers",
                    half_width_points(hi - lo),
                    group(s.careers as f64, 0)
                ),
            },
        }
    }
}

/// Half an interval's width in percentage points, with a second decimal when the first
/// would read "±0.0".
fn half_width_points(width: f64) -> String {
    let points = 50.0 * width;
    if points < 0.1 {
        format!("{points:.2}")
    } else {
        format!("{points:.1}")
    }
}
