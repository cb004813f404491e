//! Distribution of failure rates across simulated cohorts.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::common::{self, XyChart};
use super::style::{self, Style};
use super::{render, ChartError, ChartFormat, ChartSize, ChartText, DrawResult, HistBin, Plot};

/// Failure rates of many cohorts, plus the rate over all careers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FailureRateDistribution {
    /// Histogram of cohort failure rates; edges are shares (0..1).
    pub bins: Vec<HistBin>,
    /// Failure rate over all careers, 0..1.
    pub overall: f64,
    /// 95% confidence interval of `overall`, 0..1.
    pub ci: (f64, f64),
    /// Careers per cohort (names the y axis).
    pub cohort_size: u64,
}

/// Histogram of cohort failure rates (x in percent), with a vertical line at
/// the overall rate and its 95% confidence interval shaded and written out.
///
/// The spread of the bars shows how much a single group of recruits can
/// differ from the long-run rate; the band shows how precisely the
/// simulation pins that rate down.
pub fn failure_rate_distribution(
    text: &ChartText,
    size: ChartSize,
    format: ChartFormat,
    data: &FailureRateDistribution,
) -> Result<Vec<u8>, ChartError> {
    render("failure rate", text, size, format, &FailurePlot(data))
}

struct FailurePlot<'a>(&'a FailureRateDistribution);

impl Plot for FailurePlot<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        st: &Style,
    ) -> DrawResult<()> {
        let d = self.0;
        let bins: Vec<(f64, f64, u64)> = d
            .bins
            .iter()
            .filter(|b| b.low.is_finite() && b.high.is_finite() && b.high > b.low)
            .map(|b| (b.low * 100.0, b.high * 100.0, b.count))
            .collect();
        let max_count = bins.iter().map(|b| b.2).max().unwrap_or(0);
        if max_count == 0 {
            return common::no_data(area, st, "no cohorts were simulated");
        }
        let overall = common::finite(d.overall).map(|v| v * 100.0);
        let ci = match (common::finite(d.ci.0), common::finite(d.ci.1)) {
            (Some(a), Some(b)) => Some((a.min(b) * 100.0, a.max(b) * 100.0)),
            _ => None,
        };

        let mut lo = bins.iter().map(|b| b.0).fold(f64::INFINITY, f64::min);
        let mut hi = bins.iter().map(|b| b.1).fold(f64::NEG_INFINITY, f64::max);
        for v in overall.iter().chain(
            ci.iter()
                .flat_map(|c| [c.0, c.1].into_iter())
                .collect::<Vec<_>>()
                .iter(),
        ) {
            lo = lo.min(*v);
            hi = hi.max(*v);
        }
        let pad = (hi - lo) * 0.04;
        let (lo, hi) = (lo - pad, hi + pad);
        // Head-room above the tallest bar for the overall-rate label.
        let y1 = max_count as f64 * 1.3;

        let y_desc = if d.cohort_size > 0 {
            format!("cohorts of {} careers", common::fmt_count(d.cohort_size))
        } else {
            "cohorts".to_string()
        };
        let (aw, ah) = area.dim_in_pixel();
        let y_tick_w = common::text_width(&common::fmt_number(y1), st.tick, false)?;
        let x_tick_w = common::text_width("100.5%", st.tick, false)?;
        let y_area = common::y_label_area(st, y_tick_w, true);
        let x_area = common::x_label_area(st);
        let mut chart: XyChart<DB> = ChartBuilder::on(area)
            .margin_right(st.margin)
            .x_label_area_size(x_area)
            .y_label_area_size(y_area)
            .build_cartesian_2d(lo..hi, 0.0..y1)?;
        // Padding can push the axis past 0% or 100%; such ticks are hidden.
        let x_fmt = |v: &f64| {
            if *v < -1e-9 || *v > 100.0 + 1e-9 {
                String::new()
            } else {
                common::fmt_percent_units(*v)
            }
        };
        // Cohort counts are whole numbers; fractional ticks would mislead.
        let y_fmt = |v: &f64| {
            if (v - v.round()).abs() > 1e-9 {
                String::new()
            } else {
                common::fmt_number(*v)
            }
        };
        let mut mesh = chart.configure_mesh();
        common::style_mesh(&mut mesh, st);
        mesh.disable_x_mesh()
            .x_labels(common::tick_count(aw as i32 - y_area, x_tick_w))
            .y_labels(common::tick_count(
                ah as i32 - x_area,
                (st.tick * 1.2) as i32,
            ))
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc("failure rate within a cohort")
            .y_desc(y_desc)
            .draw()?;

        if let Some((a, b)) = ci {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(a, 0.0), (b, y1)],
                style::CI_BAND.mix(style::BAND_ALPHA * 1.5).filled(),
            )))?;
        }
        chart.draw_series(bins.iter().filter(|b| b.2 > 0).map(|b| {
            Rectangle::new(
                [(b.0, 0.0), (b.1, b.2 as f64)],
                style::OKABE_ITO_BLUE.filled(),
            )
        }))?;
        // Thin white outlines keep neighbouring bars apart.
        chart.draw_series(bins.iter().filter(|b| b.2 > 0).map(|b| {
            Rectangle::new(
                [(b.0, 0.0), (b.1, b.2 as f64)],
                style::BACKGROUND.stroke_width(1),
            )
        }))?;
        if let Some(o) = overall {
            let label = match ci {
                Some((a, b)) => format!("overall {o:.1}% (95% CI {a:.1}–{b:.1}%)"),
                None => format!("overall {o:.1}%"),
            };
            common::vline_with_label(&mut chart, st, o, (0.0, y1), &label, style::REFERENCE, ci)?;
        }
        Ok(())
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::charts::test_util::{check_both, text, SMALL};

    /// Roughly normal cohort failure rates around `centre`.
    pub fn data(centre: f64) -> FailureRateDistribution {
        let bins = (0..30)
            .map(|i| {
                let low = centre - 0.15 + f64::from(i) * 0.01;
                let z = (low + 0.005 - centre) / 0.04;
                HistBin {
                    low,
                    high: low + 0.01,
                    count: (400.0 * (-z * z / 2.0).exp()).round() as u64,
                }
            })
            .collect();
        FailureRateDistribution {
            bins,
            overall: centre,
            ci: (centre - 0.003, centre + 0.003),
            cohort_size: 1000,
        }
    }

    #[test]
    fn renders() {
        check_both(|f| failure_rate_distribution(&text(), SMALL, f, &data(0.724)));
    }

    #[test]
    fn degenerate_inputs_render() {
        check_both(|f| {
            failure_rate_distribution(&text(), SMALL, f, &FailureRateDistribution::default())
        });
        let zero = FailureRateDistribution {
            bins: vec![HistBin {
                low: 0.1,
                high: 0.2,
                count: 0,
            }],
            ..Default::default()
        };
        check_both(|f| failure_rate_distribution(&text(), SMALL, f, &zero));
        let flat = FailureRateDistribution {
            bins: vec![HistBin {
                low: 0.5,
                high: 0.5,
                count: 10,
            }],
            overall: 0.5,
            ci: (0.5, 0.5),
            cohort_size: 10,
        };
        check_both(|f| failure_rate_distribution(&text(), SMALL, f, &flat));
        let single = FailureRateDistribution {
            bins: vec![HistBin {
                low: 0.99,
                high: 1.0,
                count: 100,
            }],
            overall: 1.0,
            ci: (f64::NAN, 1.0),
            cohort_size: 10,
        };
        check_both(|f| failure_rate_distribution(&text(), SMALL, f, &single));
    }
}
