//! Sensitivity (tornado) chart: the change of an outcome when each lever goes down and up.

use super::bars::{BarSeries, HBars, ValueAxis};
use super::style;
use super::{render, ChartError, ChartFormat, ChartSize, ChartText};

/// One lever of a sensitivity (tornado) chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TornadoRow {
    /// Name of the lever ("recruiting rate").
    pub lever: String,
    /// Change of the outcome when the lever goes down, in percentage points.
    pub low_change: f64,
    /// Change of the outcome when the lever goes up, in percentage points.
    pub high_change: f64,
}

/// Sensitivity of an outcome to each lever: for every row, the change (in
/// percentage points) when the lever goes down and when it goes up, around a
/// zero line. Rows are drawn top to bottom in the order given (the caller
/// sorts, usually by swing).
pub fn tornado(
    text: &ChartText,
    size: ChartSize,
    format: ChartFormat,
    rows: &[TornadoRow],
) -> Result<Vec<u8>, ChartError> {
    let pp = |v: f64| {
        if v > 0.0 {
            format!("+{v:.1} pp")
        } else {
            format!("{v:.1} pp")
        }
    };
    let series = |label: &str, color, pick: fn(&TornadoRow) -> f64| BarSeries {
        label: label.to_string(),
        values: rows.iter().map(pick).collect(),
        value_labels: rows.iter().map(|r| pp(pick(r))).collect(),
        color,
    };
    let plot = HBars {
        categories: rows.iter().map(|r| r.lever.clone()).collect(),
        series: vec![
            series("lever down", style::LEVER_DOWN, |r| r.low_change),
            series("lever up", style::LEVER_UP, |r| r.high_change),
        ],
        x_label: "change from baseline (percentage points)".to_string(),
        axis: ValueAxis::PercentagePoints,
        force_legend: true,
        zero_is_empty: false,
    };
    render("tornado", text, size, format, &plot)
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::charts::test_util::{check_both, text, SMALL};

    /// Levers sorted by swing.
    pub fn rows() -> Vec<TornadoRow> {
        [
            ("recruiting rate", -6.2, 4.1),
            ("monthly product cost", -3.5, 5.0),
            ("start-up kit price", -1.2, 2.3),
            ("retail margin", 1.1, -1.5),
            ("team support", 0.4, -0.2),
        ]
        .iter()
        .map(|(l, a, b)| TornadoRow {
            lever: l.to_string(),
            low_change: *a,
            high_change: *b,
        })
        .collect()
    }

    #[test]
    fn tornado_renders() {
        check_both(|f| tornado(&text(), SMALL, f, &rows()));
        check_both(|f| tornado(&text(), SMALL, f, &[]));
        let flat = vec![TornadoRow {
            lever: "nothing".into(),
            low_change: 0.0,
            high_change: 0.0,
        }];
        check_both(|f| tornado(&text(), SMALL, f, &flat));
    }
}
