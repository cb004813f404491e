//! The command line, private to the binary: flags, run context, exit codes, one file a command.
//!
//! Here live the clap types, the shared flag groups, the run context (threads, signals,
//! progress, the work check) and the exit codes.
//!
//! The library (`mlm_sim`) cannot import anything from here, so dependencies point one way:
//! the command line turns what was typed into the library's plain, validated settings, runs
//! them, and is the only place errors are printed (as ripgrep keeps its `core` crate and
//! hyperfine its `cli.rs`).

mod calibrate;
mod check;
mod context;
mod flags;
mod run;
mod study;

use std::process::ExitCode;

use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand};

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
    Run(run::RunArgs),
    /// Validate scenarios and print every resolved parameter.
    Check(check::CheckArgs),
    /// Merge the partial results of `run --shard` into the result of a single run.
    Merge(run::MergeArgs),
    /// Fit scenario keys to published outcome figures (Nelder-Mead, common random numbers).
    Calibrate(calibrate::CalibrateArgs),
    /// Run the built-in validation suite (closed-form checks, determinism, calibration
    /// targets) and print a pass/fail table; exits non-zero if any check fails.
    Validate(calibrate::ValidateArgs),
    /// Compare scenarios on the same careers: side-by-side metrics, paired differences with
    /// 95% intervals, overlay charts and report.html.
    Compare(study::CompareArgs),
    /// Run a scenario at several values of one or two keys (same careers at every point).
    Sweep(study::SweepArgs),
    /// Move each pitfall lever down and up and rank them by their effect (tornado chart).
    Sensitivity(study::SensitivityArgs),
    /// Print a shell completion script, e.g. `mlm-sim completions bash > /etc/bash_completion.d/mlm-sim`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `mlm-sim man > mlm-sim.1 && man ./mlm-sim.1`.
    Man,
}

/// Parse the command line, run it, print any error once, and return the exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => ExitCode::from(context::exit_code_for(&err)),
    }
}

fn dispatch(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Check(args) => check::check(args),
        Command::Merge(args) => run::merge(args),
        Command::Calibrate(args) => calibrate::calibrate(args),
        Command::Validate(args) => calibrate::validate(args),
        Command::Compare(args) => study::compare(args),
        Command::Sweep(args) => study::sweep(args),
        Command::Sensitivity(args) => study::sensitivity(args),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "mlm-sim", &mut out);
            context::print_out(&String::from_utf8_lossy(&out))
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            context::print_out(&String::from_utf8_lossy(&out))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
