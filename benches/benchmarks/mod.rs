//! Benchmark groups, one topic per file (a subfolder, so Cargo does not take each file for a
//! benchmark target of its own).

pub mod baseline;
pub mod company;
pub mod full;
pub mod reduced;
