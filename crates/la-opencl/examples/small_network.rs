//! A small network trained on `opencl_float` against native (issue: OpenCL small
//! networks): the book's 4-16-16-1 regression network, 2,048 samples, mini-batches of
//! 128, 20 epochs, Adam. `cargo run --release -p la-opencl --example small_network`.

use std::time::Instant;

use la_core::prelude::*;
use nn_train::conformance::{regression_data, regression_network_with};
use nn_train::{sgd_train, training_network, Adam, Cost, SgdTrain};

fn run(f: &Factory<f32>) -> (f64, f32) {
    let (x, y) = regression_data(f, 2048, 1);
    let mut net = regression_network_with(f, &[16, 16], 2);
    let first = x.submatrix(0, 0, 4, 128).unwrap();
    let mut train = training_network(&mut net, &first, Adam::default()).unwrap();
    let start = Instant::now();
    let cost = sgd_train(
        &mut train,
        &x,
        &y,
        Cost::Quadratic,
        20,
        &SgdTrain::new(0.01),
    )
    .unwrap();
    (start.elapsed().as_secs_f64(), cost)
}

fn main() {
    let (tn, cn) = run(&native_float());
    println!("native-float  20 epochs: {tn:8.3} s  (cost {cn:.5})");
    match la_opencl::test_factory::<f32>() {
        Some(cl) => {
            let (tc, cc) = run(&cl);
            println!(
                "opencl-float  20 epochs: {tc:8.3} s  (cost {cc:.5})  {:.0}x native",
                tc / tn
            );
        }
        None => println!("opencl-float: no OpenCL platform"),
    }
}
