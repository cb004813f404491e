//! `mlm-sim compare A.toml B.toml [C.toml ...]`: scenarios side by side on the same careers.
//!
//! Every scenario is simulated over the same career indices with the same seed, together
//! ([`crate::engine::run_paired`]), so the difference of each headline metric against the
//! first scenario is estimated career by career. For the binary outcomes (failed, quit, made
//! a profit) and for mean net income the interval of the difference is the paired one; for
//! the other metrics (medians, survival at a month, quit-reason shares) the difference is
//! given without an interval.

use anyhow::Result;
use serde::Serialize;

use super::precision::Stopped;
use super::{chart_file_wanted, check_pairable, footnote, report_chart_files, Study, StudyReport};
use crate::charts::{
    self, ChartText, FailureRateDistribution, GroupedShares, HistBin, NetIncomeSeries, ShareSeries,
    SurvivalPoint, SurvivalSeries,
};
use crate::engine::PairedTally;
use crate::export::charts::ChartSet;
use crate::export::unique_slugs;
use crate::fmt::{money, percent as pct, signed, signed_money};
use crate::outcome::EndReason;
use crate::scenario::Scenario;
use crate::stats::paired::{Binary, DiffEstimate};
use crate::stats::{wilson, Tally, Z95};
use crate::summary::{self, Summary, SURVIVAL_MILESTONES};

/// How a metric's numbers are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A share, shown in percent; differences in percentage points.
    Share,
    /// Money.
    Money,
    /// A plain number (means of counts).
    Number,
}

/// A value with an optional 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Point estimate.
    pub value: f64,
    /// 95% interval, when one is computed.
    pub ci: Option<(f64, f64)>,
}

/// One headline metric across all scenarios.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// Machine name (the `metric` column of comparison.csv).
    pub key: String,
    /// Words for the terminal and report.
    pub label: String,
    /// How to format it.
    pub kind: Kind,
    /// One value per scenario.
    pub values: Vec<Estimate>,
    /// Difference against the first scenario, one per scenario (`None` for the first).
    pub diffs: Vec<Option<Estimate>>,
}

/// The whole comparison: what the terminal, comparison.csv and report.html show.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Scenario names in order.
    pub names: Vec<String>,
    /// Careers simulated per scenario.
    pub careers: u64,
    /// Horizon of each scenario.
    pub months: Vec<u32>,
    /// The common seed.
    pub seed: u64,
    /// Every headline metric.
    pub metrics: Vec<Metric>,
    /// One verdict line per scenario after the first.
    pub verdicts: Vec<String>,
    /// Where the precision target left things, when one was given.
    pub precision: Option<String>,
}

fn share_est(count: u64, n: u64) -> Estimate {
    let e = wilson(count, n, Z95);
    Estimate {
        value: e.share,
        ci: Some((e.ci_low, e.ci_high)),
    }
}

fn diff_est(d: DiffEstimate) -> Estimate {
    Estimate {
        value: d.diff,
        ci: Some((d.ci_low, d.ci_high)),
    }
}

fn plain(v: f64) -> Estimate {
    Estimate { value: v, ci: None }
}

impl Comparison {
    /// Build every metric from the summaries and the paired counts.
    pub fn new(scenarios: &[Scenario], paired: &PairedTally, summaries: &[Summary]) -> Comparison {
        let n = paired.tallies[0].careers;
        let mut metrics = Vec::new();
        let mut push =
            |key: &str,
             label: &str,
             kind: Kind,
             value: &dyn Fn(&Tally, &Summary) -> Estimate,
             paired_diff: Option<&dyn Fn(usize) -> DiffEstimate>| {
                let values: Vec<Estimate> = paired
                    .tallies
                    .iter()
                    .zip(summaries)
                    .map(|(t, s)| value(t, s))
                    .collect();
                let diffs = (0..values.len())
                    .map(|j| {
                        (j > 0).then(|| match &paired_diff {
                            Some(f) => diff_est(f(j)),
                            None => plain(values[j].value - values[0].value),
                        })
                    })
                    .collect();
                metrics.push(Metric {
                    key: key.to_string(),
                    label: label.to_string(),
                    kind,
                    values,
                    diffs,
                });
            };
        let pair_share = |m: Binary| move |j: usize| paired.pair(0, j).share_difference(m);
        push(
            "failure_rate",
            "Failure rate",
            Kind::Share,
            &|t, _| share_est(t.failures(), t.careers),
            Some(&pair_share(Binary::Failed)),
        );
        push(
            "quit_share",
            "Quit before the horizon",
            Kind::Share,
            &|t, _| share_est(t.quits(), t.careers),
            Some(&pair_share(Binary::Quit)),
        );
        push(
            "active_losing_share",
            "Still in, not profitable",
            Kind::Share,
            &|t, _| share_est(t.count(EndReason::ActiveLosing), t.careers),
            None,
        );
        push(
            "profitable_share",
            "Made a profit",
            Kind::Share,
            &|t, _| share_est(t.profitable, t.careers),
            Some(&pair_share(Binary::Profitable)),
        );
        let shortest = scenarios.iter().map(|s| s.months).min().unwrap_or(0);
        for m in SURVIVAL_MILESTONES.iter().filter(|m| **m <= shortest) {
            let i = *m as usize - 1;
            push(
                &format!("still_in_business_month_{m}"),
                &format!("Still in business, month {m}"),
                Kind::Share,
                &|t, _| share_est(t.active()[i], t.careers),
                None,
            );
        }
        let mean_diff = |j: usize| paired.pair(0, j).mean_net_difference();
        push(
            "net_income_mean",
            "Net income, mean",
            Kind::Money,
            &|_, s| Estimate {
                value: s.net_income.mean,
                ci: Some((
                    s.net_income.mean - Z95 * s.net_income.std_error,
                    s.net_income.mean + Z95 * s.net_income.std_error,
                )),
            },
            Some(&mean_diff),
        );
        push(
            "net_income_median",
            "Net income, median",
            Kind::Money,
            &|_, s| plain(s.net_income.p50),
            None,
        );
        push(
            "net_income_p95",
            "Net income, 95th percentile",
            Kind::Money,
            &|_, s| plain(s.net_income.p95),
            None,
        );
        push(
            "months_active_mean",
            "Months in business, mean",
            Kind::Number,
            &|_, s| plain(s.months_active_mean),
            None,
        );
        push(
            "recruits_mean",
            "Direct recruits, mean",
            Kind::Number,
            &|_, s| plain(s.recruits_mean),
            None,
        );
        push(
            "customers_mean",
            "Customers won, mean",
            Kind::Number,
            &|_, s| plain(s.customers_mean),
            None,
        );
        for r in EndReason::ALL {
            push(
                &format!("ended_{}", r.as_str()),
                &format!("Ended: {}", r.label()),
                Kind::Share,
                &|t, _| share_est(t.count(r), t.careers),
                None,
            );
        }
        let names: Vec<String> = scenarios.iter().map(|s| s.name.clone()).collect();
        let verdicts = (1..scenarios.len())
            .map(|j| verdict(&names[0], &names[j], &pair_share(Binary::Failed)(j)))
            .collect();
        Comparison {
            names,
            careers: n,
            months: scenarios.iter().map(|s| s.months).collect(),
            seed: scenarios[0].seed,
            metrics,
            verdicts,
            precision: None,
        }
    }

    /// The metric named `key`.
    pub fn metric(&self, key: &str) -> Option<&Metric> {
        self.metrics.iter().find(|m| m.key == key)
    }

    /// The side-by-side table and verdicts for the terminal.
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let months: Vec<String> = self.months.iter().map(u32::to_string).collect();
        let _ = writeln!(
            s,
            "Compare — {} careers x {} months, seed {}; career k meets the same luck in every scenario",
            crate::fmt::thousands(self.careers as f64, 0),
            if months.iter().all(|m| *m == months[0]) {
                months[0].clone()
            } else {
                months.join("/")
            },
            self.seed
        );
        for (i, name) in self.names.iter().enumerate() {
            let _ = writeln!(s, "  [{}] {}", letter(i), name);
        }
        let mut header = format!("  {:<30}", "");
        for i in 0..self.names.len() {
            header.push_str(&format!("{:>12}", format!("[{}]", letter(i))));
        }
        for j in 1..self.names.len() {
            header.push_str(&format!(
                "   {:<34}",
                format!("[{}] - [A] (95% CI)", letter(j))
            ));
        }
        let _ = writeln!(s, "{}", header.trim_end());
        for m in &self.metrics {
            let mut line = format!("  {:<30}", m.label);
            for v in &m.values {
                line.push_str(&format!("{:>12}", fmt_value(m.kind, v.value)));
            }
            for d in m.diffs.iter().skip(1).flatten() {
                line.push_str(&format!("   {:<34}", fmt_diff(m.kind, d)));
            }
            let _ = writeln!(s, "{}", line.trim_end());
        }
        for v in &self.verdicts {
            let _ = writeln!(s, "  {v}");
        }
        if let Some(p) = &self.precision {
            let _ = writeln!(s, "  Precision: {p}");
        }
        s
    }
}

/// Column letters: A, B, ..., Z, then A27 and so on.
pub fn letter(i: usize) -> String {
    if i < 26 {
        char::from(b'A' + i as u8).to_string()
    } else {
        format!("A{}", i + 1)
    }
}

/// A value as the terminal and report show it.
pub fn fmt_value(kind: Kind, v: f64) -> String {
    match kind {
        Kind::Share => pct(v),
        Kind::Money => money(v),
        Kind::Number => format!("{v:.2}"),
    }
}

/// A difference (with its interval when there is one) as the terminal and report show it.
pub fn fmt_diff(kind: Kind, d: &Estimate) -> String {
    let (v, ci) = match kind {
        Kind::Share => (
            format!("{} pts", signed(100.0 * d.value, 1)),
            d.ci.map(|(l, h)| format!("{:.1} to {:.1}", 100.0 * l, 100.0 * h)),
        ),
        Kind::Money => (
            signed_money(d.value),
            d.ci.map(|(l, h)| format!("{} to {}", money(l), money(h))),
        ),
        Kind::Number => (
            signed(d.value, 2),
            d.ci.map(|(l, h)| format!("{l:.2} to {h:.2}")),
        ),
    };
    match ci {
        Some(ci) => format!("{v} ({ci})"),
        None => v,
    }
}

/// The one-line verdict on failures of `b` against `a`.
pub fn verdict(a: &str, b: &str, d: &DiffEstimate) -> String {
    let (lo, hi) = (100.0 * d.ci_low, 100.0 * d.ci_high);
    if d.ci_high < 0.0 {
        format!(
            "{b}: {:.1} points fewer failures than {a} (95% CI {:.1} to {:.1})",
            -100.0 * d.diff,
            -hi,
            -lo
        )
    } else if d.ci_low > 0.0 {
        format!(
            "{b}: {:.1} points more failures than {a} (95% CI {lo:.1} to {hi:.1})",
            100.0 * d.diff
        )
    } else {
        format!(
            "{b}: no clear difference in failures from {a} ({} points, 95% CI {lo:.1} to {hi:.1})",
            signed(100.0 * d.diff, 1)
        )
    }
}

/// One row of comparison.csv.
#[derive(Debug, Serialize)]
struct CsvRow<'a> {
    /// Scenario name.
    scenario: &'a str,
    /// Metric key.
    metric: &'a str,
    /// Value (shares 0-1, money in currency units).
    value: f64,
    /// Lower 95% bound of the value, if computed.
    ci_low: Option<f64>,
    /// Upper 95% bound of the value, if computed.
    ci_high: Option<f64>,
    /// This scenario's value minus the first scenario's (empty for the first).
    diff_vs_first: Option<f64>,
    /// Lower 95% bound of the paired difference, if computed.
    diff_ci_low: Option<f64>,
    /// Upper 95% bound of the paired difference, if computed.
    diff_ci_high: Option<f64>,
}

/// `comparison.csv`: one row per (scenario, metric).
pub fn to_csv(c: &Comparison) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for m in &c.metrics {
        for (i, name) in c.names.iter().enumerate() {
            let v = &m.values[i];
            let d = m.diffs[i];
            w.serialize(CsvRow {
                scenario: name,
                metric: &m.key,
                value: v.value,
                ci_low: v.ci.map(|c| c.0),
                ci_high: v.ci.map(|c| c.1),
                diff_vs_first: d.map(|d| d.value),
                diff_ci_low: d.and_then(|d| d.ci.map(|c| c.0)),
                diff_ci_high: d.and_then(|d| d.ci.map(|c| c.1)),
            })?;
        }
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The overlay charts, as (file name, SVG bytes).
pub fn charts(
    set: &ChartSet,
    scenarios: &[Scenario],
    paired: &PairedTally,
    summaries: &[Summary],
) -> Result<Vec<(String, Vec<u8>)>> {
    let careers = paired.tallies[0].careers;
    let months = scenarios.iter().map(|s| s.months).max().unwrap_or(0);
    let foot = footnote(careers, months, scenarios[0].seed);
    let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    let title = |what: &str| ChartText::new(format!("{what}: {}", names.join(" vs ")), &foot);
    let mut out = Vec::new();

    let surv: Vec<SurvivalSeries> = summaries
        .iter()
        .map(|s| SurvivalSeries {
            label: s.scenario.clone(),
            // Month 0: everyone has just joined, as in the run's survival chart.
            points: std::iter::once(SurvivalPoint {
                month: 0.0,
                share: 1.0,
                ci_low: 1.0,
                ci_high: 1.0,
            })
            .chain((0..s.survival.len()).map(|t| SurvivalPoint {
                month: (t + 1) as f64,
                share: s.survival[t],
                ci_low: s.survival_ci_low[t],
                ci_high: s.survival_ci_high[t],
            }))
            .collect(),
        })
        .collect();
    out.extend(report_chart_files(
        set,
        "survival.svg",
        |t, z, f| charts::survival(t, z, f, &surv),
        &title("Still in business"),
    )?);

    let grouped = GroupedShares {
        categories: EndReason::ALL
            .iter()
            .map(|r| r.label().to_string())
            .collect(),
        series: summaries
            .iter()
            .map(|s| ShareSeries {
                label: s.scenario.clone(),
                shares: s.quit_reason_counts.iter().map(|r| r.share).collect(),
            })
            .collect(),
    };
    out.extend(report_chart_files(
        set,
        "quit-reasons.svg",
        |t, z, f| charts::quit_reasons(t, z, f, &grouped),
        &title("How careers ended"),
    )?);

    let bins = common_net_bins(&paired.tallies);
    let income: Vec<NetIncomeSeries> = paired
        .tallies
        .iter()
        .zip(summaries)
        .zip(&bins)
        .map(|((_, s), b)| NetIncomeSeries {
            label: s.scenario.clone(),
            bins: b.clone(),
            profitable_share: s.profitable_share,
            median: s.net_income.p50,
        })
        .collect();
    out.extend(report_chart_files(
        set,
        "net-income.svg",
        |t, z, f| charts::net_income(t, z, f, &income),
        &title("Net income at the horizon"),
    )?);

    for (s, slug) in summaries.iter().zip(unique_slugs(scenarios)) {
        let c = &s.cohort_failure_rates;
        let data = FailureRateDistribution {
            bins: crate::export::charts::trimmed_bins(&c.bins)
                .iter()
                .map(HistBin::from)
                .collect(),
            overall: s.failure_rate,
            ci: (s.failure_rate_ci[0], s.failure_rate_ci[1]),
            cohort_size: c.cohort_size,
        };
        let file = format!("failure-rate-{slug}.svg");
        let text = ChartText::new(
            format!("Failure rate across cohorts: {}", s.scenario),
            &foot,
        );
        out.extend(report_chart_files(
            set,
            &file,
            |t, z, f| charts::failure_rate_distribution(t, z, f, &data),
            &text,
        )?);
    }
    Ok(out)
}

/// Net-income histograms of every tally on one set of bins (so overlays line up), from
/// the 1st percentile of the lowest to the 99th of the highest, tails folded into the ends.
fn common_net_bins(tallies: &[Tally]) -> Vec<Vec<HistBin>> {
    let lo = tallies
        .iter()
        .filter_map(|t| t.net.quantile(0.01))
        .fold(f64::INFINITY, f64::min);
    let hi = tallies
        .iter()
        .filter_map(|t| t.net.quantile(0.99))
        .fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || !hi.is_finite() {
        return vec![Vec::new(); tallies.len()];
    }
    tallies
        .iter()
        .map(|t| {
            summary::sketch_histogram(&t.net, lo, hi)
                .iter()
                .map(HistBin::from)
                .collect()
        })
        .collect()
}

/// The result folder name: `compare-<slug>-vs-<slug>...`, kept short enough for any file system.
/// A name cut to fit ends in a hash of the whole name, so two comparisons that differ only
/// past the cut still get different folders (one would otherwise replace the other).
pub fn folder_name(scenarios: &[Scenario]) -> String {
    let full = format!("compare-{}", unique_slugs(scenarios).join("-vs-"));
    if full.len() <= 120 {
        return full;
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in full.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // Slugs are ASCII, so any byte index is a character boundary.
    let kept = full[..120 - 17].trim_end_matches('-');
    format!("{kept}-{h:016x}")
}

/// `mlm-sim compare`: scenarios side by side on the same careers.
#[derive(Debug, Clone)]
pub struct CompareStudy {
    scenarios: Vec<Scenario>,
    precision: Option<f64>,
}

impl CompareStudy {
    /// Compare `scenarios` (two or more; differences are against the first). With
    /// `precision`, stop adding careers once every paired failure-rate difference's 95%
    /// interval is narrower than ± that share.
    pub fn new(scenarios: Vec<Scenario>, precision: Option<f64>) -> Result<CompareStudy> {
        if scenarios.len() < 2 {
            anyhow::bail!("compare needs at least two scenarios");
        }
        if scenarios.len() > super::MAX_VARIANTS {
            anyhow::bail!(
                "compare takes at most {} scenarios, got {}",
                super::MAX_VARIANTS,
                scenarios.len()
            );
        }
        check_pairable(&scenarios)?;
        let cap = scenarios[0].careers;
        if let Some(s) = scenarios.iter().find(|s| s.careers != cap) {
            anyhow::bail!(
                "{} asks for {} careers but {} for {}: compared scenarios simulate the same careers. \
                 Pass --careers N to use one number for all",
                s.file,
                s.careers,
                scenarios[0].file,
                cap
            );
        }
        Ok(CompareStudy {
            scenarios,
            precision,
        })
    }
}

impl Study for CompareStudy {
    fn scenarios(&self) -> &[Scenario] {
        &self.scenarios
    }

    fn folder_name(&self) -> String {
        folder_name(&self.scenarios)
    }

    fn precision(&self) -> Option<f64> {
        self.precision
    }

    fn half_width(&self, paired: &PairedTally) -> f64 {
        (1..self.scenarios.len())
            .map(|j| {
                paired
                    .pair(0, j)
                    .share_difference(Binary::Failed)
                    .half_width()
            })
            .fold(0.0, f64::max)
    }

    fn precision_target(&self) -> &'static str {
        "every failure-rate difference"
    }

    fn report(
        &self,
        scenarios: &[Scenario],
        paired: &PairedTally,
        stopped: &Stopped,
        set: Option<&ChartSet>,
    ) -> Result<StudyReport> {
        let summaries = super::summaries(scenarios, paired);
        let mut comparison = Comparison::new(scenarios, paired, &summaries);
        comparison.precision = stopped.describe(self.precision_target());
        let charts = match set {
            Some(set) => charts(set, scenarios, paired, &summaries)?,
            None => Vec::new(),
        };
        let mut files = vec![("comparison.csv".to_string(), to_csv(&comparison)?)];
        files.extend(
            charts
                .iter()
                .filter(|(name, _)| set.is_some_and(|set| chart_file_wanted(set, name)))
                .cloned(),
        );
        files.push((
            "report.html".to_string(),
            super::compare_html::render(&comparison, &charts)?.into_bytes(),
        ));
        Ok(StudyReport {
            files,
            text: comparison.to_text(),
        })
    }
}
