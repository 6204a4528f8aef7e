//! f64 central finite differences against the backward passes: convolution (strides,
//! padding, dilation), both poolings, dense on a 4-D input, and a whole small CNN.

mod common;

use common::{params, set_param, values};
use la_core::prelude::*;
use nn_dnn::Cost;
use nn_dnn::{convo, dense, network, pooling, Blueprint, Network};
use nn_dnn::{Activation, Init};
use tensor_core::dnn::PoolAlgo;
use tensor_core::{desc, tensor_from, DataType, Tensor, TensorLayout};

/// Inputs and one-hot targets for `net`'s full batch.
fn batch(net: &Network<f64>, seed: u64) -> (Tensor<f64>, Tensor<f64>) {
    let f = net.dnn().la().clone();
    let (xd, yd) = (net.input_desc(), net.output_desc());
    let x = tensor_from(&f, xd, &values(seed, xd.size())).unwrap();
    let (n, k) = (yd.shape()[0], yd.shape()[1..].iter().product::<usize>());
    let mut y = vec![0.0; n * k];
    for s in 0..n {
        y[s * k + (s * 7 + 3) % k] = 1.0;
    }
    (x, tensor_from(&f, yd, &y).unwrap())
}

/// Compares every analytic gradient entry (up to `per_param` per parameter) with
/// `(C(θ+h) - C(θ-h)) / 2h`.
fn check(input: [usize; 4], blueprints: &[Blueprint<f64>], cost: Cost, tol: f64) {
    let f = native_double();
    let xd = desc(input, DataType::Double, TensorLayout::Nchw).unwrap();
    let mut net = network(&f, xd, blueprints).unwrap();
    net.init(&mut seeded_rng(7), Init::Glorot).unwrap();
    // non-zero biases, so that bias gradients are exercised too
    let p0 = params(&mut net, false);
    for (i, v) in p0.iter().enumerate() {
        if i % 2 == 1 {
            let b: Vec<f64> = values(100 + i as u64, v.len())
                .iter()
                .map(|e| e * 0.1)
                .collect();
            set_param(&mut net, i, &b);
        }
    }
    let (x, y) = batch(&net, 3);
    net.forward_backward(&x, &y, cost).unwrap();
    let grads = params(&mut net, true);
    let base = params(&mut net, false);
    let h = 1e-6;
    let mut checked = 0;
    for (p, (g, v)) in grads.iter().zip(&base).enumerate() {
        let step = (v.len() / 25).max(1);
        for i in (0..v.len()).step_by(step) {
            let mut w = v.clone();
            w[i] = v[i] + h;
            set_param(&mut net, p, &w);
            let cp = net.forward_backward(&x, &y, cost).unwrap();
            w[i] = v[i] - h;
            set_param(&mut net, p, &w);
            let cm = net.forward_backward(&x, &y, cost).unwrap();
            set_param(&mut net, p, v);
            let fd = (cp - cm) / (2.0 * h);
            assert!(
                (fd - g[i]).abs() <= tol * (1.0 + fd.abs()),
                "parameter {p} entry {i}: finite difference {fd} vs backward {}",
                g[i]
            );
            checked += 1;
        }
    }
    assert!(checked >= grads.len(), "checked {checked} entries");
}

#[test]
fn convolution_with_strides_padding_dilation() {
    check(
        [2, 2, 7, 6],
        &[
            convo(3, [3, 2], Activation::Tanh)
                .strides([2, 1])
                .padding([1, 1])
                .dilation([1, 2]),
            dense(3, Activation::Softmax),
        ],
        Cost::SoftmaxCrossEntropy,
        1e-6,
    );
}

#[test]
fn two_convolutions_and_max_pooling() {
    check(
        [3, 1, 8, 8],
        &[
            convo(2, [3, 3], Activation::Tanh),
            pooling([2, 2], PoolAlgo::Max),
            convo(3, [2, 2], Activation::Sigmoid).padding([1, 0]),
            dense(4, Activation::Softmax),
        ],
        Cost::SoftmaxCrossEntropy,
        1e-6,
    );
}

#[test]
fn average_pooling_with_padding_and_overlap() {
    for algo in [PoolAlgo::AvgIncludePadding, PoolAlgo::AvgExcludePadding] {
        check(
            [2, 2, 5, 5],
            &[
                convo(2, [2, 2], Activation::Tanh),
                pooling([3, 3], algo).strides([2, 1]).padding([1, 1]),
                dense(3, Activation::Sigmoid),
            ],
            Cost::SigmoidCrossEntropy,
            1e-6,
        );
    }
}

#[test]
fn dense_on_a_4d_input_with_relu_and_elu() {
    check(
        [4, 3, 3, 2],
        &[
            dense(5, Activation::Elu(0.7)),
            dense(4, Activation::Tanh),
            dense(2, Activation::Linear),
        ],
        Cost::Quadratic,
        1e-6,
    );
}

#[test]
fn the_small_cnn() {
    // the Fashion-MNIST network's structure on a small input, ReLU included (random
    // inputs keep the kinks away from the few entries checked)
    check(
        [4, 1, 10, 10],
        &[
            convo(3, [3, 3], Activation::Relu),
            convo(4, [3, 3], Activation::Relu),
            pooling([2, 2], PoolAlgo::Max),
            dense(6, Activation::Relu),
            dense(3, Activation::Softmax),
        ],
        Cost::SoftmaxCrossEntropy,
        1e-5,
    );
}
