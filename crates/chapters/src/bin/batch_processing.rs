//! Part II, "Increasing performance with batch processing": many samples at once, as
//! the columns of a matrix, turn matrix-vector products into one matrix product.

use std::time::Instant;

use la_core::prelude::*;
use nn_inference::{fully_connected, inference_network, Activation, Init};

fn main() -> nn_inference::Result<()> {
    chapters::heading("Part II", "Increasing performance with batch processing");
    let fac = native_float();
    // The book's benchmark network: 10000 -> 5000 (tanh) -> 1000 (sigmoid) -> 10 (sigmoid).
    let mut net = inference_network(
        &fac,
        10_000,
        &[
            fully_connected(5_000, Activation::Tanh),
            fully_connected(1_000, Activation::Sigmoid),
            fully_connected(10, Activation::Sigmoid),
        ],
    )?;
    net.init(&mut seeded_rng(1), Init::Book)?;
    for batch in [1usize, 100, 1000] {
        let mut x = fac.ge(10_000, batch, Layout::ColumnMajor)?;
        rand_uniform(&mut seeded_rng(2), &mut x)?;
        net.infer(&x)?; // warm-up: sizes the shared buffers once
        let t = Instant::now();
        let y = net.infer(&x)?;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "batch {batch:>5}: {:>8.2} ms, {:>8.3} ms per sample, first output {:.4}",
            secs * 1e3,
            secs * 1e3 / batch as f64,
            y.entry(0, 0)?
        );
    }
    Ok(())
}
