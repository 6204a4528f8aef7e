//! A small network trained on `opencl_float` against native (issue 19, item 7): the
//! book's 4-16-16-1 regression network, 2,048 samples, mini-batches of 128, 20
//! epochs, Adam; on the composed DNN defaults (one la-core operation per launch) and
//! on tensor-opencl's fused kernels. Each is timed on its second run (warm kernels).
//! `cargo run --release -p dlfp-benches --example opencl_small_network`.

use std::time::Instant;

use la_core::prelude::*;
use nn_train::regression::{regression_data, regression_network_with};
use nn_train::{sgd_train, training_network, Adam, Cost, TrainOptions};
use tensor_core::DnnFactory;

/// Trains the network twice and times the second run: the first builds the kernels
/// (PoCL compiles each on its first launch, then caches it in `POCL_CACHE_DIR`).
fn run(dnn: &DnnFactory<f32>) -> (f64, f32) {
    train(dnn);
    train(dnn)
}

fn train(dnn: &DnnFactory<f32>) -> (f64, f32) {
    let (x, y) = regression_data(dnn.la(), 2048, 1).unwrap();
    let mut net = regression_network_with(dnn, &[16, 16], 2).unwrap();
    let first = x.submatrix(0, 0, 4, 128).unwrap();
    let mut train = training_network(&mut net, &first, Adam::default()).unwrap();
    let start = Instant::now();
    let cost = sgd_train(
        &mut train,
        &x,
        &y,
        Cost::Quadratic,
        &TrainOptions::new(20, 0.01),
    )
    .unwrap();
    (start.elapsed().as_secs_f64(), cost)
}

fn main() {
    let (tn, cn) = run(&DnnFactory::new(&native_float()));
    println!("native-float                 20 epochs: {tn:8.3} s  (cost {cn:.5})");
    let Some(cl) = la_opencl::test_factory::<f32>() else {
        println!("opencl-float: no OpenCL platform");
        return;
    };
    let (tc, cc) = run(&DnnFactory::new(&cl));
    println!(
        "opencl-float, composed       20 epochs: {tc:8.3} s  (cost {cc:.5})  {:.0}x native",
        tc / tn
    );
    match tensor_opencl::opencl_dnn(&cl) {
        Ok(dnn) => {
            let (tf, cf) = run(&dnn);
            println!(
                "opencl-float, tensor-opencl  20 epochs: {tf:8.3} s  (cost {cf:.5})  {:.0}x native",
                tf / tn
            );
        }
        Err(e) => println!("tensor-opencl: {e}"),
    }
}
