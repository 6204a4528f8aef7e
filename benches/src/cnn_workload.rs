//! The peer CNN workload (`../shared/peers/cnn.py`), shared by the bench table and the
//! `cnn_step` example: its layers and one batch of 128 28x28 images with labels.

use la_core::prelude::*;
use nn_dnn::{convo, dense, network, pooling, Blueprint, Network};
use nn_inference::{Activation, Init};
use nn_train::Adam;
use tensor_core::dnn::PoolAlgo;
use tensor_core::{desc, tensor_from, DataType, DnnFactory, Tensor, TensorLayout};

/// conv 32 3x3 relu → max pool 2 → conv 64 3x3 relu → max pool 2 → dense 128 relu →
/// dense 10 softmax.
pub fn peer_cnn() -> Vec<Blueprint<f32>> {
    vec![
        convo(32, [3, 3], Activation::Relu),
        pooling([2, 2], PoolAlgo::Max),
        convo(64, [3, 3], Activation::Relu),
        pooling([2, 2], PoolAlgo::Max),
        dense(128, Activation::Relu),
        dense(10, Activation::Softmax),
    ]
}

/// `layers` on `[128, 1, 28, 28]` (He init, Adam) with a batch of uniform images and
/// one-hot labels to train on.
pub fn cnn_and_batch(
    dnn: DnnFactory<f32>,
    layers: &[Blueprint<f32>],
) -> nn_train::Result<(Network<f32>, Tensor<f32>, Tensor<f32>)> {
    let f = dnn.la().clone();
    let input = desc([128, 1, 28, 28], DataType::Float, TensorLayout::Nchw)?;
    let mut net = network(dnn, input, layers)?;
    net.init(&mut seeded_rng(1), Init::He)?;
    net.set_optimizer(Adam::default())?;
    let mut xv = f.vctr(input.size())?;
    rand_uniform(&mut seeded_rng(2), &mut xv)?;
    let x = tensor_from(&f, input, &xv.to_vec()?)?;
    let labels: Vec<f32> = (0..1280)
        .map(|i| {
            if i % 10 == (i / 10 * 7) % 10 {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    let y = tensor_from(
        &f,
        desc([128, 10], DataType::Float, TensorLayout::Nc)?,
        &labels,
    )?;
    Ok((net, x, y))
}
