//! Survival curve: share of careers still in business, month by month.

use super::bands::{BandLine, BandPlot, YRange};
use super::{render, ChartError, ChartFormat, ChartSize, ChartText};

/// One point of a survival curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SurvivalPoint {
    /// Months since joining.
    pub month: f64,
    /// Share still in business, 0..1.
    pub share: f64,
    /// Lower end of the confidence interval, 0..1.
    pub ci_low: f64,
    /// Upper end of the confidence interval, 0..1.
    pub ci_high: f64,
}

/// One survival curve.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SurvivalSeries {
    /// Scenario name; shown in the legend when several curves are overlaid.
    pub label: String,
    /// Points of the curve.
    pub points: Vec<SurvivalPoint>,
}

/// Survival curves with confidence bands, y on the full 0–100% scale so
/// that different scenarios are compared on the same footing. Several series
/// overlay for scenario comparisons and get a legend.
pub fn survival(
    text: &ChartText,
    size: ChartSize,
    format: ChartFormat,
    series: &[SurvivalSeries],
) -> Result<Vec<u8>, ChartError> {
    let plot = BandPlot {
        x_label: "month".to_string(),
        y_label: "still in business".to_string(),
        lines: series
            .iter()
            .map(|s| BandLine {
                label: s.label.clone(),
                points: s
                    .points
                    .iter()
                    .map(|p| {
                        (
                            p.month,
                            p.share * 100.0,
                            p.ci_low * 100.0,
                            p.ci_high * 100.0,
                        )
                    })
                    .collect(),
            })
            .collect(),
        x_from_zero: true,
        y_range: YRange::Full,
    };
    render("survival", text, size, format, &plot)
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::charts::test_util::{check_both, text, SMALL};

    /// A plausible curve: most careers end early.
    pub fn curve(label: &str, hazard: f64) -> SurvivalSeries {
        SurvivalSeries {
            label: label.to_string(),
            points: (0..=60)
                .map(|m| {
                    let s = (-(hazard * f64::from(m))).exp();
                    SurvivalPoint {
                        month: f64::from(m),
                        share: s,
                        ci_low: (s - 0.02).max(0.0),
                        ci_high: (s + 0.02).min(1.0),
                    }
                })
                .collect(),
        }
    }

    #[test]
    fn renders_one_and_several_series() {
        check_both(|f| survival(&text(), SMALL, f, &[curve("base", 0.05)]));
        check_both(|f| survival(&text(), SMALL, f, &[curve("a", 0.05), curve("b", 0.1)]));
    }

    #[test]
    fn degenerate_inputs_render() {
        check_both(|f| survival(&text(), SMALL, f, &[]));
        let single = SurvivalSeries {
            label: "x".into(),
            points: vec![SurvivalPoint {
                month: 0.0,
                share: 1.0,
                ci_low: 1.0,
                ci_high: 1.0,
            }],
        };
        check_both(|f| survival(&text(), SMALL, f, std::slice::from_ref(&single)));
        let nan = SurvivalSeries {
            label: "nan".into(),
            points: vec![SurvivalPoint {
                month: f64::NAN,
                share: 0.5,
                ci_low: 0.4,
                ci_high: 0.6,
            }],
        };
        check_both(|f| survival(&text(), SMALL, f, &[nan.clone(), SurvivalSeries::default()]));
    }
}
