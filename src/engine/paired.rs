//! Several scenarios over the **same careers**, side by side.
//!
//! [`run_paired`] simulates career `k` under every model before moving on to career `k + 1`,
//! so besides one [`Tally`] per scenario it can count, for every pair of scenarios, how the
//! same career fared under both ([`PairCounts`]). Those joint counts give paired differences
//! whose confidence intervals are far narrower than two independent runs would allow (see
//! [`crate::stats::paired`]). Each scenario's tally is identical to what [`super::run`] gives
//! for it alone: the model is deterministic per (seed, career index), the same cohorts are
//! formed, and tallies merge order-free.

use std::ops::Range;
use std::sync::atomic::Ordering;

use rayon::prelude::*;

use super::{cohort_careers, cohorts_of, Hooks, Interrupted};
use crate::model::{Model, Workspace};
use crate::scenario::Scenario;
use crate::stats::paired::{CareerBits, PairCounts};
use crate::stats::{to_cents, Tally};

/// The result of a paired run: one tally per scenario and joint counts for every pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairedTally {
    /// One tally per scenario, in the order given.
    pub tallies: Vec<Tally>,
    /// Joint counts for every pair `(i, j)` with `i < j`, in the order
    /// (0,1), (0,2), ..., (0,n-1), (1,2), ... (see [`PairedTally::pair`]).
    pub pairs: Vec<PairCounts>,
}

/// Position of the pair `(i, j)`, `i < j`, among the pairs of `n` scenarios.
fn pair_index(i: usize, j: usize, n: usize) -> usize {
    debug_assert!(i < j && j < n);
    i * (2 * n - i - 1) / 2 + (j - i - 1)
}

impl PairedTally {
    /// Empty tallies for `scenarios`.
    pub fn new(scenarios: &[Scenario]) -> PairedTally {
        let n = scenarios.len();
        PairedTally {
            tallies: scenarios.iter().map(Tally::for_scenario).collect(),
            pairs: vec![PairCounts::default(); n * n.saturating_sub(1) / 2],
        }
    }

    /// Joint counts of scenario `i` (as A) and scenario `j` (as B), `i < j`.
    pub fn pair(&self, i: usize, j: usize) -> &PairCounts {
        &self.pairs[pair_index(i, j, self.tallies.len())]
    }

    /// Add the counts of the same scenarios over other careers.
    pub fn merge(&mut self, o: &PairedTally) {
        for (a, b) in self.tallies.iter_mut().zip(&o.tallies) {
            a.merge(b);
        }
        for (a, b) in self.pairs.iter_mut().zip(&o.pairs) {
            a.merge(b);
        }
    }
}

/// Per-job state: the partial result, one workspace per model, and the current career's
/// outcomes under each model.
struct JobState {
    tally: PairedTally,
    workspaces: Vec<Workspace>,
    bits: Vec<CareerBits>,
    failures: Vec<u64>,
}

/// Simulate the careers `careers` (starting on a cohort boundary) under every scenario.
///
/// All scenarios must share the seed (otherwise career `k` would not meet the same luck) and
/// the cohort size (cohorts are formed once for all); callers check this and tell the user.
/// Runs on the current rayon pool; the result does not depend on the thread count.
pub fn run_paired(
    scenarios: &[Scenario],
    models: &[Model],
    careers: Range<u64>,
    hooks: &Hooks<'_>,
) -> Result<PairedTally, Interrupted> {
    assert_eq!(scenarios.len(), models.len());
    assert!(
        !scenarios.is_empty(),
        "run_paired needs at least one scenario"
    );
    let cohort_size = scenarios[0].cohort_size;
    assert!(
        scenarios
            .iter()
            .all(|s| s.cohort_size == cohort_size && s.seed == scenarios[0].seed),
        "paired scenarios must share seed and cohort size"
    );
    let n = scenarios.len();
    let end = careers.end;
    // As in `run`: a job's fresh tallies cost allocation, so keep jobs to ~4096 careers.
    let min_cohorts_per_job = (4096 / cohort_size).max(1) as usize;
    let cohorts = cohorts_of(&careers, cohort_size);
    let fresh = || JobState {
        tally: PairedTally::new(scenarios),
        workspaces: models.iter().map(Model::workspace).collect(),
        bits: vec![CareerBits::default(); n],
        failures: vec![0; n],
    };
    let result = (cohorts.start as usize..cohorts.end as usize)
        .into_par_iter()
        .with_min_len(min_cohorts_per_job)
        .map(|c| c as u64)
        .fold(fresh, |mut st, cohort| {
            if hooks.cancel.load(Ordering::Relaxed) {
                return st;
            }
            let range = cohort_careers(cohort, cohort_size, end);
            let complete = range.end - range.start == cohort_size;
            st.failures.iter_mut().for_each(|f| *f = 0);
            for index in range.clone() {
                for (m, model) in models.iter().enumerate() {
                    let outcome = model.career(index, &mut st.workspaces[m]);
                    let failed = st.tally.tallies[m].add(&outcome);
                    st.failures[m] += u64::from(failed);
                    let net = outcome.person.money.net();
                    st.bits[m] = CareerBits {
                        bits: [failed, net > 0.0, outcome.person.end.is_quit()],
                        net_cents: to_cents(net),
                    };
                }
                let mut p = 0;
                for i in 0..n {
                    for j in i + 1..n {
                        st.tally.pairs[p].add(&st.bits[i], &st.bits[j]);
                        p += 1;
                    }
                }
            }
            if complete {
                for (t, f) in st.tally.tallies.iter_mut().zip(&st.failures) {
                    t.add_cohort(*f);
                }
            }
            (hooks.progress)((range.end - range.start) * n as u64);
            st
        })
        .map(|st| st.tally)
        .reduce(
            || PairedTally::new(scenarios),
            |mut a, b| {
                a.merge(&b);
                a
            },
        );
    if hooks.cancel.load(Ordering::Relaxed) {
        return Err(Interrupted);
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{parse, Override};
    use crate::stats::paired::Binary;
    use std::sync::atomic::AtomicBool;

    fn scenario(file: &str, sets: &[&str]) -> Scenario {
        let text = std::fs::read_to_string(format!(
            "{}/scenarios/{file}.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let o: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
        parse(&text, file, &o).unwrap()
    }

    #[test]
    fn pair_indices_enumerate_every_pair_once_in_order() {
        let mut seen = Vec::new();
        for i in 0..5 {
            for j in i + 1..5 {
                seen.push(pair_index(i, j, 5));
            }
        }
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn each_tally_equals_a_single_run_and_joint_counts_add_up_to_the_margins() {
        let sets = ["careers=700", "cohort_size=50"];
        let s = vec![
            scenario("numbers-game", &sets),
            scenario("relationship", &sets),
        ];
        let models: Vec<Model> = s.iter().map(Model::new).collect();
        let cancel = AtomicBool::new(false);
        let hooks = Hooks {
            progress: &|_| {},
            cancel: &cancel,
        };
        let paired = run_paired(&s, &models, 0..700, &hooks).unwrap();
        for (sc, (m, t)) in s.iter().zip(models.iter().zip(&paired.tallies)) {
            assert_eq!(&super::super::run(sc, m, 0..700, &hooks).unwrap(), t);
        }
        let p = paired.pair(0, 1);
        let j = p.joint[Binary::Failed as usize];
        assert_eq!(p.careers, 700);
        assert_eq!(j[2] + j[3], paired.tallies[0].failures());
        assert_eq!(j[1] + j[3], paired.tallies[1].failures());
        let d = p.share_difference(Binary::Failed).diff;
        let margins =
            (paired.tallies[1].failures() as f64 - paired.tallies[0].failures() as f64) / 700.0;
        assert!((d - margins).abs() < 1e-12);
        let net = p.mean_net_difference().diff;
        let means = (paired.tallies[1].net_cents - paired.tallies[0].net_cents) as f64 / 70_000.0;
        assert!((net - means).abs() < 1e-9);
        // Split ranges merge to the whole.
        let mut parts = run_paired(&s, &models, 0..300, &hooks).unwrap();
        parts.merge(&run_paired(&s, &models, 300..700, &hooks).unwrap());
        assert_eq!(parts, paired);
    }
}
