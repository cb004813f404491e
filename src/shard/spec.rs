//! Which block of a study this process simulates: `--shard K/N`, or `auto` from the
//! environment of a cluster job array.

use std::fmt;
use std::ops::Range;

use anyhow::{bail, Context, Result};
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
