//! Every visual constant of the chart layer lives here, so that all charts
//! look like one family and a single edit restyles all of them.
//!
//! Sizes are specified for the reference canvas of 1600x900 (a 16:9 slide)
//! and scaled linearly with the canvas, so a chart rendered at 800x450 keeps
//! the same proportions and still fits every label.

use plotters::style::RGBColor;

use super::ChartSize;

/// Reference canvas the pixel constants below were tuned on.
pub const REFERENCE_WIDTH: f64 = 1600.0;
/// Reference canvas height; font sizes scale with the height (see [`Style`]).
pub const REFERENCE_HEIGHT: f64 = 900.0;

/// Smallest canvas we agree to draw on. Below this the fixed layout (title,
/// axes, footnote) leaves no room for the data and text becomes illegible.
pub const MIN_WIDTH: u32 = 320;
/// See [`MIN_WIDTH`].
pub const MIN_HEIGHT: u32 = 180;

/// Title size at the reference canvas: readable from the back of a room.
pub const TITLE_PX: f64 = 48.0;
/// Subtitle size at the reference canvas.
pub const SUBTITLE_PX: f64 = 32.0;
/// Axis descriptions ("month", "still in business").
pub const AXIS_LABEL_PX: f64 = 30.0;
/// Tick labels and category names.
pub const TICK_PX: f64 = 24.0;
/// Legend entries and annotations written inside the plot.
pub const LEGEND_PX: f64 = 26.0;
/// Value labels next to bars ("41.3%").
pub const VALUE_PX: f64 = 24.0;
/// Reproducibility footnote: small on purpose, it is for the reader who wants
/// to re-run the simulation, not for the audience.
pub const FOOTNOTE_PX: f64 = 20.0;
/// The "no data" message.
pub const NO_DATA_PX: f64 = 44.0;
/// Never go below this many pixels, whatever the canvas: below ~10 px the
/// rasterised glyphs stop being readable at all.
pub const MIN_FONT_PX: f64 = 10.0;

/// Outer margin around the whole chart.
pub const MARGIN_PX: f64 = 32.0;
/// Vertical gap between stacked blocks (title, legend, plot).
pub const GAP_PX: f64 = 14.0;
/// Width of data lines.
pub const LINE_PX: f64 = 4.0;
/// Width of reference lines (zero line, overall rate).
pub const REF_LINE_PX: f64 = 3.0;

/// Background: plain white, so charts paste cleanly onto slides and paper.
pub const BACKGROUND: RGBColor = RGBColor(255, 255, 255);
/// Title text.
pub const TEXT: RGBColor = RGBColor(20, 20, 20);
/// Subtitle, axis labels.
pub const TEXT_SOFT: RGBColor = RGBColor(70, 70, 70);
/// Footnote, "no data" text.
pub const TEXT_FAINT: RGBColor = RGBColor(120, 120, 120);
/// Grid lines: visible but quieter than any data.
pub const GRID: RGBColor = RGBColor(225, 225, 225);
/// Axis lines.
pub const AXIS: RGBColor = RGBColor(150, 150, 150);
/// Reference lines (zero, overall rate): black from the Okabe-Ito set.
pub const REFERENCE: RGBColor = OKABE_ITO_BLACK;

// Okabe & Ito (2008), "Color Universal Design": eight colours that stay
// distinguishable under the common forms of colour-vision deficiency.
/// Okabe-Ito black.
pub const OKABE_ITO_BLACK: RGBColor = RGBColor(0, 0, 0);
/// Okabe-Ito orange.
pub const OKABE_ITO_ORANGE: RGBColor = RGBColor(230, 159, 0);
/// Okabe-Ito sky blue.
pub const OKABE_ITO_SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
/// Okabe-Ito bluish green.
pub const OKABE_ITO_BLUISH_GREEN: RGBColor = RGBColor(0, 158, 115);
/// Okabe-Ito yellow (low contrast on white: used last).
pub const OKABE_ITO_YELLOW: RGBColor = RGBColor(240, 228, 66);
/// Okabe-Ito blue.
pub const OKABE_ITO_BLUE: RGBColor = RGBColor(0, 114, 178);
/// Okabe-Ito vermillion.
pub const OKABE_ITO_VERMILLION: RGBColor = RGBColor(213, 94, 0);
/// Okabe-Ito reddish purple.
pub const OKABE_ITO_REDDISH_PURPLE: RGBColor = RGBColor(204, 121, 167);

/// Order in which series get colours. High-contrast colours first; yellow
/// and black last (yellow is faint on white, black competes with text).
pub const SERIES_COLORS: [RGBColor; 8] = [
    OKABE_ITO_BLUE,
    OKABE_ITO_VERMILLION,
    OKABE_ITO_BLUISH_GREEN,
    OKABE_ITO_ORANGE,
    OKABE_ITO_REDDISH_PURPLE,
    OKABE_ITO_SKY_BLUE,
    OKABE_ITO_YELLOW,
    OKABE_ITO_BLACK,
];

/// Money lost (negative net income) in single-series income charts.
pub const LOSS: RGBColor = OKABE_ITO_VERMILLION;
/// Money made (positive net income) in single-series income charts.
pub const PROFIT: RGBColor = OKABE_ITO_BLUISH_GREEN;
/// "lever down" bars in tornado charts.
pub const LEVER_DOWN: RGBColor = OKABE_ITO_SKY_BLUE;
/// "lever up" bars in tornado charts.
pub const LEVER_UP: RGBColor = OKABE_ITO_BLUE;
/// Confidence-interval shading around the overall failure rate.
pub const CI_BAND: RGBColor = OKABE_ITO_ORANGE;

/// Opacity of confidence bands behind lines.
pub const BAND_ALPHA: f64 = 0.22;
/// Opacity of overlaid histogram bars (several series on one axis).
pub const OVERLAY_ALPHA: f64 = 0.30;

/// Colour of the `i`-th series, cycling through [`SERIES_COLORS`].
pub fn series_color(i: usize) -> RGBColor {
    SERIES_COLORS[i % SERIES_COLORS.len()]
}

/// Pixel sizes for one canvas, derived from the reference constants.
///
/// The scale factor is the smaller of the width and height ratios, so an
/// unusually narrow canvas shrinks text instead of clipping it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    /// Factor applied to every reference pixel size.
    pub scale: f64,
    /// Title font size in pixels.
    pub title: f64,
    /// Subtitle font size in pixels.
    pub subtitle: f64,
    /// Axis description font size in pixels.
    pub axis_label: f64,
    /// Tick label font size in pixels.
    pub tick: f64,
    /// Legend and annotation font size in pixels.
    pub legend: f64,
    /// Bar value label font size in pixels.
    pub value: f64,
    /// Footnote font size in pixels.
    pub footnote: f64,
    /// "no data" font size in pixels.
    pub no_data: f64,
    /// Outer margin in pixels.
    pub margin: i32,
    /// Gap between blocks in pixels.
    pub gap: i32,
    /// Data line width in pixels.
    pub line: u32,
    /// Reference line width in pixels.
    pub ref_line: u32,
}

impl Style {
    /// Scales the reference sizes to `size`.
    pub fn for_size(size: ChartSize) -> Self {
        let scale = (f64::from(size.width) / REFERENCE_WIDTH)
            .min(f64::from(size.height) / REFERENCE_HEIGHT);
        let font = |px: f64| (px * scale).max(MIN_FONT_PX);
        let px = |px: f64| (px * scale).round().max(1.0);
        Style {
            scale,
            title: font(TITLE_PX),
            subtitle: font(SUBTITLE_PX),
            axis_label: font(AXIS_LABEL_PX),
            tick: font(TICK_PX),
            legend: font(LEGEND_PX),
            value: font(VALUE_PX),
            footnote: font(FOOTNOTE_PX),
            no_data: font(NO_DATA_PX),
            margin: px(MARGIN_PX) as i32,
            gap: px(GAP_PX) as i32,
            line: px(LINE_PX) as u32,
            ref_line: px(REF_LINE_PX) as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_canvas_uses_reference_sizes() {
        let s = Style::for_size(ChartSize::default());
        assert_eq!(s.title, TITLE_PX);
        assert_eq!(s.tick, TICK_PX);
    }

    #[test]
    fn half_canvas_halves_sizes_but_respects_floor() {
        let s = Style::for_size(ChartSize {
            width: 800,
            height: 450,
        });
        assert_eq!(s.title, TITLE_PX / 2.0);
        assert_eq!(s.footnote, MIN_FONT_PX);
    }

    #[test]
    fn palette_cycles() {
        assert_eq!(series_color(0), series_color(SERIES_COLORS.len()));
    }
}
