//! `summary.json`: every headline number of a run, for programs.

use anyhow::Result;

use super::Exporter;
use crate::summary::Summary;

/// Writes `summary.json`.
pub struct SummaryJson;

impl Exporter for SummaryJson {
    fn file_name(&self) -> &str {
        "summary.json"
    }

    fn render(&self, summary: &Summary) -> Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec_pretty(summary)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}
