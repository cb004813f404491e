//! `compare`, `sweep` and `sensitivity` on the company world (issue 13).
//!
//! A company scenario simulates `company.replicates = R` independent companies; a study
//! simulates the same R companies under every variant (same seed, so replicate `r` draws the
//! same luck in each: common random numbers). Every reported figure is a mean over companies
//! with a 95% Student-t interval across them, and every change against the first variant is
//! the mean of the **per-company differences** with its own t interval
//! ([`crate::calibrate::company::paired_change`]): the paired estimate, much tighter than the
//! difference of two independent means when the lever moves the companies only a little.
//!
//! Why a separate path from the followed-career studies: those tally careers jointly across
//! variants ([`crate::engine::PairedTally`]), which a company (a whole tree simulated month by
//! month) cannot share. Here each (variant, replicate) company is simulated on the whole
//! thread pool in turn and reduced at once to its measures, so memory stays that of one
//! company.
//!
//! Work: [`expected_work`] estimates a company's person-months (the founders' expected
//! downline in an infinite market, capped by what the market allows), and a study is refused
//! up front when the sum over its variants exceeds `--max-work`.

use std::fmt::Write as _;
use std::sync::atomic::AtomicBool;

use anyhow::{bail, Result};

use super::lever_table::{change as change_text, LeverRow, LeverTable};
use super::sensitivity::LEVERS;
use super::sweep::{Axis, Point};
use super::{chart_files, StudyReport};
use crate::calibrate::company::{paired_change, simulate, CompanyFigures};
use crate::calibrate::metric::Kind;
use crate::calibrate::Metric;
use crate::charts::{self, ChartText, TornadoRow};
use crate::export::charts::ChartSet;
use crate::scenario::Scenario;

/// The figures every company comparison and sweep reports, in this order (any `--metric`
/// chosen is put first).
pub const HEADLINE: &[Metric] = &[
    Metric::FailureRate,
    Metric::LostMoney,
    Metric::NetMedian,
    Metric::CompanyPaymentsZero,
    Metric::Top1PctCommissionShare,
    Metric::Penetration,
    Metric::CompanyGrowth,
    Metric::TurnoverPerYear,
    Metric::RecruitsPerActiveYear,
];

/// Expected person-months of one company scenario (all its replicates): the founders'
/// expected downline over the horizon in an infinite market (the followed-career estimate of
/// [`crate::model::estimate::expected_work`] with the founders as the careers and the whole
/// tree as the depth), capped by what the market allows: `min(market.size,
/// company.max_participants)` participants, each working at most the
/// whole horizon. Saturation only lowers the work, and late joiners work less than a whole
/// horizon, so the estimate errs high. (The bound is the horizon itself, not one expected
/// career: the followed-career estimate of a "career" includes the downline simulated below
/// it, every paid level, which would count each participant's recruits twice.)
pub fn expected_work(s: &Scenario) -> f64 {
    use crate::model::estimate::expected_work as careers_work;
    let Some(c) = &s.company else {
        return careers_work(s).person_months;
    };
    let mut tree = s.clone();
    tree.careers = c.founders;
    tree.depth = s.months;
    let unbounded = careers_work(&tree).person_months;
    let bound = c.market_size.min(c.max_participants) as f64 * f64::from(s.months);
    c.replicates as f64 * unbounded.min(bound)
}

/// Refuse a set of company variants whose total expected work is above `max_work`.
pub fn check_work(variants: &[Scenario], max_work: f64) -> Result<()> {
    let total: f64 = variants.iter().map(expected_work).sum();
    if total > max_work {
        let first = &variants[0];
        let c = first.company.as_ref().expect("company variants");
        bail!(
            "{}: {} variant(s) x {} companies are expected to simulate about {:.2e} person-months \
             in all (each company: the founders' expected downline over {} months, capped by {} \
             participants each working at most the whole horizon), above the limit of {:.2e} (--max-work). Lower it with --set \
             market.size=..., --set company.replicates=... or --set company.years=..., or raise the \
             limit with --max-work {:.0e} if you mean it",
            first.file,
            variants.len(),
            c.replicates,
            total,
            first.months,
            c.market_size.min(c.max_participants),
            max_work,
            (total * 1.5).max(1.0)
        );
    }
    Ok(())
}

/// Check that company variants can be compared company by company: one seed, the same
/// number of replicates, and every variant a company scenario.
pub fn check_pairable(variants: &[Scenario]) -> Result<()> {
    let Some(first) = variants.first() else {
        bail!("nothing to simulate");
    };
    let reps = |s: &Scenario| s.company.as_ref().map(|c| c.replicates);
    for s in variants {
        if s.company.is_none() {
            bail!(
                "{} is a followed-career scenario but {} is a company scenario (kind = \"company\"): \
                 a study compares scenarios of one kind",
                s.file,
                first.file
            );
        }
        if s.seed != first.seed {
            bail!(
                "{} uses seed {} but {} uses seed {}: compared companies must use the same seed so \
                 that company r meets the same luck in each (common random numbers). Pass --seed {} \
                 to use one seed for all",
                s.file,
                s.seed,
                first.file,
                first.seed,
                first.seed
            );
        }
        if reps(s) != reps(first) {
            bail!(
                "{} simulates {} replicate companies but {} simulates {}: pass --set \
                 company.replicates=R to use one number for all",
                s.file,
                reps(s).unwrap_or(0),
                first.file,
                reps(first).unwrap_or(0)
            );
        }
    }
    Ok(())
}

/// How the variants of a company study are laid out.
#[derive(Debug, Clone)]
pub enum Layout {
    /// Scenarios side by side (`compare`).
    Compare,
    /// A grid of one or two keys (`sweep`): each variant's point.
    Sweep {
        /// The swept keys and values.
        axes: Vec<Axis>,
        /// Each variant's indices into the axes' values.
        points: Vec<Point>,
    },
    /// Morris elementary effects (`sensitivity --method morris`): the design's points, in
    /// trajectory order; the metric at each point is its mean over companies.
    Morris(Box<super::morris::MorrisStudy>),
    /// Each lever down and up (`sensitivity`, one at a time).
    Sensitivity {
        /// Relative move.
        delta: f64,
        /// Per lever (index into [`LEVERS`]): its down and up variants, `None` when off.
        moved: Vec<(usize, Option<(usize, usize)>)>,
    },
}

/// A study of company scenarios: variants, how they are laid out, the metric ranked by.
#[derive(Debug, Clone)]
pub struct CompanyStudy {
    /// The variants; variant 0 is the baseline.
    pub scenarios: Vec<Scenario>,
    /// A label per variant (scenario name, `key=value`, `lever down`).
    pub labels: Vec<String>,
    /// Result folder name.
    pub folder: String,
    /// Layout.
    pub layout: Layout,
    /// The metric shown first and ranked by (`--metric`).
    pub metric: Metric,
}

impl CompanyStudy {
    /// Build a company study, checking the variants pair up and measure `metric`.
    pub fn new(
        scenarios: Vec<Scenario>,
        labels: Vec<String>,
        folder: String,
        layout: Layout,
        metric: Metric,
    ) -> Result<CompanyStudy> {
        check_pairable(&scenarios)?;
        metric
            .support(&scenarios[0])
            .map_err(|why| anyhow::anyhow!("--metric {}: {why}", metric.name()))?;
        Ok(CompanyStudy {
            scenarios,
            labels,
            folder,
            layout,
            metric,
        })
    }

    /// The metrics reported: `--metric` first, then the headline figures.
    pub fn metrics(&self) -> Vec<Metric> {
        let mut out = vec![self.metric];
        out.extend(HEADLINE.iter().copied().filter(|m| *m != self.metric));
        out
    }

    /// Companies simulated in all (variants x replicates), for progress.
    pub fn companies(&self) -> u64 {
        let r = self.scenarios[0]
            .company
            .as_ref()
            .map_or(0, |c| c.replicates);
        r * self.scenarios.len() as u64
    }

    /// Simulate every variant's companies on the current rayon pool.
    pub fn simulate(
        &self,
        cancel: &AtomicBool,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Vec<CompanyFigures>> {
        self.scenarios
            .iter()
            .map(|s| simulate(s, cancel, progress))
            .collect()
    }

    /// The files and terminal text of the simulated study.
    pub fn report(&self, figs: &[CompanyFigures], set: Option<&ChartSet>) -> Result<StudyReport> {
        match &self.layout {
            Layout::Sensitivity { delta, moved } => {
                self.sensitivity_report(figs, *delta, moved, set)
            }
            Layout::Morris(morris) => self.morris_report(morris, figs, set),
            Layout::Sweep { axes, points } if axes.len() == 1 => {
                let mut report = self.table_report(figs)?;
                if let Some(set) = set {
                    report
                        .files
                        .extend(self.sweep_chart(&axes[0], points, figs, set)?);
                }
                Ok(report)
            }
            _ => self.table_report(figs),
        }
    }

    fn header(&self, what: &str) -> String {
        let s = &self.scenarios[0];
        let c = s.company.as_ref().expect("company");
        format!(
            "{what} of {} — {} variant(s) x {} replicate companies (market {}, {} founders, {} months), seed {}, the same companies in every variant\n",
            s.name,
            self.scenarios.len(),
            c.replicates,
            crate::fmt::thousands(c.market_size as f64, 0),
            c.founders,
            s.months,
            s.seed
        )
    }

    /// A one-key sweep's chart: the chosen metric (or the failure rate, when the metric is not
    /// a share: the chart is drawn in percent) against the key, with its 95% band across
    /// companies.
    fn sweep_chart(
        &self,
        axis: &Axis,
        points: &[Point],
        figs: &[CompanyFigures],
        set: &ChartSet,
    ) -> Result<Vec<(String, Vec<u8>)>> {
        let metric = if self.metric.kind() == Kind::Share {
            self.metric
        } else {
            Metric::FailureRate
        };
        let series = vec![charts::BandSeries {
            label: metric.name(),
            points: points
                .iter()
                .zip(figs)
                .map(|(p, f)| (axis.values[p[0]], f.measure(metric)))
                .filter(|(_, m)| m.value.is_finite())
                .map(|(x, m)| (x, m.value, m.ci[0], m.ci[1]))
                .collect(),
        }];
        let s = &self.scenarios[0];
        let c = s.company.as_ref().expect("company");
        let text = ChartText::new(
            format!("{}: {} against {}", s.name, metric.name(), axis.key),
            format!(
                "{} companies per point, market {}, {} months, seed {}, same companies at every point · mlm-sim {}",
                c.replicates,
                crate::fmt::thousands(c.market_size as f64, 0),
                s.months,
                s.seed,
                env!("CARGO_PKG_VERSION")
            ),
        )
        .with_subtitle("shaded: 95% interval across companies");
        let y_label = format!("{} (%)", metric.name());
        chart_files(
            set,
            "company-sweep.svg",
            |t, z, f| charts::line_with_band(t, z, f, &axis.key, &y_label, &series),
            &text,
        )
    }

    /// `sensitivity --method morris`: the elementary effects on the mean over companies.
    fn morris_report(
        &self,
        morris: &super::morris::MorrisStudy,
        figs: &[CompanyFigures],
        set: Option<&ChartSet>,
    ) -> Result<StudyReport> {
        let per_point = (figs.len() / morris.trajectories().max(1)).max(1);
        let y: Vec<Vec<f64>> = figs
            .chunks(per_point)
            .map(|c| c.iter().map(|f| f.measure(self.metric).value).collect())
            .collect();
        let s = &self.scenarios[0];
        let c = s.company.as_ref().expect("company");
        let simulated = format!(
            "{} replicate companies per point (market {}, {} months), seed {}, the same companies at every point; effects on the mean over companies",
            c.replicates,
            crate::fmt::thousands(c.market_size as f64, 0),
            s.months,
            s.seed
        );
        let foot = format!(
            "{} companies per point, market {}, {} months, seed {}, same companies at every point · mlm-sim {}",
            c.replicates,
            crate::fmt::thousands(c.market_size as f64, 0),
            s.months,
            s.seed,
            env!("CARGO_PKG_VERSION")
        );
        morris.report_values(&y, c.replicates, &simulated, foot, set)
    }

    /// `compare` and `sweep`: every variant's figures, with changes against the first.
    fn table_report(&self, figs: &[CompanyFigures]) -> Result<StudyReport> {
        let metrics = self.metrics();
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["variant".to_string(), "label".to_string()];
        let axes: &[Axis] = match &self.layout {
            Layout::Sweep { axes, .. } => axes,
            _ => &[],
        };
        for i in 0..axes.len() {
            let suffix = if i == 0 { "" } else { "2" };
            header.push(format!("param{suffix}"));
            header.push(format!("value{suffix}"));
        }
        header.extend(
            [
                "companies",
                "metric",
                "mean",
                "ci_low",
                "ci_high",
                "std_error",
                "change_vs_first",
                "change_ci_low",
                "change_ci_high",
            ]
            .map(String::from),
        );
        w.write_record(&header)?;
        let mut text = self.header(match self.layout {
            Layout::Compare => "Comparison",
            _ => "Sweep",
        });
        let _ = writeln!(
            text,
            "  {:<34} {:<30} {:>24} {:>30}",
            "variant", "figure", "mean (95% CI across companies)", "vs first (paired 95% CI)"
        );
        for (v, f) in figs.iter().enumerate() {
            for (k, m) in metrics.iter().enumerate() {
                let e = f.measure(*m);
                let change = if v == 0 {
                    None
                } else {
                    paired_change(*m, &figs[0], f)
                };
                let mut rec = vec![v.to_string(), self.labels[v].clone()];
                if let Layout::Sweep { axes, points } = &self.layout {
                    for (a, i) in axes.iter().zip(&points[v]) {
                        rec.push(a.key.clone());
                        rec.push(a.values[*i].to_string());
                    }
                }
                rec.push(f.values(*m).len().to_string());
                rec.push(m.name());
                rec.extend([e.value, e.ci[0], e.ci[1]].map(|x| x.to_string()));
                rec.push(e.std_error.map(|x| x.to_string()).unwrap_or_default());
                match change {
                    Some((d, lo, hi)) => rec.extend([d, lo, hi].map(|x| x.to_string())),
                    None => rec.extend([String::new(), String::new(), String::new()]),
                }
                w.write_record(&rec)?;
                let _ = writeln!(
                    text,
                    "  {:<34} {:<30} {:>24} {:>30}",
                    if k == 0 { self.labels[v].as_str() } else { "" },
                    m.name(),
                    show_interval(*m, e.value, e.ci, e.std_error.is_some()),
                    match change {
                        Some((d, lo, hi)) => show_change(*m, d, lo, hi),
                        None => String::new(),
                    }
                );
            }
        }
        let _ = writeln!(
            text,
            "  Intervals: Student t across companies; changes: mean of per-company differences (same seed: company r meets the same luck in every variant)."
        );
        let name = match self.layout {
            Layout::Compare => "compare.csv",
            _ => "sweep.csv",
        };
        let files = vec![(
            name.to_string(),
            w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
        )];
        Ok(StudyReport { files, text })
    }

    /// `sensitivity`: every lever down and up, ranked by the swing of `--metric`.
    fn sensitivity_report(
        &self,
        figs: &[CompanyFigures],
        delta: f64,
        moved: &[(usize, Option<(usize, usize)>)],
        set: Option<&ChartSet>,
    ) -> Result<StudyReport> {
        let metric = self.metric;
        let base = &self.scenarios[0];
        let zero = (0.0, 0.0, 0.0);
        struct Row {
            label: &'static str,
            key: &'static str,
            off: bool,
            values: [f64; 3],
            low: (f64, f64, f64),
            high: (f64, f64, f64),
        }
        let change = |v: usize| paired_change(metric, &figs[0], &figs[v]).unwrap_or(zero);
        let mut rows: Vec<Row> = moved
            .iter()
            .map(|(li, variants)| {
                let (id, label) = LEVERS[*li];
                let v0 = base.param(id).mean();
                match variants {
                    None => Row {
                        label,
                        key: id.spec().path,
                        off: true,
                        values: [v0; 3],
                        low: zero,
                        high: zero,
                    },
                    Some((lo, hi)) => Row {
                        label,
                        key: id.spec().path,
                        off: false,
                        values: [
                            v0,
                            self.scenarios[*lo].param(id).mean(),
                            self.scenarios[*hi].param(id).mean(),
                        ],
                        low: change(*lo),
                        high: change(*hi),
                    },
                }
            })
            .collect();
        let swing = |r: &Row| r.low.0.abs().max(r.high.0.abs());
        rows.sort_by(|a, b| {
            a.off
                .cmp(&b.off)
                .then(swing(b).total_cmp(&swing(a)))
                .then(a.key.cmp(b.key))
        });
        let (scale, unit) = match metric.kind() {
            Kind::Share => (100.0, "points"),
            Kind::Dollars => (1.0, "dollars"),
            Kind::Ratio => (1.0, "ratio"),
        };
        let base_m = figs[0].measure(metric);
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "rank",
            "lever",
            "key",
            "switched_off",
            "delta",
            "companies",
            "metric",
            "change_unit",
            "value_base",
            "value_low",
            "value_high",
            "metric_base",
            "change_low",
            "change_low_ci_low",
            "change_low_ci_high",
            "change_high",
            "change_high_ci_low",
            "change_high_ci_high",
            "swing",
        ])?;
        let mut text = self.header("Sensitivity");
        let _ = writeln!(
            text,
            "  on {} — each lever x {:.2} and x {:.2}; baseline {}",
            metric.name(),
            1.0 - delta,
            1.0 + delta,
            show_interval(metric, base_m.value, base_m.ci, base_m.std_error.is_some())
        );
        let show = |c: (f64, f64, f64)| change_text(scale, c.0, c.1, c.2, 3, "");
        let mut table_rows = Vec::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            let mut rec = vec![
                (i + 1).to_string(),
                r.label.to_string(),
                r.key.to_string(),
                r.off.to_string(),
                delta.to_string(),
                figs[0].companies.len().to_string(),
                metric.name(),
                unit.to_string(),
            ];
            rec.extend(r.values.iter().map(|v| v.to_string()));
            rec.push(base_m.value.to_string());
            for c in [r.low, r.high] {
                rec.extend([c.0, c.1, c.2].map(|v| (scale * v).to_string()));
            }
            rec.push((scale * swing(r)).to_string());
            w.write_record(&rec)?;
            table_rows.push(LeverRow {
                label: r.label,
                off: r.off,
                down: r.values[1],
                up: r.values[2],
                change_down: show(r.low),
                change_up: show(r.high),
                extra: Vec::new(),
            });
        }
        text.push_str(
            &LeverTable {
                change_down: format!("change down, {unit} (95% CI)"),
                change_up: format!("change up, {unit} (95% CI)"),
                change_width: 34,
                extra: &[],
            }
            .render(&table_rows),
        );
        let _ = writeln!(
            text,
            "  Changes: mean of per-company differences with a Student-t 95% interval (same seed: company r meets the same luck in every variant)."
        );
        let mut files = vec![(
            "sensitivity.csv".to_string(),
            w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
        )];
        if let Some(set) = set {
            let tornado: Vec<TornadoRow> = rows
                .iter()
                .map(|r| TornadoRow {
                    lever: r.label.to_string(),
                    low_change: scale * r.low.0,
                    high_change: scale * r.high.0,
                })
                .collect();
            let c = base.company.as_ref().expect("company");
            let chart_text = ChartText::new(
                format!("{}: what moves {}", base.name, metric.name()),
                format!(
                    "{} replicate companies per variant, market {}, {} months, seed {}, same companies in every variant · mlm-sim {}",
                    c.replicates,
                    crate::fmt::thousands(c.market_size as f64, 0),
                    base.months,
                    base.seed,
                    env!("CARGO_PKG_VERSION")
                ),
            )
            .with_subtitle(format!(
                "each lever moved down and up by {:.0}%; change in {unit} (baseline {})",
                100.0 * delta,
                metric.show(base_m.value)
            ));
            files.extend(chart_files(
                set,
                "tornado.svg",
                |t, z, f| charts::tornado(t, z, f, &tornado),
                &chart_text,
            )?);
        }
        Ok(StudyReport { files, text })
    }
}

fn show_interval(m: Metric, v: f64, ci: [f64; 2], has_se: bool) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    if has_se {
        format!("{} ({} to {})", m.show(v), m.show(ci[0]), m.show(ci[1]))
    } else {
        format!("{} (1 company)", m.show(v))
    }
}

fn show_change(m: Metric, d: f64, lo: f64, hi: f64) -> String {
    match m.kind() {
        Kind::Share => format!(
            "{:+.1} pts ({:.1} to {:.1})",
            100.0 * d,
            100.0 * lo,
            100.0 * hi
        ),
        Kind::Dollars => format!(
            "{}{} ({} to {})",
            if d >= 0.0 { "+" } else { "" },
            crate::fmt::money(d),
            crate::fmt::money(lo),
            crate::fmt::money(hi)
        ),
        Kind::Ratio => format!("{:+.3} ({:.3} to {:.3})", d, lo, hi),
    }
}
