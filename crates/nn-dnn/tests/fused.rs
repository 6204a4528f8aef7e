//! The fused small-network pass as the network's fast path: an all-dense network on a
//! host factory trains through tensor-core's `mlp_gradients` when it qualifies, with the
//! gradients and costs of the layer-by-layer passes (f64, to rounding), and falls back
//! to the layers whenever it does not (softmax, dropout, too wide, small batches,
//! sparse input, a device factory).

use la_core::prelude::*;
use nn_dnn::{
    dense, dropout, network, train, Activation, Adam, Blueprint, Cost, Init, Network, Param,
    TrainOptions,
};
use tensor_core::{desc, tensor_from, DataType, Tensor, TensorLayout};

fn values(seed: u64, n: usize) -> Vec<f64> {
    let mut v = native_double().vctr(n).unwrap();
    rand_uniform_range(&mut seeded_rng(seed), -1.0, 1.0, &mut v).unwrap();
    v.to_vec().unwrap()
}

fn data(n: usize, inputs: usize, outputs: usize) -> (Tensor<f64>, Tensor<f64>) {
    let f = native_double();
    let x = tensor_from(
        &f,
        desc([n, inputs], DataType::Double, TensorLayout::Nc).unwrap(),
        &values(1, n * inputs),
    )
    .unwrap();
    // targets in (0, 1), so every cost applies
    let ys: Vec<f64> = values(2, n * outputs)
        .iter()
        .map(|v| 0.5 + 0.4 * v)
        .collect();
    let y = tensor_from(
        &f,
        desc([n, outputs], DataType::Double, TensorLayout::Nc).unwrap(),
        &ys,
    )
    .unwrap();
    (x, y)
}

fn grads(net: &mut Network<f64>) -> Vec<f64> {
    let mut out = vec![];
    for l in net.layers_mut() {
        l.params(&mut |p: Param<'_, f64>| {
            out.extend(p.grad.to_vec()?);
            Ok(())
        })
        .unwrap();
    }
    out
}

fn build(batch: usize, layers: &[Blueprint<f64>]) -> Network<f64> {
    let xd = desc([batch, 5], DataType::Double, TensorLayout::Nc).unwrap();
    let mut net = network(native_double(), xd, layers).unwrap();
    net.init(&mut seeded_rng(3), Init::Glorot).unwrap();
    net
}

/// Every fused cost and activation: the fused pass's gradients and cost are the
/// layers' to rounding, and it was taken.
#[test]
fn the_fused_pass_gives_the_layers_gradients() {
    let acts = [
        Activation::Tanh,
        Activation::Relu,
        Activation::Elu(0.7),
        Activation::Linear,
    ];
    for (cost, out_act) in [
        (Cost::Quadratic, Activation::Linear),
        (Cost::MeanAbsolute, Activation::Tanh),
        (Cost::SigmoidCrossEntropy, Activation::Sigmoid),
    ] {
        for act in acts {
            let layers = [
                dense(16, act),
                dense(8, Activation::Sigmoid),
                dense(3, out_act),
            ];
            let n = 200; // more than one chunk of 64, and a partial one
            let (x, y) = data(n, 5, 3);
            let mut net = build(n, &layers);
            let c_fused = net.forward_backward(&x, &y, cost).unwrap();
            assert!(net.last_pass_fused(), "{cost:?} {act:?}: not fused");
            let g_fused = grads(&mut net);
            net.set_fused(false);
            let c_layers = net.forward_backward(&x, &y, cost).unwrap();
            assert!(!net.last_pass_fused());
            let g_layers = grads(&mut net);
            assert!(
                (c_fused - c_layers).abs() <= 1e-12 * c_layers.abs().max(1.0),
                "{cost:?} {act:?}: cost {c_fused} vs {c_layers}"
            );
            for (i, (a, b)) in g_fused.iter().zip(&g_layers).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-11 * (1.0 + b.abs()),
                    "{cost:?} {act:?}: gradient {i}: fused {a} vs layers {b}"
                );
            }
        }
    }
}

/// Training with `train` (Adam, shuffled mini-batches of 64 and a short last one) takes
/// the same path through epochs as the layers do.
#[test]
fn training_fused_follows_training_by_layers() {
    let layers = [dense(12, Activation::Tanh), dense(1, Activation::Sigmoid)];
    let (x, y) = data(300, 5, 1);
    let mut costs = vec![];
    for fused in [true, false] {
        let mut net = build(64, &layers);
        net.set_fused(fused);
        net.set_optimizer(Adam::default()).unwrap();
        let c = train(
            &mut net,
            &x,
            &y,
            Cost::SigmoidCrossEntropy,
            &TrainOptions::new(20, 0.01),
            |_, _| Ok(()),
        )
        .unwrap();
        costs.push(c);
    }
    assert!(costs[0][19] < costs[0][0]);
    for (a, b) in costs[0].iter().zip(&costs[1]) {
        assert!(
            (a - b).abs() <= 1e-9 * b.abs(),
            "{:?} vs {:?}",
            costs[0],
            costs[1]
        );
    }
}

/// What the fused pass cannot take goes through the layers, with the same results.
#[test]
fn networks_the_pass_cannot_take_use_the_layers() {
    let (x, y) = data(128, 5, 3);
    let cases: Vec<(&str, Vec<Blueprint<f64>>, Cost, usize)> = vec![
        (
            "softmax",
            vec![dense(8, Activation::Tanh), dense(3, Activation::Softmax)],
            Cost::SoftmaxCrossEntropy,
            128,
        ),
        (
            "dropout",
            vec![
                dense(8, Activation::Tanh),
                dropout(),
                dense(3, Activation::Linear),
            ],
            Cost::Quadratic,
            128,
        ),
        (
            "too wide",
            vec![dense(65, Activation::Tanh), dense(3, Activation::Linear)],
            Cost::Quadratic,
            128,
        ),
        (
            "small batch",
            vec![dense(8, Activation::Tanh), dense(3, Activation::Linear)],
            Cost::Quadratic,
            32,
        ),
    ];
    for (what, layers, cost, n) in cases {
        let mut net = build(128, &layers);
        let xs = tensor_core::AsTensor::subtensor(&x, 0, 0, n).unwrap();
        let ys = tensor_core::AsTensor::subtensor(&y, 0, 0, n).unwrap();
        let c = net.forward_backward(&xs, &ys, cost).unwrap();
        assert!(!net.last_pass_fused(), "{what}: fused");
        assert!(c.is_finite() && c > 0.0, "{what}: cost {c}");
    }
}
