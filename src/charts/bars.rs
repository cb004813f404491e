//! Horizontal (grouped) bar engine behind the quit-reason, downline,
//! tornado and category charts.
//!
//! Bars run horizontally because the category names ("rejection burnout",
//! "active, profitable") are long: on the y axis they read left to right and
//! eight of them stack without overlapping, which rotated x labels never do
//! well.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::common::{self, LegendItem, Swatch};
use super::style::{self, Style};
use super::{
    render, ChartError, ChartFormat, ChartSize, ChartText, DrawResult, GroupedShares, Plot,
};

/// How values and the value axis are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueAxis {
    /// Values are in percent units; ticks read "40%", ticks beyond 100% are
    /// hidden (they only exist to make room for value labels).
    Percent,
    /// Values are percentage points; ticks read "+2", "-3".
    PercentagePoints,
    /// Plain numbers with thousands separators.
    Number,
}

/// One colour of bars.
#[derive(Debug, Clone)]
pub struct BarSeries {
    /// Legend entry.
    pub label: String,
    /// One value per category, in display units.
    pub values: Vec<f64>,
    /// Text written at the end of each bar.
    pub value_labels: Vec<String>,
    /// Bar colour.
    pub color: RGBColor,
}

/// A full horizontal bar chart.
#[derive(Debug, Clone)]
pub struct HBars {
    /// Category names, top to bottom.
    pub categories: Vec<String>,
    /// Series; more than one gives grouped bars.
    pub series: Vec<BarSeries>,
    /// Description of the value axis.
    pub x_label: String,
    /// Tick format of the value axis.
    pub axis: ValueAxis,
    /// Legend even for a single series (the tornado needs "lever down /
    /// lever up" although it has two series anyway).
    pub force_legend: bool,
    /// Treat all-zero values as "no data" (shares of nothing).
    pub zero_is_empty: bool,
}

impl HBars {
    /// Bars for shares (0..1) in percent, one series per share series.
    pub fn from_shares(data: &GroupedShares, x_label: &str) -> Self {
        let series = data
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| BarSeries {
                label: s.label.clone(),
                values: s.shares.iter().map(|v| v * 100.0).collect(),
                value_labels: s.shares.iter().map(|v| common::fmt_share(*v, 1)).collect(),
                color: style::series_color(i),
            })
            .collect();
        HBars {
            categories: data.categories.clone(),
            series,
            x_label: x_label.to_string(),
            axis: ValueAxis::Percent,
            force_legend: false,
            zero_is_empty: true,
        }
    }

    fn is_empty(&self) -> bool {
        let values = || self.series.iter().flat_map(|s| s.values.iter());
        self.categories.is_empty()
            || !values().any(|v| v.is_finite())
            || (self.zero_is_empty && !values().any(|v| v.is_finite() && *v != 0.0))
    }
}

/// Draw `data` as horizontal share bars (grouped when there are several series) under the
/// name `chart`, after checking that every series has one share per category. The quit-reason,
/// downline and income-disclosure charts are this drawing with their own axis label.
pub fn share_bars(
    chart: &'static str,
    text: &ChartText,
    size: ChartSize,
    format: ChartFormat,
    data: &GroupedShares,
    x_label: &str,
) -> Result<Vec<u8>, ChartError> {
    check_lengths(data).map_err(|message| ChartError::InvalidInput { chart, message })?;
    render(
        chart,
        text,
        size,
        format,
        &HBars::from_shares(data, x_label),
    )
}

/// Checks that every series has one value per category.
pub fn check_lengths(data: &GroupedShares) -> Result<(), String> {
    for s in &data.series {
        if s.shares.len() != data.categories.len() {
            return Err(format!(
                "series \"{}\" has {} shares for {} categories",
                s.label,
                s.shares.len(),
                data.categories.len()
            ));
        }
    }
    Ok(())
}

impl Plot for HBars {
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        st: &Style,
    ) -> DrawResult<()> {
        if self.is_empty() {
            return common::no_data(area, st, "nothing to count");
        }
        let area = if self.series.len() > 1 || self.force_legend {
            let items: Vec<_> = self
                .series
                .iter()
                .map(|s| LegendItem::new(s.label.clone(), s.color, Swatch::Box))
                .collect();
            common::legend_above(area, st, &items, false)?
        } else {
            common::below(area, 0, st)
        };
        let (aw, ah) = area.dim_in_pixel();
        let (aw, ah) = (aw as i32, ah as i32);

        // Category names: at most 40% of the width, the rest is cut with "…".
        let max_cat_w = aw * 2 / 5;
        let cats: Vec<String> = self
            .categories
            .iter()
            .map(|c| common::ellipsize(c, max_cat_w, st.tick, false))
            .collect::<DrawResult<_>>()?;
        let cat_w = common::max_text_width(cats.iter().map(String::as_str), st.tick, false)?;
        let y_area = common::y_label_area(st, cat_w, false);
        let x_area = common::x_label_area(st);
        let right_margin = st.margin;
        let plot_w = (aw - y_area - right_margin).max(1);
        let plot_h = (ah - x_area).max(1);

        let n = cats.len();
        let k = self.series.len().max(1);
        let group = 0.78;
        let bar = group / k as f64;
        let bar_px = f64::from(plot_h) / n as f64 * bar;
        // Value labels shrink with thin bars and vanish when they would
        // collide with the neighbouring bar.
        let value_size = st.value.min(bar_px * 0.85);
        let show_values = value_size >= style::MIN_FONT_PX * 0.9;

        let values = || {
            self.series
                .iter()
                .flat_map(|s| s.values.iter().copied())
                .filter(|v| v.is_finite())
        };
        let vmin = values().fold(0.0f64, f64::min);
        let mut vmax = values().fold(0.0f64, f64::max);
        if vmax - vmin <= f64::EPSILON {
            vmax = vmin
                + if self.axis == ValueAxis::Percent {
                    100.0
                } else {
                    1.0
                };
        }
        // Room for the value labels beyond the longest bars, solved in data
        // units from their pixel width: pad / (span + pads) * plot_w = label_w.
        let label_w = if show_values {
            let labels = self
                .series
                .iter()
                .flat_map(|s| s.value_labels.iter().map(String::as_str));
            common::max_text_width(labels, value_size, false)? + value_size as i32
        } else {
            0
        };
        let sides = i32::from(vmin < 0.0) + i32::from(vmax > 0.0);
        let span = vmax - vmin;
        let denom = f64::from((plot_w - sides * label_w).max(plot_w * 3 / 10));
        let pad = f64::from(label_w) * span / denom;
        let lo = if vmin < 0.0 { vmin - pad } else { vmin };
        let hi = if vmax > 0.0 {
            vmax + pad
        } else {
            vmax + span * 0.02
        };

        let keys: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let mut chart = ChartBuilder::on(&area)
            .margin_right(right_margin)
            .x_label_area_size(x_area)
            .y_label_area_size(y_area)
            .build_cartesian_2d(lo..hi, common::KeyedAxis::new(-0.5..n as f64 - 0.5, keys))?;

        let axis = self.axis;
        let x_fmt = move |v: &f64| match axis {
            ValueAxis::Percent if *v > 100.0 + 1e-9 || *v < -1e-9 => String::new(),
            ValueAxis::Percent => common::fmt_percent_units(*v),
            ValueAxis::PercentagePoints if *v > 0.0 => format!("+{}", common::fmt_number(*v)),
            ValueAxis::PercentagePoints | ValueAxis::Number => common::fmt_number(*v),
        };
        let y_fmt = |v: &f64| {
            let i = v.round();
            if i < 0.0 || i >= n as f64 {
                return String::new();
            }
            cats[n - 1 - i as usize].clone()
        };
        let tick_w =
            common::max_text_width([x_fmt(&lo).as_str(), x_fmt(&hi).as_str()], st.tick, false)?;
        let mut mesh = chart.configure_mesh();
        common::style_mesh(&mut mesh, st);
        mesh.disable_y_mesh()
            .x_labels(common::tick_count(
                plot_w,
                tick_w.max((st.tick * 3.0) as i32),
            ))
            .y_labels(n)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc(self.x_label.as_str())
            .draw()?;

        let half = group / 2.0;
        for (j, s) in self.series.iter().enumerate() {
            for (i, v) in s.values.iter().enumerate().take(n) {
                let Some(v) = common::finite(*v) else {
                    continue;
                };
                let centre = (n - 1 - i) as f64;
                let top = centre + half - j as f64 * bar;
                let bottom = top - bar;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(0.0, bottom), (v, top)],
                    s.color.filled(),
                )))?;
                if show_values {
                    let Some(label) = s.value_labels.get(i) else {
                        continue;
                    };
                    let gap = (value_size * 0.3) as i32;
                    let (dx, h) = if v < 0.0 {
                        (-gap, HPos::Right)
                    } else {
                        (gap, HPos::Left)
                    };
                    let style = common::text(value_size, false, style::TEXT, h, VPos::Center);
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((v, (top + bottom) / 2.0))
                            + Text::new(label.clone(), (dx, 0), style),
                    ))?;
                }
            }
        }
        // The zero line anchors diverging bars (tornado, losses).
        if lo < 0.0 {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
                style::REFERENCE.stroke_width(st.ref_line),
            )))?;
        }
        Ok(())
    }
}
