//! Morris screening chart: for each lever, the mean absolute elementary effect (mu*, how much
//! it matters) beside the spread of its effects (sigma, how much that depends on the other
//! levers). Bars side by side rather than the usual mu*-sigma scatter: lever names stay
//! readable with twenty levers, and the reader compares the two bars of one lever directly.

use super::bars::{BarSeries, HBars, ValueAxis};
use super::style;
use super::{render, ChartError, ChartFormat, ChartSize, ChartText};

/// One lever of a Morris chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MorrisRow {
    /// Name of the lever.
    pub lever: String,
    /// Mean absolute elementary effect, in the outcome's units.
    pub mu_star: f64,
    /// Standard deviation of the elementary effects, same units.
    pub sigma: f64,
}

/// mu* and sigma per lever, top to bottom in the order given (the caller ranks by mu*).
/// `points`: values are percentage points (a share outcome); otherwise plain numbers.
pub fn morris(
    text: &ChartText,
    size: ChartSize,
    format: ChartFormat,
    rows: &[MorrisRow],
    points: bool,
) -> Result<Vec<u8>, ChartError> {
    let label = |v: f64| {
        if points {
            format!("{v:.1} pp")
        } else {
            crate::fmt::compact(crate::fmt::round_sig(v, 3))
        }
    };
    let series = |name: &str, color, pick: fn(&MorrisRow) -> f64| BarSeries {
        label: name.to_string(),
        values: rows.iter().map(pick).collect(),
        value_labels: rows.iter().map(|r| label(pick(r))).collect(),
        color,
    };
    let plot = HBars {
        categories: rows.iter().map(|r| r.lever.clone()).collect(),
        series: vec![
            series("mu* (mean absolute effect)", style::OKABE_ITO_BLUE, |r| {
                r.mu_star
            }),
            series(
                "sigma (spread: interaction)",
                style::OKABE_ITO_ORANGE,
                |r| r.sigma,
            ),
        ],
        x_label: if points {
            "effect of the lever over its range (percentage points)".to_string()
        } else {
            "effect of the lever over its range".to_string()
        },
        axis: if points {
            ValueAxis::PercentagePoints
        } else {
            ValueAxis::Number
        },
        force_legend: true,
        zero_is_empty: false,
    };
    render("morris", text, size, format, &plot)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::test_util::{check_both, text, SMALL};

    #[test]
    fn morris_renders() {
        let rows = vec![
            MorrisRow {
                lever: "join probability".into(),
                mu_star: 12.0,
                sigma: 5.0,
            },
            MorrisRow {
                lever: "starter kit".into(),
                mu_star: 0.0,
                sigma: 0.0,
            },
        ];
        check_both(|f| morris(&text(), SMALL, f, &rows, true));
        check_both(|f| morris(&text(), SMALL, f, &rows, false));
        check_both(|f| morris(&text(), SMALL, f, &[], true));
    }
}
