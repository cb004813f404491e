//! A grid of shares on a colour-blind-safe sequential scale (two-lever sweeps).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::common::{self, invalid};
use super::style::{self, Style};
use super::{render, ChartError, ChartFormat, ChartSize, ChartText, DrawResult, Plot};

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
        let x_names: Vec<String> = self
            .xs
            .iter()
            .map(|v| crate::fmt::tick_number(*v))
            .collect();
        let y_names: Vec<String> = self
            .ys
            .iter()
            .map(|v| crate::fmt::tick_number(*v))
            .collect();
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
                        crate::fmt::percent_fixed(v, 1),
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
            .y_label_formatter(&|v| crate::fmt::percent_units(*v))
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

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::charts::test_util::{check_both, text, SMALL};

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
}
