//! Stacked shares over x: the state of all careers month by month.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::common::{self, invalid, LegendItem, Swatch};
use super::style::{self, Style};
use super::{render, ChartError, ChartFormat, ChartSize, ChartText, DrawResult, Plot};

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
                crate::fmt::tick_number(x0).as_str(),
                crate::fmt::tick_number(x1).as_str(),
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
            .x_label_formatter(&|v| crate::fmt::tick_number(*v))
            .y_label_formatter(&|v| crate::fmt::percent_units(*v))
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

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::charts::test_util::{check_both, text, SMALL};

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

    #[test]
    fn stacked_area_renders() {
        let (c, x, s) = stacked();
        check_both(|f| stacked_area(&text(), SMALL, f, "month", &c, &x, &s));
        check_both(|f| stacked_area(&text(), SMALL, f, "month", &[], &[], &[]));
        check_both(|f| stacked_area(&text(), SMALL, f, "month", &c[..1], &[1.0], &[vec![0.5]]));
        let bad = stacked_area(&text(), SMALL, ChartFormat::Svg, "m", &c, &x, &s[..1]);
        assert!(matches!(bad, Err(ChartError::InvalidInput { .. })));
    }
}
