//! `check`: validate scenarios and list every resolved parameter.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use mlm_sim::model::estimate;
use mlm_sim::scenario::PARAMS;

use super::context::{approx, print_out};
use super::flags::ScenarioFlags;

/// `mlm-sim check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario files (TOML).
    #[arg(required = true, value_name = "SCENARIO.toml")]
    pub scenarios: Vec<PathBuf>,
    #[command(flatten)]
    pub flags: ScenarioFlags,
}

/// Run `mlm-sim check`.
pub fn check(args: CheckArgs) -> Result<()> {
    use std::fmt::Write as _;
    let scenarios = args.flags.load(&args.scenarios)?;
    for s in &scenarios {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "{}: OK — \"{}\" (fingerprint {})",
            s.file,
            s.name,
            s.fingerprint()
        );
        if let Some(line) = mlm_sim::world::output::check_line(s) {
            // A company scenario: its own size bound instead of the careers estimate.
            let _ = writeln!(text, "  {line}");
        } else {
            let w = estimate::expected_work(s);
            let _ = writeln!(
                text,
                "  expected work: about {} person-months ({} people per career, {} recruits each)",
                approx(w.person_months),
                approx(w.people_per_career()),
                approx(w.recruits_per_person)
            );
        }
        if !s.description.is_empty() {
            let _ = writeln!(text, "  {}", s.description.trim().replace('\n', "\n  "));
        }
        for (key, value) in s.canonical_listing() {
            let doc = PARAMS
                .iter()
                .find(|p| p.path == key)
                .map(|p| format!("  # {} [{}]", p.doc, p.unit.label()))
                .unwrap_or_default();
            let _ = writeln!(text, "  {key:<40} = {value:<24}{doc}");
        }
        for (k, v) in &s.sources {
            let _ = writeln!(text, "  source for {k}: {v}");
        }
        text.push('\n');
        print_out(&text)?;
    }
    Ok(())
}
