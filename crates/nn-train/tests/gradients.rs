//! Central finite-difference gradient checks in f64 for every hidden activation ×
//! cost (with each output activation it accepts) × layer, on a 3-4-3-2 network:
//! every weight and bias of every layer.

use la_core::prelude::*;
use nn_inference::{fully_connected, inference_network, Activation, Init};
use nn_train::{training_network, Cost, Optimizer};

const H: f64 = 1e-6;

fn check(hidden: Activation<f64>, output: Activation<f64>, cost: Cost) {
    let fac = native_double();
    let mut net = inference_network(
        &fac,
        3,
        &[
            fully_connected(4, hidden),
            fully_connected(3, hidden),
            fully_connected(2, output),
        ],
    )
    .unwrap();
    net.init(&mut seeded_rng(11), Init::Glorot).unwrap();
    for (i, l) in net.layers_mut().iter_mut().enumerate() {
        let b: Vec<f64> = (0..l.bias().dim())
            .map(|k| 0.1 * k as f64 - 0.07 * i as f64)
            .collect();
        l.bias_mut().set_from(&b).unwrap();
    }
    let batch = 5;
    let xd: Vec<f64> = (0..3 * batch)
        .map(|k| ((k * 7 % 11) as f64) / 5.0 - 1.0)
        .collect();
    let x = fac.ge_from(3, batch, &xd, Layout::ColumnMajor).unwrap();
    // targets: one-hot for softmax, in (0, 1) for sigmoid, anything otherwise
    let yd: Vec<f64> = (0..2 * batch)
        .map(|k| match cost {
            Cost::SoftmaxCrossEntropy => ((k % 2) == (k / 2) % 2) as u8 as f64,
            _ => 0.2 + 0.6 * ((k * 3 % 5) as f64) / 4.0,
        })
        .collect();
    let y = fac.ge_from(2, batch, &yd, Layout::ColumnMajor).unwrap();
    let mut train = training_network(&mut net, &x, Optimizer::default()).unwrap();
    train.forward_backward(&y, cost).unwrap();
    let what = format!(
        "{} hidden, {} output, {}",
        hidden.name(),
        output.name(),
        cost.name()
    );
    for l in 0..3 {
        let (gw, gb) = train.gradients(l).unwrap();
        let (gw, gb) = (gw.to_vec().unwrap(), gb.to_vec().unwrap());
        let (m, n) = {
            let w = train.network().layers()[l].weights().unwrap();
            (w.mrows(), w.ncols())
        };
        // every weight and bias, perturbed both ways
        for k in 0..m * n + m {
            let get = |t: &mut nn_train::TrainingNetwork<'_, f64>| -> f64 {
                let layer = &t.network().layers()[l];
                if k < m * n {
                    layer.weights().unwrap().entry(k % m, k / m).unwrap()
                } else {
                    layer.bias().entry(k - m * n).unwrap()
                }
            };
            let set = |t: &mut nn_train::TrainingNetwork<'_, f64>, v: f64| {
                let layer = &mut t.network_mut().layers_mut()[l];
                if k < m * n {
                    layer
                        .weights_mut()
                        .unwrap()
                        .set_entry(k % m, k / m, v)
                        .unwrap()
                } else {
                    layer.bias_mut().set_entry(k - m * n, v).unwrap()
                }
            };
            let v = get(&mut train);
            set(&mut train, v + H);
            let up = train.cost(&y, cost).unwrap();
            set(&mut train, v - H);
            let down = train.cost(&y, cost).unwrap();
            set(&mut train, v);
            let fd = (up - down) / (2.0 * H);
            let an = if k < m * n { gw[k] } else { gb[k - m * n] };
            assert!(
                (fd - an).abs() <= 1e-6 * fd.abs().max(1.0),
                "{what}: layer {l} parameter {k}: backprop {an} vs finite difference {fd}"
            );
        }
    }
}

const HIDDEN: [Activation<f64>; 5] = [
    Activation::Linear,
    Activation::Relu,
    Activation::Sigmoid,
    Activation::Tanh,
    Activation::Elu(0.8),
];

#[test]
fn quadratic_cost() {
    for h in HIDDEN {
        for o in [
            Activation::Linear,
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::Relu,
            Activation::Elu(1.0),
        ] {
            check(h, o, Cost::Quadratic);
        }
    }
}

#[test]
fn mean_absolute_cost() {
    for h in HIDDEN {
        for o in [Activation::Linear, Activation::Sigmoid, Activation::Tanh] {
            check(h, o, Cost::MeanAbsolute);
        }
    }
}

#[test]
fn sigmoid_cross_entropy() {
    for h in HIDDEN {
        check(h, Activation::Sigmoid, Cost::SigmoidCrossEntropy);
    }
}

#[test]
fn softmax_cross_entropy() {
    for h in HIDDEN {
        check(h, Activation::Softmax, Cost::SoftmaxCrossEntropy);
    }
}
