//! The parallel runner: many careers, one [`Tally`].
//!
//! Work is split by **cohort** (consecutive career indices, `cohort_size` of them): a cohort is
//! always simulated by one task, so its failure count is known and can go into the
//! failure-rate distribution. Rayon distributes cohorts over threads; each worker folds into its
//! own tally and workspace, and tallies merge with integer addition. Since every career's
//! randomness derives from (seed, career index) alone and merging is order-free, the result is
//! the same for any thread count, any split of the work, and any sharding of the index range.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::model::Model;
use crate::outcome::CareerOutcome;
use crate::scenario::Scenario;
use crate::stats::Tally;

pub mod paired;
pub use paired::{run_paired, PairedTally};

impl Tally {
    /// An empty tally shaped for `scenario`: its horizon, cohort size and break-even band.
    ///
    /// It lives here, not in `stats`, so that `stats` never imports `scenario` (issue 10: one
    /// direction of dependencies); the engine is where scenarios meet tallies.
    pub fn for_scenario(scenario: &Scenario) -> Tally {
        Tally::new(
            scenario.months,
            scenario.cohort_size,
            scenario.break_even_band,
        )
    }
}

/// The run was stopped (Ctrl-C, SIGTERM) before it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the run was interrupted before it finished")]
pub struct Interrupted;

/// Hooks the caller can give a run: progress reporting and cancellation.
pub struct Hooks<'a> {
    /// Called with the number of careers just finished (from any thread).
    pub progress: &'a (dyn Fn(u64) + Sync),
    /// Checked between cohorts; when set, the run stops and returns [`Interrupted`].
    pub cancel: &'a AtomicBool,
}

/// Careers of one cohort, clipped to the run's total.
pub(crate) fn cohort_careers(cohort: u64, cohort_size: u64, total: u64) -> Range<u64> {
    let start = cohort * cohort_size;
    start..(start + cohort_size).min(total)
}

/// The cohort indices covering `careers` (whose start must be a cohort boundary).
pub(crate) fn cohorts_of(careers: &Range<u64>, cohort_size: u64) -> Range<u64> {
    debug_assert_eq!(careers.start % cohort_size, 0);
    careers.start / cohort_size..careers.end.div_ceil(cohort_size)
}

/// Simulate one cohort into `tally`, handing each career to `each`.
fn run_cohort(
    model: &Model,
    scenario: &Scenario,
    cohort: u64,
    end: u64,
    tally: &mut Tally,
    ws: &mut crate::model::Workspace,
    mut each: impl FnMut(CareerOutcome),
) {
    let careers = cohort_careers(cohort, scenario.cohort_size, end);
    let complete = careers.end - careers.start == scenario.cohort_size;
    let mut failures = 0;
    for index in careers {
        let outcome = model.career(index, ws);
        failures += u64::from(tally.add(&outcome));
        each(outcome);
    }
    if complete {
        tally.add_cohort(failures);
    }
}

/// Simulate the followed careers `careers` (a range of career indices starting on a cohort
/// boundary) and return their tally. Runs on the current rayon pool.
pub fn run(
    scenario: &Scenario,
    model: &Model,
    careers: Range<u64>,
    hooks: &Hooks<'_>,
) -> Result<Tally, Interrupted> {
    let cohort_size = scenario.cohort_size;
    let end = careers.end;
    // Each rayon job starts a fresh tally (its quantile sketch is a few hundred kilobytes), so
    // jobs are kept to at least ~16k careers: splitting finer only costs allocation.
    // Small runs still get at least ~8 jobs per thread, so every thread has work.
    let cohorts = cohorts_of(&careers, cohort_size);
    let per_thread = (cohorts.end - cohorts.start) / (8 * rayon::current_num_threads() as u64);
    let min_cohorts_per_job = (16_384 / cohort_size).min(per_thread).max(1) as usize;
    // usize ranges are indexed (u64 ranges are not), which `with_min_len` needs.
    let tally = (cohorts.start as usize..cohorts.end as usize)
        .into_par_iter()
        .with_min_len(min_cohorts_per_job)
        .map(|c| c as u64)
        .fold(
            || (Tally::for_scenario(scenario), model.workspace()),
            |(mut tally, mut ws), cohort| {
                if !hooks.cancel.load(Ordering::Relaxed) {
                    let before = tally.careers;
                    run_cohort(model, scenario, cohort, end, &mut tally, &mut ws, |_| {});
                    (hooks.progress)(tally.careers - before);
                }
                (tally, ws)
            },
        )
        .map(|(tally, _)| tally)
        .reduce(
            || Tally::for_scenario(scenario),
            |mut a, b| {
                a.merge(&b);
                a
            },
        );
    if hooks.cancel.load(Ordering::Relaxed) {
        return Err(Interrupted);
    }
    Ok(tally)
}

/// Like [`run`], but also hands every career's outcome to `sink`, in career-index order,
/// a block at a time, so per-career records can be streamed with bounded memory.
pub fn run_with_records(
    scenario: &Scenario,
    model: &Model,
    careers: Range<u64>,
    hooks: &Hooks<'_>,
    sink: &mut dyn FnMut(&[CareerOutcome]) -> std::io::Result<()>,
) -> Result<Result<Tally, Interrupted>, std::io::Error> {
    let cohort_size = scenario.cohort_size;
    let end = careers.end;
    // About 64k careers per block: enough work to keep every thread busy, small enough that
    // the block's records stay a few megabytes.
    let per_block = (65_536 / cohort_size).max(1);
    let min_cohorts_per_job = (4096 / cohort_size).max(1) as usize;
    let mut total = Tally::for_scenario(scenario);
    let cohorts = cohorts_of(&careers, cohort_size);
    let mut block_start = cohorts.start;
    while block_start < cohorts.end {
        if hooks.cancel.load(Ordering::Relaxed) {
            return Ok(Err(Interrupted));
        }
        let block_end = (block_start + per_block).min(cohorts.end);
        // Records go into one slot per cohort, so they come out in index order; tallies are
        // folded per rayon job as in `run` (a tally per cohort would hold a quantile sketch
        // per cohort: hundreds of megabytes per block).
        let mut slots: Vec<Vec<CareerOutcome>> =
            (block_start..block_end).map(|_| Vec::new()).collect();
        let block = slots
            .par_iter_mut()
            .with_min_len(min_cohorts_per_job)
            .zip(block_start as usize..block_end as usize)
            .fold(
                || (Tally::for_scenario(scenario), model.workspace()),
                |(mut tally, mut ws), (records, cohort)| {
                    // Checked per cohort, not only per block: a block of a deep downline can
                    // take many seconds, and Ctrl-C must not wait for it.
                    if hooks.cancel.load(Ordering::Relaxed) {
                        return (tally, ws);
                    }
                    let before = tally.careers;
                    records.reserve(cohort_size as usize);
                    run_cohort(
                        model,
                        scenario,
                        cohort as u64,
                        end,
                        &mut tally,
                        &mut ws,
                        |c| records.push(c),
                    );
                    (hooks.progress)(tally.careers - before);
                    (tally, ws)
                },
            )
            .map(|(tally, _)| tally)
            .reduce(
                || Tally::for_scenario(scenario),
                |mut a, b| {
                    a.merge(&b);
                    a
                },
            );
        if hooks.cancel.load(Ordering::Relaxed) {
            return Ok(Err(Interrupted));
        }
        total.merge(&block);
        for records in &slots {
            sink(records)?;
        }
        block_start = block_end;
    }
    Ok(Ok(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{parse, Override};

    fn hooks() -> (AtomicBool, impl Fn(u64) + Sync) {
        (AtomicBool::new(false), |_| {})
    }

    #[test]
    fn thread_count_and_record_mode_do_not_change_results() {
        let s = parse(
            include_str!("../../scenarios/relationship.toml"),
            "relationship.toml",
            &[
                Override::parse("careers=1500").unwrap(),
                Override::parse("cohort_size=40").unwrap(),
            ],
        )
        .unwrap();
        let m = Model::new(&s);
        let (cancel, progress) = hooks();
        let h = Hooks {
            progress: &progress,
            cancel: &cancel,
        };
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let three = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let a = one.install(|| run(&s, &m, 0..s.careers, &h)).unwrap();
        let b = three.install(|| run(&s, &m, 0..s.careers, &h)).unwrap();
        assert_eq!(a, b);
        let mut seen = Vec::new();
        let c = run_with_records(&s, &m, 0..s.careers, &h, &mut |rs| {
            seen.extend(rs.iter().map(|r| r.index));
            Ok(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(a, c);
        assert_eq!(seen, (0..s.careers).collect::<Vec<_>>());
    }

    #[test]
    fn split_ranges_merge_to_the_whole() {
        let s = parse(
            include_str!("../../scenarios/numbers-game.toml"),
            "numbers-game.toml",
            &[
                Override::parse("careers=1000").unwrap(),
                Override::parse("cohort_size=100").unwrap(),
            ],
        )
        .unwrap();
        let m = Model::new(&s);
        let (cancel, progress) = hooks();
        let h = Hooks {
            progress: &progress,
            cancel: &cancel,
        };
        let whole = run(&s, &m, 0..1000, &h).unwrap();
        let mut parts = run(&s, &m, 0..300, &h).unwrap();
        parts.merge(&run(&s, &m, 300..1000, &h).unwrap());
        assert_eq!(whole, parts);
    }

    #[test]
    fn cancellation_is_reported() {
        let s = parse("name='x'\ncareers=1000\n", "t", &[]).unwrap();
        let m = Model::new(&s);
        let cancel = AtomicBool::new(true);
        let h = Hooks {
            progress: &|_| {},
            cancel: &cancel,
        };
        assert_eq!(run(&s, &m, 0..1000, &h), Err(Interrupted));
    }
}
