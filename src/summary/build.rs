//! Building a [`Summary`] from a [`Tally`]: shares, intervals, cohort failure rates and the
//! income-disclosure tables, all in the units `summary.json` documents.

use std::collections::BTreeMap;

use super::histogram::net_histogram;
use super::*;
use crate::scenario::Scenario;
use crate::stats::disclosure::{Band, GROSS_BAND_DEFS, NET_BAND_DEFS, SMALL_PROFIT};
use crate::stats::{wilson, ShareEstimate, Tally, Z95};

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
                comparable: t.downline_comparable,
                window_months: crate::model::outcome_window(scenario.months),
                quit_share: share(t.downline_quit, t.downline_comparable),
                lost_money_share: share(t.downline_lost, t.downline_comparable),
                profited_share: share(t.downline_profited, t.downline_comparable),
            },
            capped_careers: t.capped,
            money_at_limit: t.net.at_limit().max(t.disclosure.gross_annual.at_limit()),
            person_months: t.person_months,
            net_income_histogram: net_histogram(t),
            cohort_failure_rates: cohort_rates(t, scenario.cohort_size, failure.share),
            income_disclosure: income_disclosure(t),
            outcome_bands: outcome_bands(t),
            with_product_value: super::kinds::value_included(scenario, t),
            by_kind: super::kinds::by_kind(scenario, t),
        }
    }
}
