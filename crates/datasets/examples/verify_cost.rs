//! Measures what the SHA-256 check adds to loading each dataset.
use datasets::{dir, Verify};
use std::time::Instant;

fn time<T>(f: impl Fn() -> datasets::Result<T>) -> datasets::Result<f64> {
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        f()?;
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
    }
    Ok(best)
}

/// Loads one dataset with a given check.
type Loader = Box<dyn Fn(Verify) -> datasets::Result<()>>;

fn main() -> datasets::Result<()> {
    println!(
        "{:14} {:>12} {:>12} {:>8}",
        "dataset", "checked ms", "skipped ms", "cost"
    );
    let rows: [(&str, Loader); 4] = [
        (
            "mnist",
            Box::new(|v| datasets::mnist_with(&dir("mnist"), v).map(drop)),
        ),
        (
            "fashion-mnist",
            Box::new(|v| datasets::fashion_mnist_with(&dir("fashion-mnist"), v).map(drop)),
        ),
        (
            "imdb",
            Box::new(|v| datasets::imdb_with(&dir("imdb"), v).map(drop)),
        ),
        (
            "boston",
            Box::new(|v| datasets::boston_with(&dir("boston"), v).map(drop)),
        ),
    ];
    for (name, load) in rows {
        let on = time(|| load(Verify::Checksums))?;
        let off = time(|| load(Verify::Skip))?;
        println!(
            "{name:14} {on:12.1} {off:12.1} {:7.1}%",
            (on - off) / off * 100.0
        );
    }
    Ok(())
}
