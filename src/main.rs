//! The `mlm-sim` binary: parse, run, report any error once, exit non-zero.
//!
//! The command line lives in the binary-private [`app`] module tree; the library crate
//! (`mlm_sim`) holds the domain and cannot import it.

mod app;

fn main() -> std::process::ExitCode {
    app::main()
}
