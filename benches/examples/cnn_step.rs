//! The peer CNN workload (`../shared/peers/cnn.py`): seconds per training step at
//! batch 128, and where a step spends its time, layer by layer.
//!
//! `cargo run --release -p dlfp-benches --example cnn_step`

use la_core::prelude::*;
use nn_dnn::{convo, dense, network, pooling, LayerTime};
use nn_inference::{Activation, Init};
use nn_train::{Adam, Cost};
use tensor_core::dnn::PoolAlgo;
use tensor_core::{desc, tensor_from, DataType, TensorLayout};

fn main() -> std::result::Result<(), nn_train::Error> {
    let f = native_float();
    let input = desc([128, 1, 28, 28], DataType::Float, TensorLayout::Nchw)?;
    let mut net = network(
        &f,
        input,
        &[
            convo(32, [3, 3], Activation::Relu),
            pooling([2, 2], PoolAlgo::Max),
            convo(64, [3, 3], Activation::Relu),
            pooling([2, 2], PoolAlgo::Max),
            dense(128, Activation::Relu),
            dense(10, Activation::Softmax),
        ],
    )?;
    net.init(&mut seeded_rng(1), Init::He)?;
    net.set_optimizer(Adam::default())?;
    println!("{net}");
    let mut xv = f.vctr(128 * 784)?;
    rand_uniform(&mut seeded_rng(2), &mut xv)?;
    let x = tensor_from(&f, input, &xv.to_vec()?)?;
    let y: Vec<f32> = (0..1280)
        .map(|i| {
            if i % 10 == (i / 10 * 7) % 10 {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    let y = tensor_from(&f, desc([128, 10], DataType::Float, TensorLayout::Nc)?, &y)?;
    for _ in 0..5 {
        net.train_step(&x, &y, Cost::SoftmaxCrossEntropy, 1e-3)?;
    }
    let steps = 30;
    let mut runs = vec![];
    for _ in 0..3 {
        let t = std::time::Instant::now();
        for _ in 0..steps {
            net.train_step(&x, &y, Cost::SoftmaxCrossEntropy, 1e-3)?;
        }
        runs.push(t.elapsed().as_secs_f64() / steps as f64);
    }
    runs.sort_by(f64::total_cmp);
    let mut times = vec![LayerTime::default(); net.layers().len()];
    for _ in 0..steps {
        net.forward_backward_timed(&x, &y, Cost::SoftmaxCrossEntropy, &mut times)?;
    }
    println!(
        "\ntraining step, batch 128: median {:.1} ms (min {:.1})",
        runs[1] * 1e3,
        runs[0] * 1e3
    );
    for (l, t) in net.layers().iter().zip(&times) {
        println!(
            "  {:<8} forward {:>6.2} ms  backward {:>6.2} ms",
            l.kind(),
            t.forward / steps as f64 * 1e3,
            t.backward / steps as f64 * 1e3
        );
    }
    Ok(())
}
