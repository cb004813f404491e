//! The command line: what was typed becomes validated settings, then work.
//!
//! Every scenario and override is validated before any simulation starts, and every output
//! folder is prepared before the first career runs, so a typo or an unwritable path fails in a
//! second rather than after an hour.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::charts::{self, ChartFormat, ChartSize};
use crate::engine::{self, Hooks};
use crate::export::charts::ChartSet;
use crate::export::csv::CareersCsv;
use crate::export::{self, ExportOptions, OutputDir};
use crate::model::estimate::{self, WorkEstimate, DEFAULT_MAX_WORK};
use crate::model::Model;
use crate::scenario::{self, Override, Scenario, PARAMS};
use crate::shard;
use crate::summary::{self, Summary};

/// Exit status for bad input (scenario files, flags).
pub const EXIT_BAD_INPUT: u8 = 2;

/// Monte Carlo simulator of network-marketing (MLM) careers: failure rates, survival, income,
/// and why careers end.
#[derive(Debug, Parser)]
#[command(name = "mlm-sim", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate careers for one or more scenarios and write the results.
    Run(RunArgs),
    /// Validate scenarios and print every resolved parameter.
    Check(CheckArgs),
    /// Merge the partial results of `run --shard` into the result of a single run.
    Merge(MergeArgs),
    /// Fit scenario keys to published outcome figures (Nelder-Mead, common random numbers).
    Calibrate(CalibrateArgs),
    /// Run the built-in validation suite (closed-form checks, determinism, calibration
    /// targets) and print a pass/fail table; exits non-zero if any check fails.
    Validate(ValidateArgs),
    /// Compare scenarios on the same careers: side-by-side metrics, paired differences with
    /// 95% intervals, overlay charts and report.html.
    Compare(crate::study::compare::CompareArgs),
    /// Run a scenario at several values of one or two keys (same careers at every point).
    Sweep(crate::study::sweep::SweepArgs),
    /// Move each pitfall lever down and up and rank them by their effect (tornado chart).
    Sensitivity(crate::study::sensitivity::SensitivityArgs),
}

/// Flags that change a scenario (shared by every command that reads one).
#[derive(Debug, Args, Clone, Default)]
pub struct ScenarioFlags {
    /// Number of followed careers (overrides `careers`).
    #[arg(long, value_name = "N")]
    careers: Option<u64>,
    /// Horizon in months (overrides `months`).
    #[arg(long, value_name = "N")]
    months: Option<u64>,
    /// Master seed (overrides `seed`).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Override any scenario key, e.g. `--set prospecting.join_probability=0.05` or
    /// `--set 'rejection.sting={ beta = [2, 20] }'`. Repeatable; validated like the file.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

impl ScenarioFlags {
    /// The overrides these flags stand for, in the order they apply.
    pub fn overrides(&self) -> Result<Vec<Override>> {
        let mut out = Vec::new();
        for (key, v) in [
            ("careers", self.careers),
            ("months", self.months),
            ("seed", self.seed),
        ] {
            if let Some(v) = v {
                if v > i64::MAX as u64 {
                    bail!("--{key} {v} is too large (at most {})", i64::MAX);
                }
                out.push(Override {
                    path: key.to_string(),
                    value: toml_edit::Value::from(v as i64),
                    text: format!("--{key} {v}"),
                });
            }
        }
        for s in &self.set {
            out.push(Override::parse(s).map_err(|m| anyhow::anyhow!("--set {m}"))?);
        }
        Ok(out)
    }

    /// Load and validate every scenario file.
    pub fn load(&self, files: &[PathBuf]) -> Result<Vec<Scenario>> {
        let overrides = self.overrides()?;
        files
            .iter()
            .map(|f| scenario::load(f, &overrides).map_err(anyhow::Error::from))
            .collect()
    }
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Scenario files (TOML).
    #[arg(required = true, value_name = "SCENARIO.toml")]
    scenarios: Vec<PathBuf>,
    #[command(flatten)]
    flags: ScenarioFlags,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Folder for results; each scenario writes `<out>/<scenario-slug>/`.
    #[arg(long, value_name = "DIR", default_value = "output")]
    out: PathBuf,
    /// Print nothing but errors; no progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Refuse to start when a scenario is expected to simulate more than this many
    /// person-months (downline included), e.g. `--max-work 1e12`.
    #[arg(long, value_name = "PERSON_MONTHS", default_value_t = DEFAULT_MAX_WORK, value_parser = parse_max_work)]
    max_work: f64,
    /// Simulate only shard K of N (contiguous, cohort-aligned blocks of careers) and write a
    /// partial result to `<out>/<slug>.shard-K-of-N/` for `mlm-sim merge`. `auto` reads
    /// Slurm array or Kubernetes Indexed Job variables (see docs/cluster.md).
    #[arg(long, value_name = "K/N|auto")]
    shard: Option<String>,
    #[command(flatten)]
    charts: ChartFlags,
    /// Also write careers.csv: one row per followed career (large: ~200 bytes a career).
    #[arg(long)]
    careers_csv: bool,
    /// Stop adding careers once the failure rate's 95% interval is narrower than ± this share
    /// (e.g. 0.005 = ±0.5 points); `--careers` is the cap. Reproducible: the result equals a
    /// plain run with the number of careers it took.
    #[arg(long, value_name = "HALF_WIDTH", value_parser = crate::study::precision::parse_precision, conflicts_with_all = ["shard", "careers_csv"])]
    precision: Option<f64>,
}

impl RunArgs {
    /// The export settings these flags stand for.
    fn export_options(&self) -> ExportOptions {
        self.charts.export_options()
    }
}

/// Chart flags shared by every command that draws charts.
#[derive(Debug, Args, Clone)]
pub struct ChartFlags {
    /// Chart image formats, comma-separated.
    #[arg(
        long = "format",
        value_name = "FORMATS",
        value_delimiter = ',',
        default_value = "png,svg",
        value_parser = parse_chart_format
    )]
    formats: Vec<ChartFormat>,
    /// Chart size in pixels, WIDTHxHEIGHT (the SVG viewport too).
    #[arg(long, value_name = "WxH", default_value = "1600x900", value_parser = parse_chart_size)]
    chart_size: ChartSize,
    /// Write no chart files (the report then has no charts either).
    #[arg(long)]
    no_charts: bool,
}

impl ChartFlags {
    /// The charts to draw, or `None` with `--no-charts`.
    pub fn chart_set(&self) -> Option<ChartSet> {
        // Each format once, in the order given (`png,svg,png` writes each file once).
        let mut formats: Vec<ChartFormat> = Vec::new();
        for f in &self.formats {
            if !formats.contains(f) {
                formats.push(*f);
            }
        }
        (!self.no_charts).then_some(ChartSet {
            formats,
            size: self.chart_size,
        })
    }

    /// The export settings these flags stand for.
    pub fn export_options(&self) -> ExportOptions {
        ExportOptions {
            charts: self.chart_set(),
        }
    }
}

/// `--format` values: `png` or `svg`.
fn parse_chart_format(s: &str) -> Result<ChartFormat, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "png" => Ok(ChartFormat::Png),
        "svg" => Ok(ChartFormat::Svg),
        _ => Err("allowed chart formats are png and svg (e.g. --format png,svg)".into()),
    }
}

/// Largest chart side accepted, in pixels: a PNG canvas this size takes ~200 MB of memory.
const MAX_CHART_SIDE: u32 = 8000;

/// `--chart-size` values: `WIDTHxHEIGHT` within the sizes the chart layout supports.
fn parse_chart_size(s: &str) -> Result<ChartSize, String> {
    let (min_w, min_h) = (charts::style::MIN_WIDTH, charts::style::MIN_HEIGHT);
    let expected = format!(
        "expected WIDTHxHEIGHT in pixels, from {min_w}x{min_h} to \
         {MAX_CHART_SIDE}x{MAX_CHART_SIDE}, e.g. 1600x900"
    );
    let (w, h) = s
        .trim()
        .split_once(['x', 'X'])
        .ok_or_else(|| expected.clone())?;
    let (Ok(w), Ok(h)) = (w.trim().parse::<u32>(), h.trim().parse::<u32>()) else {
        return Err(expected);
    };
    if w < min_w || h < min_h || w > MAX_CHART_SIDE || h > MAX_CHART_SIDE {
        return Err(expected);
    }
    Ok(ChartSize::new(w, h))
}

/// `--max-work`: a positive, finite number, written as an integer or like `1e12`.
fn parse_max_work(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!(
            "`{text}` is not a positive number of person-months (e.g. 1e12)"
        )),
    }
}

#[derive(Debug, Args)]
struct MergeArgs {
    /// Partial-result folders written by `run --shard`, one per shard.
    #[arg(required = true, value_name = "PARTIAL_DIR")]
    partials: Vec<PathBuf>,
    /// Folder for results; writes `<out>/<scenario-slug>/`, as `run` does.
    #[arg(long, value_name = "DIR", default_value = "output")]
    out: PathBuf,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    charts: ChartFlags,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Scenario files (TOML).
    #[arg(required = true, value_name = "SCENARIO.toml")]
    scenarios: Vec<PathBuf>,
    #[command(flatten)]
    flags: ScenarioFlags,
}

#[derive(Debug, Args)]
struct CalibrateArgs {
    /// Scenario file (TOML) to fit; its comments are kept in the fitted copy.
    #[arg(value_name = "SCENARIO.toml")]
    scenario: PathBuf,
    /// Targets file: outcome figures with tolerances, and the keys that may move.
    #[arg(long, value_name = "TARGETS.toml")]
    targets: PathBuf,
    /// Careers per evaluation (default: the targets file's `careers`, else 4000).
    #[arg(long, value_name = "N")]
    careers: Option<u64>,
    /// Largest number of simulations the optimiser may run.
    #[arg(long, value_name = "N", default_value_t = 150)]
    max_evaluations: usize,
    /// Where to write the fitted scenario (default: `<scenario>.fitted.toml` beside it).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Override any scenario key before fitting (as in `run`). Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

#[derive(Debug, Args)]
struct ValidateArgs {
    /// Replace the built-in calibration targets for `typical` (scenarios/targets/aarp-2018.toml)
    /// with this file. Meant for testing that a wrong target makes validation fail.
    #[arg(long, value_name = "TARGETS.toml")]
    targets: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

/// Run the command line `cli`.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run(args) => run_command(args),
        Command::Check(args) => check_command(args),
        Command::Merge(args) => merge_command(args),
        Command::Calibrate(args) => calibrate_command(args),
        Command::Validate(args) => validate_command(args),
        Command::Compare(args) => crate::study::compare::command(args),
        Command::Sweep(args) => crate::study::sweep::command(args),
        Command::Sensitivity(args) => crate::study::sensitivity::command(args),
    }
}

fn calibrate_command(args: CalibrateArgs) -> Result<()> {
    let overrides = args
        .set
        .iter()
        .map(|s| Override::parse(s).map_err(|m| anyhow::anyhow!("--set {m}")))
        .collect::<Result<Vec<_>>>()?;
    let pool = thread_pool(args.threads)?;
    let req = crate::calibrate::Request {
        scenario: args.scenario,
        targets: args.targets,
        careers: args.careers,
        max_evaluations: args.max_evaluations,
        out: args.out,
        overrides,
    };
    pool.install(|| crate::calibrate::command(&req))
}

fn validate_command(args: ValidateArgs) -> Result<()> {
    let pool = thread_pool(args.threads)?;
    let report = pool.install(|| crate::validate::run_suite(args.targets.as_deref()))?;
    print!("{}", report.to_text());
    if report.all_passed() {
        Ok(())
    } else {
        Err(crate::validate::ChecksFailed(report.failed()).into())
    }
}

/// A rayon pool with `threads` workers (all cores when `None`).
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        if n == 0 || n > 4096 {
            bail!("--threads must be between 1 and 4096, got {n}");
        }
        b = b.num_threads(n);
    }
    b.build().context("cannot start worker threads")
}

/// Output folder names for `scenarios`, made unique when two share a slug.
pub fn unique_slugs(scenarios: &[Scenario]) -> Vec<String> {
    let mut used: Vec<String> = Vec::new();
    for s in scenarios {
        let base = s.slug();
        let mut slug = base.clone();
        let mut n = 2;
        while used.contains(&slug) {
            slug = format!("{base}-{n}");
            n += 1;
        }
        used.push(slug);
    }
    used
}

/// A progress bar on stderr, or a hidden one when quiet or stderr is not a terminal.
pub fn progress_bar(total: u64, quiet: bool, label: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{prefix} [{bar:40}] {human_pos}/{human_len} careers ({per_sec}, {eta} left)",
    ) {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_prefix(label.to_string());
    pb
}

/// Simulate all careers of `scenario` on `pool`, with a progress bar.
pub fn simulate(
    scenario: &Scenario,
    pool: &rayon::ThreadPool,
    quiet: bool,
    cancel: &AtomicBool,
) -> Result<crate::stats::Tally> {
    simulate_careers(scenario, 0..scenario.careers, pool, quiet, cancel)
}

/// Simulate the careers `careers` (starting on a cohort boundary) of `scenario` on `pool`,
/// with a progress bar.
pub fn simulate_careers(
    scenario: &Scenario,
    careers: std::ops::Range<u64>,
    pool: &rayon::ThreadPool,
    quiet: bool,
    cancel: &AtomicBool,
) -> Result<crate::stats::Tally> {
    let model = Model::new(scenario);
    let pb = progress_bar(careers.end - careers.start, quiet, &scenario.name);
    let progress = |n: u64| pb.inc(n);
    let hooks = Hooks {
        progress: &progress,
        cancel,
    };
    let tally = pool.install(|| engine::run(scenario, &model, careers, &hooks))?;
    pb.finish_and_clear();
    Ok(tally)
}

/// Like [`simulate`], and also stream one row per career into `careers.csv` in the staging
/// folder of `out`, in career-index order, a block at a time (memory stays flat).
pub fn simulate_with_careers_csv(
    scenario: &Scenario,
    pool: &rayon::ThreadPool,
    quiet: bool,
    cancel: &AtomicBool,
    out: &OutputDir,
) -> Result<crate::stats::Tally> {
    let model = Model::new(scenario);
    let name = CareersCsv::<std::fs::File>::FILE_NAME;
    let shown = out.final_path().join(name);
    let cannot = || {
        format!(
            "cannot write {} (disk full or no permission?)",
            shown.display()
        )
    };
    let file = std::fs::File::create(out.staging_path().join(name)).with_context(cannot)?;
    let mut table = CareersCsv::new(std::io::BufWriter::new(file), &model.varying_ids())
        .with_context(cannot)?;
    let pb = progress_bar(scenario.careers, quiet, &scenario.name);
    let progress = |n: u64| pb.inc(n);
    let hooks = Hooks {
        progress: &progress,
        cancel,
    };
    let mut sink = |records: &[crate::model::CareerOutcome]| {
        table.write(records).map_err(std::io::Error::other)
    };
    let tally = pool
        .install(|| {
            engine::run_with_records(scenario, &model, 0..scenario.careers, &hooks, &mut sink)
        })
        .with_context(cannot)??;
    table
        .finish()
        .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
        .with_context(cannot)?;
    pb.finish_and_clear();
    Ok(tally)
}

/// Refuse any scenario expected to simulate more than `max_work` person-months, naming the
/// keys that drive the estimate and the flag that raises the limit.
pub fn check_work(scenarios: &[Scenario], max_work: f64) -> Result<()> {
    for s in scenarios {
        let w = estimate::expected_work(s);
        if w.person_months > max_work {
            bail!("{}", work_refusal(s, &w, max_work));
        }
    }
    Ok(())
}

/// The message for a scenario whose expected work is above `--max-work`.
fn work_refusal(s: &Scenario, w: &WorkEstimate, max_work: f64) -> String {
    let levels: Vec<String> = w
        .people_per_level
        .iter()
        .enumerate()
        .map(|(l, n)| format!("level {l}: {}", approx(*n)))
        .collect();
    format!(
        "scenario {} (\"{}\") is expected to simulate about {} person-months, above the limit of {} \
         (--max-work). Each distributor recruits about {} people (R), and the downline is \
         simulated {} level(s) deep, so one followed career is about {} people ({}) and {} \
         person-months; times {} careers. The work grows with `careers`, `months`, \
         `downline.depth` (as R^depth), `prospecting.contacts_per_month`, \
         `prospecting.follow_through`, `prospecting.join_probability` and `training.*` (through \
         R). Lower one of them, or raise the limit with --max-work {} if you mean it \
         (see \"Limits and work estimate\" in docs/model.md).",
        s.file,
        s.name,
        approx(w.person_months),
        approx(max_work),
        approx(w.recruits_per_person),
        s.depth,
        approx(w.people_per_career()),
        levels.join(", "),
        approx(w.person_months_per_career),
        summary::group(s.careers as f64, 0),
        if w.person_months.is_finite() {
            format!("{:.0e}", (w.person_months * 1.5).max(1.0))
        } else {
            "<N>".to_string()
        },
    )
}

/// A large number readably: grouped digits below a million, scientific notation above.
fn approx(x: f64) -> String {
    if !x.is_finite() {
        "more than 10^308".to_string()
    } else if x < 1e6 {
        summary::group(x, if x < 10.0 { 1 } else { 0 })
    } else {
        format!("{x:.1e}")
    }
}

/// Which signal stopped the run (0 = none yet); set from the signal handler.
static STOP_SIGNAL: AtomicUsize = AtomicUsize::new(0);
/// Set by SIGINT or SIGTERM; the engine checks it between cohorts.
static CANCEL: AtomicBool = AtomicBool::new(false);

/// The run was stopped by a signal; carries what a user needs to know.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoppedBySignal {
    /// The signal number (SIGINT = 2, SIGTERM = 15).
    pub signal: i32,
    /// What was and was not written.
    pub message: String,
}

impl StoppedBySignal {
    /// The conventional exit status: 128 + the signal number (130 for Ctrl-C, 143 for SIGTERM).
    pub fn exit_code(&self) -> u8 {
        (128 + self.signal).clamp(0, 255) as u8
    }
}

/// Route SIGINT (Ctrl-C) and SIGTERM to the cancel flag, once per process, so the engine stops
/// between cohorts and output staging folders are removed as the run unwinds. A second signal
/// while stopping exits at once (128 + signal), in case something hangs.
pub fn install_signal_handlers() -> Result<&'static AtomicBool> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    static INSTALLED: std::sync::OnceLock<std::result::Result<(), String>> =
        std::sync::OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            for sig in [SIGINT, SIGTERM] {
                // Order matters: the shutdown check must see the flag before this signal sets it.
                signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, &CANCEL)
                    .and_then(|_| {
                        signal_hook::flag::register_usize(sig, &STOP_SIGNAL, sig as usize)
                    })
                    .and_then(|_| signal_hook::flag::register(sig, &CANCEL))
                    .map_err(|e| format!("cannot install the handler for signal {sig}: {e}"))?;
            }
            Ok(())
        })
        .clone()
        .map_err(anyhow::Error::msg)?;
    Ok(&CANCEL)
}

/// Turn an [`engine::Interrupted`] into a [`StoppedBySignal`] naming the signal and saying
/// what was kept; other errors pass through.
fn explain_interruption(err: anyhow::Error, current: &Scenario, done: &[PathBuf]) -> anyhow::Error {
    if err.downcast_ref::<engine::Interrupted>().is_none() {
        return err;
    }
    let signal = STOP_SIGNAL.load(Ordering::SeqCst) as i32;
    let name = match signal {
        signal_hook::consts::SIGTERM => "SIGTERM",
        _ => "SIGINT (Ctrl-C)",
    };
    let mut message = format!(
        "interrupted by {name} while simulating \"{}\": its results were not written and any \
         earlier results in its folder are untouched",
        current.name
    );
    if !done.is_empty() {
        let paths: Vec<String> = done.iter().map(|p| display_path(p)).collect();
        message.push_str(&format!(
            "; complete results of this run are in {}",
            paths.join(", ")
        ));
    }
    StoppedBySignal {
        signal: if signal == 0 {
            signal_hook::consts::SIGINT
        } else {
            signal
        },
        message,
    }
    .into()
}

fn run_command(args: RunArgs) -> Result<()> {
    if let Some(spec) = &args.shard {
        if args.careers_csv {
            bail!(
                "--careers-csv cannot be combined with --shard: write careers.csv from a \
                 single (unsharded) run"
            );
        }
        let shard = shard::Shard::parse(spec, &|k| std::env::var(k).ok())?;
        return run_shard_command(&args, shard);
    }
    let scenarios = args.flags.load(&args.scenarios)?;
    check_work(&scenarios, args.max_work)?;
    // Company world (issue 11): refuse a company too big for memory before any work.
    for s in &scenarios {
        crate::world::output::check_memory(s)?;
        if s.company.is_some() && args.precision.is_some() {
            bail!("{}: --precision applies to followed careers, not to a company scenario (set company.replicates)", s.file);
        }
    }
    let options = args.export_options();
    let pool = thread_pool(args.threads)?;
    let slugs = unique_slugs(&scenarios);
    let cancel = install_signal_handlers()?;
    // Prepare every output folder before any work, so a bad path fails at once.
    let outputs = slugs
        .iter()
        .map(|slug| OutputDir::create(&args.out.join(slug)))
        .collect::<Result<Vec<_>>>()?;
    let mut done: Vec<PathBuf> = Vec::new();
    for (scenario, out) in scenarios.iter().zip(outputs) {
        // Company world (issue 11): a `kind = "company"` scenario runs the company engine,
        // which writes its own files (world::output).
        if scenario.company.is_some() {
            let dir = crate::world::output::run_scenario(
                scenario,
                &pool,
                out,
                args.quiet,
                cancel,
                options.charts.as_ref(),
                args.careers_csv,
            )
            .map_err(|e| explain_interruption(e, scenario, &done))?;
            done.push(dir);
            continue;
        }
        let started = Instant::now();
        let simulated = if args.careers_csv {
            simulate_with_careers_csv(scenario, &pool, args.quiet, cancel, &out).map(|t| (t, None))
        } else {
            crate::study::precision::simulate_run(
                scenario,
                &pool,
                args.quiet,
                cancel,
                args.precision,
            )
            .map(|(t, stopped)| (t, Some(stopped)))
        };
        let (tally, stopped) = simulated.map_err(|e| explain_interruption(e, scenario, &done))?;
        let elapsed = started.elapsed().as_secs_f64();
        // With --precision the result is that of a plain run with the careers it took.
        let mut scenario = scenario.clone();
        if let Some(stopped) = &stopped {
            scenario.careers = stopped.careers;
        }
        let scenario = &scenario;
        let summary = stage_results(scenario, &tally, &out, &options)?;
        if cancel.load(Ordering::SeqCst) {
            // Stopped after the last cohort: still not committed, so nothing changes.
            return Err(explain_interruption(
                engine::Interrupted.into(),
                scenario,
                &done,
            ));
        }
        let dir = out.commit()?;
        done.push(dir.clone());
        if !args.quiet {
            print!("{}", summary.to_text());
            println!(
                "  Took              {:.1} s ({} person-months/s)",
                elapsed,
                summary::group(tally.person_months as f64 / elapsed.max(1e-9), 0)
            );
            if let Some(p) = stopped.and_then(|s| s.describe("failure rate")) {
                println!("  Precision         {p}");
            }
            println!("  Results in        {}\n", display_path(&dir));
        }
    }
    Ok(())
}

/// Write every result file of `scenario`'s `tally` into `out` and commit the folder.
///
/// `run` and `merge` both end here, which is why a merged study's files are byte-identical to
/// a single run's: the same (scenario, tally) goes through the same exporters.
pub fn write_results(
    scenario: &Scenario,
    tally: &crate::stats::Tally,
    out: OutputDir,
    options: &ExportOptions,
) -> Result<(Summary, PathBuf)> {
    let summary = stage_results(scenario, tally, &out, options)?;
    let dir = out.commit()?;
    Ok((summary, dir))
}

/// Render every result file of `scenario`'s `tally` into the staging folder of `out`
/// (nothing is visible until the folder is committed).
pub fn stage_results(
    scenario: &Scenario,
    tally: &crate::stats::Tally,
    out: &OutputDir,
    options: &ExportOptions,
) -> Result<Summary> {
    let summary = Summary::new(scenario, tally);
    for exporter in export::standard_exporters(options) {
        let bytes = exporter.render(&summary)?;
        out.write(exporter.file_name(), &bytes)?;
    }
    Ok(summary)
}

/// `run --shard`: simulate one shard of every scenario and write partial results.
fn run_shard_command(args: &RunArgs, shard: shard::Shard) -> Result<()> {
    let overrides = args.flags.overrides()?;
    let loaded = args
        .scenarios
        .iter()
        .map(|f| shard::load(f, &overrides))
        .collect::<Result<Vec<_>>>()?;
    let scenarios: Vec<Scenario> = loaded.iter().map(|l| l.scenario.clone()).collect();
    let pool = thread_pool(args.threads)?;
    let dirs: Vec<PathBuf> = unique_slugs(&scenarios)
        .iter()
        .map(|slug| args.out.join(shard.dir_name(slug)))
        .collect();
    // Fail on an unusable output folder before any work.
    for dir in &dirs {
        drop(OutputDir::create(dir)?);
    }
    let cancel = AtomicBool::new(false);
    for (l, dir) in loaded.iter().zip(&dirs) {
        // Company world (issue 11): shards split replicates (world::shard).
        if l.scenario.company.is_some() {
            let sc = &l.scenario;
            let dir = pool.install(|| {
                crate::world::shard::run_shard(sc, &l.text, &overrides, shard, dir, &cancel)
            })?;
            if !args.quiet {
                println!("{}: shard {shard} -> {}", sc.name, display_path(&dir));
            }
            continue;
        }
        let manifest = shard::Manifest::new(&l.scenario, &overrides, shard);
        let tally = simulate_careers(&l.scenario, manifest.careers(), &pool, args.quiet, &cancel)?;
        let dir = shard::write_partial(dir, &manifest, &tally, &l.text)?;
        if !args.quiet {
            println!(
                "{}: shard {shard}, careers {}..{} of {} -> {}",
                l.scenario.name,
                manifest.careers_start,
                manifest.careers_end,
                manifest.total_careers,
                display_path(&dir)
            );
        }
    }
    Ok(())
}

/// `merge`: check partial results, add them up, and write what a single run would have.
fn merge_command(args: MergeArgs) -> Result<()> {
    // Company world (issue 11): company partials merge through world::shard.
    if args
        .partials
        .iter()
        .any(|d| crate::world::shard::is_company_partial(d))
    {
        let charts = args.charts.chart_set();
        return crate::world::shard::merge(&args.partials, &args.out, charts.as_ref(), args.quiet);
    }
    let partials = args
        .partials
        .iter()
        .map(|d| shard::read_partial(d))
        .collect::<Result<Vec<_>>>()?;
    let (scenario, tally) = shard::merge(partials)?;
    let out = OutputDir::create(&args.out.join(scenario.slug()))?;
    // Charts at their defaults, as a `run` without chart flags writes them.
    let (summary, dir) = write_results(&scenario, &tally, out, &args.charts.export_options())?;
    if !args.quiet {
        print!("{}", summary.to_text());
        println!("  Results in        {}\n", display_path(&dir));
    }
    Ok(())
}

fn display_path(p: &Path) -> String {
    p.display().to_string()
}

fn check_command(args: CheckArgs) -> Result<()> {
    let scenarios = args.flags.load(&args.scenarios)?;
    for s in &scenarios {
        println!(
            "{}: OK — \"{}\" (fingerprint {})",
            s.file,
            s.name,
            s.fingerprint()
        );
        if let Some(line) = crate::world::output::check_line(s) {
            // Company world (issue 11): its own size bound instead of the careers estimate.
            println!("  {line}");
        } else {
            let w = estimate::expected_work(s);
            println!(
                "  expected work: about {} person-months ({} people per career, {} recruits each)",
                approx(w.person_months),
                approx(w.people_per_career()),
                approx(w.recruits_per_person)
            );
        }
        if !s.description.is_empty() {
            println!("  {}", s.description.trim().replace('\n', "\n  "));
        }
        for (key, value) in s.canonical_listing() {
            let doc = PARAMS
                .iter()
                .find(|p| p.path == key)
                .map(|p| format!("  # {} [{}]", p.doc, p.unit.label()))
                .unwrap_or_default();
            println!("  {key:<40} = {value:<24}{doc}");
        }
        for (k, v) in &s.sources {
            println!("  source for {k}: {v}");
        }
        println!();
    }
    Ok(())
}

/// A special exit status for errors that are not bad input (none yet besides interruption),
/// or `None` for the default status 2. Broken pipes exit quietly with 0.
pub fn exit_code_for(err: &anyhow::Error) -> Option<u8> {
    if let Some(stopped) = err.downcast_ref::<StoppedBySignal>() {
        eprintln!("{stopped}");
        return Some(stopped.exit_code());
    }
    if err.downcast_ref::<engine::Interrupted>().is_some() {
        eprintln!("interrupted: no results were written; earlier results are untouched");
        return Some(130);
    }
    if let Some(failed) = err.downcast_ref::<crate::validate::ChecksFailed>() {
        eprintln!("validation failed: {failed}");
        return Some(1);
    }
    if let Some(io) = err.downcast_ref::<std::io::Error>() {
        if io.kind() == std::io::ErrorKind::BrokenPipe {
            return Some(0);
        }
    }
    None
}
