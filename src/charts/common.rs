//! Drawing helpers shared by all charts: the frame (title, subtitle,
//! footnote), legends, the "no data" panel, text fitting and number
//! formatting.

use plotters::chart::MeshStyle;
use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;

use super::style::{self, Style};
use super::{ChartText, DrawResult};

/// A pixel-addressed drawing area.
pub type Area<DB> = DrawingArea<DB, Shift>;

/// The embedded sans-serif face at `size` pixels.
pub fn font(size: f64, bold: bool) -> FontDesc<'static> {
    let weight = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    FontDesc::new(FontFamily::SansSerif, size, weight)
}

/// A text style with colour and anchor.
pub fn text(size: f64, bold: bool, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    font(size, bold).color(&color).pos(Pos::new(h, v))
}

/// Width in pixels of `s` at `size`, as the renderer will lay it out.
pub fn text_width(s: &str, size: f64, bold: bool) -> DrawResult<i32> {
    let (w, _) = font(size, bold).box_size(s)?;
    Ok(w as i32)
}

/// Widest of several strings, in pixels.
pub fn max_text_width<'a>(
    items: impl IntoIterator<Item = &'a str>,
    size: f64,
    bold: bool,
) -> DrawResult<i32> {
    let mut w = 0;
    for s in items {
        w = w.max(text_width(s, size, bold)?);
    }
    Ok(w)
}

/// Makes `s` fit in `max_w` pixels: first by shrinking the font down to
/// `min_size`, then by cutting the end off with an ellipsis. Long scenario
/// names must never run off the canvas.
pub fn fit_text(
    s: &str,
    max_w: i32,
    size: f64,
    bold: bool,
    min_size: f64,
) -> DrawResult<(String, f64)> {
    let w = text_width(s, size, bold)?;
    if w <= max_w || s.is_empty() {
        return Ok((s.to_string(), size));
    }
    let smaller = (size * f64::from(max_w) / f64::from(w.max(1))).max(min_size.min(size));
    if text_width(s, smaller, bold)? <= max_w {
        return Ok((s.to_string(), smaller));
    }
    Ok((ellipsize(s, max_w, smaller, bold)?, smaller))
}

/// Cuts `s` so that it plus "…" fits in `max_w` pixels.
pub fn ellipsize(s: &str, max_w: i32, size: f64, bold: bool) -> DrawResult<String> {
    if text_width(s, size, bold)? <= max_w {
        return Ok(s.to_string());
    }
    let chars: Vec<char> = s.chars().collect();
    let mut n = chars.len();
    while n > 0 {
        n -= 1;
        let candidate: String = chars[..n].iter().collect::<String>().trim_end().to_string() + "…";
        if text_width(&candidate, size, bold)? <= max_w {
            return Ok(candidate);
        }
    }
    Ok("…".to_string())
}

/// Paints the background, title, subtitle and footnote, and returns the area
/// left for the chart body.
pub fn frame<DB: DrawingBackend>(
    root: &Area<DB>,
    t: &ChartText,
    st: &Style,
) -> DrawResult<Area<DB>> {
    root.fill(&style::BACKGROUND)?;
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let m = st.margin;
    let avail = w - 2 * m;

    let mut y = m;
    if !t.title.trim().is_empty() {
        let (title, size) = fit_text(t.title.trim(), avail, st.title, true, st.title * 0.6)?;
        root.draw_text(
            &title,
            &text(size, true, style::TEXT, HPos::Left, VPos::Top),
            (m, y),
        )?;
        y += (st.title * 1.15).round() as i32;
    }
    if let Some(sub) = t
        .subtitle
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let (sub, size) = fit_text(sub, avail, st.subtitle, false, st.subtitle * 0.7)?;
        root.draw_text(
            &sub,
            &text(size, false, style::TEXT_SOFT, HPos::Left, VPos::Top),
            (m, y),
        )?;
        y += (st.subtitle * 1.2).round() as i32;
    }
    y += st.gap;

    let mut bottom = h - m;
    if !t.footnote.trim().is_empty() {
        let (foot, size) = fit_text(
            t.footnote.trim(),
            avail,
            st.footnote,
            false,
            style::MIN_FONT_PX,
        )?;
        root.draw_text(
            &foot,
            &text(size, false, style::TEXT_FAINT, HPos::Left, VPos::Bottom),
            (m, bottom),
        )?;
        bottom -= (st.footnote * 1.2).round() as i32 + st.gap;
    }
    Ok(sub_area(root, 0, y, w, bottom - y, m))
}

/// The part of `area` at `(x, y)` of `w` x `h` pixels, inset horizontally by
/// `inset`. Sizes are clamped to at least one pixel so that a crowded layout
/// degrades instead of panicking.
fn sub_area<DB: DrawingBackend>(
    area: &Area<DB>,
    x: i32,
    y: i32,
    w: i32,
    h: i32,
    inset: i32,
) -> Area<DB> {
    let width = (w - 2 * inset).max(1) as u32;
    let height = h.max(1) as u32;
    area.clone().shrink((x + inset, y), (width, height))
}

/// Everything of `area` below its first `used` pixels (plus a gap).
pub fn below<DB: DrawingBackend>(area: &Area<DB>, used: i32, st: &Style) -> Area<DB> {
    let (w, h) = area.dim_in_pixel();
    let top = if used > 0 { used + st.gap } else { 0 };
    sub_area(area, 0, top, w as i32, h as i32 - top, 0)
}

/// How a legend entry is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Swatch {
    /// Filled square: bars and areas.
    Box,
    /// Line over a translucent band: lines with confidence intervals.
    LineWithBand,
    /// No marker: a plain annotation line.
    None,
}

/// One legend entry.
#[derive(Debug, Clone)]
pub struct LegendItem {
    /// Text of the entry.
    pub label: String,
    /// Colour of the marker (and of the text when `bold`).
    pub color: RGBColor,
    /// Marker kind.
    pub swatch: Swatch,
}

impl LegendItem {
    /// An entry with a marker.
    pub fn new(label: impl Into<String>, color: RGBColor, swatch: Swatch) -> Self {
        LegendItem {
            label: label.into(),
            color,
            swatch,
        }
    }
}

/// Draws a legend at the top of `area` and returns the area below it.
///
/// The legend sits above the plot instead of inside it: it then can never
/// hide data, whatever shape the data has. With `one_per_line` each entry
/// gets its own line (for entries that are sentences), otherwise entries
/// flow left to right and wrap.
pub fn legend_above<DB: DrawingBackend>(
    area: &Area<DB>,
    st: &Style,
    items: &[LegendItem],
    one_per_line: bool,
) -> DrawResult<Area<DB>> {
    if items.is_empty() {
        return Ok(below(area, 0, st));
    }
    let (w, _) = area.dim_in_pixel();
    let w = w as i32;
    let size = st.legend;
    let row_h = (size * 1.35).round() as i32;
    let sw_w = (size * 1.5).round() as i32;
    let sw_gap = (size * 0.4).round() as i32;
    let item_gap = (size * 1.2).round() as i32;

    let (mut x, mut row) = (0, 0);
    for item in items {
        let has_swatch = item.swatch != Swatch::None;
        let marker = if has_swatch { sw_w + sw_gap } else { 0 };
        let label = ellipsize(&item.label, w - marker, size, false)?;
        let item_w = marker + text_width(&label, size, false)?;
        if x > 0 && (one_per_line || x + item_w > w) {
            x = 0;
            row += 1;
        }
        let cy = row * row_h + row_h / 2;
        if has_swatch {
            draw_swatch(area, st, item, (x, cy), sw_w)?;
        }
        let color = if has_swatch { style::TEXT } else { item.color };
        area.draw_text(
            &label,
            &text(size, !has_swatch, color, HPos::Left, VPos::Center),
            (x + marker, cy),
        )?;
        x += item_w + item_gap;
    }
    Ok(below(area, (row + 1) * row_h, st))
}

fn draw_swatch<DB: DrawingBackend>(
    area: &Area<DB>,
    st: &Style,
    item: &LegendItem,
    (x, cy): (i32, i32),
    sw_w: i32,
) -> DrawResult<()> {
    let half = (st.legend * 0.38).round() as i32;
    let c = item.color;
    let line = |area: &Area<DB>| {
        area.draw(&PathElement::new(
            vec![(x, cy), (x + sw_w, cy)],
            c.stroke_width(st.line),
        ))
    };
    match item.swatch {
        Swatch::Box => {
            area.draw(&Rectangle::new(
                [
                    (x + sw_w / 2 - half, cy - half),
                    (x + sw_w / 2 + half, cy + half),
                ],
                c.filled(),
            ))?;
        }
        Swatch::LineWithBand => {
            area.draw(&Rectangle::new(
                [(x, cy - half), (x + sw_w, cy + half)],
                c.mix(style::BAND_ALPHA).filled(),
            ))?;
            line(area)?;
        }
        Swatch::None => {}
    }
    Ok(())
}

/// Fills `area` with a "no data" panel. Used for empty, all-zero or
/// degenerate input, so that a pipeline producing charts in bulk never
/// fails on one odd scenario and the reader sees why the chart is empty.
pub fn no_data<DB: DrawingBackend>(area: &Area<DB>, st: &Style, detail: &str) -> DrawResult<()> {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    area.draw(&Rectangle::new(
        [(0, 0), (w - 1, h - 1)],
        style::GRID.stroke_width(st.ref_line),
    ))?;
    let cy = h / 2;
    area.draw_text(
        "no data",
        &text(
            st.no_data,
            true,
            style::TEXT_FAINT,
            HPos::Center,
            VPos::Center,
        ),
        (w / 2, cy - (st.no_data * 0.4) as i32),
    )?;
    if !detail.is_empty() {
        let detail = ellipsize(detail, w - 2 * st.margin, st.legend, false)?;
        area.draw_text(
            &detail,
            &text(st.legend, false, style::TEXT_FAINT, HPos::Center, VPos::Top),
            (w / 2, cy + (st.no_data * 0.6) as i32),
        )?;
    }
    Ok(())
}

/// Applies the shared look to a mesh: quiet grid, grey axes, scaled fonts.
pub fn style_mesh<X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &mut MeshStyle<'_, '_, X, Y, DB>,
    st: &Style,
) {
    mesh.label_style(font(st.tick, false).color(&style::TEXT_SOFT))
        .axis_desc_style(font(st.axis_label, false).color(&style::TEXT_SOFT))
        .bold_line_style(style::GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(style::AXIS.stroke_width(1))
        .set_all_tick_mark_size((6.0 * st.scale).max(2.0) as u32);
}

/// Height of an x label area holding tick labels and an axis description.
pub fn x_label_area(st: &Style) -> i32 {
    (st.tick * 1.6 + st.axis_label * 1.5).round() as i32
}

/// Width of a y label area whose widest tick label is `label_w` pixels,
/// with room for the rotated axis description when `with_desc`.
pub fn y_label_area(st: &Style, label_w: i32, with_desc: bool) -> i32 {
    let desc = if with_desc { st.axis_label * 1.5 } else { 0.0 };
    label_w + (st.tick * 0.9 + desc).round() as i32
}

/// How many tick labels fit along `len_px` when each is about `label_w`
/// pixels wide; the factor two leaves a label's width of air between them.
pub fn tick_count(len_px: i32, label_w: i32) -> usize {
    let per = (label_w.max(1) * 2).max(1);
    ((len_px / per) as usize).clamp(2, 12)
}

/// A chart with numeric axes on both sides.
pub type XyChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws a vertical reference line at `x` from `y0` to `y1` and writes
/// `label` next to its top, on whichever side has room, over a light
/// backing so grid lines do not cut through the words. Callers leave
/// head-room above the data so the label never covers it. The label also
/// stays clear of the x interval `keep_clear` (a shaded band around the
/// line) so its backing does not hide the band.
pub fn vline_with_label<DB: DrawingBackend>(
    chart: &mut XyChart<'_, DB>,
    st: &Style,
    x: f64,
    (y0, y1): (f64, f64),
    label: &str,
    color: RGBColor,
    keep_clear: Option<(f64, f64)>,
) -> DrawResult<()> {
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(x, y0), (x, y1)],
        color.stroke_width(st.ref_line),
    )))?;
    if label.is_empty() {
        return Ok(());
    }
    let (xr, _) = chart.plotting_area().get_pixel_range();
    let px = chart.backend_coord(&(x, y1)).0;
    let pad = (st.legend * 0.4).round() as i32;
    let (clear_l, clear_r) = match keep_clear {
        Some((a, b)) => (
            (px - chart.backend_coord(&(a, y1)).0).max(0),
            (chart.backend_coord(&(b, y1)).0 - px).max(0),
        ),
        None => (0, 0),
    };
    let right = xr.end - px - clear_r - 2 * pad;
    let left = px - xr.start - clear_l - 2 * pad;
    let w = text_width(label, st.legend, true)?;
    let (room, anchor, dx) = if right >= w || right >= left {
        (right, HPos::Left, pad + clear_r)
    } else {
        (left, HPos::Right, -pad - clear_l)
    };
    let (label, size) = fit_text(label, room.max(1), st.legend, true, style::MIN_FONT_PX)?;
    let w = text_width(&label, size, true)?;
    let h = (size * 1.1).round() as i32;
    let (bx0, bx1) = match anchor {
        HPos::Right => (dx - w - pad / 2, dx + pad / 2),
        _ => (dx - pad / 2, dx + w + pad / 2),
    };
    let dy = pad;
    chart.draw_series(std::iter::once(
        EmptyElement::at((x, y1))
            + Rectangle::new(
                [(bx0, dy - pad / 2), (bx1, dy + h + pad / 2)],
                style::BACKGROUND.mix(0.85).filled(),
            )
            + Text::new(label, (dx, dy), text(size, true, color, anchor, VPos::Top)),
    ))?;
    Ok(())
}

/// An f64 axis whose ticks sit exactly at the given values.
///
/// Used for categorical axes (one tick per category at 0, 1, 2, …) whose
/// bars still need fractional positions for grouping. plotters' own
/// `with_key_points` wrapper loses the f64 label formatter and cannot be
/// used with `configure_mesh`, hence this small type.
#[derive(Debug, Clone)]
pub struct KeyedAxis {
    range: std::ops::Range<f64>,
    keys: Vec<f64>,
}

impl KeyedAxis {
    /// An axis over `range` with ticks at `keys`.
    pub fn new(range: std::ops::Range<f64>, keys: Vec<f64>) -> Self {
        KeyedAxis { range, keys }
    }
}

impl Ranged for KeyedAxis {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        let t = if span == 0.0 {
            0.5
        } else {
            (value - self.range.start) / span
        };
        limit.0 + (f64::from(limit.1 - limit.0) * t).round() as i32
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Only "bold" points: light points would draw a second grid.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.keys.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.clone()
    }
}

// ---------------------------------------------------------------- numbers

// Number formatting lives in `crate::fmt`; the chart modules use these short names for axis
// and label text.
pub use crate::fmt::{
    count as fmt_count, money_short as fmt_money, percent_fixed as fmt_share,
    percent_units as fmt_percent_units, tick_number as fmt_number,
};

/// The error for data a chart cannot draw (mismatched lengths and the like), naming the chart.
pub fn invalid(chart: &'static str, message: String) -> super::ChartError {
    super::ChartError::InvalidInput { chart, message }
}

/// Finite values only; plotters draws garbage (or panics in integer
/// conversions) on NaN and infinities.
pub fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_bounded() {
        assert_eq!(tick_count(10, 100), 2);
        assert_eq!(tick_count(100_000, 10), 12);
    }
}
