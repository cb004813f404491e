//! Shards: one study split over many processes or machines, then merged bit for bit.
//!
//! `spec.rs` parses which shard a process runs (`--shard K/N`, `auto`); `partial.rs` writes,
//! reads and merges the partial results.
//!
//! `mlm-sim run --shard K/N` simulates only the K-th of N contiguous blocks of career indices
//! and writes a **partial result**: the shard's [`Tally`] (integers only) and a manifest saying
//! which study it belongs to and which careers it covers. `mlm-sim merge` checks that the
//! partials belong together and cover every career exactly once, adds their tallies, and writes
//! the same files as `run` through the same function.
//!
//! Why the merged result equals a single run's, byte for byte:
//! * every career's randomness derives from (seed, career index) alone, so a career does not
//!   care which process simulates it;
//! * shard boundaries fall on cohort boundaries, so every cohort's failure count is seen by one
//!   shard and the cohort histogram is the same;
//! * a tally holds only integers, and integer addition does not depend on order;
//! * the scenario is re-parsed at merge time from the very text (and overrides) the shards ran,
//!   and its fingerprint is checked against theirs.
//!
//! A partial folder holds `manifest.json`, `tally.json` and `scenario.toml` (a copy of the
//! scenario file as it was read). It is written through [`OutputDir`], so it appears complete
//! or not at all. `merge` trusts nothing it reads: the manifest's checksum must match the other
//! two files, every tally must be internally consistent
//! ([`crate::stats::Tally::check_consistency`]) and they are added with overflow checks.

mod partial;
mod spec;

pub use partial::{
    checksum, load, merge, read_partial, write_partial, LoadedScenario, Manifest, Partial,
    StoredOverride,
};
pub use spec::{Shard, MAX_SHARDS, SHARD_COUNT_ENV};

/// Version of the partial-result format; bumped when the files change incompatibly.
/// 2: the manifest carries a checksum of the tally and the scenario copy.
pub const FORMAT: u32 = 2;

/// The file names inside a partial folder.
const MANIFEST: &str = "manifest.json";
const TALLY: &str = "tally.json";
const SCENARIO: &str = "scenario.toml";

#[cfg(test)]
mod tests {
    use super::*;
    use std::ops::Range;
    use std::path::{Path, PathBuf};

    use crate::scenario::{self, Override, Scenario};
    use crate::stats::Tally;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn shard_flag_accepts_k_of_n_and_rejects_nonsense() {
        let none = env_of(&[]);
        assert_eq!(
            Shard::parse("3/8", &none).unwrap(),
            Shard { index: 3, count: 8 }
        );
        for bad in ["0/8", "9/8", "1/0", "3", "a/b", "-1/2", ""] {
            let err = Shard::parse(bad, &none).unwrap_err();
            assert!(format!("{err:#}").contains("--shard"), "{bad}: {err:#}");
        }
    }

    #[test]
    fn auto_reads_slurm_arrays_starting_at_zero_or_one() {
        for (min, id, expect) in [("0", "0", 1), ("0", "7", 8), ("1", "1", 1), ("1", "8", 8)] {
            let max = (min.parse::<u64>().unwrap() + 7).to_string();
            let env = env_of(&[
                ("SLURM_ARRAY_TASK_ID", id),
                ("SLURM_ARRAY_TASK_MIN", min),
                ("SLURM_ARRAY_TASK_MAX", &max),
                ("SLURM_ARRAY_TASK_COUNT", "8"),
            ]);
            assert_eq!(
                Shard::parse("auto", &env).unwrap(),
                Shard {
                    index: expect,
                    count: 8
                }
            );
        }
        let stepped = env_of(&[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_MAX", "14"),
            ("SLURM_ARRAY_TASK_COUNT", "8"),
        ]);
        assert!(format!("{:#}", Shard::parse("auto", &stepped).unwrap_err()).contains("contiguous"));
        let no_min = env_of(&[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "8"),
        ]);
        assert!(format!("{:#}", Shard::parse("auto", &no_min).unwrap_err())
            .contains("SLURM_ARRAY_TASK_MIN"));
    }

    #[test]
    fn auto_reads_kubernetes_indexed_jobs_and_needs_the_count() {
        let env = env_of(&[("JOB_COMPLETION_INDEX", "0"), (SHARD_COUNT_ENV, "4")]);
        assert_eq!(
            Shard::parse("auto", &env).unwrap(),
            Shard { index: 1, count: 4 }
        );
        let env = env_of(&[("JOB_COMPLETION_INDEX", "3")]);
        assert!(format!("{:#}", Shard::parse("auto", &env).unwrap_err()).contains(SHARD_COUNT_ENV));
        let env = env_of(&[("JOB_COMPLETION_INDEX", "4"), (SHARD_COUNT_ENV, "4")]);
        assert!(Shard::parse("auto", &env).is_err());
        assert!(Shard::parse("auto", &env_of(&[])).is_err());
    }

    #[test]
    fn shards_tile_the_careers_on_cohort_boundaries_evenly() {
        for &(total, cohort) in &[
            (1000u64, 100u64),
            (1050, 100),
            (7, 3),
            (5, 10),
            (100_000, 1),
        ] {
            for n in 1..=12u64 {
                let mut next = 0;
                let cohorts = total.div_ceil(cohort);
                for k in 1..=n {
                    let r = Shard { index: k, count: n }.careers(total, cohort);
                    assert_eq!(r.start, next, "total {total} cohort {cohort} {k}/{n}");
                    assert!(r.start == total || r.start.is_multiple_of(cohort));
                    let shard_cohorts = r.end.div_ceil(cohort) - r.start / cohort;
                    assert!(
                        shard_cohorts == cohorts / n || shard_cohorts == cohorts.div_ceil(n),
                        "uneven: {shard_cohorts} of {cohorts} cohorts in {k}/{n}"
                    );
                    next = r.end;
                }
                assert_eq!(next, total);
            }
        }
    }

    #[test]
    fn shard_folders_sort_in_order() {
        let names: Vec<String> = (1..=12)
            .map(|k| {
                Shard {
                    index: k,
                    count: 12,
                }
                .dir_name("x")
            })
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert_eq!(names[2], "x.shard-03-of-12");
    }

    #[test]
    fn overrides_survive_the_manifest() {
        for text in [
            "prospecting.join_probability=0.05",
            "rejection.sting={ beta = [2, 20] }",
            "name=Bare word",
        ] {
            let o = Override::parse(text).unwrap();
            let back = StoredOverride::from_override(&o).to_override().unwrap();
            assert_eq!(back.path, o.path);
            assert_eq!(back.text, o.text);
            assert_eq!(back.value.to_string().trim(), o.value.to_string().trim());
        }
    }

    fn study(careers: u64) -> (Scenario, String, Vec<Override>) {
        let text = include_str!("../../scenarios/numbers-game.toml").to_string();
        let overrides = vec![
            Override::parse(&format!("careers={careers}")).unwrap(),
            Override::parse("cohort_size=10").unwrap(),
            Override::parse("downline.depth=1").unwrap(),
        ];
        let s = scenario::parse(&text, "numbers-game.toml", &overrides).unwrap();
        (s, text, overrides)
    }

    fn run_range(s: &Scenario, careers: Range<u64>) -> Tally {
        let m = crate::model::Model::new(s);
        let cancel = std::sync::atomic::AtomicBool::new(false);
        let hooks = crate::engine::Hooks {
            progress: &|_| {},
            cancel: &cancel,
        };
        crate::engine::run(s, &m, careers, &hooks).unwrap()
    }

    fn partials(tmp: &Path, n: u64) -> Vec<PathBuf> {
        let (s, text, overrides) = study(95);
        (1..=n)
            .map(|k| {
                let shard = Shard::new(k, n).unwrap();
                let m = Manifest::new(&s, &overrides, shard);
                let t = run_range(&s, m.careers());
                write_partial(&tmp.join(shard.dir_name("ng")), &m, &t, &text).unwrap()
            })
            .collect()
    }

    #[test]
    fn partials_round_trip_and_merge_to_the_single_run() {
        let tmp = tempfile::tempdir().unwrap();
        let (s, ..) = study(95);
        let whole = run_range(&s, 0..s.careers);
        let dirs = partials(tmp.path(), 4);
        let read: Vec<Partial> = dirs
            .iter()
            .rev()
            .map(|d| read_partial(d).unwrap())
            .collect();
        let (merged_s, merged) = merge(read).unwrap();
        assert_eq!(merged, whole);
        assert_eq!(merged_s.fingerprint(), s.fingerprint());
        assert_eq!(merged_s.overrides, s.overrides);
        assert_eq!(merged_s.file, s.file);
    }

    #[test]
    fn merge_names_the_folder_that_overlaps_or_the_careers_missing() {
        let tmp = tempfile::tempdir().unwrap();
        let dirs = partials(tmp.path(), 3);
        let read = |ds: &[&PathBuf]| -> Vec<Partial> {
            ds.iter().map(|d| read_partial(d).unwrap()).collect()
        };
        let err = format!("{:#}", merge(read(&[&dirs[0], &dirs[2]])).unwrap_err());
        assert!(
            err.contains("missing") && err.contains(&dirs[2].display().to_string()),
            "{err}"
        );
        let err = format!("{:#}", merge(read(&[&dirs[0], &dirs[1]])).unwrap_err());
        assert!(err.contains("missing") && err.contains("..95"), "{err}");
        let err = format!(
            "{:#}",
            merge(read(&[&dirs[0], &dirs[1], &dirs[1], &dirs[2]])).unwrap_err()
        );
        assert!(
            err.contains("overlap") && err.contains(&dirs[1].display().to_string()),
            "{err}"
        );
    }

    #[test]
    fn merge_refuses_shards_of_another_study() {
        let tmp = tempfile::tempdir().unwrap();
        let dirs = partials(tmp.path(), 2);
        let (_, text, _) = study(95);
        let other_overrides = vec![
            Override::parse("careers=95").unwrap(),
            Override::parse("cohort_size=10").unwrap(),
            Override::parse("downline.depth=1").unwrap(),
            Override::parse("seed=2").unwrap(),
        ];
        let s2 = scenario::parse(&text, "numbers-game.toml", &other_overrides).unwrap();
        let m = Manifest::new(&s2, &other_overrides, Shard::new(2, 2).unwrap());
        let t = run_range(&s2, m.careers());
        let odd = write_partial(&tmp.path().join("odd"), &m, &t, &text).unwrap();
        let err = format!(
            "{:#}",
            merge(vec![
                read_partial(&dirs[0]).unwrap(),
                read_partial(&odd).unwrap()
            ])
            .unwrap_err()
        );
        assert!(
            err.contains(&odd.display().to_string()) && err.contains("fingerprint"),
            "{err}"
        );
        let err = format!("{:#}", read_partial(tmp.path()).unwrap_err());
        assert!(err.contains("manifest.json"), "{err}");
    }
}
