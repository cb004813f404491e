//! The result of a run as numbers a person can read: built from a [`Tally`], printed to the
//! terminal, and serialised as `summary.json`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::outcome::EndReason;
use crate::scenario::Scenario;
use crate::stats::disclosure::{Band, GROSS_BAND_DEFS, NET_BAND_DEFS, SMALL_PROFIT};
use crate::stats::{wilson, MoneySketch, ShareEstimate, Tally, Z95};

/// Months at which survival is quoted in the terminal summary.
pub const SURVIVAL_MILESTONES: [u32; 4] = [3, 6, 12, 24];

/// Percentiles of cumulative net income at the horizon (currency units).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HistogramBin {
    /// Lower edge (inclusive).
    pub bin_low: f64,
    /// Upper edge (exclusive; the last bin includes it).
    pub bin_high: f64,
    /// Items in the bin.
    pub count: u64,
}

/// Distribution of the failure rate across cohorts of `cohort_size` careers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReasonCount {
    /// Reason (snake_case).
    pub reason: String,
    /// Careers that ended this way.
    pub count: u64,
    /// Share of all careers.
    pub share: f64,
}

/// Outcomes of the people the followed distributors recruited (their downlines).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DownlineOutcomes {
    /// People simulated in all downlines.
    pub members: u64,
    /// Share who quit before the horizon.
    pub quit_share: f64,
    /// Share whose cumulative net was below zero.
    pub lost_money_share: f64,
    /// Share whose cumulative net was above zero.
    pub profited_share: f64,
}

/// One band of an income-disclosure table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisclosureTable {
    /// Bands in ascending order; shares sum to one.
    pub rows: Vec<DisclosureRow>,
    /// Mean annual amount per career.
    pub mean: f64,
    /// Median annual amount per career (within 1%, see `MoneySketch`).
    pub median: f64,
}

/// What an income-disclosure statement shows, and what it leaves out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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

/// Everything `summary.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Share of careers per end reason (quit reasons and the two active states).
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
}

fn share(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

fn ci(e: &ShareEstimate) -> [f64; 2] {
    [e.ci_low, e.ci_high]
}

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

fn net_histogram(t: &Tally) -> Vec<HistogramBin> {
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

fn cohort_rates(t: &Tally, cohort_size: u64, overall: f64) -> CohortFailureRates {
    let cohorts: u64 = t.cohort_failures.iter().sum();
    let cs = cohort_size as f64;
    let (mut sum, mut sum_sq) = (0.0, 0.0);
    for (f, &n) in t.cohort_failures.iter().enumerate() {
        let r = f as f64 / cs;
        sum += n as f64 * r;
        sum_sq += n as f64 * r * r;
    }
    let mean = if cohorts > 0 {
        sum / cohorts as f64
    } else {
        0.0
    };
    let sd = if cohorts > 1 {
        ((sum_sq - cohorts as f64 * mean * mean) / (cohorts as f64 - 1.0))
            .max(0.0)
            .sqrt()
    } else {
        0.0
    };
    let pct = |p: f64| -> f64 {
        if cohorts == 0 {
            return 0.0;
        }
        let rank = ((p * cohorts as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (f, &n) in t.cohort_failures.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return f as f64 / cs;
            }
        }
        1.0
    };
    const BINS: usize = 50;
    let mut bins: Vec<HistogramBin> = (0..BINS)
        .map(|i| HistogramBin {
            bin_low: i as f64 / BINS as f64,
            bin_high: (i + 1) as f64 / BINS as f64,
            count: 0,
        })
        .collect();
    for (f, &n) in t.cohort_failures.iter().enumerate() {
        // Integer arithmetic so a rate on a bin edge lands in the same bin everywhere.
        let i = ((f as u64 * BINS as u64) / cohort_size.max(1)).min(BINS as u64 - 1) as usize;
        bins[i].count += n;
    }
    CohortFailureRates {
        cohort_size,
        cohorts,
        mean,
        sd,
        binomial_sd: (overall * (1.0 - overall) / cs).sqrt(),
        p10: pct(0.10),
        p90: pct(0.90),
        bins,
    }
}

fn disclosure_table(
    defs: &[Band],
    counts: &[u64],
    n: u64,
    mean: f64,
    median: f64,
) -> DisclosureTable {
    DisclosureTable {
        rows: defs
            .iter()
            .zip(counts)
            .map(|(b, &c)| {
                let e = wilson(c, n, Z95);
                DisclosureRow {
                    band: b.label.to_string(),
                    low: b.low,
                    high: b.high,
                    careers: c,
                    share: e.share,
                    share_ci: ci(&e),
                }
            })
            .collect(),
        mean,
        median,
    }
}

fn income_disclosure(t: &Tally) -> IncomeDisclosure {
    let d = &t.disclosure;
    let years = d.years();
    let n = t.careers;
    let mean = |cents: i128| {
        if n == 0 {
            0.0
        } else {
            cents as f64 / n as f64 / 100.0 / years
        }
    };
    IncomeDisclosure {
        years,
        company_payments: disclosure_table(
            &GROSS_BAND_DEFS,
            &d.gross_bands,
            n,
            mean(t.commissions_cents),
            d.gross_annual.quantile(0.5).unwrap_or(0.0),
        ),
        net: disclosure_table(
            &NET_BAND_DEFS,
            &d.net_bands,
            n,
            mean(t.net_cents),
            t.net.quantile(0.5).unwrap_or(0.0) / years,
        ),
    }
}

fn outcome_bands(t: &Tally) -> OutcomeBands {
    let d = &t.disclosure;
    let n = t.careers;
    let lost = wilson(d.lost_money, n, Z95);
    let even = wilson(d.broke_even, n, Z95);
    let prof = wilson(d.profited, n, Z95);
    let small = wilson(d.profited_small, d.profited, Z95);
    OutcomeBands {
        break_even_band: d.break_even_cents as f64 / 100.0,
        lost_money: lost.share,
        lost_money_ci: ci(&lost),
        broke_even: even.share,
        broke_even_ci: ci(&even),
        profited: prof.share,
        profited_ci: ci(&prof),
        small_profit_below: SMALL_PROFIT,
        profited_small_share: small.share,
        profited_small_share_ci: ci(&small),
    }
}

impl Summary {
    /// Build the summary of `tally` for `scenario`.
    pub fn new(scenario: &Scenario, t: &Tally) -> Summary {
        let n = t.careers;
        let failure = wilson(t.failures(), n, Z95);
        let profitable = wilson(t.profitable, n, Z95);
        let mut quit_reasons = BTreeMap::new();
        let mut quit_reason_counts = Vec::new();
        for r in EndReason::ALL {
            let c = t.count(r);
            quit_reasons.insert(r.as_str().to_string(), share(c, n));
            quit_reason_counts.push(ReasonCount {
                reason: r.as_str().to_string(),
                count: c,
                share: share(c, n),
            });
        }
        let surv: Vec<ShareEstimate> = t.active().iter().map(|&a| wilson(a, n, Z95)).collect();
        let cents_mean = |c: i128| {
            if n == 0 {
                0.0
            } else {
                c as f64 / n as f64 / 100.0
            }
        };
        let mean_cents = if n == 0 {
            0.0
        } else {
            t.net_cents as f64 / n as f64
        };
        let var_cents = if n > 1 {
            ((t.net_sq_cents as f64 - n as f64 * mean_cents * mean_cents) / (n as f64 - 1.0))
                .max(0.0)
        } else {
            0.0
        };
        let q = |p: f64| t.net.quantile(p).unwrap_or(0.0);
        let recruits_mean = share(t.recruits, n);
        let recruits_variance = if n > 1 {
            ((t.recruits_sq as f64 - n as f64 * recruits_mean * recruits_mean) / (n as f64 - 1.0))
                .max(0.0)
        } else {
            0.0
        };
        Summary {
            version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: scenario.name.clone(),
            slug: scenario.slug(),
            description: scenario.description.clone(),
            scenario_fingerprint: scenario.fingerprint(),
            overrides: scenario.overrides.clone(),
            sources: scenario.sources.clone(),
            careers: n,
            months: scenario.months,
            seed: scenario.seed,
            failure_rate: failure.share,
            failure_rate_ci: ci(&failure),
            failure_rate_se: failure.std_error,
            quit_share: share(t.quits(), n),
            active_losing_share: share(t.count(EndReason::ActiveLosing), n),
            quit_reasons,
            quit_reason_counts,
            survival: surv.iter().map(|e| e.share).collect(),
            survival_ci_low: surv.iter().map(|e| e.ci_low).collect(),
            survival_ci_high: surv.iter().map(|e| e.ci_high).collect(),
            months_active_mean: share(t.months_active, n),
            net_income: NetIncome {
                mean: mean_cents / 100.0,
                std_error: (var_cents / n.max(1) as f64).sqrt() / 100.0,
                p5: q(0.05),
                p25: q(0.25),
                p50: q(0.50),
                p75: q(0.75),
                p95: q(0.95),
            },
            money: MoneyMeans {
                commissions: cents_mean(t.commissions_cents),
                retail_profit: cents_mean(t.retail_cents),
                purchases: cents_mean(t.purchases_cents),
                expenses: cents_mean(t.expenses_cents),
                net: cents_mean(t.net_cents),
            },
            profitable_share: profitable.share,
            profitable_share_ci: ci(&profitable),
            recruits_mean,
            recruits_variance,
            customers_mean: share(t.customers, n),
            downline_size_mean: share(t.downline_size, n),
            downline: DownlineOutcomes {
                members: t.downline_size,
                quit_share: share(t.downline_quit, t.downline_size),
                lost_money_share: share(t.downline_lost, t.downline_size),
                profited_share: share(t.downline_profited, t.downline_size),
            },
            capped_careers: t.capped,
            person_months: t.person_months,
            net_income_histogram: net_histogram(t),
            cohort_failure_rates: cohort_rates(t, scenario.cohort_size, failure.share),
            income_disclosure: income_disclosure(t),
            outcome_bands: outcome_bands(t),
        }
    }

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

    /// The readable terminal summary.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} — {} careers x {} months, seed {}",
            self.scenario,
            group(self.careers as f64, 0),
            self.months,
            self.seed
        );
        let _ = writeln!(
            s,
            "  Failure rate      {}  (95% CI {} to {})  = quit {} + still in but not profitable {}",
            pct(self.failure_rate),
            pct(self.failure_rate_ci[0]),
            pct(self.failure_rate_ci[1]),
            pct(self.quit_share),
            pct(self.active_losing_share)
        );
        let _ = writeln!(s, "  How careers ended");
        for rc in &self.quit_reason_counts {
            let reason = EndReason::ALL
                .iter()
                .find(|r| r.as_str() == rc.reason)
                .map(|r| r.label())
                .unwrap_or("?");
            let bar = "#".repeat((rc.share * 40.0).round() as usize);
            let _ = writeln!(s, "    {:<22}{:>7}  {}", reason, pct(rc.share), bar);
        }
        let milestones: Vec<String> = SURVIVAL_MILESTONES
            .iter()
            .filter_map(|m| {
                self.survival_at(*m)
                    .map(|v| format!("month {m}: {}", pct(v)))
            })
            .collect();
        let _ = writeln!(s, "  Still in business {}", milestones.join("   "));
        let n = &self.net_income;
        let _ = writeln!(
            s,
            "  Net income        mean {} (±{})   P5 {}  P25 {}  median {}  P75 {}  P95 {}",
            money(n.mean),
            money(1.96 * n.std_error),
            money(n.p5),
            money(n.p25),
            money(n.p50),
            money(n.p75),
            money(n.p95)
        );
        let m = &self.money;
        let _ = writeln!(
            s,
            "    per career      commissions {} + retail profit {} - purchases {} - expenses {}",
            money(m.commissions),
            money(m.retail_profit),
            money(m.purchases),
            money(m.expenses)
        );
        let _ = writeln!(
            s,
            "  Made a profit     {}  (95% CI {} to {})",
            pct(self.profitable_share),
            pct(self.profitable_share_ci[0]),
            pct(self.profitable_share_ci[1])
        );
        let o = &self.outcome_bands;
        let _ = writeln!(
            s,
            "  As surveys ask    lost money {}  broke even (within ±{}) {}  profited {} ({} of them under {})",
            pct(o.lost_money),
            money(o.break_even_band),
            pct(o.broke_even),
            pct(o.profited),
            pct(o.profited_small_share),
            money(o.small_profit_below)
        );
        let g = &self.income_disclosure.company_payments;
        let zero = g.rows.first().map_or(0.0, |r| r.share);
        let at_most_1000: f64 = g.rows.iter().take(5).map(|r| r.share).sum();
        let _ = writeln!(
            s,
            "  Per year          company payments: {} got $0, {} got $1,000 or less; mean {}, median {}; net mean {}",
            pct(zero),
            pct(at_most_1000),
            money(g.mean),
            money(g.median),
            money(self.income_disclosure.net.mean)
        );
        let _ = writeln!(
            s,
            "  Recruiting        {:.2} direct recruits, {:.2} people in the downline, {:.2} customers (means)",
            self.recruits_mean, self.downline_size_mean, self.customers_mean
        );
        if self.downline.members > 0 {
            let d = &self.downline;
            let _ = writeln!(
                s,
                "  Their recruits    {} people: {} quit, {} lost money, {} profited",
                group(d.members as f64, 0),
                pct(d.quit_share),
                pct(d.lost_money_share),
                pct(d.profited_share)
            );
        }
        let c = &self.cohort_failure_rates;
        if c.cohorts > 0 {
            let _ = writeln!(
                s,
                "  Across cohorts    of {}: failure rate {} to {} (10th-90th percentile of {} cohorts)",
                c.cohort_size,
                pct(c.p10),
                pct(c.p90),
                group(c.cohorts as f64, 0)
            );
        }
        if self.capped_careers > 0 {
            let _ = writeln!(
                s,
                "  Note              {} careers hit a size cap (downline.max_size, or 1,000,000 customers); their income is understated",
                self.capped_careers
            );
        }
        s
    }
}

// Number formatting moved to `crate::fmt` (issue 10); the old names stay as re-exports until
// the app/ move lands and every caller has switched.
pub use crate::fmt::{money, percent as pct, thousands as group};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_width_rounds_up_to_a_round_step() {
        assert_eq!(nice_width(1000.0, 40), 50.0);
    }
}
