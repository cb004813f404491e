//! Integration tests: one binary (links faster than many), one module per topic.

#[path = "cli/closed_forms.rs"]
mod closed_forms;
#[path = "cli/levers.rs"]
mod levers;
#[path = "cli/run.rs"]
mod run;
#[path = "cli/support.rs"]
mod support;
