//! Engine overhead: the engine against the hand-written loop on the reduced model, and its
//! scaling from one thread to two. Both run in one criterion invocation, so their ratio is
//! robust to the machine's speed and load.

use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use mlm_sim::engine::{self, Hooks};
use mlm_sim::model::Model;
use mlm_sim::outcome::EndReason;
use mlm_sim::scenario::{self, Override, Scenario};

use super::baseline;

/// Careers per iteration: enough that thread start-up and the final merge are noise.
const CAREERS: u64 = 200_000;

fn scenario() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bench-reduced.toml");
    let overrides = [Override::parse(&format!("careers={CAREERS}")).expect("valid override")];
    scenario::load(&path, &overrides).expect("bench-reduced.toml is valid")
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

fn engine_run(s: &Scenario, m: &Model) -> mlm_sim::stats::Tally {
    let cancel = AtomicBool::new(false);
    let hooks = Hooks {
        progress: &|_| {},
        cancel: &cancel,
    };
    engine::run(s, m, 0..s.careers, &hooks).expect("not cancelled")
}

fn reduced_model(c: &mut Criterion) {
    let s = scenario();
    let m = Model::new(&s);
    assert_eq!(s.months, baseline::MONTHS);

    // The loop must be the same model, not merely a similar one: identical counts.
    let by_hand = baseline::run(s.seed, 0..s.careers);
    let t = pool(1).install(|| engine_run(&s, &m));
    assert_eq!(by_hand.careers, t.careers);
    assert_eq!(by_hand.quits, t.ends[EndReason::LifeEvent as usize]);
    assert_eq!(by_hand.quits, t.quits());
    assert_eq!(by_hand.months_active, t.months_active);
    assert_eq!(by_hand.recruits, t.recruits);

    let mut g = c.benchmark_group("reduced_model");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(CAREERS));
    g.bench_function(BenchmarkId::new("hand_written_loop", "1 thread"), |b| {
        b.iter(|| black_box(baseline::run(black_box(s.seed), 0..CAREERS)))
    });
    for threads in [1usize, 2] {
        let p = pool(threads);
        let label = if threads == 1 {
            "1 thread"
        } else {
            "2 threads"
        };
        g.bench_function(BenchmarkId::new("engine", label), |b| {
            b.iter(|| p.install(|| black_box(engine_run(&s, &m))))
        });
    }
    g.finish();
}

criterion_group!(benches, reduced_model);
