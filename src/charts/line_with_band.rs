//! Lines of a share against any x, each with a shaded band (sweeps: failure rate against a lever).

use super::bands::{BandLine, BandPlot, YRange};
use super::{render, ChartError, ChartFormat, ChartSize, ChartText};

/// One line with a band, for [`line_with_band`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BandSeries {
    /// Legend entry (shown when there are several series).
    pub label: String,
    /// `(x, y, lo, hi)`; y, lo and hi are shares (0..1), drawn in percent.
    pub points: Vec<(f64, f64, f64, f64)>,
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
}
