//! General-purpose charts for the later commands (sweeps, sensitivity,
//! income-disclosure tables).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::bands::{BandLine, BandPlot, YRange};
use super::bars::{BarSeries, HBars, ValueAxis};
use super::common::{self, LegendItem, Swatch};
use super::style::{self, Style};
use super::{render, ChartError, ChartFormat, ChartSize, ChartText, DrawResult, Plot};

/// One line with a band, for [`line_with_band`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BandSeries {
    /// Legend entry (shown when there are several series).
    pub label: String,
    /// `(x, y, lo, hi)`; y, lo and hi are shares (0..1), drawn in percent.
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// One lever of a sensitivity (tornado) chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TornadoRow {
    /// Name of the lever ("recruiting rate").
    pub lever: String,
    /// Change of the outcome when the lever goes down, in percentage points.
    pub low_change: f64,
    /// Change of the outcome when the lever goes up, in percentage points.
    pub high_change: f64,
}

fn invalid(chart: &'static str, message: String) -> ChartError {
    ChartError::InvalidInput { chart, message }
}

/// Lines of a share (in percent) against any x, each with a shaded band;
/// the y axis starts at zero so small differences are not exaggerated.
pub fn line_with_band(
    text: &ChartText,
    size: ChartSize,
    format: ChartFormat,
    x_label: &str,
    y_label: &str,
    series: &[BandSeries],
) -> Result<Vec<u8>, ChartError> {
    let plot = BandPlot {
        x_label: x_label.to_string(),
        y_label: y_label.to_string(),
        lines: series
            .iter()
            .map(|s| BandLine {
                label: s.label.clone(),
                points: s
                    .points
                    .iter()
                    .map(|&(x, y, lo, hi)| (x, y * 100.0, lo * 100.0, hi * 100.0))
                    .collect(),
            })
            .collect(),
        x_from_zero: false,
        y_range: YRange::Auto,
    };
    render("line with band", text, size, format, &plot)
}

/// Stacked shares over x (for example, the state of all careers month by
/// month). `shares[c][i]` is the share of category `c` at `x[i]`.
pub fn stacked_area(
    text: &ChartText,
    size: ChartSize,
    format: ChartFormat,
    x_label: &str,
    categories: &[String],
    x: &[f64],
    shares: &[Vec<f64>],
) -> Result<Vec<u8>, ChartError> {
    const CHART: &str = "stacked area";
    if shares.len() != categories.len() {
        return Err(invalid(
            CHART,
            format!(
                "{} share rows for {} categories",
                shares.len(),
                categories.len()
            ),
        ));
    }
    if let Some((c, row)) = shares.iter().enumerate().find(|(_, r)| r.len() != x.len()) {
        return Err(invalid(
            CHART,
            format!(
                "category \"{}\" has {} shares for {} x values",
                categories[c],
                row.len(),
                x.len()
            ),
        ));
    }
    let plot = Stacked {
        x_label,
        categories,
        x,
        shares,
    };
    render(CHART, text, size, format, &plot)
}

struct Stacked<'a> {
    x_label: &'a str,
    categories: &'a [String],
    x: &'a [f64],
    shares: &'a [Vec<f64>],
}

impl Plot for Stacked<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        st: &Style,
    ) -> DrawResult<()> {
        // Columns with a finite x, in x order; non-finite shares count as 0.
        let mut cols: Vec<usize> = (0..self.x.len())
            .filter(|&i| self.x[i].is_finite())
            .collect();
        cols.sort_by(|&a, &b| self.x[a].total_cmp(&self.x[b]));
        let share =
            |c: usize, i: usize| common::finite(self.shares[c][i]).unwrap_or(0.0).max(0.0) * 100.0;
        let x0 = cols.first().map(|&i| self.x[i]);
        let x1 = cols.last().map(|&i| self.x[i]);
        let total = |i: usize| (0..self.categories.len()).map(|c| share(c, i)).sum::<f64>();
        let (Some(x0), Some(x1)) = (x0, x1) else {
            return common::no_data(area, st, "no x values");
        };
        if x1 - x0 <= f64::EPSILON
            || self.categories.is_empty()
            || cols.iter().all(|&i| total(i) == 0.0)
        {
            return common::no_data(area, st, "need at least two x values with shares");
        }
        let items: Vec<_> = self
            .categories
            .iter()
            .enumerate()
            .map(|(c, l)| LegendItem::new(l.clone(), style::series_color(c), Swatch::Box))
            .collect();
        let area = common::legend_above(area, st, &items, false)?;
        let y1 = cols.iter().map(|&i| total(i)).fold(100.0f64, f64::max);

        let (aw, ah) = area.dim_in_pixel();
        let y_area = common::y_label_area(st, common::text_width("100%", st.tick, false)?, true);
        let x_area = common::x_label_area(st);
        let x_tick_w = common::max_text_width(
            [
                common::fmt_number(x0).as_str(),
                common::fmt_number(x1).as_str(),
                "00.0",
            ],
            st.tick,
            false,
        )?;
        let mut chart = ChartBuilder::on(&area)
            .margin_right(st.margin)
            .margin_top((st.tick * 0.6) as i32)
            .x_label_area_size(x_area)
            .y_label_area_size(y_area)
            .build_cartesian_2d(x0..x1, 0.0..y1)?;
        let mut mesh = chart.configure_mesh();
        common::style_mesh(&mut mesh, st);
        mesh.x_labels(common::tick_count(aw as i32 - y_area, x_tick_w))
            .y_labels(common::tick_count(
                ah as i32 - x_area,
                (st.tick * 1.2) as i32,
            ))
            .x_label_formatter(&|v| common::fmt_number(*v))
            .y_label_formatter(&|v| common::fmt_percent_units(*v))
            .x_desc(self.x_label)
            .y_desc("share")
            .draw()?;

        let mut lower = vec![0.0; cols.len()];
        for c in 0..self.categories.len() {
            let upper: Vec<f64> = cols
                .iter()
                .zip(&lower)
                .map(|(&i, l)| l + share(c, i))
                .collect();
            let mut outline: Vec<(f64, f64)> = cols
                .iter()
                .zip(&upper)
                .map(|(&i, u)| (self.x[i], *u))
                .collect();
            outline.extend(cols.iter().zip(&lower).rev().map(|(&i, l)| (self.x[i], *l)));
            chart.draw_series(std::iter::once(Polygon::new(
                outline,
                style::series_color(c).filled(),
            )))?;
            lower = upper;
        }
        Ok(())
    }
}

/// A grid of shares, `values[y][x]` at `(xs[x], ys[y])`, coloured on a
/// colour-blind-safe sequential scale with a legend bar; cells large enough
/// to hold it also show their value.
#[allow(clippy::too_many_arguments)]
pub fn heatmap(
    text: &ChartText,
    size: ChartSize,
    format: ChartFormat,
    x_label: &str,
    y_label: &str,
    xs: &[f64],
    ys: &[f64],
    values: &[Vec<f64>],
) -> Result<Vec<u8>, ChartError> {
    const CHART: &str = "heatmap";
    if values.len() != ys.len() {
        return Err(invalid(
            CHART,
            format!("{} value rows for {} y values", values.len(), ys.len()),
        ));
    }
    if let Some((r, row)) = values.iter().enumerate().find(|(_, r)| r.len() != xs.len()) {
        return Err(invalid(
            CHART,
            format!("row {r} has {} values for {} x values", row.len(), xs.len()),
        ));
    }
    let plot = Heat {
        x_label,
        y_label,
        xs,
        ys,
        values,
    };
    render(CHART, text, size, format, &plot)
}

struct Heat<'a> {
    x_label: &'a str,
    y_label: &'a str,
    xs: &'a [f64],
    ys: &'a [f64],
    values: &'a [Vec<f64>],
}

/// Viridis anchor colours: perceptually uniform and readable with every
/// common colour-vision deficiency (Okabe-Ito has no sequential scale).
const VIRIDIS: [(u8, u8, u8); 5] = [
    (68, 1, 84),
    (59, 82, 139),
    (33, 145, 140),
    (94, 201, 98),
    (253, 231, 37),
];

fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = t * (VIRIDIS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(VIRIDIS.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |p: u8, q: u8| (f64::from(p) + (f64::from(q) - f64::from(p)) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Index-based axis: categorical-looking ticks at each grid value, thinned
/// to what fits, so uneven grids (0.01, 0.02, 0.05, 0.1) stay evenly spaced.
fn index_keys(n: usize, len_px: i32, label_px: i32) -> Vec<f64> {
    let fit = (len_px / (label_px + label_px / 2).max(1)).max(1) as usize;
    let step = n.div_ceil(fit).max(1);
    (0..n).step_by(step).map(|i| i as f64).collect()
}

impl Plot for Heat<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        st: &Style,
    ) -> DrawResult<()> {
        let finite_vals = || {
            self.values
                .iter()
                .flatten()
                .copied()
                .filter(|v| v.is_finite())
        };
        if self.xs.is_empty() || self.ys.is_empty() || finite_vals().next().is_none() {
            return common::no_data(area, st, "empty grid");
        }
        let (nx, ny) = (self.xs.len(), self.ys.len());
        let mut vmin = finite_vals().fold(f64::INFINITY, f64::min) * 100.0;
        let mut vmax = finite_vals().fold(f64::NEG_INFINITY, f64::max) * 100.0;
        if vmax - vmin < 1e-9 {
            vmin -= 1.0;
            vmax += 1.0;
        }
        let t = |v: f64| (v * 100.0 - vmin) / (vmax - vmin);

        let (aw, ah) = area.dim_in_pixel();
        let (aw, ah) = (aw as i32, ah as i32);
        let x_names: Vec<String> = self.xs.iter().map(|v| common::fmt_number(*v)).collect();
        let y_names: Vec<String> = self.ys.iter().map(|v| common::fmt_number(*v)).collect();
        let y_tick_w = common::max_text_width(y_names.iter().map(String::as_str), st.tick, false)?;
        let x_tick_w = common::max_text_width(x_names.iter().map(String::as_str), st.tick, false)?;
        let bar_tick_w = common::text_width("100.5%", st.tick, false)?;
        let bar_w = (st.legend * 1.2) as i32;
        let legend_w = bar_w + bar_tick_w + (st.tick * 1.5) as i32 + st.margin;
        let (main, legend) = area.split_horizontally(aw - legend_w);

        let y_area = common::y_label_area(st, y_tick_w, true);
        let x_area = common::x_label_area(st);
        let plot_w = aw - legend_w - y_area - st.gap;
        let plot_h = ah - x_area;
        let xk = index_keys(nx, plot_w, x_tick_w);
        let yk = index_keys(ny, plot_h, (st.tick * 1.2) as i32);
        let mut chart = ChartBuilder::on(&main)
            .margin_right(st.gap)
            .x_label_area_size(x_area)
            .y_label_area_size(y_area)
            .build_cartesian_2d(
                common::KeyedAxis::new(-0.5..nx as f64 - 0.5, xk),
                common::KeyedAxis::new(-0.5..ny as f64 - 0.5, yk),
            )?;
        let name = |names: &[String], v: f64| {
            let i = v.round();
            if i < 0.0 || i as usize >= names.len() {
                String::new()
            } else {
                names[i as usize].clone()
            }
        };
        let mut mesh = chart.configure_mesh();
        common::style_mesh(&mut mesh, st);
        mesh.disable_mesh()
            .x_labels(nx)
            .y_labels(ny)
            .x_label_formatter(&|v| name(&x_names, *v))
            .y_label_formatter(&|v| name(&y_names, *v))
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .draw()?;

        let cell_w = f64::from(plot_w) / nx as f64;
        let cell_h = f64::from(plot_h) / ny as f64;
        let value_size = st.value.min(cell_h * 0.6);
        let sample_w = common::text_width("100.0%", value_size, false)?;
        let show_values = value_size >= style::MIN_FONT_PX && f64::from(sample_w) + 6.0 <= cell_w;
        for (yi, row) in self.values.iter().enumerate() {
            for (xi, v) in row.iter().enumerate() {
                let (x, y) = (xi as f64, yi as f64);
                let Some(v) = common::finite(*v) else {
                    continue;
                };
                let c = viridis(t(v));
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                    c.filled(),
                )))?;
                if show_values {
                    let luminance =
                        0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2);
                    let ink = if luminance > 140.0 {
                        style::TEXT
                    } else {
                        style::BACKGROUND
                    };
                    chart.draw_series(std::iter::once(Text::new(
                        common::fmt_share(v, 1),
                        (x, y),
                        common::text(value_size, false, ink, HPos::Center, VPos::Center),
                    )))?;
                }
            }
        }

        // Colour scale: a strip in value units, so its ticks come for free.
        let mut scale = ChartBuilder::on(&legend)
            .margin_left(st.gap)
            .margin_right(st.margin)
            .x_label_area_size(x_area)
            .right_y_label_area_size(bar_tick_w + (st.tick * 0.9) as i32)
            .build_cartesian_2d(0.0..1.0, vmin..vmax)?;
        let mut mesh = scale.configure_mesh();
        common::style_mesh(&mut mesh, st);
        mesh.disable_mesh()
            .disable_x_axis()
            .y_labels(common::tick_count(plot_h, (st.tick * 1.2) as i32))
            .y_label_formatter(&|v| common::fmt_percent_units(*v))
            .draw()?;
        let steps = 64;
        scale.draw_series((0..steps).map(|i| {
            let a = vmin + (vmax - vmin) * i as f64 / steps as f64;
            let b = vmin + (vmax - vmin) * (i + 1) as f64 / steps as f64;
            Rectangle::new(
                [(0.0, a), (1.0, b)],
                viridis((i as f64 + 0.5) / steps as f64).filled(),
            )
        }))?;
        Ok(())
    }
}

/// Sensitivity of an outcome to each lever: for every row, the change (in
/// percentage points) when the lever goes down and when it goes up, around a
/// zero line. Rows are drawn top to bottom in the order given (the caller
/// sorts, usually by swing).
pub fn tornado(
    text: &ChartText,
    size: ChartSize,
    format: ChartFormat,
    rows: &[TornadoRow],
) -> Result<Vec<u8>, ChartError> {
    let pp = |v: f64| {
        if v > 0.0 {
            format!("+{v:.1} pp")
        } else {
            format!("{v:.1} pp")
        }
    };
    let series = |label: &str, color, pick: fn(&TornadoRow) -> f64| BarSeries {
        label: label.to_string(),
        values: rows.iter().map(pick).collect(),
        value_labels: rows.iter().map(|r| pp(pick(r))).collect(),
        color,
    };
    let plot = HBars {
        categories: rows.iter().map(|r| r.lever.clone()).collect(),
        series: vec![
            series("lever down", style::LEVER_DOWN, |r| r.low_change),
            series("lever up", style::LEVER_UP, |r| r.high_change),
        ],
        x_label: "change from baseline (percentage points)".to_string(),
        axis: ValueAxis::PercentagePoints,
        force_legend: true,
        zero_is_empty: false,
    };
    render("tornado", text, size, format, &plot)
}

/// One labelled horizontal bar per category, for income-disclosure style
/// tables. `value_labels` are written at the bar ends (the caller formats
/// money its own way); pass an empty slice to have plain numbers written.
pub fn category_bars(
    text: &ChartText,
    size: ChartSize,
    format: ChartFormat,
    x_label: &str,
    categories: &[String],
    values: &[f64],
    value_labels: &[String],
) -> Result<Vec<u8>, ChartError> {
    const CHART: &str = "category bars";
    if values.len() != categories.len() {
        return Err(invalid(
            CHART,
            format!(
                "{} values for {} categories",
                values.len(),
                categories.len()
            ),
        ));
    }
    if !value_labels.is_empty() && value_labels.len() != values.len() {
        return Err(invalid(
            CHART,
            format!(
                "{} value labels for {} values",
                value_labels.len(),
                values.len()
            ),
        ));
    }
    let labels = if value_labels.is_empty() {
        values.iter().map(|v| common::fmt_number(*v)).collect()
    } else {
        value_labels.to_vec()
    };
    let plot = HBars {
        categories: categories.to_vec(),
        series: vec![BarSeries {
            label: String::new(),
            values: values.to_vec(),
            value_labels: labels,
            color: style::series_color(0),
        }],
        x_label: x_label.to_string(),
        axis: ValueAxis::Number,
        force_legend: false,
        zero_is_empty: false,
    };
    render(CHART, text, size, format, &plot)
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::charts::test_util::{check_both, text, SMALL};

    /// Share of careers that failed against recruiting rate, two plans.
    pub fn band_series() -> Vec<BandSeries> {
        (0..2)
            .map(|s| BandSeries {
                label: format!("plan {}", s + 1),
                points: (1..=10)
                    .map(|i| {
                        let x = f64::from(i) * 0.5;
                        let y = 0.9 - 0.05 * x - 0.05 * f64::from(s);
                        (x, y, y - 0.02, y + 0.02)
                    })
                    .collect(),
            })
            .collect()
    }

    /// State of all careers over 60 months.
    pub fn stacked() -> (Vec<String>, Vec<f64>, Vec<Vec<f64>>) {
        let cats: Vec<String> = [
            "active, profitable",
            "active, losing",
            "quit: financial loss",
            "quit: other",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let x: Vec<f64> = (0..=60).map(f64::from).collect();
        let shares = vec![
            x.iter().map(|m| 0.02 + 0.0005 * m).collect(),
            x.iter()
                .map(|m| 0.98 * (-0.05 * m).exp())
                .collect::<Vec<f64>>(),
            x.iter().map(|m| 0.6 * (1.0 - (-0.05 * m).exp())).collect(),
            x.iter()
                .map(|m| {
                    (1.0 - 0.02
                        - 0.0005 * m
                        - 0.98 * (-0.05 * m).exp()
                        - 0.6 * (1.0 - (-0.05 * m).exp()))
                    .max(0.0)
                })
                .collect(),
        ];
        (cats, x, shares)
    }

    /// Failure rate over a recruiting-rate x start-up-cost grid.
    pub fn grid() -> (Vec<f64>, Vec<f64>, Vec<Vec<f64>>) {
        let xs: Vec<f64> = vec![0.5, 1.0, 2.0, 3.0, 5.0, 8.0];
        let ys: Vec<f64> = vec![100.0, 250.0, 500.0, 1000.0, 2000.0];
        let v = ys
            .iter()
            .map(|y| {
                xs.iter()
                    .map(|x| (0.5 + 0.08 * (y / 500.0) - 0.03 * x).clamp(0.0, 1.0))
                    .collect()
            })
            .collect();
        (xs, ys, v)
    }

    /// Levers sorted by swing.
    pub fn rows() -> Vec<TornadoRow> {
        [
            ("recruiting rate", -6.2, 4.1),
            ("monthly product cost", -3.5, 5.0),
            ("start-up kit price", -1.2, 2.3),
            ("retail margin", 1.1, -1.5),
            ("team support", 0.4, -0.2),
        ]
        .iter()
        .map(|(l, a, b)| TornadoRow {
            lever: l.to_string(),
            low_change: *a,
            high_change: *b,
        })
        .collect()
    }

    #[test]
    fn line_with_band_renders() {
        check_both(|f| {
            line_with_band(
                &text(),
                SMALL,
                f,
                "recruits per month",
                "failure rate",
                &band_series(),
            )
        });
        check_both(|f| line_with_band(&text(), SMALL, f, "x", "y", &[]));
    }

    #[test]
    fn stacked_area_renders() {
        let (c, x, s) = stacked();
        check_both(|f| stacked_area(&text(), SMALL, f, "month", &c, &x, &s));
        check_both(|f| stacked_area(&text(), SMALL, f, "month", &[], &[], &[]));
        check_both(|f| stacked_area(&text(), SMALL, f, "month", &c[..1], &[1.0], &[vec![0.5]]));
        let bad = stacked_area(&text(), SMALL, ChartFormat::Svg, "m", &c, &x, &s[..1]);
        assert!(matches!(bad, Err(ChartError::InvalidInput { .. })));
    }

    #[test]
    fn heatmap_renders() {
        let (xs, ys, v) = grid();
        check_both(|f| {
            heatmap(
                &text(),
                SMALL,
                f,
                "recruits per month",
                "start-up cost ($)",
                &xs,
                &ys,
                &v,
            )
        });
        check_both(|f| heatmap(&text(), SMALL, f, "x", "y", &[], &[], &[]));
        check_both(|f| heatmap(&text(), SMALL, f, "x", "y", &[1.0], &[1.0], &[vec![0.3]]));
        let bad = heatmap(
            &text(),
            SMALL,
            ChartFormat::Svg,
            "x",
            "y",
            &xs,
            &ys,
            &v[..1],
        );
        assert!(matches!(bad, Err(ChartError::InvalidInput { .. })));
    }

    #[test]
    fn tornado_renders() {
        check_both(|f| tornado(&text(), SMALL, f, &rows()));
        check_both(|f| tornado(&text(), SMALL, f, &[]));
        let flat = vec![TornadoRow {
            lever: "nothing".into(),
            low_change: 0.0,
            high_change: 0.0,
        }];
        check_both(|f| tornado(&text(), SMALL, f, &flat));
    }

    #[test]
    fn category_bars_renders() {
        let cats: Vec<String> = [
            "distributor",
            "supervisor",
            "world team",
            "global expansion",
            "millionaire team",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let vals = [-1200.0, 350.0, 4200.0, 18_000.0, 95_000.0];
        let labels: Vec<String> = vals.iter().map(|v| common::fmt_money(*v)).collect();
        check_both(|f| {
            category_bars(
                &text(),
                SMALL,
                f,
                "average annual net income ($)",
                &cats,
                &vals,
                &labels,
            )
        });
        check_both(|f| category_bars(&text(), SMALL, f, "x", &cats, &vals, &[]));
        check_both(|f| category_bars(&text(), SMALL, f, "x", &[], &[], &[]));
        let bad = category_bars(
            &text(),
            SMALL,
            ChartFormat::Svg,
            "x",
            &cats,
            &vals[..2],
            &[],
        );
        assert!(matches!(bad, Err(ChartError::InvalidInput { .. })));
    }
}
