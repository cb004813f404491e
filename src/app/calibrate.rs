//! `calibrate` and `validate`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use mlm_sim::calibrate::{identification_path, Calibration, Request};
use mlm_sim::export::{Input, OutputFile};

use super::context::{explain_interruption, print_out, report_cleaned, RunContext};
use super::flags::{set_overrides, SimFlags, ThreadFlags};

/// `mlm-sim calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Scenario file (TOML) to fit; its comments are kept in the fitted copy.
    #[arg(value_name = "SCENARIO.toml")]
    pub scenario: PathBuf,
    /// Targets file: outcome figures with tolerances, and the keys that may move.
    #[arg(long, value_name = "TARGETS.toml")]
    pub targets: PathBuf,
    /// Careers per evaluation (default: the targets file's `careers`, else 4000).
    #[arg(long, value_name = "N")]
    pub careers: Option<u64>,
    /// Largest number of simulations the optimiser may run from each starting point.
    #[arg(long, value_name = "N", default_value_t = 150)]
    pub max_evaluations: usize,
    /// Starting points of the search: the scenario's own values, then points spread over the
    /// bounds (derived from the seed). Starts that end at different keys with the same fit
    /// are reported.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub restarts: usize,
    /// Fit even when there are more free keys than independent fitted targets (the
    /// identification table then shows which keys the targets cannot pin).
    #[arg(long)]
    pub force: bool,
    /// Where to write the fitted scenario (default: `<scenario>.fitted.toml` beside it).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Override any scenario key before fitting (as in `run`). Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub sim: SimFlags,
}

/// `mlm-sim validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario to check the published figures on (same as --scenario; needs --targets). A
    /// company scenario (kind = "company") is measured on its replicate companies.
    #[arg(value_name = "SCENARIO.toml", conflicts_with = "scenario")]
    pub scenario_file: Option<PathBuf>,
    /// Check these published figures (fitted and held for validation) instead of the shipped
    /// `scenarios/targets/aarp-2018.toml`.
    #[arg(long, value_name = "TARGETS.toml")]
    pub targets: Option<PathBuf>,
    /// Check the published figures on this scenario instead of the shipped `typical`
    /// (needs --targets).
    #[arg(long, value_name = "SCENARIO.toml")]
    pub scenario: Option<PathBuf>,
    /// Careers simulated for the published-figure table (default 20,000; followed careers
    /// only).
    #[arg(long, value_name = "N")]
    pub careers: Option<u64>,
    /// Override any scenario key before checking (as in `run`), e.g. `--set
    /// company.replicates=4`. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub threads: ThreadFlags,
}

/// Run `mlm-sim calibrate`: validate everything, check the work of one evaluation, fit, then
/// write the fitted scenario in one atomic step.
pub fn calibrate(args: CalibrateArgs) -> Result<()> {
    // The inputs no output may overwrite (`--out` pointing at the targets file would replace
    // it with a scenario).
    let inputs = Input::all(&[args.scenario.clone(), args.targets.clone()]);
    let req = Request {
        scenario: args.scenario,
        targets: args.targets,
        careers: args.careers,
        max_evaluations: args.max_evaluations,
        out: args.out,
        overrides: set_overrides(&args.set)?,
        restarts: args.restarts,
        force: args.force,
    };
    let mut calibration = Calibration::prepare(&req)?;
    let output = OutputFile::prepare(&calibration.out, &inputs)?;
    let ctx = RunContext::new(&args.sim)?;
    report_cleaned(output.cleaned(), ctx.quiet);
    ctx.check_work(&[calibration.start_scenario()?])?;
    calibration.problem.cancel = Some(ctx.cancel);
    let what = "calibrating";
    let done = ctx
        .pool
        .install(|| calibration.run())
        .map_err(|e| explain_interruption(e, what, &[]))?;
    ctx.stop_if_signalled(what, &[])?;
    let out = &calibration.out;
    let table = identification_path(out);
    let table_output = OutputFile::prepare(&table, &inputs)?;
    table_output.commit(&done.identification_csv)?;
    output.commit(done.fitted_text.as_bytes())?;
    if !ctx.quiet {
        print_out(&format!(
            "{}  Fitted scenario       {}\n  Identification table  {}\n",
            done.report,
            out.display(),
            table.display()
        ))?;
    }
    Ok(())
}

/// Run `mlm-sim validate`.
pub fn validate(args: ValidateArgs) -> Result<()> {
    let sim = SimFlags {
        threads: args.threads,
        max_work: f64::INFINITY,
        quiet: true,
    };
    let ctx = RunContext::new(&sim)?;
    let req = mlm_sim::validate::SuiteRequest {
        scenario: args.scenario.or(args.scenario_file),
        targets: args.targets,
        careers: args.careers,
        overrides: set_overrides(&args.set)?,
    };
    let report = ctx
        .pool
        .install(|| mlm_sim::validate::run_suite_with(&req))?;
    print_out(&report.to_text())?;
    if report.all_passed() {
        Ok(())
    } else {
        Err(mlm_sim::validate::ChecksFailed(report.failed()).into())
    }
}
