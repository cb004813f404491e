//! Partial results: the files one shard writes (manifest, tally, scenario text), reading them
//! back, and merging the shards of one study into one tally.

use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::{Shard, FORMAT, MANIFEST, SCENARIO, TALLY};
use crate::export::OutputDir;
use crate::input::{
    read_capped, read_text_capped, MAX_MANIFEST_BYTES, MAX_SCENARIO_BYTES, MAX_TALLY_BYTES,
};
use crate::scenario::{self, Override, Scenario};
use crate::stats::Tally;

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
    /// [`checksum`] of `tally.json` and `scenario.toml` as written, so that `merge` notices a
    /// damaged or edited partial. Empty until [`write_partial`] fills it in.
    pub checksum: String,
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
            checksum: String::new(),
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
    let text = read_text_capped(path, MAX_SCENARIO_BYTES, "scenario")?;
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
    let tally_bytes = serde_json::to_vec(tally)?;
    let manifest = Manifest {
        checksum: checksum(&tally_bytes, text.as_bytes()),
        ..manifest.clone()
    };
    out.write(SCENARIO, text.as_bytes())?;
    out.write(TALLY, &tally_bytes)?;
    let mut m = serde_json::to_vec_pretty(&manifest)?;
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
    let manifest_bytes = read_capped(&dir.join(MANIFEST), MAX_MANIFEST_BYTES, "manifest")
        .with_context(|| {
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
    let tally_bytes = read_capped(&dir.join(TALLY), MAX_TALLY_BYTES, "tally")
        .with_context(|| format!("{d}: cannot read {TALLY}"))?;
    let text = read_text_capped(&dir.join(SCENARIO), MAX_SCENARIO_BYTES, "scenario copy")
        .with_context(|| format!("{d}: cannot read {SCENARIO}"))?;
    let sum = checksum(&tally_bytes, text.as_bytes());
    if sum != manifest.checksum {
        bail!(
            "{d}: {TALLY} or {SCENARIO} does not match the checksum in {MANIFEST} ({sum} instead \
             of {}): the partial was damaged or edited after `mlm-sim run --shard` wrote it; \
             run that shard again",
            manifest.checksum
        );
    }
    let tally: Tally =
        serde_json::from_slice(&tally_bytes).with_context(|| format!("{d}: {TALLY} is damaged"))?;
    tally
        .check_consistency()
        .map_err(|e| anyhow::anyhow!("{d}: {TALLY} contradicts itself: {e}"))?;
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
        tally
            .try_merge(t)
            .map_err(|e| anyhow::anyhow!("{}: {TALLY} cannot be added: {e}", p.dir.display()))?;
    }
    Ok((scenario, tally))
}

/// The checksum of a partial's tally and scenario copy: 64-bit FNV-1a over the tally's bytes,
/// a zero byte, and the scenario's bytes, as 16 hex digits. It detects damage and hand edits,
/// not forgery (anyone can recompute it), which is what a merge needs to trust its inputs.
pub fn checksum(tally: &[u8], scenario: &[u8]) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    for b in tally.iter().chain(&[0u8]).chain(scenario) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(PRIME);
    }
    format!("fnv1a64:{h:016x}")
}
