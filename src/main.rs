//! The `mlm-sim` binary: parse, run, report any error once, exit non-zero.

use std::process::ExitCode;

use clap::Parser;

// Binary-private commands (the command line is moving here, see issue 10).
mod app {
    pub mod serve;
}

fn main() -> ExitCode {
    // `serve` has its own parser until it joins the command enum.
    if std::env::args_os().nth(1).is_some_and(|a| a == "serve") {
        return app::serve::main();
    }
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
