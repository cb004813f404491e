//! Why careers ended: share of careers per outcome.

use super::bars::share_bars;
use super::{ChartError, ChartFormat, ChartSize, ChartText, GroupedShares};

const CHART: &str = "quit reasons";

/// One horizontal bar per reason, labelled with its percentage; several
/// series (scenario comparison) become grouped bars with a legend.
///
/// Every share series must have one share per category.
pub fn quit_reasons(
    text: &ChartText,
    size: ChartSize,
    format: ChartFormat,
    data: &GroupedShares,
) -> Result<Vec<u8>, ChartError> {
    share_bars(CHART, text, size, format, data, "share of careers")
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::charts::test_util::{check_both, text, SMALL};
    use crate::charts::ShareSeries;

    /// The eight outcome categories of the simulator.
    pub fn reasons() -> Vec<String> {
        [
            "financial loss",
            "rejection burnout",
            "disillusioned",
            "inactive",
            "unsupported",
            "life event",
            "active, profitable",
            "active, losing",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    /// Shares that sum to one.
    pub fn shares(label: &str, tilt: f64) -> ShareSeries {
        let raw = [
            0.413,
            0.182,
            0.121,
            0.098,
            0.067,
            0.044,
            0.011 + tilt,
            0.064,
        ];
        let sum: f64 = raw.iter().sum();
        ShareSeries {
            label: label.to_string(),
            shares: raw.iter().map(|v| v / sum).collect(),
        }
    }

    #[test]
    fn renders_single_and_grouped() {
        let one = GroupedShares {
            categories: reasons(),
            series: vec![shares("base", 0.0)],
        };
        check_both(|f| quit_reasons(&text(), SMALL, f, &one));
        let two = GroupedShares {
            categories: reasons(),
            series: vec![shares("base", 0.0), shares("generous plan", 0.05)],
        };
        check_both(|f| quit_reasons(&text(), SMALL, f, &two));
    }

    #[test]
    fn degenerate_inputs_render() {
        check_both(|f| quit_reasons(&text(), SMALL, f, &GroupedShares::default()));
        let zeros = GroupedShares {
            categories: reasons(),
            series: vec![ShareSeries {
                label: "z".into(),
                shares: vec![0.0; 8],
            }],
        };
        check_both(|f| quit_reasons(&text(), SMALL, f, &zeros));
        let one = GroupedShares {
            categories: vec!["everyone".into()],
            series: vec![ShareSeries {
                label: "z".into(),
                shares: vec![1.0],
            }],
        };
        check_both(|f| quit_reasons(&text(), SMALL, f, &one));
    }

    #[test]
    fn mismatched_lengths_are_an_error() {
        let bad = GroupedShares {
            categories: reasons(),
            series: vec![ShareSeries {
                label: "short".into(),
                shares: vec![0.5],
            }],
        };
        let r = quit_reasons(&text(), SMALL, crate::charts::ChartFormat::Svg, &bad);
        assert!(matches!(r, Err(ChartError::InvalidInput { .. })));
    }
}
