//! Times one full-batch training step (10,000 samples, f32, gradient descent) of the
//! issue's two regression networks, fused (`tensor_core::DnnFactory::mlp_gradients`) and layer by
//! layer: `cargo run --release -p dlfp-benches --example regression_profile`
//! (`-- fused` times only the fused pass, `-- wide` only the wider network: for perf).
use std::time::Instant;

use la_core::prelude::*;
use nn_train::regression::{regression_data, regression_network_with};
use nn_train::{training_network, Cost, Optimizer};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let only_fused = args.iter().any(|a| a == "fused");
    let only_wide = args.iter().any(|a| a == "wide");
    let f = native_float();
    let (x, y) = regression_data(&f, 10_000, 1).unwrap();
    let nets: [(&str, &[usize]); 2] = [("4-8-8-1", &[8, 8]), ("4-16-64-8-1", &[16, 64, 8])];
    for (name, hidden) in nets.into_iter().skip(only_wide as usize) {
        let mut net = regression_network_with(&f, hidden, 2).unwrap();
        let mut train = training_network(&mut net, &x, Optimizer::default()).unwrap();
        for fused in [true, false]
            .into_iter()
            .take(if only_fused { 1 } else { 2 })
        {
            train.set_fused(fused);
            let reps = 200;
            for _ in 0..10 {
                train.step(&y, Cost::Quadratic, 0.05).unwrap();
            }
            let s = Instant::now();
            for _ in 0..reps {
                train.step(&y, Cost::Quadratic, 0.05).unwrap();
            }
            let per = s.elapsed().as_secs_f64() / reps as f64;
            println!(
                "{name} {}: {:.1} µs per step, {:.2} s per 4000 epochs",
                if fused { "fused" } else { "layer by layer" },
                per * 1e6,
                per * 4000.0
            );
        }
    }
}
