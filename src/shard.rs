//! Shards: one study split over many processes or machines, then merged bit for bit.
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
//! or not at all.

use std::fmt;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::export::OutputDir;
use crate::scenario::{self, Override, Scenario};
use crate::stats::Tally;

/// Version of the partial-result format; bumped when the files change incompatibly.
pub const FORMAT: u32 = 1;

/// The file names inside a partial folder.
const MANIFEST: &str = "manifest.json";
const TALLY: &str = "tally.json";
const SCENARIO: &str = "scenario.toml";

/// Environment variable giving the shard count for `--shard auto` under a Kubernetes Indexed
/// Job (which sets only `JOB_COMPLETION_INDEX`, not the number of completions).
pub const SHARD_COUNT_ENV: &str = "MLM_SIM_SHARD_COUNT";

/// Which block of a study this process simulates: shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based shard number.
    pub index: u64,
    /// Number of shards in the study.
    pub count: u64,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Most shards one study may be split into.
pub const MAX_SHARDS: u64 = 1_000_000;

impl Shard {
    /// Parse the `--shard` value: `K/N` (1 <= K <= N), or `auto` to read the position from
    /// the batch system's environment, looked up through `env`:
    ///
    /// * Slurm job array: `SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_MIN` and
    ///   `SLURM_ARRAY_TASK_COUNT` (K = id - min + 1, so arrays may start at 0 or 1; the array
    ///   must be a contiguous range with step 1);
    /// * Kubernetes Indexed Job: `JOB_COMPLETION_INDEX` (0-based) with the count from
    ///   [`SHARD_COUNT_ENV`].
    pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Shard> {
        if text.trim() == "auto" {
            return Shard::from_env(env);
        }
        let (k, n) = text.split_once('/').with_context(|| {
            format!("--shard {text}: expected K/N (e.g. 3/8, the third of 8 shards) or `auto`")
        })?;
        let k: u64 = k
            .trim()
            .parse()
            .with_context(|| format!("--shard {text}: K must be a whole number"))?;
        let n: u64 = n
            .trim()
            .parse()
            .with_context(|| format!("--shard {text}: N must be a whole number"))?;
        Shard::new(k, n).with_context(|| format!("--shard {text}"))
    }

    /// Shard `index` of `count`, checked.
    pub fn new(index: u64, count: u64) -> Result<Shard> {
        if count == 0 || count > MAX_SHARDS {
            bail!("the number of shards must be between 1 and {MAX_SHARDS}, got {count}");
        }
        if index == 0 || index > count {
            bail!(
                "the shard number must be between 1 and {count} (shards count from 1), got {index}"
            );
        }
        Ok(Shard { index, count })
    }

    fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Shard> {
        let num =
            |name: &str| -> Result<Option<u64>> {
                match env(name) {
                    None => Ok(None),
                    Some(v) => v.trim().parse().map(Some).with_context(|| {
                        format!("--shard auto: {name}={v:?} is not a whole number")
                    }),
                }
            };
        if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
            let count = num("SLURM_ARRAY_TASK_COUNT")?
                .context("--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; use --shard K/N")?;
            let min = num("SLURM_ARRAY_TASK_MIN")?
                .context("--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_MIN is not, so it is unknown whether the array starts at 0 or 1; use --shard K/N")?;
            if let Some(max) = num("SLURM_ARRAY_TASK_MAX")? {
                if max < min || max - min + 1 != count {
                    bail!("--shard auto: the job array must be a contiguous range with step 1 (e.g. --array=1-8), but SLURM_ARRAY_TASK_MIN={min}, SLURM_ARRAY_TASK_MAX={max} and SLURM_ARRAY_TASK_COUNT={count}");
                }
            }
            if id < min {
                bail!("--shard auto: SLURM_ARRAY_TASK_ID={id} is below SLURM_ARRAY_TASK_MIN={min}");
            }
            return Shard::new(id - min + 1, count)
                .context("--shard auto (from SLURM_ARRAY_TASK_ID, _MIN and _COUNT)");
        }
        if let Some(index) = num("JOB_COMPLETION_INDEX")? {
            let count = num(SHARD_COUNT_ENV)?.with_context(|| {
                format!("--shard auto: JOB_COMPLETION_INDEX is set but {SHARD_COUNT_ENV} is not; set it to the Job's `completions`")
            })?;
            return Shard::new(index + 1, count).with_context(|| {
                format!("--shard auto (from JOB_COMPLETION_INDEX, 0-based, and {SHARD_COUNT_ENV})")
            });
        }
        bail!("--shard auto: neither SLURM_ARRAY_TASK_ID (Slurm job array) nor JOB_COMPLETION_INDEX (Kubernetes Indexed Job) is set; use --shard K/N")
    }

    /// The careers of this shard among `total` careers in cohorts of `cohort_size`: the
    /// cohorts are split as evenly as possible (sizes differ by at most one), so every shard
    /// starts on a cohort boundary and no cohort is split. With more shards than cohorts,
    /// some shards are empty.
    pub fn careers(&self, total: u64, cohort_size: u64) -> Range<u64> {
        let cohorts = u128::from(total.div_ceil(cohort_size));
        let n = u128::from(self.count);
        let k = u128::from(self.index - 1);
        // u128: cohorts x count can exceed u64 for huge studies.
        let first = (cohorts * k / n) as u64;
        let last = (cohorts * (k + 1) / n) as u64;
        let start = first.saturating_mul(cohort_size).min(total);
        let end = last.saturating_mul(cohort_size).min(total);
        start..end
    }

    /// Folder name of this shard's partial result for a scenario with folder name `slug`,
    /// zero-padded so that shell globs list shards in order.
    pub fn dir_name(&self, slug: &str) -> String {
        let width = self.count.to_string().len();
        format!(
            "{slug}.shard-{:0width$}-of-{}",
            self.index,
            self.count,
            width = width
        )
    }
}

/// A `--set` (or `--careers`, `--seed`, ...) override as stored in a manifest, so that it can
/// be applied again at merge time exactly as the shard applied it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredOverride {
    /// Dotted key path.
    pub path: String,
    /// The value as TOML text.
    pub value: String,
    /// The override as typed (reported in summary.json).
    pub text: String,
}

impl StoredOverride {
    /// Store `o`.
    pub fn from_override(o: &Override) -> StoredOverride {
        StoredOverride {
            path: o.path.clone(),
            value: o.value.to_string().trim().to_string(),
            text: o.text.clone(),
        }
    }

    /// The override again.
    pub fn to_override(&self) -> Result<Override, String> {
        let value = self
            .value
            .parse::<toml_edit::Value>()
            .map_err(|e| format!("override `{}`: {}", self.text, e.message().trim()))?;
        Ok(Override {
            path: self.path.clone(),
            value,
            text: self.text.clone(),
        })
    }
}

/// What a partial result is: which study, which careers, made by which mlm-sim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Partial-result format version ([`FORMAT`]).
    pub format: u32,
    /// Version of mlm-sim that simulated the shard.
    pub mlm_sim_version: String,
    /// Scenario name.
    pub scenario: String,
    /// The scenario file as the user named it.
    pub scenario_file: String,
    /// [`Scenario::fingerprint`] of the resolved scenario (overrides applied).
    pub scenario_fingerprint: String,
    /// Master seed.
    pub seed: u64,
    /// Overrides applied on the command line, in order.
    pub overrides: Vec<StoredOverride>,
    /// This shard's number (1-based).
    pub shard: u64,
    /// Number of shards the study was split into.
    pub shards: u64,
    /// First career index simulated (inclusive).
    pub careers_start: u64,
    /// One past the last career index simulated.
    pub careers_end: u64,
    /// Careers in the whole study.
    pub total_careers: u64,
    /// Careers per cohort.
    pub cohort_size: u64,
}

impl Manifest {
    /// The manifest of `shard` of `scenario`, run with `overrides`.
    pub fn new(scenario: &Scenario, overrides: &[Override], shard: Shard) -> Manifest {
        let careers = shard.careers(scenario.careers, scenario.cohort_size);
        Manifest {
            format: FORMAT,
            mlm_sim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: scenario.name.clone(),
            scenario_file: scenario.file.clone(),
            scenario_fingerprint: scenario.fingerprint(),
            seed: scenario.seed,
            overrides: overrides
                .iter()
                .map(StoredOverride::from_override)
                .collect(),
            shard: shard.index,
            shards: shard.count,
            careers_start: careers.start,
            careers_end: careers.end,
            total_careers: scenario.careers,
            cohort_size: scenario.cohort_size,
        }
    }

    /// The careers this partial covers.
    pub fn careers(&self) -> Range<u64> {
        self.careers_start..self.careers_end
    }
}

/// A scenario file's text with the scenario it resolves to.
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    /// The validated scenario.
    pub scenario: Scenario,
    /// The file's text, as read.
    pub text: String,
}

/// Load `path` with `overrides`, keeping the text so a partial can carry it.
pub fn load(path: &Path, overrides: &[Override]) -> Result<LoadedScenario> {
    let file = path.display().to_string();
    let text = fs::read_to_string(path).with_context(|| format!("{file}: cannot read the file"))?;
    let scenario = scenario::parse(&text, &file, overrides)?;
    Ok(LoadedScenario { scenario, text })
}

/// Write a partial result into `dir` (replacing an older one there) and return its path.
pub fn write_partial(
    dir: &Path,
    manifest: &Manifest,
    tally: &Tally,
    text: &str,
) -> Result<PathBuf> {
    let out = OutputDir::create(dir)?;
    out.write(SCENARIO, text.as_bytes())?;
    out.write(TALLY, &serde_json::to_vec(tally)?)?;
    let mut m = serde_json::to_vec_pretty(manifest)?;
    m.push(b'\n');
    out.write(MANIFEST, &m)?;
    out.commit()
}

/// One partial result read back from its folder.
#[derive(Debug, Clone)]
pub struct Partial {
    /// The folder it was read from.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// The shard's tally.
    pub tally: Tally,
    /// The scenario file's text.
    pub text: String,
}

/// Read the partial result in `dir`.
pub fn read_partial(dir: &Path) -> Result<Partial> {
    let d = dir.display();
    if !dir.is_dir() {
        bail!("{d}: not a folder (expected a partial result written by `mlm-sim run --shard`)");
    }
    let manifest_bytes = fs::read(dir.join(MANIFEST)).with_context(|| {
        format!("{d}: cannot read {MANIFEST}; is this a partial result written by `mlm-sim run --shard`?")
    })?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .with_context(|| format!("{d}: {MANIFEST} is damaged or from another program"))?;
    if manifest.format != FORMAT {
        bail!(
            "{d}: partial-result format {} is not supported (this mlm-sim reads format {FORMAT})",
            manifest.format
        );
    }
    let tally_bytes =
        fs::read(dir.join(TALLY)).with_context(|| format!("{d}: cannot read {TALLY}"))?;
    let tally: Tally =
        serde_json::from_slice(&tally_bytes).with_context(|| format!("{d}: {TALLY} is damaged"))?;
    let text = fs::read_to_string(dir.join(SCENARIO))
        .with_context(|| format!("{d}: cannot read {SCENARIO}"))?;
    let careers = manifest.careers();
    if careers.start > careers.end
        || careers.end > manifest.total_careers
        || tally.careers != careers.end - careers.start
    {
        bail!(
            "{d}: the manifest's career range {}..{} does not match its tally ({} careers of {})",
            careers.start,
            careers.end,
            tally.careers,
            manifest.total_careers
        );
    }
    Ok(Partial {
        dir: dir.to_path_buf(),
        manifest,
        tally,
        text,
    })
}

/// Check that `partials` are the shards of one study and cover each career exactly once,
/// rebuild its scenario, and add up the tallies.
pub fn merge(mut partials: Vec<Partial>) -> Result<(Scenario, Tally)> {
    let Some(first) = partials.first() else {
        bail!("no partial results given to merge");
    };
    let version = env!("CARGO_PKG_VERSION");
    let reference = first.manifest.clone();
    let reference_dir = first.dir.display().to_string();
    for p in &partials {
        let m = &p.manifest;
        let d = p.dir.display();
        if m.mlm_sim_version != version {
            bail!("{d}: simulated by mlm-sim {}, but this is mlm-sim {version}; merge with the version that ran the shards (results could differ)", m.mlm_sim_version);
        }
        if m.scenario_fingerprint != reference.scenario_fingerprint {
            bail!(
                "{d}: scenario \"{}\" with fingerprint {} does not belong to the same study as {reference_dir} (\"{}\", fingerprint {})",
                m.scenario, m.scenario_fingerprint, reference.scenario, reference.scenario_fingerprint
            );
        }
        if m.seed != reference.seed {
            bail!(
                "{d}: seed {} differs from {reference_dir} (seed {})",
                m.seed,
                reference.seed
            );
        }
        if m.total_careers != reference.total_careers || m.cohort_size != reference.cohort_size {
            bail!("{d}: the study has {} careers in cohorts of {}, but {reference_dir} says {} in cohorts of {}", m.total_careers, m.cohort_size, reference.total_careers, reference.cohort_size);
        }
        if m.careers_start % m.cohort_size != 0 {
            bail!(
                "{d}: its careers start at {}, which is not a cohort boundary (cohorts of {})",
                m.careers_start,
                m.cohort_size
            );
        }
    }
    // Coverage: sorted by range, each must start where the previous one ended.
    partials.sort_by_key(|p| (p.manifest.careers_start, p.manifest.careers_end));
    let mut covered = 0u64;
    let mut previous: Option<&Partial> = None;
    for p in &partials {
        let r = p.manifest.careers();
        if r.start < covered {
            let other = previous
                .map(|q| q.dir.display().to_string())
                .unwrap_or_default();
            bail!(
                "{}: careers {}..{} overlap those of {other} (already covered up to {covered}); was a shard given twice?",
                p.dir.display(), r.start, r.end
            );
        }
        if r.start > covered {
            bail!(
                "careers {covered}..{} are missing: no partial result covers them (the next one, {}, starts at {}); is a shard missing?",
                r.start, p.dir.display(), r.start
            );
        }
        covered = r.end;
        previous = Some(p);
    }
    if covered != reference.total_careers {
        bail!(
            "careers {covered}..{} are missing: no partial result covers them (the last one given is {}); is a shard missing?",
            reference.total_careers,
            previous.map(|q| q.dir.display().to_string()).unwrap_or_default()
        );
    }
    // The scenario, rebuilt from the text and overrides the shards ran, must match them all.
    let first = &partials[0];
    let overrides = first
        .manifest
        .overrides
        .iter()
        .map(StoredOverride::to_override)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|m| anyhow::anyhow!("{}: {MANIFEST}: {m}", first.dir.display()))?;
    let scenario = scenario::parse(&first.text, &first.manifest.scenario_file, &overrides)
        .with_context(|| {
            format!(
                "{}: its {SCENARIO} no longer validates",
                first.dir.display()
            )
        })?;
    for p in &partials {
        if p.text != first.text || p.manifest.overrides != first.manifest.overrides {
            bail!(
                "{}: its scenario text or overrides differ from {}'s although the fingerprints agree; merge shards of one run command",
                p.dir.display(),
                first.dir.display()
            );
        }
    }
    if scenario.fingerprint() != reference.scenario_fingerprint {
        bail!(
            "{}: its {SCENARIO} resolves to fingerprint {}, not the manifest's {}",
            first.dir.display(),
            scenario.fingerprint(),
            reference.scenario_fingerprint
        );
    }
    let mut tally = Tally::for_scenario(&scenario);
    for p in &partials {
        let t = &p.tally;
        if t.worked.len() != tally.worked.len()
            || t.cohort_failures.len() != tally.cohort_failures.len()
        {
            bail!(
                "{}: {TALLY} does not fit the scenario ({} months, cohorts of {})",
                p.dir.display(),
                scenario.months,
                scenario.cohort_size
            );
        }
        tally.merge(t);
    }
    Ok((scenario, tally))
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let text = include_str!("../scenarios/numbers-game.toml").to_string();
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
