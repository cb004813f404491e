//! The full model on the shipped scenarios, on two threads: careers per second and
//! person-months per second (the work actually done, downlines included).

use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use mlm_sim::engine::{self, Hooks};
use mlm_sim::model::Model;
use mlm_sim::scenario::{self, Override, Scenario};

/// Careers per iteration.
const CAREERS: u64 = 2_000;

fn scenario(file: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let overrides = [Override::parse(&format!("careers={CAREERS}")).expect("valid override")];
    scenario::load(&path, &overrides).expect("shipped scenario is valid")
}

fn engine_run(s: &Scenario, m: &Model) -> mlm_sim::stats::Tally {
    let cancel = AtomicBool::new(false);
    let hooks = Hooks {
        progress: &|_| {},
        cancel: &cancel,
    };
    engine::run(s, m, 0..s.careers, &hooks).expect("not cancelled")
}

fn full_model(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("thread pool");
    let mut g = c.benchmark_group("full_model_2_threads");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for file in ["numbers-game.toml", "relationship.toml"] {
        let s = scenario(file);
        let m = Model::new(&s);
        // Work per iteration is deterministic (fixed seed), so count it once.
        let person_months = pool.install(|| engine_run(&s, &m)).person_months;
        let name = file.trim_end_matches(".toml");
        g.throughput(Throughput::Elements(CAREERS));
        g.bench_function(BenchmarkId::new("careers", name), |b| {
            b.iter(|| pool.install(|| black_box(engine_run(&s, &m))))
        });
        g.throughput(Throughput::Elements(person_months));
        g.bench_function(BenchmarkId::new("person_months", name), |b| {
            b.iter(|| pool.install(|| black_box(engine_run(&s, &m))))
        });
    }
    g.finish();
}

criterion_group!(benches, full_model);
