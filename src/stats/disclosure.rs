//! Income-disclosure counts: the table a company's income-disclosure statement shows, and the
//! same table net of costs with everyone who quit counted.
//!
//! Company statements report, per participant, a year's payments from the company, in bands
//! ($0, $0.01-50, ..., $50,000+). They leave out what the participant spent (required purchases
//! and expenses) and often everyone who left during the year. This accumulator keeps both
//! views, for every followed career, as integer counts in fixed arrays, so it merges exactly
//! like the rest of [`crate::stats::Tally`].
//!
//! **Annualisation.** A career's amount is divided by the scenario's horizon in years
//! (`months / 12`), not by the months that career was active: a statement reports what each
//! person was paid in the year, and someone who quit after two months was paid for two months,
//! not for a year. For a 12-month horizon the table is exactly the first-year statement of the
//! entering class; for 24 months it is the average of its two years. (Dividing by months
//! active would turn a month-one quitter's $10 into "$120 a year" and inflate every band.)
//!
//! **Outcome bands** (lost money / broke even / profited) use the whole career's net, as
//! surveys of past and current participants ask about their overall experience.

use serde::{Deserialize, Serialize};

use super::sketch::{to_cents, MoneySketch};
use crate::outcome::Money;

/// Upper edge of "a small profit": surveys report the share of the profitable who made less
/// than $5,000 (AARP 2018: 53%).
pub const SMALL_PROFIT: f64 = 5_000.0;

/// Upper edges (inclusive, cents) of the positive bands $0.01-50, 50-250, ..., 10,000-50,000;
/// the last positive band is "$50,000+".
const POSITIVE_UPPER_CENTS: [i64; 8] = [
    5_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 5_000_000,
];
/// Loss sizes (inclusive, cents) closing the negative bands -250..-0.01, -1,000..-250.01,
/// -5,000..-1,000.01; larger losses fall in "below -$5,000".
const NEGATIVE_UPPER_CENTS: [i64; 3] = [25_000, 100_000, 500_000];

/// Number of company-payment bands: $0 and nine positive bands.
pub const GROSS_BANDS: usize = 1 + POSITIVE_UPPER_CENTS.len() + 1;
/// Number of net bands: four negative bands, $0, nine positive bands.
pub const NET_BANDS: usize = NEGATIVE_UPPER_CENTS.len() + 1 + GROSS_BANDS;

/// One band of a disclosure table, in currency units a year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    /// Label as a statement prints it.
    pub label: &'static str,
    /// Lower edge (None = unbounded). See `docs/output.md` for which edge is inclusive.
    pub low: Option<f64>,
    /// Upper edge (None = unbounded).
    pub high: Option<f64>,
}

const fn band(label: &'static str, low: Option<f64>, high: Option<f64>) -> Band {
    Band { label, low, high }
}

/// The company-payment bands, in [`Disclosure::gross_bands`] order.
pub const GROSS_BAND_DEFS: [Band; GROSS_BANDS] = [
    band("$0", Some(0.0), Some(0.0)),
    band("$0.01-50", Some(0.01), Some(50.0)),
    band("$50-250", Some(50.0), Some(250.0)),
    band("$250-500", Some(250.0), Some(500.0)),
    band("$500-1,000", Some(500.0), Some(1_000.0)),
    band("$1,000-2,500", Some(1_000.0), Some(2_500.0)),
    band("$2,500-5,000", Some(2_500.0), Some(5_000.0)),
    band("$5,000-10,000", Some(5_000.0), Some(10_000.0)),
    band("$10,000-50,000", Some(10_000.0), Some(50_000.0)),
    band("$50,000+", Some(50_000.0), None),
];

/// The net bands, in [`Disclosure::net_bands`] order.
pub const NET_BAND_DEFS: [Band; NET_BANDS] = [
    band("below -$5,000", None, Some(-5_000.0)),
    band("-$5,000 to -1,000", Some(-5_000.0), Some(-1_000.0)),
    band("-$1,000 to -250", Some(-1_000.0), Some(-250.0)),
    band("-$250 to -0.01", Some(-250.0), Some(-0.01)),
    GROSS_BAND_DEFS[0],
    GROSS_BAND_DEFS[1],
    GROSS_BAND_DEFS[2],
    GROSS_BAND_DEFS[3],
    GROSS_BAND_DEFS[4],
    GROSS_BAND_DEFS[5],
    GROSS_BAND_DEFS[6],
    GROSS_BAND_DEFS[7],
    GROSS_BAND_DEFS[8],
    GROSS_BAND_DEFS[9],
];

/// Band index of a non-negative amount in cents: 0 for zero, then the positive bands, each
/// closed at its upper edge ($50.00 is in "$0.01-50", $50.01 in "$50-250").
pub fn gross_band(cents: i64) -> usize {
    if cents <= 0 {
        0
    } else {
        1 + POSITIVE_UPPER_CENTS.iter().filter(|&&u| u < cents).count()
    }
}

/// Band index of a net amount in cents (negative bands mirror the positive ones: a loss of
/// exactly $250.00 is in "-$250 to -0.01").
pub fn net_band(cents: i64) -> usize {
    let neg = NEGATIVE_UPPER_CENTS.len();
    if cents < 0 {
        let loss = cents.unsigned_abs() as i64;
        neg - NEGATIVE_UPPER_CENTS.iter().filter(|&&u| u < loss).count()
    } else {
        neg + 1 + gross_band(cents)
    }
}

/// Per-career counts for income-disclosure tables and survey outcome bands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disclosure {
    /// Horizon in months (the annualisation divisor is `horizon_months / 12`).
    pub horizon_months: u32,
    /// Half-width of "broke even", in cents.
    pub break_even_cents: i64,
    /// Careers per band of annual company payments (commissions), [`GROSS_BAND_DEFS`] order.
    pub gross_bands: [u64; GROSS_BANDS],
    /// Careers per band of annual net income, [`NET_BAND_DEFS`] order.
    pub net_bands: [u64; NET_BANDS],
    /// Distribution of annual company payments (for the median).
    pub gross_annual: MoneySketch,
    /// Careers whose whole-career net is below `-band` (see [`Disclosure::new`]).
    pub lost_money: u64,
    /// Careers whose whole-career net is within ±`band`.
    pub broke_even: u64,
    /// Careers whose whole-career net is above `band`.
    pub profited: u64,
    /// Of `profited`, those whose net is below `SMALL_PROFIT`.
    pub profited_small: u64,
}

impl Disclosure {
    /// Empty counts for a horizon of `months` and a break-even band of ±`band` currency units
    /// (the scenario's `economics.break_even_band`; there is no default here, so a tally can
    /// never silently use a band other than the scenario's).
    pub fn new(months: u32, band: f64) -> Disclosure {
        Disclosure {
            horizon_months: months,
            break_even_cents: to_cents(band),
            gross_bands: [0; GROSS_BANDS],
            net_bands: [0; NET_BANDS],
            gross_annual: MoneySketch::new(),
            lost_money: 0,
            broke_even: 0,
            profited: 0,
            profited_small: 0,
        }
    }

    /// Years in the horizon: the annualisation divisor.
    pub fn years(&self) -> f64 {
        f64::from(self.horizon_months.max(1)) / 12.0
    }

    /// Count one career's money.
    pub fn add(&mut self, money: &Money) {
        let years = self.years();
        let gross = money.commissions / years;
        let net = money.net();
        self.gross_bands[gross_band(to_cents(gross))] += 1;
        self.net_bands[net_band(to_cents(net / years))] += 1;
        self.gross_annual.add(gross);
        let band = self.break_even_cents;
        let net_c = to_cents(net);
        if net_c < -band {
            self.lost_money += 1;
        } else if net_c <= band {
            self.broke_even += 1;
        } else {
            self.profited += 1;
            if net_c < to_cents(SMALL_PROFIT) {
                self.profited_small += 1;
            }
        }
    }

    /// Add counts from another accumulator (same horizon).
    pub fn merge(&mut self, o: &Disclosure) {
        for (a, b) in self.gross_bands.iter_mut().zip(&o.gross_bands) {
            *a += b;
        }
        for (a, b) in self.net_bands.iter_mut().zip(&o.net_bands) {
            *a += b;
        }
        self.gross_annual.merge(&o.gross_annual);
        self.lost_money += o.lost_money;
        self.broke_even += o.broke_even;
        self.profited += o.profited;
        self.profited_small += o.profited_small;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_edges_follow_statement_conventions() {
        assert_eq!(gross_band(0), 0);
        assert_eq!(gross_band(1), 1);
        assert_eq!(gross_band(5_000), 1);
        assert_eq!(gross_band(5_001), 2);
        assert_eq!(gross_band(100_000), 4);
        assert_eq!(gross_band(5_000_000), 8);
        assert_eq!(gross_band(5_000_001), 9);
        assert_eq!(net_band(-1), 3);
        assert_eq!(net_band(-25_000), 3);
        assert_eq!(net_band(-25_001), 2);
        assert_eq!(net_band(-500_000), 1);
        assert_eq!(net_band(-500_001), 0);
        assert_eq!(net_band(0), 4);
        assert_eq!(net_band(1), 5);
        assert_eq!(net_band(i64::MAX), NET_BANDS - 1);
        for (i, b) in NET_BAND_DEFS.iter().enumerate().skip(4) {
            assert_eq!(b.label, GROSS_BAND_DEFS[i - 4].label);
        }
    }

    #[test]
    fn outcome_bands_partition_careers() {
        let mut d = Disclosure::new(24, 500.0);
        for net in [
            -600.0_f64, -500.0, 0.0, 500.0, 500.01, 4_999.0, 5_000.0, 20_000.0,
        ] {
            d.add(&Money {
                commissions: net.max(0.0),
                retail: 0.0,
                purchases: (-net).max(0.0),
                expenses: 0.0,
            });
        }
        assert_eq!((d.lost_money, d.broke_even, d.profited), (1, 3, 4));
        assert_eq!(d.profited_small, 2);
        assert_eq!(d.gross_bands.iter().sum::<u64>(), 8);
        assert_eq!(d.net_bands.iter().sum::<u64>(), 8);
        // $20,000 over two years is $10,000 a year: the top of "$5,000-10,000".
        assert_eq!(d.gross_bands[7], 1);
        // The default band is $100: -500 and 500 then count as lost and profited.
        let mut d = Disclosure::new(24, crate::outcome::BREAK_EVEN_BAND);
        for net in [-500.0_f64, -100.0, 0.0, 100.0, 100.01, 500.0] {
            d.add(&Money {
                commissions: net.max(0.0),
                retail: 0.0,
                purchases: (-net).max(0.0),
                expenses: 0.0,
            });
        }
        assert_eq!((d.lost_money, d.broke_even, d.profited), (1, 3, 2));
    }
}
