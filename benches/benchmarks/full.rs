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

/// Sponsors who support (issue 12), switched on for the "with support" variants: the speed
/// target holds with the new mechanisms on.
const SUPPORT_ON: [&str; 3] = [
    "support.policy=\"active\"",
    "support.hours_per_month=4",
    "support.effect=0.3",
];

fn scenario(file: &str, extra: &[&str]) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let mut overrides =
        vec![Override::parse(&format!("careers={CAREERS}")).expect("valid override")];
    overrides.extend(
        extra
            .iter()
            .map(|o| Override::parse(o).expect("valid override")),
    );
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
    let variants = [
        ("numbers-game.toml", &[][..], "numbers-game"),
        ("relationship.toml", &[][..], "relationship"),
        ("numbers-game.toml", &SUPPORT_ON[..], "numbers-game+support"),
        ("relationship.toml", &SUPPORT_ON[..], "relationship+support"),
    ];
    for (file, extra, name) in variants {
        let s = scenario(file, extra);
        let m = Model::new(&s);
        // Work per iteration is deterministic (fixed seed), so count it once.
        let person_months = pool.install(|| engine_run(&s, &m)).person_months;
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
