//! Renders the trees of N clusters (default 1,000) and keeps them all in memory, for measuring
//! peak memory with `/usr/bin/time -v` (see docs/testing.md). Prints the totals.

#[path = "../benches/fleet.rs"]
mod fleet;

fn main() {
    let count = std::env::args()
        .nth(1)
        .and_then(|text| text.parse().ok())
        .unwrap_or(1000);
    let models = fleet::fleet(count);
    let start = std::time::Instant::now();
    let mut trees = Vec::with_capacity(models.len());
    for model in &models {
        let outputs = sakk_gitops::placeholder_outputs(model);
        match sakk_gitops::render(model, &outputs) {
            Ok(tree) => trees.push(tree),
            Err(error) => {
                eprintln!("{}: {error}", model.name);
                std::process::exit(1);
            }
        }
    }
    let elapsed = start.elapsed();
    let files: usize = trees.iter().map(|tree| tree.files.len()).sum();
    let bytes: usize = trees.iter().map(sakk_gitops::Tree::size).sum();
    println!(
        "{count} clusters, {files} files, {bytes} bytes rendered in {:.3} s",
        elapsed.as_secs_f64()
    );
}
