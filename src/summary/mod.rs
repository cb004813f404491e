//! The numbers a run reports (`summary.json`), built from a [`Tally`]; `text` renders them.
//!
//! The types here are what `summary.json` holds: they derive `Serialize`/`Deserialize` for the
//! file and `JsonSchema` for `docs/summary.schema.json` (see `schema.rs`). Building them from
//! a tally is in `build.rs`, histogram binning in `histogram.rs`, the terminal text in
//! `text.rs`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::outcome::EndReason;
#[cfg(doc)]
use crate::stats::Tally;

mod build;
mod histogram;
mod kinds;
pub mod schema;
mod text;

pub use histogram::{nice_width, sketch_histogram};
pub use kinds::{KindOutcome, ValueIncluded};

/// Months at which survival is quoted in the terminal summary.
pub const SURVIVAL_MILESTONES: [u32; 4] = [3, 6, 12, 24];

/// Percentiles of cumulative net income at the horizon (currency units).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NetIncome {
    /// Mean net income.
    pub mean: f64,
    /// Standard error of the mean.
    pub std_error: f64,
    /// 5th percentile.
    pub p5: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// Mean money flows per followed career (currency units, whole career).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MoneyMeans {
    /// Company payments (commissions).
    pub commissions: f64,
    /// Retail profit.
    pub retail_profit: f64,
    /// Required purchases (starter kit and autoship).
    pub purchases: f64,
    /// Other business expenses.
    pub expenses: f64,
    /// Net: commissions + retail profit - purchases - expenses.
    pub net: f64,
}

/// One histogram bin.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HistogramBin {
    /// Lower edge (inclusive).
    pub bin_low: f64,
    /// Upper edge (exclusive; the last bin includes it).
    pub bin_high: f64,
    /// Items in the bin.
    pub count: u64,
}

/// Distribution of the failure rate across cohorts of `cohort_size` careers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CohortFailureRates {
    /// Careers per cohort.
    pub cohort_size: u64,
    /// Complete cohorts counted (a trailing partial cohort is left out).
    pub cohorts: u64,
    /// Mean failure rate over cohorts (share).
    pub mean: f64,
    /// Standard deviation of the failure rate across cohorts (share).
    pub sd: f64,
    /// The standard deviation a binomial with the overall rate would give:
    /// sqrt(p(1-p)/cohort_size). A larger observed `sd` means heterogeneous people.
    pub binomial_sd: f64,
    /// 10th and 90th percentile cohort failure rates: the range a trainer's classes span.
    pub p10: f64,
    /// See `p10`.
    pub p90: f64,
    /// Histogram of cohort failure rates: bins of width 0.02 over [0, 1].
    pub bins: Vec<HistogramBin>,
}

/// Why careers ended: one entry per reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReasonCount {
    /// Reason (snake_case): financial_loss, rejection_burnout, awkward_with_friends_and_family,
    /// disillusioned, inactive, unsupported, life_event, active_profitable, active_losing.
    pub reason: String,
    /// Careers that ended this way.
    pub count: u64,
    /// Share of all careers.
    pub share: f64,
}

/// Outcomes of the people the followed distributors recruited (their downlines).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DownlineOutcomes {
    /// People simulated in all downlines.
    pub members: u64,
    /// Recruits whose outcomes are comparable (issue 12): every level they are paid on was
    /// simulated, and they joined early enough to work the whole window before the horizon.
    /// The shares below are over these people.
    pub comparable: u64,
    /// Months of tenure the comparable recruits' outcomes are measured over (half the horizon).
    pub window_months: u32,
    /// Share of the comparable recruits who quit within their window.
    pub quit_share: f64,
    /// Share whose cumulative net at the end of their window (or on quitting) was below zero.
    pub lost_money_share: f64,
    /// Share whose cumulative net at the end of their window (or on quitting) was above zero.
    pub profited_share: f64,
}

/// One band of an income-disclosure table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DisclosureRow {
    /// Band label as a statement prints it, e.g. `$50-250`.
    pub band: String,
    /// Lower edge, currency units a year (`None`: unbounded).
    pub low: Option<f64>,
    /// Upper edge, currency units a year (`None`: unbounded).
    pub high: Option<f64>,
    /// Careers in the band.
    pub careers: u64,
    /// Share of all followed careers (quitters included).
    pub share: f64,
    /// 95% Wilson interval of `share`, [low, high].
    pub share_ci: [f64; 2],
}

/// One income-disclosure table: bands, mean and median, in currency units a year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DisclosureTable {
    /// Bands in ascending order; shares sum to one.
    pub rows: Vec<DisclosureRow>,
    /// Mean annual amount per career.
    pub mean: f64,
    /// Median annual amount per career (within 1%, see `MoneySketch`).
    pub median: f64,
}

/// What an income-disclosure statement shows, and what it leaves out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IncomeDisclosure {
    /// Annualisation divisor: each career's amount is divided by the horizon in years
    /// (`months / 12`), whatever the months it was active (docs/output.md, "Income disclosure").
    pub years: f64,
    /// Annual payments from the company (commissions), every followed career counted: the
    /// statement's own table.
    pub company_payments: DisclosureTable,
    /// Annual net income (company payments + retail profit - purchases - expenses), every
    /// followed career counted: what the statement leaves out.
    pub net: DisclosureTable,
}

/// Whole-career net outcome bands, as surveys of participants report them (AARP 2018).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OutcomeBands {
    /// Half-width of "broke even", currency units (whole-career net within ± this).
    pub break_even_band: f64,
    /// Share with net below `-break_even_band`.
    pub lost_money: f64,
    /// 95% interval of `lost_money`.
    pub lost_money_ci: [f64; 2],
    /// Share with net within ±`break_even_band`.
    pub broke_even: f64,
    /// 95% interval of `broke_even`.
    pub broke_even_ci: [f64; 2],
    /// Share with net above `break_even_band`.
    pub profited: f64,
    /// 95% interval of `profited`.
    pub profited_ci: [f64; 2],
    /// Profit threshold for "a small profit", currency units.
    pub small_profit_below: f64,
    /// Share of the profitable (`profited`) whose net is below `small_profit_below`.
    pub profited_small_share: f64,
    /// 95% interval of `profited_small_share`.
    pub profited_small_share_ci: [f64; 2],
}

/// Whether a count is 0 (such optional fields are left out of `summary.json`).
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Everything `summary.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// mlm-sim version that produced it.
    pub version: String,
    /// Scenario name.
    pub scenario: String,
    /// Folder-safe name.
    pub slug: String,
    /// Scenario description.
    pub description: String,
    /// Fingerprint of every resolved parameter (see `Scenario::fingerprint`).
    pub scenario_fingerprint: String,
    /// Command-line overrides applied.
    pub overrides: Vec<String>,
    /// Source notes by parameter path.
    pub sources: BTreeMap<String, String>,
    /// Followed careers simulated.
    pub careers: u64,
    /// Horizon in months.
    pub months: u32,
    /// Master seed.
    pub seed: u64,
    /// Share of careers that failed: quit before the horizon or net <= 0 at it.
    pub failure_rate: f64,
    /// 95% Wilson interval of the failure rate, [low, high].
    pub failure_rate_ci: [f64; 2],
    /// Binomial standard error of the failure rate.
    pub failure_rate_se: f64,
    /// First part of failure: share who quit before the horizon.
    pub quit_share: f64,
    /// Second part of failure: share still active at the horizon with net <= 0.
    pub active_losing_share: f64,
    /// Share of careers per end reason (quit reasons and the two active states), keyed by the
    /// snake_case names listed under `reasons` (awkward_with_friends_and_family included).
    pub quit_reasons: BTreeMap<String, f64>,
    /// The same, with counts, in report order.
    pub quit_reason_counts: Vec<ReasonCount>,
    /// `survival[t]`: share still active at the end of month t (t = 0 is the first month).
    pub survival: Vec<f64>,
    /// Lower 95% bound of each `survival` value.
    pub survival_ci_low: Vec<f64>,
    /// Upper 95% bound of each `survival` value.
    pub survival_ci_high: Vec<f64>,
    /// Mean months worked.
    pub months_active_mean: f64,
    /// Cumulative net income at the horizon (or at quitting).
    pub net_income: NetIncome,
    /// Mean money flows.
    pub money: MoneyMeans,
    /// Share with cumulative net > 0.
    pub profitable_share: f64,
    /// 95% interval of `profitable_share`.
    pub profitable_share_ci: [f64; 2],
    /// Mean direct recruits per followed distributor.
    pub recruits_mean: f64,
    /// Variance of direct recruits.
    pub recruits_variance: f64,
    /// Mean retail customers won.
    pub customers_mean: f64,
    /// Mean people simulated below a followed distributor.
    pub downline_size_mean: f64,
    /// What happened to the recruits.
    pub downline: DownlineOutcomes,
    /// Careers that hit a size cap — the downline reached `downline.max_size`, or someone in
    /// it reached 1,000,000 active customers — so their income is understated.
    pub capped_careers: u64,
    /// Careers whose net income or annual commissions reached $10^10 or more, near the money
    /// limit ($10^13) where amounts are clamped, so money totals and means may be understated
    /// (count). Also a warning in the terminal summary. Written only when not 0, which it is
    /// for every realistic scenario.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub money_at_limit: u64,
    /// Person-months simulated, downline included.
    pub person_months: u64,
    /// Histogram of cumulative net income (tails folded into the end bins).
    pub net_income_histogram: Vec<HistogramBin>,
    /// Distribution of failure rates across cohorts.
    pub cohort_failure_rates: CohortFailureRates,
    /// Income-disclosure tables: company payments and net, per year.
    pub income_disclosure: IncomeDisclosure,
    /// Lost money / broke even / profited, as surveys report them.
    pub outcome_bands: OutcomeBands,
    /// Net including the value to the buyer of what they bought, beside the cash net.
    /// Written only when some kind values the product (`economics.product_value > 0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_product_value: Option<ValueIncluded>,
    /// Outcomes by kind of participant, in the order buyer, dabbler, builder. Written only
    /// when the scenario has kinds (a `[kinds]` table).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_kind: Vec<KindOutcome>,
}

impl Summary {
    /// Share still active at the end of month `m` (1-based: `m = 12` is after a year).
    pub fn survival_at(&self, m: u32) -> Option<f64> {
        (m >= 1)
            .then(|| self.survival.get(m as usize - 1).copied())
            .flatten()
    }

    /// The most common quit reason and its share of all careers, if anyone quit.
    pub fn main_quit_reason(&self) -> Option<(EndReason, f64)> {
        EndReason::ALL
            .iter()
            .filter(|r| r.is_quit())
            .map(|r| {
                (
                    *r,
                    self.quit_reasons.get(r.as_str()).copied().unwrap_or(0.0),
                )
            })
            .filter(|(_, s)| *s > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }
}
