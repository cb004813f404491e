//! Income disclosure: the bands a company statement prints, next to what it leaves out.

use super::bars::share_bars;
use super::{ChartError, ChartFormat, ChartSize, ChartText, GroupedShares};

const CHART: &str = "income disclosure";

/// Horizontal bars per income band (share of all participants a year): typically two series,
/// company payments alone (what statements show) and net of costs with everyone counted
/// (what they leave out). Every series must have one share per band.
pub fn income_disclosure(
    text: &ChartText,
    size: ChartSize,
    format: ChartFormat,
    data: &GroupedShares,
) -> Result<Vec<u8>, ChartError> {
    share_bars(
        CHART,
        text,
        size,
        format,
        data,
        "share of all participants, per year",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::ShareSeries;

    #[test]
    fn two_series_over_fourteen_bands_render_and_mismatches_are_refused() {
        let bands: Vec<String> = (0..14).map(|i| format!("band {i}")).collect();
        let shares =
            |k: usize| -> Vec<f64> { (0..14).map(|i| ((i + k) % 5) as f64 / 30.0).collect() };
        let data = GroupedShares {
            categories: bands.clone(),
            series: vec![
                ShareSeries {
                    label: "company payments".into(),
                    shares: shares(0),
                },
                ShareSeries {
                    label: "net of costs".into(),
                    shares: shares(2),
                },
            ],
        };
        let text = ChartText::new("T", "foot");
        let png =
            income_disclosure(&text, ChartSize::new(800, 450), ChartFormat::Png, &data).unwrap();
        let img = image::load_from_memory(&png).unwrap();
        assert_eq!((img.width(), img.height()), (800, 450));
        let svg =
            income_disclosure(&text, ChartSize::new(800, 450), ChartFormat::Svg, &data).unwrap();
        assert!(String::from_utf8(svg)
            .unwrap()
            .trim_end()
            .ends_with("</svg>"));
        let mut bad = data.clone();
        bad.series[0].shares.pop();
        assert!(
            income_disclosure(&text, ChartSize::new(800, 450), ChartFormat::Png, &bad).is_err()
        );
    }
}
