//! `run` (one process or one shard of a cluster job) and `merge`.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::{bail, Result};
use clap::Args;

use mlm_sim::engine;
use mlm_sim::export::csv::CareersCsv;
use mlm_sim::export::staging::write_failed;
use mlm_sim::export::{self, unique_slugs, ExportOptions, Input, OutputDir};
use mlm_sim::model::Model;
use mlm_sim::outcome::CareerOutcome;
use mlm_sim::scenario::Scenario;
use mlm_sim::shard;
use mlm_sim::stats::Tally;
use mlm_sim::study::precision;
use mlm_sim::summary::Summary;
use mlm_sim::world;

use super::context::{
    display_path, explain_interruption, install_signal_handlers, pause_point, print_out,
    report_cleaned, stop_if_cancelled, write_staged, RunContext,
};
use super::flags::{ChartFlags, OutFlags, ScenarioFlags, SimFlags};

/// `mlm-sim run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files (TOML).
    #[arg(required = true, value_name = "SCENARIO.toml")]
    pub scenarios: Vec<PathBuf>,
    #[command(flatten)]
    pub flags: ScenarioFlags,
    #[command(flatten)]
    pub sim: SimFlags,
    #[command(flatten)]
    pub out: OutFlags,
    /// Simulate only shard K of N (contiguous, cohort-aligned blocks of careers) and write a
    /// partial result to `<out>/<slug>.shard-K-of-N/` for `mlm-sim merge`. `auto` reads
    /// Slurm array or Kubernetes Indexed Job variables (see docs/cluster.md).
    #[arg(long, value_name = "K/N|auto")]
    pub shard: Option<String>,
    #[command(flatten)]
    pub charts: ChartFlags,
    /// Also write careers.csv: one row per followed career (large: ~200 bytes a career).
    #[arg(long)]
    pub careers_csv: bool,
    /// Stop adding careers once the failure rate's 95% interval is narrower than ± this share
    /// (e.g. 0.005 = ±0.5 points); `--careers` is the cap. Reproducible: the result equals a
    /// plain run with the number of careers it took.
    #[arg(long, value_name = "HALF_WIDTH", value_parser = precision::parse_precision, conflicts_with_all = ["shard", "careers_csv"])]
    pub precision: Option<f64>,
}

/// `mlm-sim merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Partial-result folders written by `run --shard`, one per shard.
    #[arg(required = true, value_name = "PARTIAL_DIR")]
    pub partials: Vec<PathBuf>,
    #[command(flatten)]
    pub out: OutFlags,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub charts: ChartFlags,
}

/// Run `mlm-sim run`.
pub fn run(args: RunArgs) -> Result<()> {
    if let Some(spec) = &args.shard {
        if args.careers_csv {
            bail!(
                "--careers-csv cannot be combined with --shard: write careers.csv from a \
                 single (unsharded) run"
            );
        }
        let shard = shard::Shard::parse(spec, &|k| std::env::var(k).ok())?;
        return run_shard(&args, shard);
    }
    let scenarios = args.flags.load(&args.scenarios)?;
    let ctx = RunContext::new(&args.sim)?;
    ctx.check_work(&scenarios)?;
    // A company too big for memory is refused before any work.
    for s in &scenarios {
        world::output::check_memory(s)?;
        if s.company.is_some() && args.precision.is_some() {
            bail!(
                "{}: --precision applies to followed careers, not to a company scenario (set \
                 company.replicates)",
                s.file
            );
        }
    }
    let options = args.charts.export_options();
    // Prepare every output folder before any work, so a bad path fails at once.
    let inputs = Input::all(&args.scenarios);
    let outputs = unique_slugs(&scenarios)
        .iter()
        .map(|slug| OutputDir::create_guarded(&args.out.out.join(slug), &inputs))
        .collect::<Result<Vec<_>>>()?;
    for out in &outputs {
        report_cleaned(out.cleaned(), ctx.quiet);
    }
    let mut done: Vec<PathBuf> = Vec::new();
    for (scenario, out) in scenarios.iter().zip(outputs) {
        let what = format!("simulating \"{}\"", scenario.name);
        // A company scenario runs the company engine, which writes its own files.
        if scenario.company.is_some() {
            let dir = world::output::run_scenario(
                scenario,
                &ctx.pool,
                out,
                ctx.quiet,
                ctx.cancel,
                options.charts.as_ref(),
                args.careers_csv,
            )
            .map_err(|e| explain_interruption(e, &what, &done))?;
            done.push(dir);
            continue;
        }
        let started = Instant::now();
        let simulated = if args.careers_csv {
            simulate_with_careers_csv(&ctx, scenario, &out).map(|t| (t, None))
        } else {
            ctx.simulate(scenario.careers, &scenario.name, |hooks| {
                precision::simulate_run(scenario, hooks, args.precision)
            })
            .map(|(t, stopped)| (t, Some(stopped)))
        };
        let (tally, stopped) = simulated.map_err(|e| explain_interruption(e, &what, &done))?;
        let elapsed = started.elapsed().as_secs_f64();
        // With --precision the result is that of a plain run with the careers it took.
        let mut scenario = scenario.clone();
        if let Some(stopped) = &stopped {
            scenario.careers = stopped.careers;
        }
        let summary = stage_results(&scenario, &tally, &out, &options, ctx.cancel)
            .map_err(|e| explain_interruption(e, &what, &done))?;
        // A signal after the last cohort: still not committed, so nothing changes.
        pause_point("commit");
        ctx.stop_if_signalled(&what, &done)?;
        let dir = out.commit()?;
        done.push(dir.clone());
        if !ctx.quiet {
            let mut text = summary.to_text();
            text.push_str(&format!(
                "  Took              {:.1} s ({} person-months/s)\n",
                elapsed,
                mlm_sim::fmt::thousands(tally.person_months as f64 / elapsed.max(1e-9), 0)
            ));
            if let Some(p) = stopped.and_then(|s| s.describe("failure rate")) {
                text.push_str(&format!("  Precision         {p}\n"));
            }
            text.push_str(&format!("  Results in        {}\n\n", display_path(&dir)));
            print_out(&text)?;
        }
    }
    Ok(())
}

/// Simulate every career of `scenario` and also stream one row per career into
/// `careers.csv` in the staging folder of `out`, in career-index order, a block at a time
/// (memory stays flat).
fn simulate_with_careers_csv(
    ctx: &RunContext,
    scenario: &Scenario,
    out: &OutputDir,
) -> Result<Tally> {
    let model = Model::new(scenario);
    let name = CareersCsv::<std::fs::File>::FILE_NAME;
    let shown = out.final_path().join(name);
    let cannot = |e: std::io::Error| {
        write_failed(
            e,
            format!(
                "cannot write {} (disk full or no permission?)",
                shown.display()
            ),
        )
    };
    let file = std::fs::File::create(out.staging_path().join(name)).map_err(cannot)?;
    let mut table = CareersCsv::new(
        std::io::BufWriter::new(file),
        &model.varying_ids(),
        scenario.kinds.is_some(),
    )
    .map_err(|e| cannot(std::io::Error::other(e)))?;
    let mut sink = |records: &[CareerOutcome]| {
        table.write(records).map_err(std::io::Error::other)?;
        pause_point("careers-csv");
        Ok(())
    };
    let tally = ctx
        .simulate(scenario.careers, &scenario.name, |hooks| {
            engine::run_with_records(scenario, &model, 0..scenario.careers, hooks, &mut sink)
        })
        .map_err(cannot)??;
    table
        .finish()
        .map_err(std::io::Error::other)
        .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
        .map_err(cannot)?;
    Ok(tally)
}

/// Render every result file of `scenario`'s `tally` into the staging folder of `out`
/// (nothing is visible until the folder is committed).
///
/// `run` and `merge` both end here, which is why a merged study's files are byte-identical to
/// a single run's: the same (scenario, tally) goes through the same exporters. Stops with
/// [`engine::Interrupted`] between files once `cancel` is set.
fn stage_results(
    scenario: &Scenario,
    tally: &Tally,
    out: &OutputDir,
    options: &ExportOptions,
    cancel: &AtomicBool,
) -> Result<Summary> {
    let summary = Summary::new(scenario, tally);
    let files = export::render_results(&summary, options)?;
    write_staged(
        out,
        files.iter().map(|f| (f.name.as_str(), f.bytes.as_slice())),
        cancel,
    )?;
    Ok(summary)
}

/// `run --shard`: simulate one shard of every scenario and write partial results.
fn run_shard(args: &RunArgs, shard: shard::Shard) -> Result<()> {
    let overrides = args.flags.overrides()?;
    let loaded = args
        .scenarios
        .iter()
        .map(|f| shard::load(f, &overrides))
        .collect::<Result<Vec<_>>>()?;
    let scenarios: Vec<Scenario> = loaded.iter().map(|l| l.scenario.clone()).collect();
    let ctx = RunContext::new(&args.sim)?;
    ctx.check_work(&scenarios)?;
    let dirs: Vec<PathBuf> = unique_slugs(&scenarios)
        .iter()
        .map(|slug| args.out.out.join(shard.dir_name(slug)))
        .collect();
    // Fail on an unusable output folder before any work.
    let inputs = Input::all(&args.scenarios);
    for dir in &dirs {
        let out = OutputDir::create_guarded(dir, &inputs)?;
        report_cleaned(out.cleaned(), ctx.quiet);
    }
    let mut done: Vec<PathBuf> = Vec::new();
    for (l, dir) in loaded.iter().zip(&dirs) {
        let what = format!("simulating shard {shard} of \"{}\"", l.scenario.name);
        // A company scenario's shards split its replicates.
        if l.scenario.company.is_some() {
            let sc = &l.scenario;
            let dir = ctx
                .pool
                .install(|| {
                    world::shard::run_shard(sc, &l.text, &overrides, shard, dir, ctx.cancel)
                })
                .map_err(|e| explain_interruption(e, &what, &done))?;
            if !ctx.quiet {
                print_out(&format!(
                    "{}: shard {shard} -> {}\n",
                    sc.name,
                    display_path(&dir)
                ))?;
            }
            done.push(dir);
            continue;
        }
        let manifest = shard::Manifest::new(&l.scenario, &overrides, shard);
        let careers = manifest.careers();
        let model = Model::new(&l.scenario);
        let tally = ctx
            .simulate(careers.end - careers.start, &l.scenario.name, |hooks| {
                engine::run(&l.scenario, &model, careers.clone(), hooks)
            })
            .map_err(|e| explain_interruption(e.into(), &what, &done))?;
        ctx.stop_if_signalled(&what, &done)?;
        let dir = shard::write_partial(dir, &manifest, &tally, &l.text)?;
        if !ctx.quiet {
            print_out(&format!(
                "{}: shard {shard}, careers {}..{} of {} -> {}\n",
                l.scenario.name,
                manifest.careers_start,
                manifest.careers_end,
                manifest.total_careers,
                display_path(&dir)
            ))?;
        }
        done.push(dir);
    }
    Ok(())
}

/// Run `mlm-sim merge`: check partial results, add them up, and write what a single run
/// would have.
pub fn merge(args: MergeArgs) -> Result<()> {
    let cancel = install_signal_handlers()?;
    if args
        .partials
        .iter()
        .any(|d| world::shard::is_company_partial(d))
    {
        let charts = args.charts.chart_set();
        return world::shard::merge(&args.partials, &args.out.out, charts.as_ref(), args.quiet);
    }
    let partials = args
        .partials
        .iter()
        .map(|d| shard::read_partial(d))
        .collect::<Result<Vec<_>>>()?;
    let (scenario, tally) = shard::merge(partials)?;
    let out = OutputDir::create_guarded(
        &args.out.out.join(scenario.slug()),
        &Input::all(&args.partials),
    )?;
    report_cleaned(out.cleaned(), args.quiet);
    let what = "merging";
    let summary = stage_results(
        &scenario,
        &tally,
        &out,
        &args.charts.export_options(),
        cancel,
    )
    .map_err(|e| explain_interruption(e, what, &[]))?;
    pause_point("merge");
    stop_if_cancelled(cancel, what, &[])?;
    let dir = out.commit()?;
    if !args.quiet {
        print_out(&format!(
            "{}  Results in        {}\n\n",
            summary.to_text(),
            display_path(&dir)
        ))?;
    }
    Ok(())
}
