//! One full-batch training step (10,000 samples, f32, gradient descent) of the
//! regression chapter's networks built as nn-dnn `Network`s, with the network's fused
//! fast path (`Network::set_fused`, tensor-core's `mlp_gradients`) and layer by layer:
//! `cargo run --release -p dlfp-benches --example nn_dnn_fused`.
use std::time::Instant;

use la_core::prelude::*;
use nn_dnn::{dense, network, Activation, Cost, Init};
use tensor_core::{desc, tensor_from, AsTensor, DataType, TensorLayout};

fn main() {
    let f = native_float();
    let n = 10_000;
    let mut xv = f.vctr(n * 4).unwrap();
    rand_uniform(&mut seeded_rng(1), &mut xv).unwrap();
    let xs = xv.to_vec().unwrap();
    let ys: Vec<f32> = xs
        .chunks(4)
        .map(|s| s[0] + s[1] * s[2] - s[3].sin())
        .collect();
    let x = tensor_from(
        &f,
        desc([n, 4], DataType::Float, TensorLayout::Nc).unwrap(),
        &xs,
    )
    .unwrap();
    let y = tensor_from(
        &f,
        desc([n, 1], DataType::Float, TensorLayout::Nc).unwrap(),
        &ys,
    )
    .unwrap();
    let nets: [(&str, &[usize]); 2] = [("4-8-8-1", &[8, 8]), ("4-16-64-8-1", &[16, 64, 8])];
    for (name, hidden) in nets {
        let mut layers: Vec<_> = hidden
            .iter()
            .map(|&h| dense(h, Activation::Sigmoid))
            .collect();
        layers.push(dense(1, Activation::Linear));
        let mut net = network(&f, x.desc(), &layers).unwrap();
        net.init(&mut seeded_rng(2), Init::Book).unwrap();
        for fused in [true, false] {
            net.set_fused(fused);
            for _ in 0..10 {
                net.train_step(&x, &y, Cost::Quadratic, 0.05).unwrap();
            }
            let reps = 200;
            let s = Instant::now();
            for _ in 0..reps {
                net.train_step(&x, &y, Cost::Quadratic, 0.05).unwrap();
            }
            let us = s.elapsed().as_secs_f64() / reps as f64 * 1e6;
            println!(
                "{name} {}: {us:.1} µs per step (fused pass taken: {})",
                if fused { "fused" } else { "layers" },
                net.last_pass_fused()
            );
        }
    }
}
