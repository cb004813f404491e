//! `compare`, `sweep` and `sensitivity`: their flags, and the one pipeline every study runs
//! through (work check, output folder, simulation with progress and cancellation, files,
//! terminal text). What each study simulates and reports lives in the library
//! ([`mlm_sim::study`]); this file only turns flags into a study and runs it.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use mlm_sim::calibrate::Metric;
use mlm_sim::export::{Input, OutputDir};
use mlm_sim::study::company::{self, CompanyStudy, Layout};
use mlm_sim::study::compare::CompareStudy;
use mlm_sim::study::morris::MorrisStudy;
use mlm_sim::study::sensitivity::{parse_delta, SensitivityStudy};
use mlm_sim::study::sweep::{axes, SweepStudy};
use mlm_sim::study::{self, precision, Study};

use super::context::{
    display_path, explain_interruption, pause_point, print_out, report_cleaned, write_staged,
    RunContext,
};
use super::flags::{ChartFlags, OutFlags, ScenarioFlags, SimFlags};

/// Flags every study command shares.
#[derive(Debug, Args)]
pub struct StudyFlags {
    #[command(flatten)]
    pub scenario: ScenarioFlags,
    #[command(flatten)]
    pub sim: SimFlags,
    #[command(flatten)]
    pub out: OutFlags,
    #[command(flatten)]
    pub charts: ChartFlags,
}

/// `mlm-sim compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scenario files (TOML), two or more; differences are against the first.
    #[arg(required = true, num_args = 2.., value_name = "SCENARIO.toml")]
    pub scenarios: Vec<PathBuf>,
    /// Stop adding careers once the 95% interval of every paired failure-rate difference is
    /// narrower than ± this share (e.g. 0.005 = ±0.5 points); `--careers` is the cap.
    #[arg(long, value_name = "HALF_WIDTH", value_parser = precision::parse_precision)]
    pub precision: Option<f64>,
    #[command(flatten)]
    pub study: StudyFlags,
}

/// `mlm-sim sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario file (TOML).
    #[arg(value_name = "SCENARIO.toml")]
    pub scenario: PathBuf,
    /// Key to sweep, e.g. `training.quality`. Give it twice for a 2-D grid. May carry its
    /// values inline: `--param training.quality=0:1:5` or `--param rejection.sting=0,0.01`.
    #[arg(long, value_name = "KEY", required = true)]
    pub param: Vec<String>,
    /// Values of the matching --param, comma-separated: `--values 0,0.25,0.5`.
    #[arg(long, value_name = "A,B,C")]
    pub values: Vec<String>,
    /// Evenly spaced values of the matching --param: `--range lo:hi:steps` (steps >= 2).
    #[arg(long, value_name = "LO:HI:STEPS")]
    pub range: Vec<String>,
    /// Stop adding careers once every point's failure rate is known to ± this share
    /// (e.g. 0.005 = ±0.5 points); `--careers` is the cap.
    #[arg(long, value_name = "HALF_WIDTH", value_parser = precision::parse_precision)]
    pub precision: Option<f64>,
    /// Company scenarios only: the figure shown first at every point (any metric of a targets
    /// file, e.g. top_1pct_commission_share, penetration, turnover_per_year); the headline
    /// company figures follow it.
    #[arg(long, value_name = "NAME", value_parser = parse_metric)]
    pub metric: Option<Metric>,
    #[command(flatten)]
    pub study: StudyFlags,
}

/// `mlm-sim sensitivity`.
#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// Scenario file (TOML).
    #[arg(value_name = "SCENARIO.toml")]
    pub scenario: PathBuf,
    /// Relative move of each lever: down to x (1 - delta) and up to x (1 + delta).
    #[arg(long, value_name = "DELTA", default_value_t = 0.2, value_parser = parse_delta)]
    pub delta: f64,
    /// The figure levers are ranked by: any metric of a targets file (failure_rate,
    /// lost_money, net_median, survival_month_12, quit_reason.rejection_burnout, ...).
    #[arg(long, value_name = "NAME", default_value = "failure_rate", value_parser = parse_metric)]
    pub metric: Metric,
    /// `oat`: each lever down and up, one at a time (tornado). `morris`: Morris elementary
    /// effects over the whole x (1 - delta) .. x (1 + delta) range of every lever, since the
    /// levers interact (mu*, sigma and a chart).
    #[arg(long, value_enum, default_value_t = Method::Oat)]
    pub method: Method,
    /// Morris trajectories (each simulates every lever that is on, plus one point; default 4).
    #[arg(long, value_name = "R")]
    pub trajectories: Option<usize>,
    #[command(flatten)]
    pub study: StudyFlags,
}

/// Morris trajectories when `--trajectories` is not given: 4 x (k + 1) points stays within the
/// 100 variants run side by side for up to 24 levers, every lever `sensitivity` knows.
const DEFAULT_TRAJECTORIES: usize = 4;

/// How `sensitivity` moves the levers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    /// One at a time, down and up around the scenario's values.
    Oat,
    /// Morris elementary effects (global screening).
    Morris,
}

/// Parse `--metric`, naming what is allowed.
fn parse_metric(text: &str) -> Result<Metric, String> {
    Metric::parse_or_explain(text.trim())
}

/// Run `mlm-sim compare`.
pub fn compare(args: CompareArgs) -> Result<()> {
    let scenarios = args.study.scenario.load(&args.scenarios)?;
    if scenarios.iter().any(|s| s.company.is_some()) {
        refuse_precision(&scenarios[0], args.precision)?;
        let labels = scenarios.iter().map(|s| s.name.clone()).collect();
        let slugs: Vec<String> = scenarios.iter().map(|s| s.slug()).collect();
        let folder = format!("compare-{}", slugs.join("-vs-"));
        let study = CompanyStudy::new(
            scenarios,
            labels,
            folder,
            Layout::Compare,
            Metric::FailureRate,
        )?;
        return run_company_study(&study, &args.study, &args.scenarios);
    }
    let study = CompareStudy::new(scenarios, args.precision)?;
    run_study(&study, &args.study, &args.scenarios)
}

/// Run `mlm-sim sweep`.
pub fn sweep(args: SweepArgs) -> Result<()> {
    let axes = axes(&args.param, &args.values, &args.range)?;
    let (text, file) = read_scenario(&args.scenario)?;
    let base = args.study.scenario.overrides()?;
    let study = SweepStudy::new(&text, &file, &base, axes, args.precision)?;
    let first = &study.scenarios()[0];
    if first.company.is_some() {
        // Company world (issue 13): the same grid, simulated company by company.
        refuse_precision(first, args.precision)?;
        let labels = study
            .points()
            .iter()
            .map(|p| {
                p.iter()
                    .zip(study.axes())
                    .map(|(i, a)| format!("{}={}", a.key, study::short_num(a.values[*i])))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect();
        let metric = args.metric.unwrap_or(Metric::FailureRate);
        let company = CompanyStudy::new(
            study.scenarios().to_vec(),
            labels,
            study.folder_name(),
            Layout::Sweep {
                axes: study.axes().to_vec(),
                points: study.points().to_vec(),
            },
            metric,
        )?;
        return run_company_study(&company, &args.study, std::slice::from_ref(&args.scenario));
    }
    if args.metric.is_some() {
        anyhow::bail!(
            "--metric applies to company scenarios in `sweep` (followed-career sweeps report a \
             fixed set of figures; rank levers by any metric with `mlm-sim sensitivity --metric`)"
        );
    }
    run_study(&study, &args.study, std::slice::from_ref(&args.scenario))
}

/// `--precision` stops adding careers; a company study has replicates instead.
fn refuse_precision(s: &mlm_sim::scenario::Scenario, precision: Option<f64>) -> Result<()> {
    if precision.is_some() {
        anyhow::bail!(
            "{}: --precision applies to followed careers, not to a company scenario (choose the \
             companies with --set company.replicates=R)",
            s.file
        );
    }
    Ok(())
}

/// Run `mlm-sim sensitivity`.
pub fn sensitivity(args: SensitivityArgs) -> Result<()> {
    let (text, file) = read_scenario(&args.scenario)?;
    let base = args.study.scenario.overrides()?;
    match args.method {
        Method::Oat => {
            if args.trajectories.is_some() {
                anyhow::bail!("--trajectories applies to --method morris only");
            }
            let study =
                SensitivityStudy::new(&text, &file, &base, args.delta)?.with_metric(args.metric);
            let first = &study.scenarios()[0];
            args.metric
                .support(first)
                .map_err(|why| anyhow::anyhow!("--metric {}: {why}", args.metric.name()))?;
            if first.company.is_some() {
                // Company world (issue 13): every lever down and up, company by company.
                let labels = study
                    .scenarios()
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        if i == 0 {
                            s.name.clone()
                        } else {
                            format!("variant {i}")
                        }
                    })
                    .collect();
                let company = CompanyStudy::new(
                    study.scenarios().to_vec(),
                    labels,
                    study.folder_name(),
                    Layout::Sensitivity {
                        delta: study.delta(),
                        moved: study.moved().to_vec(),
                    },
                    args.metric,
                )?;
                return run_company_study(
                    &company,
                    &args.study,
                    std::slice::from_ref(&args.scenario),
                );
            }
            run_study(&study, &args.study, std::slice::from_ref(&args.scenario))
        }
        Method::Morris => {
            let probe = mlm_sim::scenario::parse(&text, &file, &base)?;
            args.metric
                .support(&probe)
                .map_err(|why| anyhow::anyhow!("--metric {}: {why}", args.metric.name()))?;
            let study = MorrisStudy::new(
                &text,
                &file,
                &base,
                args.delta,
                args.trajectories.unwrap_or(DEFAULT_TRAJECTORIES),
                args.metric,
            )?;
            if probe.company.is_some() {
                // Company world (issue 13): the design's points, company by company.
                let labels = (0..study.scenarios().len())
                    .map(|i| format!("point {i}"))
                    .collect();
                let company = CompanyStudy::new(
                    study.scenarios().to_vec(),
                    labels,
                    study.folder_name(),
                    Layout::Morris(Box::new(study.clone())),
                    args.metric,
                )?;
                return run_company_study(
                    &company,
                    &args.study,
                    std::slice::from_ref(&args.scenario),
                );
            }
            run_study(&study, &args.study, std::slice::from_ref(&args.scenario))
        }
    }
}

/// A scenario file's text and its name for messages.
fn read_scenario(path: &std::path::Path) -> Result<(String, String)> {
    let file = path.display().to_string();
    let text =
        mlm_sim::input::read_text_capped(path, mlm_sim::input::MAX_SCENARIO_BYTES, "scenario")
            .with_context(|| format!("invalid scenario {file}: cannot read the file"))?;
    Ok((text, file))
}

/// The pipeline of a company-world study (issue 13): the total expected work of every
/// variant's companies against `--max-work`, the output folder, the companies simulated with
/// progress and cancellation, the files in one commit.
fn run_company_study(study: &CompanyStudy, flags: &StudyFlags, inputs: &[PathBuf]) -> Result<()> {
    let ctx = RunContext::new(&flags.sim)?;
    company::check_work(&study.scenarios, ctx.max_work)?;
    for s in &study.scenarios {
        mlm_sim::world::output::check_memory(s)?;
    }
    let out = OutputDir::create_guarded(&flags.out.out.join(&study.folder), &Input::all(inputs))?;
    report_cleaned(out.cleaned(), ctx.quiet);
    let what = format!("simulating the study {}", study.folder);
    let figs = ctx
        .simulate_counting(study.companies(), "companies", "simulating", |hooks| {
            study.simulate(hooks.cancel, hooks.progress)
        })
        .map_err(|e| explain_interruption(e, &what, &[]))?;
    let report = study.report(&figs, flags.charts.chart_set().as_ref())?;
    commit_study(&ctx, out, &report.files, &report.text, &what)
}

/// The end of every study's pipeline: write the files in one commit (nothing half-written on a
/// signal), then print the report and where it went.
fn commit_study(
    ctx: &RunContext,
    out: OutputDir,
    files: &[(String, Vec<u8>)],
    text: &str,
    what: &str,
) -> Result<()> {
    write_staged(
        &out,
        files.iter().map(|(n, b)| (n.as_str(), b.as_slice())),
        ctx.cancel,
    )
    .map_err(|e| explain_interruption(e, what, &[]))?;
    pause_point("commit");
    ctx.stop_if_signalled(what, &[])?;
    let dir = out.commit()?;
    if !ctx.quiet {
        print_out(&format!("{text}  Results in {}\n\n", display_path(&dir)))?;
    }
    Ok(())
}

/// The pipeline of every study: check the work, prepare the folder (a bad path fails before
/// any simulation; `inputs` are the scenario files, which the folder may not hold), simulate
/// all variants side by side, write the files in one commit, print.
fn run_study(study: &dyn Study, flags: &StudyFlags, inputs: &[PathBuf]) -> Result<()> {
    let ctx = RunContext::new(&flags.sim)?;
    let scenarios = study.scenarios();
    ctx.check_work(scenarios)?;
    let out = OutputDir::create_guarded(
        &flags.out.out.join(study.folder_name()),
        &Input::all(inputs),
    )?;
    report_cleaned(out.cleaned(), ctx.quiet);
    let total = scenarios[0].careers * scenarios.len() as u64;
    let what = format!("simulating the study {}", study.folder_name());
    let simulated = ctx
        .simulate(total, "simulating", |hooks| study::simulate(study, hooks))
        .map_err(|e| explain_interruption(e, &what, &[]))?;
    let report = study.report(
        &simulated.scenarios,
        &simulated.paired,
        &simulated.stopped,
        flags.charts.chart_set().as_ref(),
    )?;
    commit_study(&ctx, out, &report.files, &report.text, &what)
}
