//! The `mlm-sim` binary: parse, run, report any error once, exit non-zero.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = mlm_sim::cli::Cli::parse();
    match mlm_sim::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if let Some(code) = mlm_sim::cli::exit_code_for(&err) {
                return ExitCode::from(code);
            }
            eprintln!("error: {err:#}");
            ExitCode::from(mlm_sim::cli::EXIT_BAD_INPUT)
        }
    }
}
