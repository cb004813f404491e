//! mlm-sim: a Monte Carlo simulator of network-marketing (multi-level marketing) careers.
//!
//! The pipeline is `scenario` (validated input) -> `model` (one career and its downline) ->
//! `engine` (many careers in parallel, deterministic) -> `stats` (mergeable tallies) ->
//! `summary` (readable numbers) -> `export` and `charts` (files). The command line is private to the binary (`src/app/`).

pub mod calibrate;
pub mod charts;
pub mod engine;
pub mod export;
pub mod fmt;
pub mod input;
pub mod model;
pub mod outcome;
pub mod scenario;
pub mod shard;
pub mod stats;
pub mod study;
pub mod summary;
pub mod validate;
pub mod world;
