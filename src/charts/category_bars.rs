//! One labelled horizontal bar per category, for income-disclosure style tables.

use super::bars::{BarSeries, HBars, ValueAxis};
use super::common::invalid;
use super::style;
use super::{render, ChartError, ChartFormat, ChartSize, ChartText};

/// One labelled horizontal bar per category, for income-disclosure style
/// tables. `value_labels` are written at the bar ends (the caller formats
/// money its own way); pass an empty slice to have plain numbers written.
pub fn category_bars(
    text: &ChartText,
    size: ChartSize,
    format: ChartFormat,
    x_label: &str,
    categories: &[String],
    values: &[f64],
    value_labels: &[String],
) -> Result<Vec<u8>, ChartError> {
    const CHART: &str = "category bars";
    if values.len() != categories.len() {
        return Err(invalid(
            CHART,
            format!(
                "{} values for {} categories",
                values.len(),
                categories.len()
            ),
        ));
    }
    if !value_labels.is_empty() && value_labels.len() != values.len() {
        return Err(invalid(
            CHART,
            format!(
                "{} value labels for {} values",
                value_labels.len(),
                values.len()
            ),
        ));
    }
    let labels = if value_labels.is_empty() {
        values.iter().map(|v| crate::fmt::tick_number(*v)).collect()
    } else {
        value_labels.to_vec()
    };
    let plot = HBars {
        categories: categories.to_vec(),
        series: vec![BarSeries {
            label: String::new(),
            values: values.to_vec(),
            value_labels: labels,
            color: style::series_color(0),
        }],
        x_label: x_label.to_string(),
        axis: ValueAxis::Number,
        force_legend: false,
        zero_is_empty: false,
    };
    render(CHART, text, size, format, &plot)
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::charts::test_util::{check_both, text, SMALL};

    #[test]
    fn category_bars_renders() {
        let cats: Vec<String> = [
            "distributor",
            "supervisor",
            "world team",
            "global expansion",
            "millionaire team",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let vals = [-1200.0, 350.0, 4200.0, 18_000.0, 95_000.0];
        let labels: Vec<String> = vals.iter().map(|v| crate::fmt::money_short(*v)).collect();
        check_both(|f| {
            category_bars(
                &text(),
                SMALL,
                f,
                "average annual net income ($)",
                &cats,
                &vals,
                &labels,
            )
        });
        check_both(|f| category_bars(&text(), SMALL, f, "x", &cats, &vals, &[]));
        check_both(|f| category_bars(&text(), SMALL, f, "x", &[], &[], &[]));
        let bad = category_bars(
            &text(),
            SMALL,
            ChartFormat::Svg,
            "x",
            &cats,
            &vals[..2],
            &[],
        );
        assert!(matches!(bad, Err(ChartError::InvalidInput { .. })));
    }
}
