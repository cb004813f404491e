//! Single-threaded driver for profiling the engine on the reduced model against the same
//! model written as one loop (`cargo build --profile profiling --example profile_reduced`,
//! then run it, or `perf record` it). The criterion benchmark `reduced_model` is the
//! reference measurement; this is the quick loop for trying optimisations.

use std::sync::atomic::AtomicBool;

use mlm_sim::engine::{self, Hooks};
use mlm_sim::model::rng::{career_key, stream, Purpose};
use mlm_sim::model::sampling::poisson;
use mlm_sim::model::Model;
use mlm_sim::scenario::{self, Override};
use rand::RngExt;

fn main() {
    let careers: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bench-reduced.toml");
    let overrides = [Override::parse(&format!("careers={careers}")).expect("valid")];
    let s = scenario::load(&path, &overrides).expect("bench-reduced.toml is valid");
    let m = Model::new(&s);
    let cancel = AtomicBool::new(false);
    let hooks = Hooks {
        progress: &|_| {},
        cancel: &cancel,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let t0 = std::time::Instant::now();
    let tally = pool
        .install(|| engine::run(&s, &m, 0..s.careers, &hooks))
        .expect("not cancelled");
    let de = t0.elapsed().as_secs_f64();
    let t0 = std::time::Instant::now();
    let recruits = baseline(s.seed, careers);
    let db = t0.elapsed().as_secs_f64();
    assert_eq!(recruits, tally.recruits);
    println!(
        "engine {:.0} careers/s, loop {:.0} careers/s, engine/loop = {:.2}",
        careers as f64 / de,
        careers as f64 / db,
        db / de
    );
}

/// The reduced model as a single-purpose loop (as in benches/benchmarks/baseline.rs).
fn baseline(seed: u64, careers: u64) -> u64 {
    let mut recruits = 0;
    for index in 0..careers {
        let key = career_key(seed, index);
        let mut recruiting = stream(key, Purpose::Recruiting);
        let mut life = stream(key, Purpose::LifeEvents);
        let mut consistency = 1.0;
        for _ in 0..36 {
            recruits += poisson(&mut recruiting, 20.0 * consistency * 0.03);
            consistency *= 1.0 - 0.07;
            if life.random::<f64>() < 0.05 {
                break;
            }
        }
    }
    recruits
}
