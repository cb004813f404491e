//! `income-disclosure.csv`: the table a company income-disclosure statement shows (annual
//! company payments in bands), and the same table net of costs, with everyone who quit counted.
//!
//! One row per band of each table, then a `mean` and a `median` row per table, so a
//! spreadsheet can rebuild the statement without reading `summary.json`. Columns are described
//! in docs/output.md ("Income disclosure").

use anyhow::Result;
use serde::Serialize;

use super::Exporter;
use crate::summary::{DisclosureTable, Summary};

/// Writes `income-disclosure.csv`.
pub struct IncomeDisclosureCsv;

/// One CSV row.
#[derive(Debug, Serialize)]
struct Row<'a> {
    /// `company_payments` (what statements show) or `net` (after purchases and expenses).
    table: &'a str,
    /// Band label (`$0`, `$0.01-50`, ...) or `mean` / `median`.
    row: &'a str,
    /// Lower band edge, currency units a year (empty: unbounded, or a mean/median row).
    low: Option<f64>,
    /// Upper band edge, currency units a year.
    high: Option<f64>,
    /// Careers in the band (all followed careers on mean/median rows).
    careers: u64,
    /// Share of all followed careers (empty on mean/median rows).
    share: Option<f64>,
    /// 95% Wilson interval of `share`.
    share_ci_low: Option<f64>,
    /// See `share_ci_low`.
    share_ci_high: Option<f64>,
    /// The mean or median, currency units a year (empty on band rows).
    amount: Option<f64>,
}

fn table_rows<'a>(name: &'a str, t: &'a DisclosureTable, careers: u64) -> Vec<Row<'a>> {
    let mut rows: Vec<Row<'a>> = t
        .rows
        .iter()
        .map(|r| Row {
            table: name,
            row: &r.band,
            low: r.low,
            high: r.high,
            careers: r.careers,
            share: Some(r.share),
            share_ci_low: Some(r.share_ci[0]),
            share_ci_high: Some(r.share_ci[1]),
            amount: None,
        })
        .collect();
    for (label, amount) in [("mean", t.mean), ("median", t.median)] {
        rows.push(Row {
            table: name,
            row: label,
            low: None,
            high: None,
            careers,
            share: None,
            share_ci_low: None,
            share_ci_high: None,
            amount: Some((amount * 100.0).round() / 100.0),
        });
    }
    rows
}

impl Exporter for IncomeDisclosureCsv {
    fn file_name(&self) -> &str {
        "income-disclosure.csv"
    }

    fn render(&self, summary: &Summary) -> Result<Vec<u8>> {
        let d = &summary.income_disclosure;
        let mut w = csv::Writer::from_writer(Vec::new());
        for row in table_rows("company_payments", &d.company_payments, summary.careers)
            .into_iter()
            .chain(table_rows("net", &d.net, summary.careers))
        {
            w.serialize(row)?;
        }
        Ok(w.into_inner()?)
    }
}
