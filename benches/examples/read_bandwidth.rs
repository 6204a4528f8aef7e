//! The machine's read bandwidth (STREAM-like sum of 256 MiB on all threads) beside the
//! column and row gemv of the batch-1 inference's first layer (5000x10000 f32, 200 MB),
//! in one run: `cargo run --release -p dlfp-benches --example read_bandwidth`.

#[path = "../src/bandwidth.rs"]
mod bandwidth;

use la_core::prelude::*;

fn main() -> Result<()> {
    let bw = bandwidth::read_bandwidth(10);
    println!(
        "read bandwidth: {:.1} GB/s ({} threads)",
        bw / 1e9,
        rayon::current_num_threads()
    );
    let f = native_float();
    let (m, n) = (5000, 10_000);
    for layout in [Layout::ColumnMajor, Layout::RowMajor] {
        let mut a = f.ge(m, n, layout)?;
        rand_uniform(&mut seeded_rng(1), &mut a)?;
        let mut x = f.vctr(n)?;
        rand_uniform(&mut seeded_rng(2), &mut x)?;
        let mut y = f.vctr(m)?;
        let mut t: Vec<f64> = (0..31)
            .map(|_| {
                let s = std::time::Instant::now();
                mv_into(1.0, &a, &x, 0.0, &mut y).expect("mv");
                s.elapsed().as_secs_f64()
            })
            .collect();
        t.sort_by(f64::total_cmp);
        let s = t[15];
        let gbs = (m * n * 4) as f64 / s;
        println!(
            "gemv {}: {:.2} ms, {:.1} GB/s = {:.0}% of the read bandwidth",
            layout.name(),
            s * 1e3,
            gbs / 1e9,
            100.0 * gbs / bw
        );
    }
    Ok(())
}
