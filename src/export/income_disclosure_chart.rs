//! `income-disclosure.png`: the share of all participants in each band of annual net income
//! (company payments + retail profit - purchases - expenses), everyone who quit included —
//! the table a company income-disclosure statement leaves out, as bars.

use anyhow::Result;

use super::Exporter;
use crate::charts::{category_bars, ChartFormat, ChartSize, ChartText};
use crate::summary::{money, pct, Summary};

/// Writes the `income-disclosure` chart.
pub struct IncomeDisclosureChart;

impl Exporter for IncomeDisclosureChart {
    fn file_name(&self) -> &str {
        "income-disclosure.png"
    }

    fn render(&self, summary: &Summary) -> Result<Vec<u8>> {
        let d = &summary.income_disclosure;
        let g = &d.company_payments;
        let zero = g.rows.first().map_or(0.0, |r| r.share);
        let text = ChartText::new(
            format!("{}: net income a year, everyone counted", summary.scenario),
            format!(
                "Company payments alone (what income-disclosure statements show): {} got $0; mean {}, median {} a year. \
                 Net of required purchases and expenses: mean {}, median {}. {} careers; amounts divided by the {}-month horizon in years.",
                pct(zero),
                money(g.mean),
                money(g.median),
                money(d.net.mean),
                money(d.net.median),
                summary.careers,
                summary.months
            ),
        );
        let categories: Vec<String> = d.net.rows.iter().map(|r| r.band.clone()).collect();
        let values: Vec<f64> = d.net.rows.iter().map(|r| 100.0 * r.share).collect();
        let labels: Vec<String> = d.net.rows.iter().map(|r| pct(r.share)).collect();
        Ok(category_bars(
            &text,
            ChartSize::default(),
            ChartFormat::Png,
            "annual net income (share of all participants, %)",
            &categories,
            &values,
            &labels,
        )?)
    }
}
