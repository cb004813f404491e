//! `--shard` and `merge` for company scenarios: replicates (independent companies) are split
//! into contiguous blocks, each shard writes the [`ReplicateSummary`]s of its block, and
//! `merge` concatenates them in replicate order and writes what a single run writes.
//!
//! Why the merge is byte-identical: a replicate depends only on (scenario, seed, replicate
//! index), every file is computed from the list of replicate summaries in replicate order, and
//! summaries travel as JSON whose floats read back exactly (serde_json's `float_roundtrip`).
//! The shard folder layout mirrors the followed-career partials (`crate::shard`): a manifest,
//! the data, and the scenario text, re-parsed and fingerprint-checked at merge time.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::report::ReplicateSummary;
use crate::export::charts::ChartSet;
use crate::export::OutputDir;
use crate::scenario::{self, Override, Scenario};
use crate::shard::{Shard, StoredOverride};

/// Marks a company partial; `merge` looks for it to tell the two kinds apart.
pub const COMPANY_PARTIAL: &str = "company-partial.json";
const SCENARIO: &str = "scenario.toml";
/// Version of the company partial format.
const FORMAT: u32 = 1;

/// A company shard: which study, which replicates, and their summaries.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CompanyPartial {
    format: u32,
    mlm_sim_version: String,
    scenario_file: String,
    scenario_fingerprint: String,
    overrides: Vec<StoredOverride>,
    replicates_start: u64,
    replicates_end: u64,
    total_replicates: u64,
    summaries: Vec<ReplicateSummary>,
}

/// The replicates of `shard` among `total`, split as evenly as possible.
pub fn replicates(shard: Shard, total: u64) -> std::ops::Range<u64> {
    shard.careers(total, 1)
}

/// True when `dir` holds a company partial.
pub fn is_company_partial(dir: &Path) -> bool {
    dir.join(COMPANY_PARTIAL).is_file()
}

/// Simulate the replicates of `shard` and write the partial into `dir`.
pub fn run_shard(
    s: &Scenario,
    text: &str,
    overrides: &[Override],
    shard: Shard,
    dir: &Path,
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<PathBuf> {
    let c = s.company.as_ref().context("not a company scenario")?;
    super::output::check_memory(s)?;
    let range = replicates(shard, c.replicates);
    let summaries = super::output::simulate(s, range.clone(), cancel)?;
    let partial = CompanyPartial {
        format: FORMAT,
        mlm_sim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_file: s.file.clone(),
        scenario_fingerprint: s.fingerprint(),
        overrides: overrides
            .iter()
            .map(StoredOverride::from_override)
            .collect(),
        replicates_start: range.start,
        replicates_end: range.end,
        total_replicates: c.replicates,
        summaries,
    };
    let out = OutputDir::create(dir)?;
    out.write(SCENARIO, text.as_bytes())?;
    out.write(COMPANY_PARTIAL, &serde_json::to_vec(&partial)?)?;
    out.commit()
}

fn read(dir: &Path) -> Result<(CompanyPartial, String)> {
    let d = dir.display();
    let bytes = fs::read(dir.join(COMPANY_PARTIAL))
        .with_context(|| format!("{d}: cannot read {COMPANY_PARTIAL}"))?;
    let p: CompanyPartial = serde_json::from_slice(&bytes)
        .with_context(|| format!("{d}: {COMPANY_PARTIAL} is damaged or from another program"))?;
    if p.format != FORMAT {
        bail!(
            "{d}: company partial format {} is not supported (this mlm-sim reads {FORMAT})",
            p.format
        );
    }
    if p.summaries.len() as u64 != p.replicates_end.saturating_sub(p.replicates_start) {
        bail!(
            "{d}: the replicate range {}..{} does not match its {} summaries",
            p.replicates_start,
            p.replicates_end,
            p.summaries.len()
        );
    }
    let text = fs::read_to_string(dir.join(SCENARIO))
        .with_context(|| format!("{d}: cannot read {SCENARIO}"))?;
    Ok((p, text))
}

/// Check that the partials in `dirs` are the shards of one company study covering every
/// replicate once, and write the single run's files into `<out>/<slug>/`.
pub fn merge(dirs: &[PathBuf], out: &Path, charts: Option<&ChartSet>, quiet: bool) -> Result<()> {
    let mut parts = dirs
        .iter()
        .map(|d| read(d).map(|(p, t)| (d.clone(), p, t)))
        .collect::<Result<Vec<_>>>()?;
    let version = env!("CARGO_PKG_VERSION");
    let Some((first_dir, first, text)) = parts.first().cloned() else {
        bail!("no partial results given to merge");
    };
    for (d, p, t) in &parts {
        let d = d.display();
        if p.mlm_sim_version != version {
            bail!(
                "{d}: simulated by mlm-sim {}, but this is mlm-sim {version}",
                p.mlm_sim_version
            );
        }
        if p.scenario_fingerprint != first.scenario_fingerprint
            || *t != text
            || p.overrides != first.overrides
        {
            bail!(
                "{d}: not the same study as {} (scenario, overrides or fingerprint differ)",
                first_dir.display()
            );
        }
    }
    parts.sort_by_key(|(_, p, _)| p.replicates_start);
    let mut covered = 0;
    for (d, p, _) in &parts {
        if p.replicates_start != covered {
            bail!(
                "{}: replicates {}..{} do not follow the ones before (covered up to {covered}); is a shard missing or given twice?",
                d.display(), p.replicates_start, p.replicates_end
            );
        }
        covered = p.replicates_end;
    }
    if covered != first.total_replicates {
        bail!(
            "replicates {covered}..{} are missing; is a shard missing?",
            first.total_replicates
        );
    }
    let overrides = first
        .overrides
        .iter()
        .map(StoredOverride::to_override)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|m| anyhow::anyhow!("{}: {m}", first_dir.display()))?;
    let s = scenario::parse(&text, &first.scenario_file, &overrides).with_context(|| {
        format!(
            "{}: its {SCENARIO} no longer validates",
            first_dir.display()
        )
    })?;
    if s.fingerprint() != first.scenario_fingerprint {
        bail!(
            "{}: the scenario resolves to another fingerprint than its shards ran",
            first_dir.display()
        );
    }
    let summaries: Vec<ReplicateSummary> = parts
        .into_iter()
        .flat_map(|(_, p, _)| p.summaries)
        .collect();
    let dir = OutputDir::create(&out.join(s.slug()))?;
    let dir = super::output::write_files(&s, &summaries, dir, charts)?;
    if !quiet {
        print!("{}", super::output::text_summary(&s, &summaries));
        println!("  Results in        {}\n", dir.display());
    }
    Ok(())
}
