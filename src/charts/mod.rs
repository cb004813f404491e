//! Chart layer: turns plain data into PNG or SVG bytes.
//!
//! Chart functions never touch the file system. The caller decides where the
//! bytes go, which keeps the charts testable and lets the CLI write atomically
//! or embed the bytes elsewhere.
//!
//! Every chart draws the same frame (title, optional subtitle, footnote at the
//! bottom left) through [`render`], and one backend-generic drawing function,
//! so PNG and SVG output cannot drift apart.

use std::fmt;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

mod bands;
mod bars;
mod category_bars;
mod common;
mod downline;
mod failure_rate;
mod heatmap;
mod income_disclosure;
mod line_with_band;
mod net_income;
mod quit_reasons;
mod stacked_area;
pub mod style;
mod survival;
mod tornado;

#[cfg(test)]
mod preview;
#[cfg(test)]
mod test_util;

pub use category_bars::category_bars;
pub use downline::downline_outcomes;
pub use failure_rate::{failure_rate_distribution, FailureRateDistribution};
pub use heatmap::heatmap;
pub use income_disclosure::income_disclosure;
pub use line_with_band::{line_with_band, BandSeries};
pub use net_income::{net_income, NetIncomeSeries};
pub use quit_reasons::quit_reasons;
pub use stacked_area::stacked_area;
pub use style::Style;
pub use survival::{survival, SurvivalPoint, SurvivalSeries};
pub use tornado::{tornado, TornadoRow};

/// Output format of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChartFormat {
    /// Raster image, 8-bit RGB.
    Png,
    /// Vector image; text stays text (font-family "sans-serif").
    Svg,
}

impl ChartFormat {
    /// File extension without the dot, for callers that name output files.
    pub fn extension(self) -> &'static str {
        match self {
            ChartFormat::Png => "png",
            ChartFormat::Svg => "svg",
        }
    }
}

impl fmt::Display for ChartFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// Canvas size in pixels. For SVG this is the nominal viewport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartSize {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl ChartSize {
    /// A canvas of `width` x `height` pixels.
    pub fn new(width: u32, height: u32) -> Self {
        ChartSize { width, height }
    }
}

impl Default for ChartSize {
    /// 1600x900: a full-screen 16:9 slide, the size the styles are tuned for.
    fn default() -> Self {
        ChartSize {
            width: 1600,
            height: 900,
        }
    }
}

/// The words around a chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartText {
    /// Large title; should name the scenario.
    pub title: String,
    /// Optional second line under the title.
    pub subtitle: Option<String>,
    /// Small grey line at the bottom left. The caller puts careers, months
    /// and seed here so that anyone holding the chart can reproduce it.
    pub footnote: String,
}

impl ChartText {
    /// Title and footnote, no subtitle.
    pub fn new(title: impl Into<String>, footnote: impl Into<String>) -> Self {
        ChartText {
            title: title.into(),
            subtitle: None,
            footnote: footnote.into(),
        }
    }

    /// Adds a subtitle.
    pub fn with_subtitle(mut self, subtitle: impl Into<String>) -> Self {
        self.subtitle = Some(subtitle.into());
        self
    }
}

/// One bar of a histogram: `count` observations in `[low, high)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistBin {
    /// Lower edge (inclusive).
    pub low: f64,
    /// Upper edge (exclusive).
    pub high: f64,
    /// Observations in the bin.
    pub count: u64,
}

/// Shares per category for one or more series (bar charts).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupedShares {
    /// Category names, drawn top to bottom in this order.
    pub categories: Vec<String>,
    /// One entry per series; several series are drawn as grouped bars.
    pub series: Vec<ShareSeries>,
}

/// The shares of one series, aligned with [`GroupedShares::categories`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ShareSeries {
    /// Series name (legend entry when there are several series).
    pub label: String,
    /// Share per category, 0..1.
    pub shares: Vec<f64>,
}

/// Why a chart could not be produced. Each variant names the chart, so a
/// message in the CLI points at the right output file.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The plotting library failed while drawing.
    #[error("{chart} chart: drawing failed: {message}")]
    Draw {
        /// Which chart.
        chart: &'static str,
        /// What plotters reported.
        message: String,
    },
    /// The PNG encoder failed.
    #[error("{chart} chart: PNG encoding failed: {message}")]
    Encode {
        /// Which chart.
        chart: &'static str,
        /// What the encoder reported.
        message: String,
    },
    /// The canvas is too small for the fixed layout.
    #[error(
        "{chart} chart: canvas {width}x{height} is too small (minimum {}x{})",
        style::MIN_WIDTH,
        style::MIN_HEIGHT
    )]
    CanvasTooSmall {
        /// Which chart.
        chart: &'static str,
        /// Requested width.
        width: u32,
        /// Requested height.
        height: u32,
    },
    /// The input is inconsistent (for example, lengths that do not match).
    /// Empty or degenerate data is *not* an error: it renders "no data".
    #[error("{chart} chart: invalid input: {message}")]
    InvalidInput {
        /// Which chart.
        chart: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The embedded font could not be loaded.
    #[error("{chart} chart: the embedded font could not be registered")]
    Font {
        /// Which chart.
        chart: &'static str,
    },
}

/// A failure inside a drawing function, before it is attributed to a chart.
///
/// Any plotters error converts into it, so drawing code can use `?` freely;
/// [`render`] then wraps it into [`ChartError::Draw`] with the chart's name.
#[derive(Debug)]
pub struct DrawFailure(pub String);

impl<E: std::error::Error> From<E> for DrawFailure {
    fn from(e: E) -> Self {
        DrawFailure(e.to_string())
    }
}

/// Result of a drawing function.
pub type DrawResult<T> = Result<T, DrawFailure>;

/// A chart body that can draw itself on any plotters backend.
///
/// This is a trait rather than a closure because a closure cannot be generic
/// over the backend type, and PNG and SVG need different backends.
pub trait Plot {
    /// Draws the chart body into `area` (the space left between the title
    /// block and the footnote).
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, st: &Style)
        -> DrawResult<()>;
}

static FONT_REGISTERED: OnceLock<bool> = OnceLock::new();

/// Registers the embedded DejaVu fonts with plotters' ab_glyph text renderer,
/// once per process. Without this no text renders at all: the ab_glyph
/// backend has no system font lookup.
fn ensure_fonts() -> bool {
    *FONT_REGISTERED.get_or_init(|| {
        static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
        plotters::style::register_font("sans-serif", FontStyle::Normal, REGULAR).is_ok()
            && plotters::style::register_font("sans-serif", FontStyle::Bold, BOLD).is_ok()
    })
}

/// Draws `text` and `plot` onto a fresh canvas and returns the encoded bytes.
///
/// `chart` names the chart in error messages.
pub fn render(
    chart: &'static str,
    text: &ChartText,
    size: ChartSize,
    format: ChartFormat,
    plot: &impl Plot,
) -> Result<Vec<u8>, ChartError> {
    if size.width < style::MIN_WIDTH || size.height < style::MIN_HEIGHT {
        return Err(ChartError::CanvasTooSmall {
            chart,
            width: size.width,
            height: size.height,
        });
    }
    if !ensure_fonts() {
        return Err(ChartError::Font { chart });
    }
    let st = Style::for_size(size);
    let draw_err = |e: DrawFailure| ChartError::Draw {
        chart,
        message: e.0,
    };
    let dims = (size.width, size.height);
    match format {
        ChartFormat::Png => {
            let len = size.width as usize * size.height as usize * 3;
            let mut buf = vec![0u8; len];
            {
                let root = BitMapBackend::with_buffer(&mut buf, dims).into_drawing_area();
                draw_all(&root, text, &st, plot).map_err(draw_err)?;
                root.present().map_err(|e| draw_err(DrawFailure::from(e)))?;
            }
            encode_png(&buf, size).map_err(|message| ChartError::Encode { chart, message })
        }
        ChartFormat::Svg => {
            let mut out = String::new();
            {
                let root = SVGBackend::with_string(&mut out, dims).into_drawing_area();
                draw_all(&root, text, &st, plot).map_err(draw_err)?;
                root.present().map_err(|e| draw_err(DrawFailure::from(e)))?;
            }
            Ok(out.into_bytes())
        }
    }
}

fn draw_all<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &ChartText,
    st: &Style,
    plot: &impl Plot,
) -> DrawResult<()> {
    let body = common::frame(root, text, st)?;
    plot.draw(&body, st)
}

fn encode_png(rgb: &[u8], size: ChartSize) -> Result<Vec<u8>, String> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(rgb, size.width, size.height, image::ColorType::Rgb8)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions() {
        assert_eq!(ChartFormat::Png.extension(), "png");
        assert_eq!(ChartFormat::Svg.extension(), "svg");
    }

    #[test]
    fn tiny_canvas_is_an_error_not_a_panic() {
        let d = GroupedShares::default();
        let r = quit_reasons(
            &ChartText::new("t", "f"),
            ChartSize::new(10, 10),
            ChartFormat::Png,
            &d,
        );
        assert!(matches!(r, Err(ChartError::CanvasTooSmall { .. })));
    }
}
