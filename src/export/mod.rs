//! Output files. Formatters turn results into bytes and do no I/O; [`OutputDir`] writes them.
//!
//! Every file of a run is first written into a hidden staging folder next to the final one.
//! Only when all files are complete is the staging folder swapped in for the old result
//! folder, so an interrupted or failed run never leaves a half-written result that looks
//! finished, and an earlier complete result survives a failed run untouched. [`staging`] is
//! the one safe writer every output path goes through (what may be replaced, leftovers of
//! dead writers, concurrent writers).

pub mod chart_files;
pub mod charts;
pub mod csv;
pub mod html;
pub mod html_page;
pub mod income_disclosure;
pub mod json;
pub mod staging;

pub use staging::{Input, OutputDir, OutputFile, WriteFailed};

use anyhow::Result;

use crate::summary::Summary;

/// A format that turns a run's summary into one file.
pub trait Exporter {
    /// File name inside the result folder.
    fn file_name(&self) -> &str;
    /// The file's bytes.
    fn render(&self, summary: &Summary) -> Result<Vec<u8>>;
}

/// What a run writes besides the tables: the chart options from the command line.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportOptions {
    /// The charts to draw (files and report figures); `None` with `--no-charts`.
    pub charts: Option<charts::ChartSet>,
}

impl Default for ExportOptions {
    /// Every chart as PNG and SVG at the default size (1600x900).
    fn default() -> Self {
        ExportOptions {
            charts: Some(charts::ChartSet {
                formats: vec![
                    crate::charts::ChartFormat::Png,
                    crate::charts::ChartFormat::Svg,
                ],
                size: crate::charts::ChartSize::default(),
            }),
        }
    }
}

/// The table exporters every run writes (summary, CSV tables). The per-career `careers.csv`
/// is not here: it is streamed during the simulation (see [`csv::CareersCsv`]). Charts and
/// `report.html` are not [`Exporter`]s because the report inlines the charts' own drawings:
/// [`render_results`] draws the charts once and hands them to both.
pub fn standard_exporters() -> Vec<Box<dyn Exporter>> {
    vec![
        Box::new(json::SummaryJson),
        Box::new(csv::SummaryCsv),
        Box::new(csv::SurvivalCsv),
        Box::new(csv::QuitReasonsCsv),
        Box::new(csv::NetIncomeHistogramCsv),
        Box::new(csv::CohortFailureRatesCsv),
        Box::new(income_disclosure::IncomeDisclosureCsv),
    ]
}

/// One finished file of a result folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultFile {
    /// File name inside the result folder.
    pub name: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// Every file of a run's result folder (but the streamed `careers.csv`): the tables, each
/// chart in each format asked for, and `report.html`. This is the single list `run` and
/// `merge` go through.
///
/// Each chart is drawn once per format ([`charts::ChartSet::draw`]); the report inlines the
/// very SVG bytes that go into the `.svg` files, and with `--format png` the SVG is drawn
/// for the report only.
pub fn render_results(summary: &Summary, options: &ExportOptions) -> Result<Vec<ResultFile>> {
    let mut files = Vec::new();
    for exporter in standard_exporters() {
        files.push(ResultFile {
            name: exporter.file_name().to_string(),
            bytes: exporter.render(summary)?,
        });
    }
    // Issue 12, H2: outcomes by kind, only when the scenario has kinds.
    if let Some(bytes) = csv::by_kind_csv(summary)? {
        let name = csv::BY_KIND_FILE.to_string();
        files.push(ResultFile { name, bytes });
    }
    let drawn = match &options.charts {
        Some(set) => Some(set.draw(summary)?),
        None => None,
    };
    files.push(ResultFile {
        name: html::REPORT_FILE.to_string(),
        bytes: html::render_report(summary, drawn.as_deref())?,
    });
    for chart in drawn.into_iter().flatten() {
        for (name, bytes) in chart.into_files() {
            files.push(ResultFile { name, bytes });
        }
    }
    Ok(files)
}

/// Output folder names for `scenarios` (their slugs), made unique when two share a slug.
pub fn unique_slugs(scenarios: &[crate::scenario::Scenario]) -> Vec<String> {
    let mut used: Vec<String> = Vec::new();
    for s in scenarios {
        let base = s.slug();
        let mut slug = base.clone();
        let mut n = 2;
        while used.contains(&slug) {
            slug = format!("{base}-{n}");
            n += 1;
        }
        used.push(slug);
    }
    used
}
