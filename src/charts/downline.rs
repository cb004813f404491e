//! What happened to the people the followed distributors recruited.

use super::bars::share_bars;
use super::{ChartError, ChartFormat, ChartSize, ChartText, GroupedShares};

const CHART: &str = "downline outcomes";

/// Outcome shares of the recruits ("quit", "lost money", "profited"), one
/// labelled bar per outcome; several series become grouped bars.
pub fn downline_outcomes(
    text: &ChartText,
    size: ChartSize,
    format: ChartFormat,
    data: &GroupedShares,
) -> Result<Vec<u8>, ChartError> {
    share_bars(CHART, text, size, format, data, "share of recruits")
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::charts::test_util::{check_both, text, SMALL};
    use crate::charts::ShareSeries;

    /// Realistic downline outcome shares.
    pub fn data(series: usize) -> GroupedShares {
        GroupedShares {
            categories: vec!["quit".into(), "lost money".into(), "profited".into()],
            series: (0..series)
                .map(|i| ShareSeries {
                    label: format!("scenario {}", i + 1),
                    shares: vec![0.62 - 0.05 * i as f64, 0.35, 0.03 + 0.05 * i as f64],
                })
                .collect(),
        }
    }

    #[test]
    fn renders() {
        check_both(|f| downline_outcomes(&text(), SMALL, f, &data(1)));
        check_both(|f| downline_outcomes(&text(), SMALL, f, &data(3)));
        check_both(|f| downline_outcomes(&text(), SMALL, f, &data(0)));
    }
}
