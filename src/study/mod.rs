//! Studies: several variants simulated on the same careers (compare, sweep, sensitivity).
//!
//! `compare` (scenarios side by side), `sweep` (one or two levers over a grid) and
//! `sensitivity` (every pitfall lever moved down and up), plus `--precision` (stop adding
//! careers once the answer is precise).
//!
//! All of them rest on **common random numbers**: career `k` draws its traits, its
//! rejections, its life events and everything else from streams keyed by (seed, k, downline
//! position, purpose) (see [`crate::model::rng`]), so a change of one lever changes only what
//! that lever touches. The variants of a study are simulated together by
//! [`crate::engine::run_paired`], which also counts how each career fared under every pair of
//! variants; differences are then estimated from those paired counts, which is what makes
//! them precise (docs/compare.md derives the intervals).

pub mod company;
#[cfg(test)]
mod company_tests;
pub mod compare;
pub mod compare_html;
pub mod lever_table;
pub mod morris;
pub mod precision;
pub mod sensitivity;
pub mod sensitivity_metric;
pub mod sweep;

use std::sync::atomic::Ordering;

use anyhow::{bail, Result};

use crate::engine::{self, Hooks, PairedTally};
use crate::export::charts::ChartSet;
use crate::model::Model;
use crate::scenario::Scenario;
use crate::summary::Summary;
use precision::Stopped;

/// Most variants one study simulates side by side (each keeps its own tally in every
/// worker, a few hundred kilobytes apiece).
pub const MAX_VARIANTS: usize = 100;

/// Check that `scenarios` can be simulated on the same careers: one seed and one cohort size.
/// `what` names the variants in the message ("scenario", "sweep point").
pub fn check_pairable(scenarios: &[Scenario]) -> Result<()> {
    let Some(first) = scenarios.first() else {
        bail!("nothing to simulate");
    };
    // Company world (issue 13): compared company by company.
    if scenarios.iter().any(|s| s.company.is_some()) {
        return company::check_pairable(scenarios);
    }
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

/// A study: variants of a scenario simulated side by side on the same careers, then reported.
///
/// `compare`, `sweep` and `sensitivity` implement it; the command line runs every study
/// through one pipeline (work check, output folder, simulation with progress and
/// cancellation, files, terminal text), so a new study only says what it simulates and how
/// it reports.
pub trait Study: Sync {
    /// The variants, simulated side by side; variant 0 is the baseline differences refer to.
    fn scenarios(&self) -> &[Scenario];
    /// The result folder's name under `--out`.
    fn folder_name(&self) -> String;
    /// `--precision`: stop adding careers once [`Study::half_width`] is below it.
    fn precision(&self) -> Option<f64> {
        None
    }
    /// The widest 95% half-width that `--precision` applies to, from the careers so far.
    fn half_width(&self, _paired: &PairedTally) -> f64 {
        0.0
    }
    /// What `--precision` applies to, in words ("every failure-rate difference").
    fn precision_target(&self) -> &'static str {
        "the failure rate"
    }
    /// The result files and the terminal text. `scenarios` carry the careers actually
    /// simulated (fewer than asked when `--precision` stopped early).
    fn report(
        &self,
        scenarios: &[Scenario],
        paired: &PairedTally,
        stopped: &Stopped,
        charts: Option<&ChartSet>,
    ) -> Result<StudyReport>;
}

/// What a study writes and prints.
#[derive(Debug, Default)]
pub struct StudyReport {
    /// Result files: (name inside the result folder, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    /// The terminal text (the pipeline adds where the results are).
    pub text: String,
}

/// A study's variants simulated side by side: the tally and where `--precision` stopped.
#[derive(Debug)]
pub struct Simulated {
    /// The variants with `careers` set to the careers actually simulated.
    pub scenarios: Vec<Scenario>,
    /// Every variant's tally and the joint outcomes of every pair.
    pub paired: PairedTally,
    /// How many careers it took, and the precision reached.
    pub stopped: Stopped,
}

/// Simulate `study`'s variants on the current rayon pool, in `--precision` batches.
pub fn simulate(study: &dyn Study, hooks: &Hooks<'_>) -> Result<Simulated> {
    let scenarios = study.scenarios();
    check_pairable(scenarios)?;
    let models: Vec<Model> = scenarios.iter().map(Model::new).collect();
    let mut paired = PairedTally::new(scenarios);
    let cap = scenarios[0].careers;
    let stopped =
        precision::until_precise(cap, scenarios[0].cohort_size, study.precision(), |range| {
            let part = engine::run_paired(scenarios, &models, range, hooks)?;
            paired.merge(&part);
            Ok(study.half_width(&paired))
        })?;
    if hooks.cancel.load(Ordering::SeqCst) {
        return Err(engine::Interrupted.into());
    }
    let mut scenarios = scenarios.to_vec();
    for s in &mut scenarios {
        s.careers = stopped.careers;
    }
    Ok(Simulated {
        scenarios,
        paired,
        stopped,
    })
}

/// The summaries of every variant of a simulated study.
pub fn summaries(scenarios: &[Scenario], paired: &PairedTally) -> Vec<Summary> {
    scenarios
        .iter()
        .zip(&paired.tallies)
        .map(|(s, t)| Summary::new(s, t))
        .collect()
}

/// The footnote every study chart carries, so it can be reproduced.
pub fn footnote(careers: u64, months: u32, seed: u64) -> String {
    format!(
        "{} careers x {} months, seed {}, same careers in every variant (common random numbers) · mlm-sim {}",
        crate::fmt::thousands(careers as f64, 0),
        months,
        seed,
        env!("CARGO_PKG_VERSION")
    )
}

// The chart-file helpers live in `export` (the company world's charts use them too, and
// `world` may not import `study`, which imports `calibrate`, which simulates companies).
pub use crate::export::chart_files::{chart_file_wanted, chart_files, report_chart_files};

/// A value written compactly for folder names and labels (`0.3`, `12`, `1e-5`).
pub fn short_num(v: f64) -> String {
    crate::fmt::compact(v)
}
