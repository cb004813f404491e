//! Studies built from several simulations of the same careers: `compare` (scenarios side by
//! side), `sweep` (one or two levers over a grid) and `sensitivity` (every pitfall lever
//! moved down and up), plus `--precision` (stop adding careers once the answer is precise).
//!
//! All of them rest on **common random numbers**: career `k` draws its traits, its
//! rejections, its life events and everything else from streams keyed by (seed, k, downline
//! position, purpose) (see [`crate::model::rng`]), so a change of one lever changes only what
//! that lever touches. The variants of a study are simulated together by
//! [`crate::engine::run_paired`], which also counts how each career fared under every pair of
//! variants; differences are then estimated from those paired counts, which is what makes
//! them precise (docs/compare.md derives the intervals).

pub mod compare;
pub mod compare_html;
pub mod precision;
pub mod sensitivity;
pub mod sweep;

use std::sync::atomic::AtomicBool;

use anyhow::{bail, Result};

use crate::charts::{ChartError, ChartFormat, ChartSize, ChartText};
use crate::engine::{self, Hooks, PairedTally};
use crate::export::charts::ChartSet;
use crate::model::Model;
use crate::scenario::Scenario;
use crate::summary;

/// Flags every study command (`compare`, `sweep`, `sensitivity`) shares.
#[derive(Debug, clap::Args)]
pub struct StudyFlags {
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Folder for results; each study writes its own subfolder, e.g. `<out>/compare-<slugs>/`.
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub out: std::path::PathBuf,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Most variants one study simulates side by side (each keeps its own tally in every
/// worker, a few hundred kilobytes apiece).
pub const MAX_VARIANTS: usize = 100;

/// Check that `scenarios` can be simulated on the same careers: one seed and one cohort size.
/// `what` names the variants in the message ("scenario", "sweep point").
pub fn check_pairable(scenarios: &[Scenario]) -> Result<()> {
    let Some(first) = scenarios.first() else {
        bail!("nothing to simulate");
    };
    // Company world (issue 11): not a followed-career study.
    crate::world::output::refuse_company(first, "compare/sweep")?;
    for s in &scenarios[1..] {
        if s.seed != first.seed {
            bail!(
                "{} uses seed {} but {} uses seed {}: compared scenarios must use the same seed so \
                 that career k meets the same luck in each (common random numbers). Pass \
                 --seed {} to use one seed for all",
                s.file,
                s.seed,
                first.file,
                first.seed,
                first.seed
            );
        }
        if s.cohort_size != first.cohort_size {
            bail!(
                "{} has cohort_size {} but {} has {}: compared scenarios must form the same \
                 cohorts. Pass --set cohort_size={} to use one size for all",
                s.file,
                s.cohort_size,
                first.file,
                first.cohort_size,
                first.cohort_size
            );
        }
    }
    Ok(())
}

/// Simulate `careers` of every scenario side by side on `pool`, with a progress bar.
pub fn simulate_paired(
    scenarios: &[Scenario],
    models: &[Model],
    careers: std::ops::Range<u64>,
    pool: &rayon::ThreadPool,
    quiet: bool,
    cancel: &AtomicBool,
) -> Result<PairedTally> {
    let total = (careers.end - careers.start) * scenarios.len() as u64;
    let pb = crate::cli::progress_bar(total, quiet, "simulating");
    let progress = |n: u64| pb.inc(n);
    let hooks = Hooks {
        progress: &progress,
        cancel,
    };
    let t = pool.install(|| engine::run_paired(scenarios, models, careers, &hooks))?;
    pb.finish_and_clear();
    Ok(t)
}

/// The footnote every study chart carries, so it can be reproduced.
pub fn footnote(careers: u64, months: u32, seed: u64) -> String {
    format!(
        "{} careers x {} months, seed {}, same careers in every variant (common random numbers) · mlm-sim {}",
        summary::group(careers as f64, 0),
        months,
        seed,
        env!("CARGO_PKG_VERSION")
    )
}

/// Render a chart at the size of `set`: always as SVG (the study reports inline it) and as
/// PNG when `set` asks for it. Returns `(file name, bytes)` from an SVG file name such as
/// `survival.svg`, naming the file in any error; [`chart_file_wanted`] says which to write.
pub fn chart_files(
    set: &ChartSet,
    svg_file: &str,
    draw: impl Fn(&ChartText, ChartSize, ChartFormat) -> Result<Vec<u8>, ChartError>,
    text: &ChartText,
) -> Result<Vec<(String, Vec<u8>)>> {
    let stem = svg_file.strip_suffix(".svg").unwrap_or(svg_file);
    let png = set.formats.contains(&ChartFormat::Png);
    [ChartFormat::Svg, ChartFormat::Png]
        .into_iter()
        .filter(|f| *f == ChartFormat::Svg || png)
        .map(|format| {
            let file = format!("{stem}.{}", format.extension());
            let bytes = draw(text, set.size, format)
                .map_err(|e| anyhow::anyhow!("cannot draw {file}: {e}"))?;
            Ok((file, bytes))
        })
        .collect()
}

/// Whether a chart file from [`chart_files`] is written to the result folder: its format was
/// asked for with `--format`.
pub fn chart_file_wanted(set: &ChartSet, name: &str) -> bool {
    set.formats
        .iter()
        .any(|f| name.ends_with(&format!(".{}", f.extension())))
}

/// Write `text` to stdout; a closed pipe (`| head`) comes back as an I/O error that the
/// command line treats as a quiet exit rather than a panic.
pub fn print_out(text: &str) -> Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// A value written compactly for folder names and labels (`0.3`, `12`, `1e-5`).
pub fn short_num(v: f64) -> String {
    crate::scenario::params::fmt_num(v)
}
