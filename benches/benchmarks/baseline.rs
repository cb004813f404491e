//! The hand-written baseline: a single-purpose loop of exactly the reduced model
//! (`scenarios/bench-reduced.toml`), as one would write it without an engine.
//!
//! It uses the same generator (Xoshiro256++, one stream per career and purpose, seeded from
//! (seed, career index)) and the same Poisson sampler as the engine, so the comparison in
//! `reduced.rs` measures only the engine's overhead: its generality (every mechanism behind a
//! switch), its bookkeeping (the full tally) and its parallel plumbing. With identical streams
//! the two also give identical counts, which the benchmark checks before timing.

use std::ops::Range;

use mlm_sim::model::rng::{career_key, stream, Purpose};
use mlm_sim::model::sampling::poisson;
use rand::RngExt;

/// The reduced model's constants (must match `scenarios/bench-reduced.toml`).
pub const MONTHS: u32 = 36;
const CONTACTS: f64 = 20.0;
const JOIN: f64 = 0.03;
const DECAY: f64 = 0.07;
const LIFE_EVENTS: f64 = 0.05;

/// What the loop counts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Careers simulated.
    pub careers: u64,
    /// Careers ended by a life event.
    pub quits: u64,
    /// Months worked, summed over careers.
    pub months_active: u64,
    /// Recruits, summed over careers.
    pub recruits: u64,
}

/// Simulate careers `careers` of a run seeded with `seed`.
pub fn run(seed: u64, careers: Range<u64>) -> Counts {
    let mut c = Counts::default();
    for index in careers {
        let key = career_key(seed, index);
        let mut recruiting = stream(key, Purpose::Recruiting);
        let mut life = stream(key, Purpose::LifeEvents);
        let mut consistency = 1.0;
        c.careers += 1;
        for _ in 0..MONTHS {
            c.recruits += poisson(&mut recruiting, CONTACTS * consistency * JOIN);
            consistency *= 1.0 - DECAY;
            c.months_active += 1;
            if life.random::<f64>() < LIFE_EVENTS {
                c.quits += 1;
                break;
            }
        }
    }
    c
}
