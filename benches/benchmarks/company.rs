//! The company world: one replicate company of `company-typical.toml` (a smaller market so an
//! iteration takes about a second), on two threads, in person-months per second, next to the
//! followed-career mode on the same behaviour (`typical.toml`) for comparison.
//!
//! The 10-million-participant measurement of the README is a timed release run, not a
//! criterion benchmark (one iteration takes tens of seconds).

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use mlm_sim::scenario::{self, Override};
use mlm_sim::world::World;

fn company(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("thread pool");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/company-typical.toml");
    let overrides = [Override::parse("market.size=300000").expect("valid override")];
    let s = scenario::load(&path, &overrides).expect("shipped scenario is valid");
    let world = World::new(&s).expect("a company scenario");
    let person_months = pool.install(|| world.simulate(0)).person_months;
    let mut g = c.benchmark_group("company_2_threads");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(person_months));
    g.bench_function(BenchmarkId::new("person_months", "company-typical"), |b| {
        b.iter(|| pool.install(|| black_box(world.simulate(0))))
    });
    g.finish();
}

criterion_group!(benches, company);
