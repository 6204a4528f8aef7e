//! The CNN training steps at batch 128, on the native kernels and on oneDNN
//! (tensor-dnnl, when installed): the peer workload (`../shared/peers/cnn.py`: conv 32
//! → pool → conv 64 → pool → dense 128 → 10) and the Fashion-MNIST chapter's network
//! (Deep Diamond's: conv 32 → conv 64 → pool → dropout → dense 128 → dropout → 10),
//! with where each step spends its time, layer by layer.
//!
//! `cargo run --release -p dlfp-benches --example cnn_step [native|dnnl]` (`dnnl`:
//! oneDNN's default operations and every operation it has, `dnnl-all`)

#[path = "../src/cnn_workload.rs"]
mod cnn_workload;

use la_core::prelude::*;
use nn_dnn::{Blueprint, LayerTime};
use nn_train::Cost;
use tensor_core::DnnFactory;

/// Median and minimum seconds per training step, and each layer's name with its
/// forward and backward milliseconds.
type Measured = (f64, f64, Vec<(String, f64, f64)>);

fn measure(dnn: DnnFactory<f32>, layers: &[Blueprint<f32>]) -> nn_train::Result<Measured> {
    let (mut net, x, y) = cnn_workload::cnn_and_batch(dnn, layers)?;
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
        ("cnn.py (peer workload)", cnn_workload::peer_cnn()),
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
