//! Output files. Formatters turn results into bytes and do no I/O; [`OutputDir`] writes them.
//!
//! Every file of a run is first written into a hidden staging folder next to the final one.
//! Only when all files are complete is the staging folder swapped in for the old result
//! folder, so an interrupted or failed run never leaves a half-written result that looks
//! finished, and an earlier complete result survives a failed run untouched.

pub mod charts;
pub mod csv;
pub mod html;
pub mod html_page;
pub mod income_disclosure;
pub mod json;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::summary::Summary;

/// A format that turns a run's summary into one file.
pub trait Exporter {
    /// File name inside the result folder.
    fn file_name(&self) -> &str;
    /// The file's bytes.
    fn render(&self, summary: &Summary) -> Result<Vec<u8>>;
}

/// A result folder being written: files go to a staging folder until [`OutputDir::commit`].
#[derive(Debug)]
pub struct OutputDir {
    final_dir: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl OutputDir {
    /// Prepare `final_dir` for writing. Fails at once (before any simulation) when the parent
    /// cannot be created or written, or when `final_dir` exists and is not a folder.
    pub fn create(final_dir: &Path) -> Result<OutputDir> {
        let parent = final_dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the output folder {}", parent.display()))?;
        if final_dir.exists() && !final_dir.is_dir() {
            anyhow::bail!(
                "cannot write results to {}: it exists and is not a folder",
                final_dir.display()
            );
        }
        let name = final_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "result".into());
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).ok();
        }
        fs::create_dir(&staging)
            .with_context(|| format!("cannot write to the output folder {}", parent.display()))?;
        Ok(OutputDir {
            final_dir: final_dir.to_path_buf(),
            staging,
            committed: false,
        })
    }

    /// The folder results will be in once committed.
    pub fn final_path(&self) -> &Path {
        &self.final_dir
    }

    /// The staging folder (for writers that stream into a file).
    pub fn staging_path(&self) -> &Path {
        &self.staging
    }

    /// Write one complete file into the staging folder.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.staging.join(name);
        fs::write(&path, bytes).with_context(|| {
            format!(
                "cannot write {} (disk full or no permission?)",
                self.final_dir.join(name).display()
            )
        })
    }

    /// Swap the staging folder in for the final folder.
    pub fn commit(mut self) -> Result<PathBuf> {
        let old = self.final_dir.with_file_name(format!(
            ".{}.old-{}",
            self.dir_name(),
            std::process::id()
        ));
        let had_old = self.final_dir.exists();
        if had_old {
            fs::rename(&self.final_dir, &old).with_context(|| {
                format!(
                    "cannot replace the old results in {}",
                    self.final_dir.display()
                )
            })?;
        }
        if let Err(e) = fs::rename(&self.staging, &self.final_dir) {
            if had_old {
                let _ = fs::rename(&old, &self.final_dir);
            }
            return Err(e)
                .with_context(|| format!("cannot move results into {}", self.final_dir.display()));
        }
        if had_old {
            let _ = fs::remove_dir_all(&old);
        }
        self.committed = true;
        Ok(self.final_dir.clone())
    }

    fn dir_name(&self) -> String {
        self.final_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "result".into())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Write `bytes` to `path` atomically: to a temporary name beside it, then rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = path.with_file_name(format!(
        ".{}.tmp-{}",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncommitted_output_leaves_nothing_and_commit_replaces_whole_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("res");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("stale.txt"), b"old").unwrap();
        {
            let out = OutputDir::create(&target).unwrap();
            out.write("a.txt", b"new").unwrap();
            // dropped without commit
        }
        assert!(target.join("stale.txt").exists());
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
        let out = OutputDir::create(&target).unwrap();
        out.write("a.txt", b"new").unwrap();
        out.commit().unwrap();
        assert!(!target.join("stale.txt").exists());
        assert_eq!(fs::read(target.join("a.txt")).unwrap(), b"new");
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }
}
