//! Part VI, "Tensor-based neural networks": Part V's dense networks with tensors as
//! their inputs — a network built from an input descriptor (its shapes inferred layer
//! by layer), data held in tensors, mini-batches copied by a batcher — with the same
//! results as the matrix-based chapters.

use la_core::prelude::*;
use nn_inference::{fully_connected, inference_network, Activation, Init};
use nn_train::regression::regression_data;
use nn_train::{sgd, training_network, Cost, Optimizer};
use tensor_core::{batcher, desc, tensor, tensor_from, AsTensor, DataType, TensorLayout};

fn main() -> nn_train::Result<()> {
    chapters::heading("Part VI", "Tensor-based neural networks");
    let fac = native_float();

    // the regression data of Part IV as tensors: [n 4] samples, [n 1] targets, layout nc
    let (xm, ym) = regression_data(&fac, 10_000, 1)?;
    let x = tensor_from(
        &fac,
        desc([10_000, 4], DataType::Float, TensorLayout::Nc)?,
        &xm.to_vec()?,
    )?;
    let y = tensor_from(
        &fac,
        desc([10_000, 1], DataType::Float, TensorLayout::Nc)?,
        &ym.to_vec()?,
    )?;

    // (network (desc [10000 4] :float :nc) [(fully-connected 8 :sigmoid) ...])
    let mut net = inference_network(
        &fac,
        x.desc(),
        &[
            fully_connected(8, Activation::Sigmoid),
            fully_connected(8, Activation::Tanh),
            fully_connected(1, Activation::Linear),
        ],
    )?;
    println!("{net}");
    net.init(&mut seeded_rng(2), Init::Book)?;

    // a tensor is a matrix with one column per sample: train on its view, no copy
    let start = std::time::Instant::now();
    let mut train = training_network(&mut net, &x.view_mat()?, Optimizer::default())?;
    let costs = sgd(&mut train, &y.view_mat()?, Cost::Quadratic, &[(4000, 0.05)])?;
    drop(train);
    println!(
        "4-8-8-1 on tensors, 4000 epochs: cost {:.4} in {:.2} s (Part IV's matrix version prints the same cost; the book: 0.0047)",
        costs[0],
        start.elapsed().as_secs_f64()
    );

    // inference in mini-batches copied by a batcher into a cn buffer (samples innermost)
    let mut mb = tensor(&fac, desc([1000, 4], DataType::Float, TensorLayout::Cn)?)?;
    let b = batcher(&x, &mb, 1000)?;
    b.copy(&x, &mut mb, 0)?;
    let pred = net.infer(&mb.view_mat()?)?;
    let first = y.subtensor(0, 0, 1000)?;
    println!(
        "first mini-batch of 1,000 through a batcher: MAE {:.4}",
        nn_train::mae(&pred, &first.view_mat()?)?
    );
    println!(
        "first five: predicted {}",
        chapters::two_decimals(&pred.to_vec()?[..5])
    );
    println!(
        "            expected  {}",
        chapters::two_decimals(&first.to_vec()?[..5])
    );
    Ok(())
}
