//! Single-threaded driver for profiling the engine on the reduced model
//! (`cargo build --release --example profile_reduced`, then perf/callgrind it).

use std::sync::atomic::AtomicBool;

use mlm_sim::engine::{self, Hooks};
use mlm_sim::model::Model;
use mlm_sim::scenario::{self, Override};

fn main() {
    let careers: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bench-reduced.toml");
    let s = scenario::load(
        &path,
        &[Override::parse(&format!("careers={careers}")).unwrap()],
    )
    .unwrap();
    let m = Model::new(&s);
    let cancel = AtomicBool::new(false);
    let hooks = Hooks {
        progress: &|_| {},
        cancel: &cancel,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let t0 = std::time::Instant::now();
    let tally = pool
        .install(|| engine::run(&s, &m, 0..s.careers, &hooks))
        .unwrap();
    let dt = t0.elapsed().as_secs_f64();
    println!(
        "{} careers in {dt:.3}s = {:.0} careers/s; recruits {}",
        tally.careers,
        tally.careers as f64 / dt,
        tally.recruits
    );
}
