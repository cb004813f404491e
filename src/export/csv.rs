//! The CSV files of a run: tidy tables (one row per observation, one column per variable) for
//! spreadsheets, R and pandas. Every column and its unit is documented in `docs/output.md`.
//!
//! Each table is a `#[derive(Serialize)]` row struct written with `csv::Writer::serialize`, so
//! the header and the rows cannot drift apart. The per-career file (`careers.csv`) is different:
//! it may hold millions of rows, so it is streamed through [`CareersCsv`] while the careers are
//! simulated instead of being rendered from the summary.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use super::Exporter;
use crate::outcome::{CareerOutcome, EndReason};
use crate::scenario::ParamId;
use crate::summary::{HistogramBin, Summary, SURVIVAL_MILESTONES};

/// Serialise `rows` as a CSV table with a header row.
fn table<R: Serialize>(rows: impl IntoIterator<Item = R>) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.serialize(row)?;
    }
    Ok(w.into_inner().map_err(|e| e.into_error())?)
}

/// `summary.csv`: one row, one column per headline number (the numbers of `summary.json`,
/// flattened).
pub struct SummaryCsv;

/// One row of `summary.csv`. Shares are between 0 and 1; money is in currency units per
/// followed career.
#[derive(Debug, Serialize)]
struct SummaryRow<'a> {
    scenario: &'a str,
    slug: &'a str,
    scenario_fingerprint: &'a str,
    version: &'a str,
    careers: u64,
    months: u32,
    seed: u64,
    failure_rate: f64,
    failure_rate_ci_low: f64,
    failure_rate_ci_high: f64,
    failure_rate_se: f64,
    quit_share: f64,
    active_losing_share: f64,
    quit_share_financial_loss: f64,
    quit_share_rejection_burnout: f64,
    quit_share_awkward_with_friends_and_family: f64,
    quit_share_disillusioned: f64,
    quit_share_inactive: f64,
    quit_share_unsupported: f64,
    quit_share_life_event: f64,
    quit_share_active_profitable: f64,
    quit_share_active_losing: f64,
    /// Empty when the horizon is shorter than the milestone.
    survival_month_3: Option<f64>,
    survival_month_6: Option<f64>,
    survival_month_12: Option<f64>,
    survival_month_24: Option<f64>,
    months_active_mean: f64,
    net_income_mean: f64,
    net_income_se: f64,
    net_income_p5: f64,
    net_income_p25: f64,
    net_income_p50: f64,
    net_income_p75: f64,
    net_income_p95: f64,
    profitable_share: f64,
    profitable_share_ci_low: f64,
    profitable_share_ci_high: f64,
    commissions_mean: f64,
    retail_profit_mean: f64,
    purchases_mean: f64,
    expenses_mean: f64,
    net_mean: f64,
    recruits_mean: f64,
    recruits_variance: f64,
    customers_mean: f64,
    downline_size_mean: f64,
    downline_members: u64,
    downline_comparable: u64,
    downline_window_months: u32,
    downline_quit_share: f64,
    downline_lost_money_share: f64,
    downline_profited_share: f64,
    capped_careers: u64,
    person_months: u64,
    cohort_size: u64,
    cohorts: u64,
    cohort_failure_rate_mean: f64,
    cohort_failure_rate_sd: f64,
    cohort_failure_rate_binomial_sd: f64,
    cohort_failure_rate_p10: f64,
    cohort_failure_rate_p90: f64,
    outcome_break_even_band: f64,
    outcome_lost_money: f64,
    outcome_broke_even: f64,
    outcome_profited: f64,
    outcome_profited_small_share: f64,
    disclosure_company_payments_mean: f64,
    disclosure_company_payments_median: f64,
    disclosure_net_mean: f64,
    disclosure_net_median: f64,
    /// Issue 12, H2: net including the value of what they bought; empty at product value 0.
    net_mean_with_product_value: Option<f64>,
    profitable_share_with_product_value: Option<f64>,
}

impl Exporter for SummaryCsv {
    fn file_name(&self) -> &str {
        "summary.csv"
    }

    fn render(&self, s: &Summary) -> Result<Vec<u8>> {
        // The milestone columns are spelled out in the row struct; keep them in step.
        debug_assert_eq!(SURVIVAL_MILESTONES, [3, 6, 12, 24]);
        let reason = |r: EndReason| s.quit_reasons.get(r.as_str()).copied().unwrap_or(0.0);
        let c = &s.cohort_failure_rates;
        let row = SummaryRow {
            scenario: &s.scenario,
            slug: &s.slug,
            scenario_fingerprint: &s.scenario_fingerprint,
            version: &s.version,
            careers: s.careers,
            months: s.months,
            seed: s.seed,
            failure_rate: s.failure_rate,
            failure_rate_ci_low: s.failure_rate_ci[0],
            failure_rate_ci_high: s.failure_rate_ci[1],
            failure_rate_se: s.failure_rate_se,
            quit_share: s.quit_share,
            active_losing_share: s.active_losing_share,
            quit_share_financial_loss: reason(EndReason::FinancialLoss),
            quit_share_rejection_burnout: reason(EndReason::RejectionBurnout),
            quit_share_awkward_with_friends_and_family: reason(EndReason::AwkwardWithFriends),
            quit_share_disillusioned: reason(EndReason::Disillusioned),
            quit_share_inactive: reason(EndReason::Inactive),
            quit_share_unsupported: reason(EndReason::Unsupported),
            quit_share_life_event: reason(EndReason::LifeEvent),
            quit_share_active_profitable: reason(EndReason::ActiveProfitable),
            quit_share_active_losing: reason(EndReason::ActiveLosing),
            survival_month_3: s.survival_at(3),
            survival_month_6: s.survival_at(6),
            survival_month_12: s.survival_at(12),
            survival_month_24: s.survival_at(24),
            months_active_mean: s.months_active_mean,
            net_income_mean: s.net_income.mean,
            net_income_se: s.net_income.std_error,
            net_income_p5: s.net_income.p5,
            net_income_p25: s.net_income.p25,
            net_income_p50: s.net_income.p50,
            net_income_p75: s.net_income.p75,
            net_income_p95: s.net_income.p95,
            profitable_share: s.profitable_share,
            profitable_share_ci_low: s.profitable_share_ci[0],
            profitable_share_ci_high: s.profitable_share_ci[1],
            commissions_mean: s.money.commissions,
            retail_profit_mean: s.money.retail_profit,
            purchases_mean: s.money.purchases,
            expenses_mean: s.money.expenses,
            net_mean: s.money.net,
            recruits_mean: s.recruits_mean,
            recruits_variance: s.recruits_variance,
            customers_mean: s.customers_mean,
            downline_size_mean: s.downline_size_mean,
            downline_members: s.downline.members,
            downline_comparable: s.downline.comparable,
            downline_window_months: s.downline.window_months,
            downline_quit_share: s.downline.quit_share,
            downline_lost_money_share: s.downline.lost_money_share,
            downline_profited_share: s.downline.profited_share,
            capped_careers: s.capped_careers,
            person_months: s.person_months,
            cohort_size: c.cohort_size,
            cohorts: c.cohorts,
            cohort_failure_rate_mean: c.mean,
            cohort_failure_rate_sd: c.sd,
            cohort_failure_rate_binomial_sd: c.binomial_sd,
            cohort_failure_rate_p10: c.p10,
            cohort_failure_rate_p90: c.p90,
            outcome_break_even_band: s.outcome_bands.break_even_band,
            outcome_lost_money: s.outcome_bands.lost_money,
            outcome_broke_even: s.outcome_bands.broke_even,
            outcome_profited: s.outcome_bands.profited,
            outcome_profited_small_share: s.outcome_bands.profited_small_share,
            disclosure_company_payments_mean: s.income_disclosure.company_payments.mean,
            disclosure_company_payments_median: s.income_disclosure.company_payments.median,
            disclosure_net_mean: s.income_disclosure.net.mean,
            net_mean_with_product_value: s.with_product_value.map(|v| v.net_mean),
            profitable_share_with_product_value: s.with_product_value.map(|v| v.profitable_share),
            disclosure_net_median: s.income_disclosure.net.median,
        };
        table([row])
    }
}

/// `by_kind.csv` (issue 12, H2): one row per kind of participant, the numbers of
/// `summary.json`'s `by_kind`. Written only when the scenario has kinds.
pub const BY_KIND_FILE: &str = "by_kind.csv";

/// The bytes of [`BY_KIND_FILE`], or `None` when the scenario has no kinds.
pub fn by_kind_csv(s: &Summary) -> Result<Option<Vec<u8>>> {
    if s.by_kind.is_empty() {
        return Ok(None);
    }
    table(s.by_kind.iter().map(|k| ByKindRow {
        kind: &k.kind,
        careers: k.careers,
        share: k.share,
        failure_rate: k.failure_rate,
        failure_rate_ci_low: k.failure_rate_ci[0],
        failure_rate_ci_high: k.failure_rate_ci[1],
        lost_money_share: k.lost_money_share,
        net_mean: k.net_mean,
        net_mean_with_product_value: k.net_with_value_mean,
    }))
    .map(Some)
}

/// One row of `by_kind.csv`: shares between 0 and 1, money per career in currency units.
#[derive(Debug, Serialize)]
struct ByKindRow<'a> {
    kind: &'a str,
    careers: u64,
    share: f64,
    failure_rate: f64,
    failure_rate_ci_low: f64,
    failure_rate_ci_high: f64,
    lost_money_share: f64,
    net_mean: f64,
    net_mean_with_product_value: f64,
}

/// `survival.csv`: one row per month, month 0 (everyone starts) to the horizon.
pub struct SurvivalCsv;

#[derive(Debug, Serialize)]
struct SurvivalRow {
    /// Months since joining; the row describes the end of that month.
    month: u32,
    active_share: f64,
    ci_low: f64,
    ci_high: f64,
    /// Share of those active at the start of the month who quit in it; empty for month 0 and
    /// when nobody was left.
    hazard: Option<f64>,
}

/// Survival rows: month 0 = everyone, then `survival[m - 1]` for month `m`.
fn survival_rows(s: &Summary) -> Vec<SurvivalRow> {
    let mut rows = vec![SurvivalRow {
        month: 0,
        active_share: 1.0,
        ci_low: 1.0,
        ci_high: 1.0,
        hazard: None,
    }];
    let mut before = 1.0;
    for (i, &share) in s.survival.iter().enumerate() {
        rows.push(SurvivalRow {
            month: i as u32 + 1,
            active_share: share,
            ci_low: s.survival_ci_low.get(i).copied().unwrap_or(share),
            ci_high: s.survival_ci_high.get(i).copied().unwrap_or(share),
            hazard: (before > 0.0).then(|| ((before - share) / before).clamp(0.0, 1.0)),
        });
        before = share;
    }
    rows
}

impl Exporter for SurvivalCsv {
    fn file_name(&self) -> &str {
        "survival.csv"
    }

    fn render(&self, s: &Summary) -> Result<Vec<u8>> {
        table(survival_rows(s))
    }
}

/// `quit-reasons.csv`: how careers ended, one row per end reason (quit reasons and the two
/// states of those still in at the horizon), in report order.
pub struct QuitReasonsCsv;

#[derive(Debug, Serialize)]
struct ReasonRow<'a> {
    reason: &'a str,
    label: &'static str,
    count: u64,
    share: f64,
}

impl Exporter for QuitReasonsCsv {
    fn file_name(&self) -> &str {
        "quit-reasons.csv"
    }

    fn render(&self, s: &Summary) -> Result<Vec<u8>> {
        table(s.quit_reason_counts.iter().map(|rc| {
            ReasonRow {
                reason: &rc.reason,
                label: EndReason::ALL
                    .iter()
                    .find(|r| r.as_str() == rc.reason)
                    .map(|r| r.label())
                    .unwrap_or(""),
                count: rc.count,
                share: rc.share,
            }
        }))
    }
}

/// `net-income-histogram.csv`: the histogram of cumulative net income behind the chart.
pub struct NetIncomeHistogramCsv;

impl Exporter for NetIncomeHistogramCsv {
    fn file_name(&self) -> &str {
        "net-income-histogram.csv"
    }

    fn render(&self, s: &Summary) -> Result<Vec<u8>> {
        // `HistogramBin` serialises as bin_low, bin_high, count: exactly the table's columns.
        table::<&HistogramBin>(&s.net_income_histogram)
    }
}

/// `cohort-failure-rates.csv`: how many cohorts had a failure rate in each bin.
pub struct CohortFailureRatesCsv;

#[derive(Debug, Serialize)]
struct CohortRow {
    bin_low: f64,
    bin_high: f64,
    cohorts: u64,
}

impl Exporter for CohortFailureRatesCsv {
    fn file_name(&self) -> &str {
        "cohort-failure-rates.csv"
    }

    fn render(&self, s: &Summary) -> Result<Vec<u8>> {
        table(s.cohort_failure_rates.bins.iter().map(|b| CohortRow {
            bin_low: b.bin_low,
            bin_high: b.bin_high,
            cohorts: b.count,
        }))
    }
}

/// The fixed columns of `careers.csv` (the drawn parameters follow them).
#[derive(Debug, Serialize)]
struct CareerRow {
    career: u64,
    months_active: u32,
    end_reason: &'static str,
    /// 1-based month in which the career ended (its last month), empty if still active.
    month_quit: Option<u32>,
    net_income: f64,
    commissions: f64,
    retail_profit: f64,
    purchases: f64,
    expenses: f64,
    recruits: u64,
    downline_size: u64,
    customers: u64,
    capped: bool,
    /// Kind of participant (`buyer`, `dabbler`, `builder`); empty without a `[kinds]` table.
    kind: Option<&'static str>,
    /// What the purchases were worth to this person (`economics.product_value` x purchases);
    /// 0 at the neutral product value. Net including it = `net_income` + this.
    value_of_purchases: f64,
}

/// The header names of [`CareerRow`], in order.
const CAREER_COLUMNS: [&str; 15] = [
    "career",
    "months_active",
    "end_reason",
    "month_quit",
    "net_income",
    "commissions",
    "retail_profit",
    "purchases",
    "expenses",
    "recruits",
    "downline_size",
    "customers",
    "capped",
    "kind",
    "value_of_purchases",
];

/// `careers.csv`, streamed: one row per followed career, written as the careers are simulated
/// (in career-index order), so memory stays flat however many careers a run has.
///
/// The columns after the fixed ones are the parameters drawn per person (those given as
/// distributions in the scenario), named by their parameter path, in
/// [`Model::varying_ids`](crate::model::Model::varying_ids) order.
pub struct CareersCsv<W: Write> {
    writer: csv::Writer<W>,
    drawn: usize,
    kinds: bool,
}

impl<W: Write> CareersCsv<W> {
    /// The file name inside the result folder.
    pub const FILE_NAME: &'static str = "careers.csv";

    /// Start the table on `out` and write its header; `kinds` says whether the scenario has
    /// kinds of participant (otherwise the `kind` column stays empty).
    pub fn new(out: W, varying: &[ParamId], kinds: bool) -> csv::Result<CareersCsv<W>> {
        // The header is written by hand because the drawn-parameter columns depend on the
        // scenario; rows are then serialised as (fixed struct, drawn values).
        let mut writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(out);
        let header = CAREER_COLUMNS
            .iter()
            .copied()
            .chain(varying.iter().map(|id| id.spec().path));
        writer.write_record(header)?;
        Ok(CareersCsv {
            writer,
            drawn: varying.len(),
            kinds,
        })
    }

    /// Append one row per career in `careers` (which must come in career-index order).
    pub fn write(&mut self, careers: &[CareerOutcome]) -> csv::Result<()> {
        for c in careers {
            let p = &c.person;
            debug_assert_eq!(c.drawn.len(), self.drawn);
            let row = CareerRow {
                career: c.index,
                months_active: p.months_active,
                end_reason: p.end.as_str(),
                month_quit: p.quit_month.map(|m| m + 1),
                net_income: p.money.net(),
                commissions: p.money.commissions,
                retail_profit: p.money.retail,
                purchases: p.money.purchases,
                expenses: p.money.expenses,
                recruits: p.recruits,
                downline_size: c.downline_size,
                customers: p.customers,
                capped: c.capped,
                kind: self
                    .kinds
                    .then(|| crate::scenario::Kind::ALL.get(usize::from(c.kind)))
                    .flatten()
                    .map(|k| k.as_str()),
                value_of_purchases: c.purchases_value,
            };
            self.writer.serialize((row, &c.drawn))?;
        }
        Ok(())
    }

    /// Flush everything and hand back the underlying writer.
    pub fn finish(self) -> std::io::Result<W> {
        self.writer.into_inner().map_err(|e| e.into_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{self, Hooks};
    use crate::model::Model;
    use crate::scenario::{parse, Override};
    use std::sync::atomic::AtomicBool;

    fn summary(extra: &[&str]) -> (Summary, crate::scenario::Scenario) {
        let mut o = vec![Override::parse("careers=600").unwrap()];
        o.extend(extra.iter().map(|s| Override::parse(s).unwrap()));
        let s = parse(
            include_str!("../../scenarios/relationship.toml"),
            "relationship.toml",
            &o,
        )
        .unwrap();
        let m = Model::new(&s);
        let cancel = AtomicBool::new(false);
        let h = Hooks {
            progress: &|_| {},
            cancel: &cancel,
        };
        let t = engine::run(&s, &m, 0..s.careers, &h).unwrap();
        (Summary::new(&s, &t), s)
    }

    fn read(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
        let mut r = csv::Reader::from_reader(bytes);
        let h = r.headers().unwrap().iter().map(String::from).collect();
        let rows = r
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        (h, rows)
    }

    #[test]
    fn summary_csv_has_a_column_for_every_end_reason_and_milestone() {
        let (s, _) = summary(&[]);
        let (h, rows) = read(&SummaryCsv.render(&s).unwrap());
        assert_eq!(rows.len(), 1);
        assert_eq!(h.len(), rows[0].len());
        for r in EndReason::ALL {
            let col = format!("quit_share_{}", r.as_str());
            let i = h.iter().position(|c| *c == col).expect(&col);
            let v: f64 = rows[0][i].parse().unwrap();
            assert_eq!(v, s.quit_reasons[r.as_str()]);
        }
        for m in SURVIVAL_MILESTONES {
            assert!(h.contains(&format!("survival_month_{m}")));
        }
    }

    #[test]
    fn survival_starts_at_everyone_and_hazard_matches_the_drop() {
        let (s, _) = summary(&[]);
        let rows = survival_rows(&s);
        assert_eq!(rows.len(), s.months as usize + 1);
        assert_eq!(rows[0].active_share, 1.0);
        for w in rows.windows(2) {
            let h = w[1].hazard.unwrap();
            let expect = 1.0 - w[1].active_share / w[0].active_share;
            assert!((h - expect).abs() < 1e-12);
            assert!(w[1].ci_low <= w[1].active_share && w[1].active_share <= w[1].ci_high);
        }
    }

    #[test]
    fn careers_csv_streams_one_row_per_career_with_drawn_parameters() {
        let (_, sc) = summary(&[]);
        let m = Model::new(&sc);
        let ids = m.varying_ids();
        assert!(!ids.is_empty(), "the scenario should draw some parameters");
        let mut out = CareersCsv::new(Vec::new(), &ids, false).unwrap();
        let mut ws = m.workspace();
        let careers: Vec<_> = (0..50).map(|i| m.career(i, &mut ws)).collect();
        out.write(&careers[..20]).unwrap();
        out.write(&careers[20..]).unwrap();
        let (h, rows) = read(&out.finish().unwrap());
        assert_eq!(h.len(), CAREER_COLUMNS.len() + ids.len());
        assert_eq!(h[CAREER_COLUMNS.len()], ids[0].spec().path);
        assert_eq!(rows.len(), 50);
        for (i, (row, c)) in rows.iter().zip(&careers).enumerate() {
            assert_eq!(row.len(), h.len());
            assert_eq!(row[0], i.to_string());
            assert_eq!(row[2], c.person.end.as_str());
            assert_eq!(row[3].is_empty(), c.person.quit_month.is_none());
            let net: f64 = row[4].parse().unwrap();
            assert_eq!(net, c.person.money.net());
            let drawn: f64 = row[CAREER_COLUMNS.len()].parse().unwrap();
            assert_eq!(drawn, c.drawn[0]);
        }
    }
}
