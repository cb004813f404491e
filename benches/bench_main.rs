//! Benchmark entry point: only lists the groups; each topic lives in its own file under
//! `benchmarks/`.
//!
//! Run with `cargo bench --bench bench_main`; pick a group with e.g. `-- reduced_model` or
//! `-- company`.

use criterion::criterion_main;

mod benchmarks;

criterion_main!(
    benchmarks::reduced::benches,
    benchmarks::full::benches,
    benchmarks::company::benches
);
