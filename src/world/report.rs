//! What a company run reports: per replicate company, the figures of issue 11 (company over
//! time, outcomes by join cohort, a calendar-year income-disclosure statement, concentration of
//! commissions, where the money went), then their means and 95% intervals across replicates.
//!
//! Why per replicate first: a company is one realisation of a stochastic tree, and the
//! variation between companies (who the founders happened to recruit) is the honest
//! uncertainty of a company-level figure. Pooling everyone into one table would hide it.
//! [`ReplicateSummary`] is small and serialisable, so shards write them and `merge` can
//! concatenate them in replicate order.

use serde::{Deserialize, Serialize};

use super::{Company, MonthCounts};
use crate::outcome::EndReason;
use crate::scenario::CompanySettings;
use crate::stats::disclosure::{gross_band, net_band, GROSS_BANDS, NET_BANDS};
use crate::stats::sketch::to_cents;

/// Points of the Lorenz curve: population shares 0, 5%, ..., 100%.
pub const LORENZ_POINTS: usize = 21;

/// Money and outcomes of one group of participants (a join cohort or a rank).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupFigures {
    /// Participants in the group.
    pub participants: u64,
    /// Quit before the horizon, or still in but not profitable (the project's "failure").
    pub failed: u64,
    /// Whole-career net below zero.
    pub lost: u64,
    /// Received no commission at all over their career.
    pub no_payments: u64,
    /// Median whole-career net (currency units).
    pub median_net: f64,
    /// Sum of whole-career nets.
    pub net_sum: f64,
    /// Paid in to the company: starter kits and required purchases.
    pub purchases: f64,
    /// Other business expenses (paid to third parties, not the company).
    pub expenses: f64,
    /// Paid out by the company: commissions.
    pub commissions: f64,
    /// Retail profit on customers' orders.
    pub retail: f64,
    /// Value to the buyers of what they bought: `economics.product_value` x purchases
    /// (issue 12, H2; 0 at the neutral product value). Net including it = `net_sum` + this.
    #[serde(default)]
    pub purchases_value: f64,
}

/// The income-disclosure statement of one calendar year of one company.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct YearStatement {
    /// Everyone who worked at least one month of the year, quitters included.
    pub participants: u64,
    /// Participants per band of the year's company payments.
    pub gross_bands: Vec<u64>,
    /// Participants per band of the year's net income.
    pub net_bands: Vec<u64>,
    /// Mean of the year's company payments.
    pub gross_mean: f64,
    /// Median of the year's company payments.
    pub gross_median: f64,
    /// Share with no company payment in the year.
    pub zero_share: f64,
    /// Mean net income in the year.
    pub net_mean: f64,
    /// Median net income in the year.
    pub net_median: f64,
    /// Share whose net income in the year was below zero.
    pub lost_share: f64,
    /// Share of the year's commissions paid to the top 0.1%, 1% and 10% of participants.
    pub top_shares: [f64; 3],
    /// Gini coefficient of the year's commissions among participants.
    pub gini: f64,
    /// Lorenz curve: share of commissions held by the bottom 0%, 5%, ..., 100%.
    pub lorenz: Vec<f64>,
    /// Mean payment of the top 0.01%, when there are at least 10,000 participants.
    pub top_0_01_mean: Option<f64>,
}

/// Everything reported about one replicate company.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicateSummary {
    /// Replicate index.
    pub replicate: u64,
    /// Month by month counts.
    pub months: Vec<MonthCounts>,
    /// By join cohort: 0 = founders, y = first worked in year y.
    pub cohorts: Vec<GroupFigures>,
    /// By highest rank reached (0 = none).
    pub ranks: Vec<GroupFigures>,
    /// The disclosure year's statement.
    pub statement: YearStatement,
    /// Joins were refused at `company.max_participants`.
    pub capped: bool,
    /// Person-months simulated.
    pub person_months: u64,
    /// By kind of participant, in the order buyer, dabbler, builder (issue 12, H2); empty
    /// when the scenario has no kinds.
    #[serde(default)]
    pub kinds: Vec<GroupFigures>,
    /// Whether some kind values the product (`economics.product_value > 0`): then the
    /// reports show net including the value of what was bought.
    #[serde(default)]
    pub product_valued: bool,
    /// How every participant's career ended (or stands at the horizon), counted per
    /// [`EndReason::ALL`] entry, in that order: quit reasons and the two still-active outcomes.
    /// Empty in shard files written before it existed.
    #[serde(default)]
    pub end_reasons: Vec<u64>,
    /// Whole careers of everyone who ever joined in the surveys' bands: lost money (net below
    /// minus the break-even band), broke even (within it), profited (above it). Empty in shard
    /// files written before it existed.
    #[serde(default)]
    pub outcome_bands: Vec<u64>,
}

impl ReplicateSummary {
    /// Summarise one simulated company.
    pub fn new(replicate: u64, company: &Company, s: &CompanySettings) -> ReplicateSummary {
        let whole = CareerFigures::new(company, s);
        ReplicateSummary {
            replicate,
            months: company.months.clone(),
            cohorts: whole.cohorts,
            ranks: whole.ranks,
            statement: statement(company, s.disclosure_year),
            capped: company.capped,
            person_months: company.person_months,
            kinds: whole.kinds,
            product_valued: company.product_values.iter().any(|v| *v > 0.0),
            end_reasons: whole.end_reasons,
            outcome_bands: whole.outcome_bands,
        }
    }
}

/// How careers ended across replicate companies: for each reason of [`EndReason::ALL`], its
/// share of everyone who ever joined and, for quit reasons, its share of those who quit, each
/// as a mean with its interval across companies. Empty when the summaries carry no counts (shard
/// files written before they existed). Companies with nobody (or no quitter) are left out of
/// the corresponding figure rather than counted as 0.
pub fn end_reason_shares(reps: &[ReplicateSummary]) -> Vec<(EndReason, Across, Option<Across>)> {
    if reps.is_empty() || reps.iter().any(|r| r.end_reasons.len() != EndReason::COUNT) {
        return Vec::new();
    }
    let quits_of = |r: &ReplicateSummary| -> u64 {
        EndReason::ALL
            .iter()
            .zip(&r.end_reasons)
            .filter(|(e, _)| e.is_quit())
            .map(|(_, n)| n)
            .sum()
    };
    EndReason::ALL
        .iter()
        .enumerate()
        .map(|(i, reason)| {
            let of_all: Vec<f64> = reps
                .iter()
                .filter_map(|r| {
                    let n: u64 = r.end_reasons.iter().sum();
                    (n > 0).then(|| r.end_reasons[i] as f64 / n as f64)
                })
                .collect();
            let of_quits: Vec<f64> = reps
                .iter()
                .filter_map(|r| {
                    let q = quits_of(r);
                    (q > 0).then(|| r.end_reasons[i] as f64 / q as f64)
                })
                .collect();
            let quit_share = (reason.is_quit() && !of_quits.is_empty()).then(|| across(&of_quits));
            (*reason, across(&of_all), quit_share)
        })
        .collect()
}

/// The whole-career figures of a company's participants, gathered in one pass over the
/// records (136 bytes each; a pass per figure was a few percent of a company run).
struct CareerFigures {
    /// By join cohort.
    cohorts: Vec<GroupFigures>,
    /// By best rank held.
    ranks: Vec<GroupFigures>,
    /// By kind of participant (empty when the scenario has no kinds).
    kinds: Vec<GroupFigures>,
    /// Participants per end reason, in [`EndReason::ALL`] order.
    end_reasons: Vec<u64>,
    /// Participants who lost money, broke even and profited, with the scenario's
    /// `break_even_band` the half-width of "broke even" (the rule of `calibrate`'s
    /// `lost_money`, `broke_even` and `profited`).
    outcome_bands: Vec<u64>,
}

impl CareerFigures {
    fn new(company: &Company, s: &CompanySettings) -> CareerFigures {
        let kinds = if company.kinds {
            crate::scenario::Kind::COUNT
        } else {
            0
        };
        let mut cohorts = Groups::new(s.years as usize + 1);
        let mut ranks = Groups::new(s.ranks.len() + 1);
        let mut by_kind = Groups::new(kinds);
        let mut end_reasons = vec![0; EndReason::COUNT];
        let mut outcome_bands = vec![0; 3];
        let band = s.break_even_band;
        for m in &company.members {
            let end = m.end();
            let net = m.state.money.net();
            let value = company.product_values[usize::from(m.kind)];
            cohorts.add(m.cohort() as usize, m, end, net, value);
            ranks.add(m.best_rank as usize, m, end, net, value);
            if kinds > 0 {
                by_kind.add(m.kind as usize, m, end, net, value);
            }
            if let Some(i) = EndReason::ALL.iter().position(|r| *r == end) {
                end_reasons[i] += 1;
            }
            let i = if net < -band {
                0
            } else if net <= band {
                1
            } else {
                2
            };
            outcome_bands[i] += 1;
        }
        CareerFigures {
            cohorts: cohorts.finish(),
            ranks: ranks.finish(),
            kinds: by_kind.finish(),
            end_reasons,
            outcome_bands,
        }
    }
}

/// [`GroupFigures`] of one grouping being gathered, with each group's nets for its median.
struct Groups {
    figures: Vec<GroupFigures>,
    nets: Vec<Vec<f64>>,
}

impl Groups {
    fn new(groups: usize) -> Groups {
        Groups {
            figures: vec![GroupFigures::default(); groups],
            nets: vec![Vec::new(); groups],
        }
    }

    /// Count participant `m` in group `g` (the last group takes any beyond it), whose career
    /// ended for `end` with whole-career `net`, buying products worth `value` a unit.
    fn add(&mut self, g: usize, m: &super::Member, end: EndReason, net: f64, value: f64) {
        let g = g.min(self.figures.len() - 1);
        let f = &mut self.figures[g];
        let money = &m.state.money;
        f.participants += 1;
        f.failed += u64::from(end.is_quit() || net <= 0.0);
        f.lost += u64::from(net < 0.0);
        f.no_payments += u64::from(money.commissions <= 0.0);
        f.net_sum += net;
        f.purchases += money.purchases;
        f.expenses += money.expenses;
        f.commissions += money.commissions;
        f.retail += money.retail;
        f.purchases_value += value * money.purchases;
        self.nets[g].push(net);
    }

    fn finish(self) -> Vec<GroupFigures> {
        let mut out = self.figures;
        for (f, mut v) in out.iter_mut().zip(self.nets) {
            f.median_net = median(&mut v);
        }
        out
    }
}

/// Median (mean of the middle two for an even count); 0 for an empty list.
fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    // A selection, not a sort: linear, and it picks the same order statistics.
    let n = v.len();
    let (below, mid, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    let mid = *mid;
    if n % 2 == 1 {
        mid
    } else {
        // The largest of the lower half is the other middle value.
        let lower = below.iter().copied().max_by(f64::total_cmp).unwrap_or(mid);
        (lower + mid) / 2.0
    }
}

/// The statement of calendar year `year` (1-based), computed the way companies compute
/// theirs: everyone who worked in the year, quitters included, by the year's payments.
fn statement(company: &Company, year: u32) -> YearStatement {
    let (first, last) = (12 * (year - 1), 12 * year - 1);
    let mut gross: Vec<f64> = Vec::new();
    let mut net: Vec<f64> = Vec::new();
    let mut st = YearStatement {
        gross_bands: vec![0; GROSS_BANDS],
        net_bands: vec![0; NET_BANDS],
        ..YearStatement::default()
    };
    for m in &company.members {
        let start = u32::from(m.start_month);
        let worked_in_year = start <= last && m.quit_month().is_none_or(|q| q >= first);
        if !worked_in_year {
            continue;
        }
        st.gross_bands[gross_band(to_cents(m.year_commissions))] += 1;
        st.net_bands[net_band(to_cents(m.year_net))] += 1;
        gross.push(m.year_commissions);
        net.push(m.year_net);
    }
    let n = gross.len();
    st.participants = n as u64;
    if n == 0 {
        st.lorenz = vec![0.0; LORENZ_POINTS];
        return st;
    }
    let nf = n as f64;
    st.zero_share = gross.iter().filter(|g| **g <= 0.0).count() as f64 / nf;
    st.lost_share = net.iter().filter(|x| **x < 0.0).count() as f64 / nf;
    st.net_mean = net.iter().sum::<f64>() / nf;
    st.net_median = median(&mut net);
    // The concentration figures below need the payments sorted ascending anyway.
    gross.sort_unstable_by(f64::total_cmp);
    st.gross_median = median(&mut gross);
    let total: f64 = gross.iter().sum();
    st.gross_mean = total / nf;
    // Concentration over the sorted payments.
    let top_share = |share: f64| -> f64 {
        if total <= 0.0 {
            return 0.0;
        }
        // At least one person: "the top 1%" of 50 people is their best-paid one.
        let k = ((nf * share).ceil() as usize).clamp(1, n);
        gross[n - k..].iter().sum::<f64>() / total
    };
    st.top_shares = [top_share(0.001), top_share(0.01), top_share(0.1)];
    if n >= 10_000 {
        let k = n / 10_000;
        st.top_0_01_mean = Some(gross[n - k..].iter().sum::<f64>() / k as f64);
    }
    // Gini = sum_i (2i - n - 1) x_i / (n sum x), x ascending, i 1-based.
    st.gini = if total > 0.0 {
        gross
            .iter()
            .enumerate()
            .map(|(i, x)| (2.0 * (i as f64 + 1.0) - nf - 1.0) * x)
            .sum::<f64>()
            / (nf * total)
    } else {
        0.0
    };
    let mut cumulative = Vec::with_capacity(n + 1);
    let mut running = 0.0;
    cumulative.push(0.0);
    for x in &gross {
        running += x;
        cumulative.push(running);
    }
    st.lorenz = (0..LORENZ_POINTS)
        .map(|i| {
            let k = (n * i) / (LORENZ_POINTS - 1);
            if total > 0.0 {
                cumulative[k] / total
            } else {
                i as f64 / (LORENZ_POINTS - 1) as f64
            }
        })
        .collect();
    st
}

/// A figure across replicate companies: the mean and a 95% interval for it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Across {
    /// Mean over replicates.
    pub mean: f64,
    /// Lower end of the 95% interval (Student t over replicates; equal to the mean for one).
    pub low: f64,
    /// Upper end of the 95% interval.
    pub high: f64,
}

/// Mean and 95% t interval of `values` (one per replicate).
pub fn across(values: &[f64]) -> Across {
    let r = values.len();
    if r == 0 {
        return Across {
            mean: 0.0,
            low: 0.0,
            high: 0.0,
        };
    }
    let mean = values.iter().sum::<f64>() / r as f64;
    if r == 1 {
        return Across {
            mean,
            low: mean,
            high: mean,
        };
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (r - 1) as f64;
    let half = t95(r - 1) * (var / r as f64).sqrt();
    Across {
        mean,
        low: mean - half,
        high: mean + half,
    }
}

/// Two-sided 95% Student t quantile for `df` degrees of freedom.
pub fn t95(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => TABLE[df - 1],
        31..=60 => 2.042 - (df - 30) as f64 * (2.042 - 2.000) / 30.0,
        61..=120 => 2.000 - (df - 60) as f64 * (2.000 - 1.980) / 60.0,
        _ => crate::stats::ci::Z95,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_even_and_odd_lists() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&mut []), 0.0);
    }

    #[test]
    fn interval_across_replicates_uses_student_t() {
        let a = across(&[1.0, 2.0, 3.0]);
        assert_eq!(a.mean, 2.0);
        // sd 1, se 1/sqrt(3), t(2) = 4.303.
        assert!((a.high - 2.0 - 4.303 / 3f64.sqrt()).abs() < 1e-9);
        assert_eq!(across(&[5.0]).low, 5.0);
    }
}
