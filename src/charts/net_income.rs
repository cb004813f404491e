//! Distribution of net income (income minus costs) per career.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::common::{self, LegendItem, Swatch, XyChart};
use super::style::{self, Style};
use super::{render, ChartError, ChartFormat, ChartSize, ChartText, DrawResult, HistBin, Plot};

/// Net-income histogram of one scenario.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NetIncomeSeries {
    /// Scenario name (legend entry when overlaid).
    pub label: String,
    /// Histogram; edges in dollars.
    pub bins: Vec<HistBin>,
    /// Share of careers with positive net income, 0..1.
    pub profitable_share: f64,
    /// Median net income in dollars.
    pub median: f64,
}

/// Histogram of net income with a break-even line, and "12.3% made a profit"
/// written above the plot (one line per series when several are overlaid).
///
/// The y axis is the share of careers rather than a count, so scenarios
/// simulated with different numbers of careers overlay fairly. A single
/// series colours losses and profits differently; overlays use translucent
/// bars with an outline per series.
pub fn net_income(
    text: &ChartText,
    size: ChartSize,
    format: ChartFormat,
    series: &[NetIncomeSeries],
) -> Result<Vec<u8>, ChartError> {
    render("net income", text, size, format, &IncomePlot(series))
}

struct IncomePlot<'a>(&'a [NetIncomeSeries]);

/// Bins as (low, high, percent of the series' careers).
type Bars = Vec<(f64, f64, f64)>;

fn percent_bins(s: &NetIncomeSeries) -> Bars {
    let valid: Vec<&HistBin> = s
        .bins
        .iter()
        .filter(|b| b.low.is_finite() && b.high.is_finite() && b.high > b.low)
        .collect();
    let total: u64 = valid.iter().map(|b| b.count).sum();
    if total == 0 {
        return Vec::new();
    }
    let mut out: Bars = valid
        .iter()
        .map(|b| (b.low, b.high, b.count as f64 / total as f64 * 100.0))
        .collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

fn summary(s: &NetIncomeSeries) -> String {
    let mut out = match common::finite(s.profitable_share) {
        Some(p) => format!("{} made a profit", common::fmt_share(p, 1)),
        None => String::new(),
    };
    if let Some(m) = common::finite(s.median) {
        if !out.is_empty() {
            out.push_str(" · ");
        }
        out.push_str(&format!("median {}", common::fmt_money(m)));
    }
    out
}

impl Plot for IncomePlot<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        st: &Style,
    ) -> DrawResult<()> {
        let series: Vec<(&NetIncomeSeries, Bars)> = self
            .0
            .iter()
            .map(|s| (s, percent_bins(s)))
            .filter(|(_, b)| !b.is_empty())
            .collect();
        if series.is_empty() {
            return common::no_data(area, st, "no careers to show");
        }
        let overlay = series.len() > 1;
        let items: Vec<LegendItem> = series
            .iter()
            .enumerate()
            .map(|(i, (s, _))| {
                if overlay {
                    let text = match summary(s) {
                        t if t.is_empty() => s.label.clone(),
                        t => format!("{}: {t}", s.label),
                    };
                    LegendItem::new(text, style::series_color(i), Swatch::Box)
                } else {
                    LegendItem::new(summary(s), style::TEXT, Swatch::None)
                }
            })
            .filter(|it| !it.label.is_empty())
            .collect();
        let area = common::legend_above(area, st, &items, true)?;

        let all = || series.iter().flat_map(|(_, b)| b.iter());
        let x0 = all().map(|b| b.0).fold(0.0f64, f64::min);
        let x1 = all().map(|b| b.1).fold(0.0f64, f64::max);
        let pad = (x1 - x0) * 0.02;
        let (x0, x1) = (x0 - pad, x1 + pad);
        let ymax = all().map(|b| b.2).fold(0.0f64, f64::max);
        let y1 = ymax * 1.25;

        let (aw, ah) = area.dim_in_pixel();
        let x_tick_w = common::max_text_width(
            [
                common::fmt_money(x0).as_str(),
                common::fmt_money(x1).as_str(),
                "-$1,200",
            ],
            st.tick,
            false,
        )?;
        let y_tick_w = common::text_width(&common::fmt_percent_units(y1), st.tick, false)?
            .max(common::text_width("00.5%", st.tick, false)?);
        let y_area = common::y_label_area(st, y_tick_w, true);
        let x_area = common::x_label_area(st);
        let mut chart: XyChart<DB> = ChartBuilder::on(&area)
            .margin_right(st.margin)
            .x_label_area_size(x_area)
            .y_label_area_size(y_area)
            .build_cartesian_2d(x0..x1, 0.0..y1)?;
        let mut mesh = chart.configure_mesh();
        common::style_mesh(&mut mesh, st);
        mesh.disable_x_mesh()
            .x_labels(common::tick_count(aw as i32 - y_area, x_tick_w))
            .y_labels(common::tick_count(
                ah as i32 - x_area,
                (st.tick * 1.2) as i32,
            ))
            .x_label_formatter(&|v| common::fmt_money(*v))
            .y_label_formatter(&|v| common::fmt_percent_units(*v))
            .x_desc("net income per career (income minus costs)")
            .y_desc("share of careers")
            .draw()?;

        if overlay {
            for (i, (_, bars)) in series.iter().enumerate() {
                let c = style::series_color(i);
                chart.draw_series(bars.iter().map(|b| {
                    Rectangle::new(
                        [(b.0, 0.0), (b.1, b.2)],
                        c.mix(style::OVERLAY_ALPHA).filled(),
                    )
                }))?;
            }
            // Outlines on top of all fills so every series stays traceable.
            for (i, (_, bars)) in series.iter().enumerate() {
                chart.draw_series(std::iter::once(PathElement::new(
                    step_outline(bars),
                    style::series_color(i).stroke_width(st.line.div_ceil(2).max(1)),
                )))?;
            }
        } else {
            let bars = &series[0].1;
            // Split a bin that straddles zero so losses and profits keep
            // their own colours.
            let mut rects = Vec::new();
            for b in bars {
                if b.0 < 0.0 && b.1 > 0.0 {
                    rects.push((b.0, 0.0, b.2, style::LOSS));
                    rects.push((0.0, b.1, b.2, style::PROFIT));
                } else {
                    let c = if b.1 <= 0.0 {
                        style::LOSS
                    } else {
                        style::PROFIT
                    };
                    rects.push((b.0, b.1, b.2, c));
                }
            }
            chart.draw_series(
                rects
                    .iter()
                    .map(|r| Rectangle::new([(r.0, 0.0), (r.1, r.2)], r.3.filled())),
            )?;
            chart.draw_series(bars.iter().map(|b| {
                Rectangle::new([(b.0, 0.0), (b.1, b.2)], style::BACKGROUND.stroke_width(1))
            }))?;
        }
        common::vline_with_label(
            &mut chart,
            st,
            0.0,
            (0.0, y1),
            "break-even",
            style::REFERENCE,
            None,
        )?;
        Ok(())
    }
}

/// The outline of a histogram: up, across and down each bar, along the
/// baseline across gaps.
fn step_outline(bars: &[(f64, f64, f64)]) -> Vec<(f64, f64)> {
    let mut pts = Vec::with_capacity(bars.len() * 4);
    for b in bars {
        pts.push((b.0, 0.0));
        pts.push((b.0, b.2));
        pts.push((b.1, b.2));
        pts.push((b.1, 0.0));
    }
    pts
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::charts::test_util::{check_both, text, SMALL};

    /// Most lose a little, a few win big.
    pub fn series(label: &str, shift: f64) -> NetIncomeSeries {
        let bins = (0..40)
            .map(|i| {
                let low = -3000.0 + f64::from(i) * 250.0 + shift;
                let centre = -900.0 + shift;
                let z = (low + 125.0 - centre) / 700.0;
                let tail = if low > 0.0 {
                    30.0 * (-(low / 3000.0)).exp()
                } else {
                    0.0
                };
                HistBin {
                    low,
                    high: low + 250.0,
                    count: (1000.0 * (-z * z / 2.0).exp() + tail).round() as u64,
                }
            })
            .collect();
        NetIncomeSeries {
            label: label.to_string(),
            bins,
            profitable_share: 0.123,
            median: -850.0 + shift,
        }
    }

    #[test]
    fn renders_single_and_overlay() {
        check_both(|f| net_income(&text(), SMALL, f, &[series("base", 0.0)]));
        check_both(|f| {
            net_income(
                &text(),
                SMALL,
                f,
                &[series("base", 0.0), series("better", 400.0)],
            )
        });
    }

    #[test]
    fn degenerate_inputs_render() {
        check_both(|f| net_income(&text(), SMALL, f, &[]));
        let zero = NetIncomeSeries {
            label: "z".into(),
            bins: vec![HistBin {
                low: -1.0,
                high: 1.0,
                count: 0,
            }],
            profitable_share: 0.0,
            median: 0.0,
        };
        check_both(|f| net_income(&text(), SMALL, f, std::slice::from_ref(&zero)));
        let single = NetIncomeSeries {
            label: "one".into(),
            bins: vec![HistBin {
                low: -500.0,
                high: -400.0,
                count: 7,
            }],
            profitable_share: f64::NAN,
            median: -450.0,
        };
        check_both(|f| net_income(&text(), SMALL, f, std::slice::from_ref(&single)));
    }
}
