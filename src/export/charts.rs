//! The charts of a run: [`Summary`] adapted to the chart layer's plain data types
//! ([`crate::charts`]), each chart drawn once per image format
//! ([`ChartSet::draw`]) for both the chart files and the report.
//!
//! The adaptation lives here, not in the chart layer, so the charts know nothing about the
//! simulator and this file is the one place that decides which numbers each chart shows and
//! how its title and footnote read. Every chart names the scenario in its title and carries
//! careers, months and seed in its footnote, so a picture shown on its own can be reproduced.

use anyhow::Result;

use crate::charts::{
    self, ChartFormat, ChartSize, ChartText, FailureRateDistribution, GroupedShares, HistBin,
    NetIncomeSeries, ShareSeries, SurvivalPoint, SurvivalSeries,
};
use crate::fmt::{money, percent as pct, thousands as group};
use crate::outcome::EndReason;
use crate::summary::{HistogramBin, Summary};

/// The charts every run draws, in the order the report shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    /// Share still in business by month, with its 95% band.
    Survival,
    /// How careers ended: one bar per end reason.
    QuitReasons,
    /// Histogram of cumulative net income at the horizon.
    NetIncome,
    /// Histogram of the failure rate across cohorts (training classes).
    FailureRateDistribution,
    /// What happened to the people the followed distributors recruited.
    DownlineOutcomes,
    /// Income-disclosure bands: company payments (what statements show) next to net income
    /// with everyone counted (what they leave out).
    IncomeDisclosure,
}

impl Chart {
    /// Every chart, in report order.
    pub const ALL: [Chart; 6] = [
        Chart::Survival,
        Chart::QuitReasons,
        Chart::NetIncome,
        Chart::FailureRateDistribution,
        Chart::DownlineOutcomes,
        Chart::IncomeDisclosure,
    ];

    /// File name without extension.
    pub fn stem(self) -> &'static str {
        match self {
            Chart::Survival => "survival",
            Chart::QuitReasons => "quit-reasons",
            Chart::NetIncome => "net-income",
            Chart::FailureRateDistribution => "failure-rate-distribution",
            Chart::DownlineOutcomes => "downline-outcomes",
            Chart::IncomeDisclosure => "income-disclosure",
        }
    }

    /// The chart's title after the scenario name.
    fn title(self, s: &Summary) -> String {
        match self {
            Chart::Survival => "still in business, by month".into(),
            Chart::QuitReasons => "how careers ended".into(),
            Chart::NetIncome => format!("net income after {} months", s.months),
            Chart::FailureRateDistribution => format!(
                "failure rate in classes of {}",
                s.cohort_failure_rates.cohort_size
            ),
            Chart::DownlineOutcomes => "what happened to their recruits".into(),
            Chart::IncomeDisclosure => "income a year, as statements show it and net".into(),
        }
    }

    /// A one-line reading of the chart, under the title.
    fn subtitle(self, s: &Summary) -> String {
        match self {
            Chart::Survival => match s.survival_at(12) {
                Some(v) => format!("{} still in after a year (shaded: 95% interval)", pct(v)),
                None => format!(
                    "{} still in after {} months (shaded: 95% interval)",
                    pct(s.survival_at(s.months).unwrap_or(1.0)),
                    s.months
                ),
            },
            Chart::QuitReasons => match s.main_quit_reason() {
                Some((r, share)) => format!(
                    "Main reason for quitting: {} ({} of all careers)",
                    r.label(),
                    pct(share)
                ),
                None => "Nobody quit".into(),
            },
            Chart::NetIncome => format!(
                "Mean {}; everyone left of the break-even line lost money",
                money(s.net_income.mean)
            ),
            Chart::FailureRateDistribution => {
                let c = &s.cohort_failure_rates;
                if c.cohorts == 0 {
                    "Fewer careers than one class: no class to count".into()
                } else {
                    format!(
                        "{} classes; 8 in 10 had a failure rate from {} to {}",
                        group(c.cohorts as f64, 0),
                        pct(c.p10),
                        pct(c.p90)
                    )
                }
            }
            Chart::IncomeDisclosure => {
                let d = &s.income_disclosure;
                let zero = d.company_payments.rows.first().map_or(0.0, |r| r.share);
                format!(
                    "Statements: {} got $0, median {} a year. Net of costs: median {} a year",
                    pct(zero),
                    money(d.company_payments.median),
                    money(d.net.median)
                )
            }
            Chart::DownlineOutcomes => {
                if s.downline.comparable == 0 {
                    "Nobody recruited anyone who could be followed in this run".into()
                } else {
                    format!(
                        "{} people recruited by the followed distributors and their downlines, over their first {} months",
                        group(s.downline.comparable as f64, 0),
                        s.downline.window_months
                    )
                }
            }
        }
    }

    /// Title, subtitle and reproducibility footnote for `s`.
    fn text(self, s: &Summary) -> ChartText {
        ChartText::new(format!("{}: {}", s.scenario, self.title(s)), footnote(s))
            .with_subtitle(self.subtitle(s))
    }

    /// Draw this chart of `s`.
    pub fn render(self, s: &Summary, size: ChartSize, format: ChartFormat) -> Result<Vec<u8>> {
        let text = self.text(s);
        let bytes = match self {
            Chart::Survival => charts::survival(&text, size, format, &[survival_series(s)]),
            Chart::QuitReasons => charts::quit_reasons(&text, size, format, &quit_shares(s)),
            Chart::NetIncome => charts::net_income(&text, size, format, &[net_income_series(s)]),
            Chart::FailureRateDistribution => {
                charts::failure_rate_distribution(&text, size, format, &failure_rates(s))
            }
            Chart::DownlineOutcomes => {
                charts::downline_outcomes(&text, size, format, &downline_shares(s))
            }
            Chart::IncomeDisclosure => {
                charts::income_disclosure(&text, size, format, &disclosure_shares(s))
            }
        }?;
        Ok(bytes)
    }
}

/// "mlm-sim 0.1.0 · 100,000 careers · 24 months · seed 1 · <overrides>".
fn footnote(s: &Summary) -> String {
    let mut f = format!(
        "mlm-sim {} · {} careers · {} months · seed {}",
        s.version,
        group(s.careers as f64, 0),
        s.months,
        s.seed
    );
    if !s.overrides.is_empty() {
        f.push_str(" · ");
        f.push_str(&s.overrides.join(" "));
    }
    f
}

/// The survival curve, starting from month 0 where everyone is in.
fn survival_series(s: &Summary) -> SurvivalSeries {
    let start = SurvivalPoint {
        month: 0.0,
        share: 1.0,
        ci_low: 1.0,
        ci_high: 1.0,
    };
    let points = std::iter::once(start)
        .chain(
            s.survival
                .iter()
                .enumerate()
                .map(|(i, &share)| SurvivalPoint {
                    month: i as f64 + 1.0,
                    share,
                    ci_low: s.survival_ci_low.get(i).copied().unwrap_or(share),
                    ci_high: s.survival_ci_high.get(i).copied().unwrap_or(share),
                }),
        )
        .collect();
    SurvivalSeries {
        label: s.scenario.clone(),
        points,
    }
}

/// One bar per end reason (quit reasons and the two states of those still in), so the bars
/// add up to every career.
fn quit_shares(s: &Summary) -> GroupedShares {
    GroupedShares {
        categories: EndReason::ALL
            .iter()
            .map(|r| r.label().to_string())
            .collect(),
        series: vec![ShareSeries {
            label: s.scenario.clone(),
            shares: EndReason::ALL
                .iter()
                .map(|r| s.quit_reasons.get(r.as_str()).copied().unwrap_or(0.0))
                .collect(),
        }],
    }
}

fn net_income_series(s: &Summary) -> NetIncomeSeries {
    NetIncomeSeries {
        label: s.scenario.clone(),
        bins: s.net_income_histogram.iter().map(HistBin::from).collect(),
        profitable_share: s.profitable_share,
        median: s.net_income.p50,
    }
}

fn failure_rates(s: &Summary) -> FailureRateDistribution {
    let c = &s.cohort_failure_rates;
    FailureRateDistribution {
        bins: if c.cohorts == 0 {
            Vec::new()
        } else {
            trimmed_bins(&c.bins).iter().map(HistBin::from).collect()
        },
        overall: s.failure_rate,
        ci: (s.failure_rate_ci[0], s.failure_rate_ci[1]),
        cohort_size: c.cohort_size,
    }
}

/// Both income-disclosure tables over the net table's bands: the company-payment bands are
/// the net table's non-negative bands (same labels), and nobody is paid a negative amount.
fn disclosure_shares(s: &Summary) -> GroupedShares {
    let d = &s.income_disclosure;
    let categories: Vec<String> = d.net.rows.iter().map(|r| r.band.clone()).collect();
    let gross: Vec<f64> = categories
        .iter()
        .map(|band| {
            d.company_payments
                .rows
                .iter()
                .find(|r| &r.band == band)
                .map_or(0.0, |r| r.share)
        })
        .collect();
    GroupedShares {
        categories,
        series: vec![
            ShareSeries {
                label: "company payments (what statements show)".into(),
                shares: gross,
            },
            ShareSeries {
                label: "net of costs, everyone who quit counted".into(),
                shares: d.net.rows.iter().map(|r| r.share).collect(),
            },
        ],
    }
}

/// The cohort failure-rate bins from the first to the last non-empty one (one empty bin of
/// margin each side), so a tight distribution fills the chart instead of a corner of 0-100%.
pub(crate) fn trimmed_bins(bins: &[HistogramBin]) -> &[HistogramBin] {
    let first = bins.iter().position(|b| b.count > 0);
    let last = bins.iter().rposition(|b| b.count > 0);
    match (first, last) {
        (Some(f), Some(l)) => &bins[f.saturating_sub(1)..(l + 2).min(bins.len())],
        _ => bins,
    }
}

/// Quit / lost money / profited among the recruits. With no recruits every share is zero and
/// the chart layer draws its "nothing to count" panel, under a subtitle saying why: the file is
/// always written, so the set of files does not depend on the outcome.
fn downline_shares(s: &Summary) -> GroupedShares {
    let d = &s.downline;
    GroupedShares {
        categories: vec!["quit".into(), "lost money".into(), "profited".into()],
        series: vec![ShareSeries {
            label: s.scenario.clone(),
            shares: vec![d.quit_share, d.lost_money_share, d.profited_share],
        }],
    }
}

impl From<&HistogramBin> for HistBin {
    fn from(b: &HistogramBin) -> HistBin {
        HistBin {
            low: b.bin_low,
            high: b.bin_high,
            count: b.count,
        }
    }
}

/// Which charts to draw, in which formats, at what size.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSet {
    /// Image formats; each chart is written once per format.
    pub formats: Vec<ChartFormat>,
    /// Canvas size (pixels; the nominal viewport for SVG).
    pub size: ChartSize,
}

/// One chart of a run, drawn once: the files asked for, and the SVG the report inlines.
#[derive(Debug, Clone)]
pub struct DrawnChart {
    /// Which chart.
    pub chart: Chart,
    /// What the chart shows (title and subtitle), for screen readers.
    pub caption: String,
    /// The SVG drawing. Drawn even when only PNG files were asked for, because the report
    /// inlines it; when SVG was asked for, these are the bytes of `<stem>.svg`.
    pub svg: Vec<u8>,
    /// The PNG drawing, when PNG files were asked for.
    pub png: Option<Vec<u8>>,
    /// Whether `<stem>.svg` is written (SVG was asked for).
    svg_wanted: bool,
}

impl DrawnChart {
    /// The files of this chart to write, as (file name, bytes): each format that was asked
    /// for, PNG first. The SVG file gets the very bytes the report inlined.
    pub fn into_files(self) -> Vec<(String, Vec<u8>)> {
        let stem = self.chart.stem();
        let mut out = Vec::new();
        if let Some(png) = self.png {
            out.push((format!("{stem}.{}", ChartFormat::Png.extension()), png));
        }
        if self.svg_wanted {
            out.push((format!("{stem}.{}", ChartFormat::Svg.extension()), self.svg));
        }
        out
    }
}

impl ChartSet {
    /// Draw every chart of `s` once per format needed: each format asked for, and SVG always
    /// (the report inlines the SVG, so a report never draws a chart of its own).
    pub fn draw(&self, s: &Summary) -> Result<Vec<DrawnChart>> {
        let png_wanted = self.formats.contains(&ChartFormat::Png);
        let svg_wanted = self.formats.contains(&ChartFormat::Svg);
        Chart::ALL
            .iter()
            .map(|&chart| {
                let t = chart.text(s);
                let caption = match &t.subtitle {
                    Some(sub) => format!("{}. {}", t.title, sub),
                    None => t.title,
                };
                let png = if png_wanted {
                    Some(chart.render(s, self.size, ChartFormat::Png)?)
                } else {
                    None
                };
                Ok(DrawnChart {
                    chart,
                    caption,
                    svg: chart.render(s, self.size, ChartFormat::Svg)?,
                    png,
                    svg_wanted,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{self, Hooks};
    use crate::model::Model;
    use crate::scenario::{parse, Override};
    use std::sync::atomic::AtomicBool;

    fn summary(sets: &[&str]) -> Summary {
        let o: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
        let s = parse(
            include_str!("../../scenarios/relationship.toml"),
            "relationship.toml",
            &o,
        )
        .unwrap();
        let cancel = AtomicBool::new(false);
        let h = Hooks {
            progress: &|_| {},
            cancel: &cancel,
        };
        let t = engine::run(&s, &Model::new(&s), 0..s.careers, &h).unwrap();
        Summary::new(&s, &t)
    }

    #[test]
    fn survival_chart_data_starts_with_everyone_at_month_zero() {
        let s = summary(&["careers=300"]);
        let series = survival_series(&s);
        assert_eq!(series.points.len(), s.months as usize + 1);
        assert_eq!(series.points[0].share, 1.0);
        assert_eq!(series.points[12].share, s.survival_at(12).unwrap());
    }

    #[test]
    fn every_chart_names_the_scenario_and_how_to_reproduce_it() {
        let s = summary(&["careers=300", "seed=7"]);
        for chart in Chart::ALL {
            let t = chart.text(&s);
            assert!(t.title.starts_with(&s.scenario), "{}", t.title);
            assert!(t.footnote.contains("300 careers"), "{}", t.footnote);
            assert!(t.footnote.contains("24 months") && t.footnote.contains("seed 7"));
        }
    }

    #[test]
    fn a_run_without_recruits_still_draws_a_downline_chart_that_says_so() {
        let s = summary(&["careers=200", "prospecting.join_probability=0"]);
        assert_eq!(s.downline.members, 0);
        assert!(Chart::DownlineOutcomes
            .subtitle(&s)
            .contains("Nobody recruited"));
        let svg = Chart::DownlineOutcomes
            .render(&s, ChartSize::new(640, 360), ChartFormat::Svg)
            .unwrap();
        assert!(String::from_utf8(svg).unwrap().contains("Nobody recruited"));
    }

    #[test]
    fn each_chart_is_drawn_once_per_format_and_its_svg_file_holds_the_drawing() {
        let s = summary(&["careers=200"]);
        let size = ChartSize::new(320, 180);
        let svg_only = ChartSet {
            formats: vec![ChartFormat::Svg],
            size,
        };
        let drawn = svg_only.draw(&s).unwrap();
        assert_eq!(drawn.len(), Chart::ALL.len());
        for (d, chart) in drawn.into_iter().zip(Chart::ALL) {
            assert_eq!(d.chart, chart);
            assert!(d.png.is_none());
            let svg = d.svg.clone();
            assert_eq!(d.into_files(), [(format!("{}.svg", chart.stem()), svg)]);
        }
        // PNG only: the SVG is still drawn (the report inlines it) but not written.
        let png_only = ChartSet {
            formats: vec![ChartFormat::Png],
            size,
        };
        for d in png_only.draw(&s).unwrap() {
            assert!(d.svg.starts_with(b"<svg"));
            let names: Vec<String> = d.into_files().into_iter().map(|(n, _)| n).collect();
            assert_eq!(names.len(), 1);
            assert!(names[0].ends_with(".png"), "{names:?}");
        }
    }
}
