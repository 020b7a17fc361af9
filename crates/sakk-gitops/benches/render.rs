//! Rendering the trees of 1,000 clusters.
//!
//!     cargo bench -p sakk-gitops --bench render
//!
//! Peak memory: `cargo build --release -p sakk-gitops --example render_fleet` then
//! `/usr/bin/time -v target/release/examples/render_fleet 1000` (docs/testing.md).

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

#[path = "fleet.rs"]
mod fleet;

fn render_fleet(criterion: &mut Criterion) {
    let models = fleet::fleet(1000);
    let outputs: Vec<_> = models
        .iter()
        .map(sakk_gitops::placeholder_outputs)
        .collect();
    let mut group = criterion.benchmark_group("render");
    group.sample_size(10);
    group.bench_function("1000 clusters", |bencher| {
        bencher.iter(|| {
            let mut bytes = 0;
            for (model, outputs) in models.iter().zip(&outputs) {
                let tree =
                    sakk_gitops::render(black_box(model), black_box(outputs)).expect("renders");
                bytes += tree.size();
            }
            black_box(bytes)
        });
    });
    group.bench_function("one cluster", |bencher| {
        bencher.iter(|| sakk_gitops::render(black_box(&models[0]), black_box(&outputs[0])));
    });
    group.finish();
}

criterion_group!(benches, render_fleet);
criterion_main!(benches);
