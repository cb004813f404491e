//! `calibrate` and `validate`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use mlm_sim::calibrate::{Calibration, Request};
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
    /// Largest number of simulations the optimiser may run.
    #[arg(long, value_name = "N", default_value_t = 150)]
    pub max_evaluations: usize,
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
    /// Replace the built-in calibration targets for `typical` (scenarios/targets/aarp-2018.toml)
    /// with this file. Meant for testing that a wrong target makes validation fail.
    #[arg(long, value_name = "TARGETS.toml")]
    pub targets: Option<PathBuf>,
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
    output.commit(done.fitted_text.as_bytes())?;
    if !ctx.quiet {
        print_out(&format!(
            "{}  Fitted scenario   {}\n",
            done.report,
            out.display()
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
    let report = ctx
        .pool
        .install(|| mlm_sim::validate::run_suite(args.targets.as_deref()))?;
    print_out(&report.to_text())?;
    if report.all_passed() {
        Ok(())
    } else {
        Err(mlm_sim::validate::ChecksFailed(report.failed()).into())
    }
}
