//! The CNN training steps at batch 128, on the native kernels and on oneDNN
//! (tensor-dnnl, when installed): the peer workload (`../shared/peers/cnn.py`: conv 32
//! → pool → conv 64 → pool → dense 128 → 10) and the Fashion-MNIST chapter's network
//! (Deep Diamond's: conv 32 → conv 64 → pool → dropout → dense 128 → dropout → 10),
//! with where each step spends its time, layer by layer.
//!
//! `cargo run --release -p dlfp-benches --example cnn_step [native|dnnl]` (`dnnl`:
//! oneDNN's default operations and every operation it has, `dnnl-all`)

use la_core::prelude::*;
use nn_dnn::{convo, dense, network, pooling, Blueprint, LayerTime};
use nn_inference::{Activation, Init};
use nn_train::{Adam, Cost};
use tensor_core::dnn::PoolAlgo;
use tensor_core::{desc, tensor_from, DataType, DnnFactory, TensorLayout};

fn peer_cnn() -> Vec<Blueprint<f32>> {
    vec![
        convo(32, [3, 3], Activation::Relu),
        pooling([2, 2], PoolAlgo::Max),
        convo(64, [3, 3], Activation::Relu),
        pooling([2, 2], PoolAlgo::Max),
        dense(128, Activation::Relu),
        dense(10, Activation::Softmax),
    ]
}

/// Median and minimum seconds per training step, and each layer's name with its
/// forward and backward milliseconds.
type Measured = (f64, f64, Vec<(String, f64, f64)>);

fn measure(dnn: DnnFactory<f32>, layers: &[Blueprint<f32>]) -> nn_train::Result<Measured> {
    let f = dnn.la().clone();
    let input = desc([128, 1, 28, 28], DataType::Float, TensorLayout::Nchw)?;
    let mut net = network(dnn, input, layers)?;
    net.init(&mut seeded_rng(1), Init::He)?;
    net.set_optimizer(Adam::default())?;
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
    let steps = 20;
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
    let per_layer = net
        .layers()
        .iter()
        .zip(&times)
        .map(|(l, t)| {
            (
                format!("{} {:?}", l.kind(), l.output_desc().shape()),
                t.forward / steps as f64 * 1e3,
                t.backward / steps as f64 * 1e3,
            )
        })
        .collect();
    Ok((runs[1], runs[0], per_layer))
}

fn main() -> nn_train::Result<()> {
    let which = std::env::args().nth(1);
    let mut factories = vec![];
    if which.as_deref() != Some("dnnl") {
        factories.push(("native", DnnFactory::new(&native_float())));
    }
    if which.as_deref() != Some("native") {
        match tensor_dnnl::dnnl_float(&native_float()) {
            Ok(d) => factories.push(("dnnl", d)),
            Err(e) => println!("dnnl: SKIP: {e}"),
        }
        // every operation oneDNN has (pooling and softmax too), to compare
        if let Ok(all) = tensor_dnnl::DnnlDnn::with_ops(tensor_dnnl::DnnlOps::all()) {
            let f = DnnFactory::with(&native_float(), std::sync::Arc::new(all));
            factories.push(("dnnl-all", f));
        }
    }
    let fashion = chapters::cnn::CnnConfig::deep_diamond().blueprints();
    for (name, layers) in [
        ("cnn.py (peer workload)", peer_cnn()),
        ("Fashion-MNIST chapter", fashion),
    ] {
        println!("\n{name}, batch 128:");
        for (fname, dnn) in &factories {
            let (median, min, per_layer) = measure(dnn.clone(), &layers)?;
            println!(
                "  {fname:<7} training step: median {:.1} ms (min {:.1})",
                median * 1e3,
                min * 1e3
            );
            for (l, fw, bw) in per_layer {
                println!("            {l:<24} forward {fw:>6.2} ms  backward {bw:>6.2} ms");
            }
        }
    }
    Ok(())
}
