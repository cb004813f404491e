//! `mlm-sim sensitivity --metric NAME`: the one-at-a-time tornado on any reported figure
//! ([`Metric`]: lost-money share, median net, survival at month m, a quit-reason share, ...),
//! not only the failure rate.
//!
//! Why a separate path: the failure-rate report (sensitivity.rs) keeps its columns unchanged
//! for existing readers, while another metric needs its own units and its own intervals. For
//! the failure rate, the profitable share and the quit share the change is a **paired**
//! difference (the same careers, counted jointly, docs/compare.md). For every other metric the
//! summary holds no joint counts, so the interval is the **unpaired** one,
//! `1.96 sqrt(se_base^2 + se_variant^2)`: conservative, since common random numbers make the
//! two estimates positively correlated. Metrics without a standard error (a median of company
//! payments) show the change alone.

use std::fmt::Write as _;

use anyhow::Result;

use super::precision::Stopped;
use super::sensitivity::LEVERS;
use super::{chart_files, footnote, StudyReport};
use crate::calibrate::metric::Kind;
use crate::calibrate::Metric;
use crate::charts::{self, ChartText, TornadoRow};
use crate::engine::PairedTally;
use crate::export::charts::ChartSet;
use crate::scenario::Scenario;
use crate::stats::paired::Binary;
use crate::stats::Z95;

/// A change of the metric, with its 95% interval (equal to the change when unknown).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    /// Variant minus baseline.
    pub diff: f64,
    /// Lower 95% bound.
    pub ci_low: f64,
    /// Upper 95% bound.
    pub ci_high: f64,
}

/// The effect of one lever on the metric.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricEffect {
    /// Words for the chart.
    pub label: String,
    /// Scenario key.
    pub key: String,
    /// Whether the lever is off and was not moved.
    pub off: bool,
    /// Mean value of the lever: unchanged, down, up.
    pub values: [f64; 3],
    /// The metric: unchanged, down, up.
    pub metric: [f64; 3],
    /// Change when moved down.
    pub change_low: Change,
    /// Change when moved up.
    pub change_high: Change,
}

impl MetricEffect {
    /// Largest absolute change; what the ranking uses.
    pub fn swing(&self) -> f64 {
        self.change_low.diff.abs().max(self.change_high.diff.abs())
    }
}

/// The paired outcome a metric is, when it is one.
fn binary(metric: Metric) -> Option<Binary> {
    match metric {
        Metric::FailureRate => Some(Binary::Failed),
        Metric::ProfitableShare => Some(Binary::Profitable),
        Metric::QuitShare => Some(Binary::Quit),
        _ => None,
    }
}

/// Whether the change intervals of `metric` are paired.
pub fn is_paired(metric: Metric) -> bool {
    binary(metric).is_some()
}

/// The one-at-a-time report on `metric`. `moved[i]` is lever `LEVERS[moved[i].0]`'s down and
/// up variants, `None` when it is off; variant 0 is the unchanged scenario.
pub fn report(
    metric: Metric,
    delta: f64,
    moved: &[(usize, Option<(usize, usize)>)],
    scenarios: &[Scenario],
    paired: &PairedTally,
    _stopped: &Stopped,
    set: Option<&ChartSet>,
) -> Result<StudyReport> {
    let base = &scenarios[0];
    let summaries = super::summaries(scenarios, paired);
    let measured: Vec<_> = summaries.iter().map(|s| metric.measure(s)).collect();
    let change = |v: usize| -> Change {
        if let Some(b) = binary(metric) {
            let d = paired.pair(0, v).share_difference(b);
            return Change {
                diff: d.diff,
                ci_low: d.ci_low,
                ci_high: d.ci_high,
            };
        }
        let diff = measured[v].value - measured[0].value;
        let half = match (measured[0].std_error, measured[v].std_error) {
            (Some(a), Some(b)) => Z95 * (a * a + b * b).sqrt(),
            _ => 0.0,
        };
        Change {
            diff,
            ci_low: diff - half,
            ci_high: diff + half,
        }
    };
    let none = Change {
        diff: 0.0,
        ci_low: 0.0,
        ci_high: 0.0,
    };
    let mut effects: Vec<MetricEffect> = moved
        .iter()
        .map(|(li, variants)| {
            let (id, label) = LEVERS[*li];
            let v0 = base.param(id).mean();
            match variants {
                None => MetricEffect {
                    label: label.to_string(),
                    key: id.spec().path.to_string(),
                    off: true,
                    values: [v0; 3],
                    metric: [measured[0].value; 3],
                    change_low: none,
                    change_high: none,
                },
                Some((lo, hi)) => MetricEffect {
                    label: label.to_string(),
                    key: id.spec().path.to_string(),
                    off: false,
                    values: [
                        v0,
                        scenarios[*lo].param(id).mean(),
                        scenarios[*hi].param(id).mean(),
                    ],
                    metric: [measured[0].value, measured[*lo].value, measured[*hi].value],
                    change_low: change(*lo),
                    change_high: change(*hi),
                },
            }
        })
        .collect();
    effects.sort_by(|a, b| {
        a.off
            .cmp(&b.off)
            .then(b.swing().total_cmp(&a.swing()))
            .then(a.key.cmp(&b.key))
    });
    let (scale, unit) = match metric.kind() {
        Kind::Share => (100.0, "points"),
        Kind::Dollars => (1.0, "dollars"),
        Kind::Ratio => (1.0, "ratio"),
    };
    let mut files = vec![(
        "sensitivity.csv".to_string(),
        to_csv(&effects, metric, unit, scale, base.careers, delta)?,
    )];
    let mut text = format!(
        "Sensitivity of {} on {} — each lever x {:.2} and x {:.2}; {} careers x {} months, seed {}, same careers in every variant\n",
        base.name,
        metric.name(),
        1.0 - delta,
        1.0 + delta,
        crate::fmt::thousands(base.careers as f64, 0),
        base.months,
        base.seed
    );
    text.push_str(&text_table(&effects, scale, unit));
    let _ = writeln!(
        text,
        "  Baseline {} {}; intervals {}",
        metric.name(),
        metric.show(measured[0].value),
        if is_paired(metric) {
            "paired (same careers)"
        } else if measured[0].std_error.is_some() {
            "unpaired, conservative (the summary holds no joint counts for this metric)"
        } else {
            "not available (no standard error for this metric)"
        }
    );
    if let Some(set) = set {
        if metric.kind() == Kind::Share {
            let rows: Vec<TornadoRow> = effects
                .iter()
                .map(|e| TornadoRow {
                    lever: e.label.clone(),
                    low_change: scale * e.change_low.diff,
                    high_change: scale * e.change_high.diff,
                })
                .collect();
            let chart_text = ChartText::new(
                format!("{}: what moves {}", base.name, metric.name()),
                footnote(base.careers, base.months, base.seed),
            )
            .with_subtitle(format!(
                "each lever moved down and up by {:.0}% (baseline {})",
                100.0 * delta,
                metric.show(measured[0].value)
            ));
            files.extend(chart_files(
                set,
                "tornado.svg",
                |t, z, f| charts::tornado(t, z, f, &rows),
                &chart_text,
            )?);
        } else {
            let _ = writeln!(
                text,
                "  (No tornado chart: it is drawn in percentage points, for share metrics only.)"
            );
        }
    }
    Ok(StudyReport { files, text })
}

fn to_csv(
    effects: &[MetricEffect],
    metric: Metric,
    unit: &str,
    scale: f64,
    careers: u64,
    delta: f64,
) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "rank",
        "lever",
        "key",
        "switched_off",
        "delta",
        "careers",
        "metric",
        "change_unit",
        "value_base",
        "value_low",
        "value_high",
        "metric_base",
        "metric_low",
        "metric_high",
        "change_low",
        "change_low_ci_low",
        "change_low_ci_high",
        "change_high",
        "change_high_ci_low",
        "change_high_ci_high",
        "swing",
    ])?;
    for (i, e) in effects.iter().enumerate() {
        let mut rec = vec![
            (i + 1).to_string(),
            e.label.clone(),
            e.key.clone(),
            e.off.to_string(),
            delta.to_string(),
            careers.to_string(),
            metric.name(),
            unit.to_string(),
        ];
        rec.extend(e.values.iter().map(|v| v.to_string()));
        rec.extend(e.metric.iter().map(|v| v.to_string()));
        for c in [&e.change_low, &e.change_high] {
            rec.extend([c.diff, c.ci_low, c.ci_high].map(|v| (scale * v).to_string()));
        }
        rec.push((scale * e.swing()).to_string());
        w.write_record(&rec)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

fn text_table(effects: &[MetricEffect], scale: f64, unit: &str) -> String {
    use super::lever_table::{change, LeverRow, LeverTable};
    let show = |c: &Change| change(scale, c.diff, c.ci_low, c.ci_high, 2, "");
    let rows: Vec<LeverRow> = effects
        .iter()
        .map(|e| LeverRow {
            label: &e.label,
            off: e.off,
            down: e.values[1],
            up: e.values[2],
            change_down: show(&e.change_low),
            change_up: show(&e.change_high),
            extra: Vec::new(),
        })
        .collect();
    LeverTable {
        change_down: format!("change down, {unit} (95% CI)"),
        change_up: format!("change up, {unit} (95% CI)"),
        change_width: 34,
        extra: &[],
    }
    .render(&rows)
}
