//! Line-with-confidence-band engine behind the survival chart and the
//! generic `line_with_band`.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::common::{self, LegendItem, Swatch};
use super::style::{self, Style};
use super::{DrawResult, Plot};

/// One line: points `(x, y, lo, hi)` with y in percent units.
#[derive(Debug, Clone)]
pub struct BandLine {
    /// Legend entry.
    pub label: String,
    /// Points, any order; non-finite points are dropped.
    pub points: Vec<BandPoint>,
}

/// A point `(x, y, lo, hi)`.
type BandPoint = (f64, f64, f64, f64);

/// How the y axis range is chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum YRange {
    /// Always 0..100 % (survival: the full scale is the honest one).
    Full,
    /// 0 up to just above the highest band edge.
    Auto,
}

/// A chart of lines with shaded bands.
#[derive(Debug, Clone)]
pub struct BandPlot {
    /// x axis description.
    pub x_label: String,
    /// y axis description.
    pub y_label: String,
    /// The lines.
    pub lines: Vec<BandLine>,
    /// y range policy.
    pub y_range: YRange,
    /// Start the x axis at zero when all x are positive (time axes).
    pub x_from_zero: bool,
}

impl BandPlot {
    fn clean(&self) -> Vec<(String, Vec<BandPoint>)> {
        self.lines
            .iter()
            .map(|l| {
                let mut pts: Vec<_> = l
                    .points
                    .iter()
                    .copied()
                    .filter(|(x, y, lo, hi)| [x, y, lo, hi].iter().all(|v| v.is_finite()))
                    .map(|(x, y, lo, hi)| (x, y, lo.min(hi), hi.max(lo)))
                    .collect();
                pts.sort_by(|a, b| a.0.total_cmp(&b.0));
                (l.label.clone(), pts)
            })
            .collect()
    }
}

impl Plot for BandPlot {
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        st: &Style,
    ) -> DrawResult<()> {
        let lines = self.clean();
        let all = || lines.iter().flat_map(|(_, p)| p.iter());
        if all().next().is_none() {
            return common::no_data(area, st, "no points to draw");
        }
        let area = if lines.len() > 1 {
            let items: Vec<_> = lines
                .iter()
                .enumerate()
                .map(|(i, (l, _))| {
                    LegendItem::new(l.clone(), style::series_color(i), Swatch::LineWithBand)
                })
                .collect();
            common::legend_above(area, st, &items, false)?
        } else {
            common::below(area, 0, st)
        };

        let mut x0 = all().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let mut x1 = all().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
        if self.x_from_zero && x0 >= 0.0 && x1 > 0.0 {
            // Time axes start at zero even if the first sample is later.
            x0 = 0.0;
        }
        if x1 - x0 <= f64::EPSILON {
            x0 -= 0.5;
            x1 += 0.5;
        }
        let (y0, y1) = match self.y_range {
            YRange::Full => (0.0, 100.0),
            YRange::Auto => {
                let top = all().map(|p| p.3.max(p.1)).fold(0.0f64, f64::max);
                let bottom = all().map(|p| p.2.min(p.1)).fold(0.0f64, f64::min);
                let top = if top <= bottom { bottom + 1.0 } else { top };
                let span = top - bottom;
                let top = if top <= 100.0 && top + span * 0.08 > 100.0 {
                    100.0
                } else {
                    top + span * 0.08
                };
                (bottom, top)
            }
        };

        let (aw, ah) = area.dim_in_pixel();
        let y_tick_w = common::max_text_width(
            [
                common::fmt_percent_units(y1).as_str(),
                common::fmt_percent_units(y0).as_str(),
                "100.5%",
            ],
            st.tick,
            false,
        )?;
        let x_tick_w = common::max_text_width(
            [
                common::fmt_number(x0).as_str(),
                common::fmt_number(x1).as_str(),
                "00.0",
            ],
            st.tick,
            false,
        )?;
        let y_area = common::y_label_area(st, y_tick_w, true);
        let x_area = common::x_label_area(st);
        let mut chart = ChartBuilder::on(&area)
            .margin_right(st.margin)
            .margin_top((st.tick * 0.6) as i32)
            .x_label_area_size(x_area)
            .y_label_area_size(y_area)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        let mut mesh = chart.configure_mesh();
        common::style_mesh(&mut mesh, st);
        mesh.x_labels(common::tick_count(aw as i32 - y_area, x_tick_w))
            .y_labels(common::tick_count(
                ah as i32 - x_area,
                (st.tick * 1.2) as i32,
            ))
            .x_label_formatter(&|v| common::fmt_number(*v))
            .y_label_formatter(&|v| common::fmt_percent_units(*v))
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .draw()?;

        // Bands first, so no band ever covers another series' line.
        for (i, (_, pts)) in lines.iter().enumerate() {
            if pts.len() < 2 {
                continue;
            }
            let color = style::series_color(i);
            let mut outline: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, p.3)).collect();
            outline.extend(pts.iter().rev().map(|p| (p.0, p.2)));
            chart.draw_series(std::iter::once(Polygon::new(
                outline,
                color.mix(style::BAND_ALPHA).filled(),
            )))?;
        }
        for (i, (_, pts)) in lines.iter().enumerate() {
            let color = style::series_color(i);
            if pts.len() == 1 {
                let p = pts[0];
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(p.0, p.2), (p.0, p.3)],
                    color.stroke_width(st.line),
                )))?;
                chart.draw_series(std::iter::once(Circle::new(
                    (p.0, p.1),
                    st.line * 2,
                    color.filled(),
                )))?;
            } else {
                chart.draw_series(LineSeries::new(
                    pts.iter().map(|p| (p.0, p.1)),
                    color.stroke_width(st.line),
                ))?;
            }
        }
        Ok(())
    }
}
