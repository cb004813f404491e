//! The company world on two threads, in person-months per second, back to back with the
//! followed-career mode on the same behaviour (`typical.toml`), which is issue 11's target:
//! company person-months per second at least the followed mode's.
//!
//! * `one-replicate`: one company of `company-typical.toml` with a 300,000-person market (an
//!   iteration takes about a second); the company alone on the pool, as the 10-million run.
//! * `four-replicates`: four such companies, as `run` simulates them (`output::simulate`:
//!   up to one company per thread at once, `world::replicates`).
//! * `followed-typical`: `typical.toml`'s followed careers (their downlines included).
//! * `followed-company-typical`: the very behaviour of `company-typical.toml` (its kinds,
//!   warm market, plan rates) as followed careers over the same ten years, the downline
//!   simulated to the paid levels plus one in an unlimited market: the closest like-for-like
//!   comparison, since `typical.toml` was calibrated with its own kind shares.
//!
//! The 10-million-participant measurement of the README is a timed release run, not a
//! criterion benchmark (one iteration takes tens of seconds).

use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use mlm_sim::engine::{self, Hooks};
use mlm_sim::model::Model;
use mlm_sim::scenario::{self, Override, Scenario};
use mlm_sim::world::World;

fn load(file: &str, overrides: &[&str]) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let overrides: Vec<Override> = overrides
        .iter()
        .map(|o| Override::parse(o).expect("valid override"))
        .collect();
    scenario::load(&path, &overrides).expect("shipped scenario is valid")
}

fn company(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("thread pool");
    let never = AtomicBool::new(false);
    let mut g = c.benchmark_group("company_2_threads");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));

    let s = load("company-typical.toml", &["market.size=300000"]);
    let world = World::new(&s).expect("a company scenario");
    let person_months = pool.install(|| world.simulate(0)).person_months;
    g.throughput(Throughput::Elements(person_months));
    g.bench_function(
        BenchmarkId::new("person_months", "company-typical/one-replicate"),
        |b| b.iter(|| pool.install(|| black_box(world.simulate(0)))),
    );

    let s = load(
        "company-typical.toml",
        &["market.size=300000", "company.replicates=4"],
    );
    let simulate = || mlm_sim::world::output::simulate(&s, 0..4, &never).expect("not cancelled");
    let person_months: u64 = pool.install(simulate).iter().map(|r| r.person_months).sum();
    g.throughput(Throughput::Elements(person_months));
    g.bench_function(
        BenchmarkId::new("person_months", "company-typical/four-replicates"),
        |b| b.iter(|| pool.install(|| black_box(simulate()))),
    );

    // Followed careers of `typical.toml`, then the company's own behaviour as followed
    // careers (the same scenario without its company world).
    let typical = load("typical.toml", &["careers=2000"]);
    let mut company_behaviour = load("company-typical.toml", &[]);
    company_behaviour.company = None;
    company_behaviour.careers = 1000;
    for (name, s) in [
        ("followed-typical", typical),
        ("followed-company-typical", company_behaviour),
    ] {
        let m = Model::new(&s);
        let followed = || {
            let hooks = Hooks {
                progress: &|_| {},
                cancel: &never,
            };
            engine::run(&s, &m, 0..s.careers, &hooks).expect("not cancelled")
        };
        let person_months = pool.install(followed).person_months;
        g.throughput(Throughput::Elements(person_months));
        g.bench_function(BenchmarkId::new("person_months", name), |b| {
            b.iter(|| pool.install(|| black_box(followed())))
        });
    }
    g.finish();
}

criterion_group!(benches, company);
