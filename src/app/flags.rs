//! Flag groups shared by several commands, and the parsers of their values.
//!
//! Each group is one `#[derive(Args)]` struct flattened into the commands that take it, so a
//! flag is declared once and means the same thing everywhere.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

use mlm_sim::charts::{self, ChartFormat, ChartSize};
use mlm_sim::export::charts::ChartSet;
use mlm_sim::export::ExportOptions;
use mlm_sim::model::estimate::DEFAULT_MAX_WORK;
use mlm_sim::scenario::{self, Override, Scenario};

/// Flags that change a scenario (shared by every command that reads one).
#[derive(Debug, Args, Clone, Default)]
pub struct ScenarioFlags {
    /// Number of followed careers (overrides `careers`).
    #[arg(long, value_name = "N")]
    pub careers: Option<u64>,
    /// Horizon in months (overrides `months`).
    #[arg(long, value_name = "N")]
    pub months: Option<u64>,
    /// Master seed (overrides `seed`).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Override any scenario key, e.g. `--set prospecting.join_probability=0.05` or
    /// `--set 'rejection.sting={ beta = [2, 20] }'`. Repeatable; validated like the file.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

impl ScenarioFlags {
    /// The overrides these flags stand for, in the order they apply.
    pub fn overrides(&self) -> Result<Vec<Override>> {
        let mut out = Vec::new();
        for (key, v) in [
            ("careers", self.careers),
            ("months", self.months),
            ("seed", self.seed),
        ] {
            if let Some(v) = v {
                if v > i64::MAX as u64 {
                    bail!("--{key} {v} is too large (at most {})", i64::MAX);
                }
                out.push(Override::integer(key, v as i64).said_as(format!("--{key} {v}")));
            }
        }
        out.extend(set_overrides(&self.set)?);
        Ok(out)
    }

    /// Load and validate every scenario file.
    pub fn load(&self, files: &[PathBuf]) -> Result<Vec<Scenario>> {
        let overrides = self.overrides()?;
        files
            .iter()
            .map(|f| scenario::load(f, &overrides).map_err(anyhow::Error::from))
            .collect()
    }
}

/// The overrides of repeated `--set KEY=VALUE` flags.
pub fn set_overrides(set: &[String]) -> Result<Vec<Override>> {
    set.iter()
        .map(|s| Override::parse(s).map_err(|m| anyhow::anyhow!("--set {m}")))
        .collect()
}

/// `--threads`, for every command that runs simulations.
#[derive(Debug, Args, Clone)]
pub struct ThreadFlags {
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// Flags of every command that simulates: threads, the work limit, quiet.
#[derive(Debug, Args, Clone)]
pub struct SimFlags {
    #[command(flatten)]
    pub threads: ThreadFlags,
    /// Refuse to start when a scenario is expected to simulate more than this many
    /// person-months (downline included), e.g. `--max-work 1e12`.
    #[arg(long, value_name = "PERSON_MONTHS", default_value_t = DEFAULT_MAX_WORK, value_parser = parse_max_work)]
    pub max_work: f64,
    /// Print nothing but errors; no progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The folder results go to.
#[derive(Debug, Args, Clone)]
pub struct OutFlags {
    /// Folder for results; each scenario or study writes its own subfolder of it.
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub out: PathBuf,
}

/// Chart flags shared by every command that draws charts.
#[derive(Debug, Args, Clone)]
pub struct ChartFlags {
    /// Chart image formats, comma-separated.
    #[arg(
        long = "format",
        value_name = "FORMATS",
        value_delimiter = ',',
        default_value = "png,svg",
        value_parser = parse_chart_format
    )]
    pub formats: Vec<ChartFormat>,
    /// Chart size in pixels, WIDTHxHEIGHT (the SVG viewport too).
    #[arg(long, value_name = "WxH", default_value = "1600x900", value_parser = parse_chart_size)]
    pub chart_size: ChartSize,
    /// Write no chart files (the report then has no charts either).
    #[arg(long)]
    pub no_charts: bool,
}

impl ChartFlags {
    /// The charts to draw, or `None` with `--no-charts`.
    pub fn chart_set(&self) -> Option<ChartSet> {
        // Each format once, in the order given (`png,svg,png` writes each file once).
        let mut formats: Vec<ChartFormat> = Vec::new();
        for f in &self.formats {
            if !formats.contains(f) {
                formats.push(*f);
            }
        }
        (!self.no_charts).then_some(ChartSet {
            formats,
            size: self.chart_size,
        })
    }

    /// The export settings these flags stand for.
    pub fn export_options(&self) -> ExportOptions {
        ExportOptions {
            charts: self.chart_set(),
        }
    }
}

/// `--format` values: `png` or `svg`.
fn parse_chart_format(s: &str) -> Result<ChartFormat, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "png" => Ok(ChartFormat::Png),
        "svg" => Ok(ChartFormat::Svg),
        _ => Err("allowed chart formats are png and svg (e.g. --format png,svg)".into()),
    }
}

/// Largest chart side accepted, in pixels: a PNG canvas this size takes ~200 MB of memory.
const MAX_CHART_SIDE: u32 = 8000;

/// `--chart-size` values: `WIDTHxHEIGHT` within the sizes the chart layout supports.
fn parse_chart_size(s: &str) -> Result<ChartSize, String> {
    let (min_w, min_h) = (charts::style::MIN_WIDTH, charts::style::MIN_HEIGHT);
    let expected = format!(
        "expected WIDTHxHEIGHT in pixels, from {min_w}x{min_h} to \
         {MAX_CHART_SIDE}x{MAX_CHART_SIDE}, e.g. 1600x900"
    );
    let (w, h) = s
        .trim()
        .split_once(['x', 'X'])
        .ok_or_else(|| expected.clone())?;
    let (Ok(w), Ok(h)) = (w.trim().parse::<u32>(), h.trim().parse::<u32>()) else {
        return Err(expected);
    };
    if w < min_w || h < min_h || w > MAX_CHART_SIDE || h > MAX_CHART_SIDE {
        return Err(expected);
    }
    Ok(ChartSize::new(w, h))
}

/// `--max-work`: a positive, finite number, written as an integer or like `1e12`.
fn parse_max_work(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!(
            "`{text}` is not a positive number of person-months (e.g. 1e12)"
        )),
    }
}
