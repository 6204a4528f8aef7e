//! The training loop's validation set (`TrainOptions::validation`): after every epoch
//! its cost and metric equal those of the network's outputs on the whole set computed
//! apart (f64, batches that do not divide the set), sparse and dense sets agree, and
//! a set that does not fit the network is refused before the first epoch.

use la_core::prelude::*;
use la_core::rand::RngCore;
use la_core::sparse::CscMatrix;
use nn_dnn::{dense, network, train, train_sparse, Activation, Adam, Cost, Init};
use nn_dnn::{Metric, Network, TrainOptions, Validation};
use tensor_core::{desc, tensor_from, AsTensor, DataType, Tensor, TensorLayout};

const FEATURES: usize = 6;
const CLASSES: usize = 3;

/// `n` samples of `FEATURES` 0/1 values (about a third set) with one-hot classes
/// (the class: the first set feature, mod 3), as a dense tensor and a CSC matrix.
fn data(n: usize, seed: u64) -> (Tensor<f64>, CscMatrix<f64>, Tensor<f64>) {
    let fac = native_double();
    let mut rng = seeded_rng(seed);
    let (mut xs, mut ys) = (vec![0.0; n * FEATURES], vec![0.0; n * CLASSES]);
    let mut csc = CscMatrix::with_capacity(FEATURES, n, 0);
    for j in 0..n {
        let mut rows = vec![];
        for f in 0..FEATURES {
            if rng.next_u64().is_multiple_of(3) || (f == FEATURES - 1 && rows.is_empty()) {
                xs[j * FEATURES + f] = 1.0;
                rows.push(f as u32);
            }
        }
        ys[j * CLASSES + rows[0] as usize % CLASSES] = 1.0;
        csc.push_col(&rows, &vec![1.0; rows.len()]).unwrap();
    }
    let nc = |w: usize| desc([n, w], DataType::Double, TensorLayout::Nc).unwrap();
    (
        tensor_from(&fac, nc(FEATURES), &xs).unwrap(),
        csc,
        tensor_from(&fac, nc(CLASSES), &ys).unwrap(),
    )
}

fn net(batch: usize) -> Network<f64> {
    let input = desc([batch, FEATURES], DataType::Double, TensorLayout::Nc).unwrap();
    let mut net = network(
        native_double(),
        input,
        &[
            dense(8, Activation::Tanh),
            dense(CLASSES, Activation::Softmax),
        ],
    )
    .unwrap();
    net.init(&mut seeded_rng(3), Init::Glorot).unwrap();
    net.set_optimizer(Adam::default()).unwrap();
    net
}

/// The cost and accuracy of `net` on all of `(x, y)` at once, computed apart.
fn reference(net: &mut Network<f64>, x: &Tensor<f64>, y: &Tensor<f64>) -> (f64, f64) {
    let p = net.infer(x).unwrap();
    let (p, y) = (p.view_mat().unwrap(), y.view_mat().unwrap());
    (
        nn_dnn::cost_value(Cost::SoftmaxCrossEntropy, &p, &y).unwrap(),
        nn_dnn::categorical_accuracy(&p, &y).unwrap(),
    )
}

#[test]
fn each_epoch_reports_the_validation_cost_and_metric_of_the_whole_set() {
    let (x, _, y) = data(40, 1);
    let (xv, _, yv) = data(23, 2); // 23 = 4 batches of 5 and one of 3
    let (xr, _, yr) = data(23, 2);
    let v = Validation::new(xv, yv)
        .unwrap()
        .with_metric(Metric::CategoricalAccuracy);
    assert_eq!(
        (v.samples(), v.metric()),
        (23, Some(Metric::CategoricalAccuracy))
    );
    let opts = TrainOptions {
        validation: Some(v),
        ..TrainOptions::new(6, 0.05)
    };
    let mut net = net(5);
    let mut seen = vec![];
    train(
        &mut net,
        &x,
        &y,
        Cost::SoftmaxCrossEntropy,
        &opts,
        |e, net| {
            let got = e.validation.expect("a validation set was given");
            seen.push((got, reference(net, &xr, &yr)));
            assert!(e.seconds.is_finite() && e.seconds >= 0.0, "{}", e.seconds);
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(seen.len(), 6);
    for (got, (cost, accuracy)) in &seen {
        assert!(
            (got.cost - cost).abs() <= 1e-12 * cost.abs().max(1.0),
            "{got:?} vs {cost}"
        );
        let metric = got.metric.expect("the metric was set");
        assert!((metric - accuracy).abs() < 1e-12, "{metric} vs {accuracy}");
    }
    assert!(seen[5].0.cost < seen[0].0.cost, "{seen:?}"); // it learns
}

#[test]
fn a_sparse_validation_set_measures_what_the_dense_one_does() {
    let (x, xs, y) = data(30, 4);
    let (xv, xvs, yv) = data(17, 5);
    let (_, _, yv2) = data(17, 5);
    let dense_set = Validation::new(xv, yv)
        .unwrap()
        .with_metric(Metric::CategoricalAccuracy);
    let sparse_set = Validation::sparse(xvs, yv2)
        .unwrap()
        .with_metric(Metric::CategoricalAccuracy);
    let run = |sparse: bool, v: Validation<f64>| {
        let opts = TrainOptions {
            validation: Some(v),
            ..TrainOptions::new(3, 0.05)
        };
        let mut got = vec![];
        let mut n = net(4);
        let each = |e: &nn_dnn::Epoch<f64>, _: &mut Network<f64>| {
            got.push(e.validation.unwrap());
            Ok(())
        };
        if sparse {
            train_sparse(&mut n, &xs, &y, Cost::SoftmaxCrossEntropy, &opts, each).unwrap();
        } else {
            train(&mut n, &x, &y, Cost::SoftmaxCrossEntropy, &opts, each).unwrap();
        }
        got
    };
    let (d, s) = (run(false, dense_set.clone()), run(true, sparse_set.clone()));
    assert_eq!(d.len(), 3);
    for (d, s) in d.iter().zip(&s) {
        assert!((d.cost - s.cost).abs() < 1e-12, "{d:?} vs {s:?}");
        assert_eq!(d.metric, s.metric);
    }
    // a dense network evaluates a sparse set too
    let cross = run(false, sparse_set);
    assert!(
        (cross[2].cost - d[2].cost).abs() < 1e-12,
        "{cross:?} vs {d:?}"
    );
}

#[test]
fn a_set_that_does_not_fit_the_network_is_refused_before_the_first_epoch() {
    let fac = native_double();
    let (x, _, y) = data(20, 6);
    let nc = |n: usize, w: usize| desc([n, w], DataType::Double, TensorLayout::Nc).unwrap();
    let bad = [
        (
            Validation::new(
                tensor_from(&fac, nc(4, FEATURES + 1), &[0.0; 4 * (FEATURES + 1)]).unwrap(),
                tensor_from(&fac, nc(4, CLASSES), &[0.0; 4 * CLASSES]).unwrap(),
            )
            .unwrap(),
            "its samples are",
        ),
        (
            Validation::new(
                tensor_from(&fac, nc(4, FEATURES), &[0.0; 4 * FEATURES]).unwrap(),
                tensor_from(&fac, nc(4, 2), &[0.0; 8]).unwrap(),
            )
            .unwrap(),
            "its targets are",
        ),
        (
            Validation::sparse(
                CscMatrix::with_capacity(FEATURES + 2, 0, 0),
                tensor_from(&fac, nc(0, CLASSES), &[]).unwrap(),
            )
            .map_or_else(
                |e| {
                    assert!(e.to_string().contains("no samples"), "{e}");
                    Validation::sparse(
                        CscMatrix::new(FEATURES + 2, vec![0, 1], vec![0], vec![1.0]).unwrap(),
                        tensor_from(&fac, nc(1, CLASSES), &[1.0, 0.0, 0.0]).unwrap(),
                    )
                    .unwrap()
                },
                |_| panic!("an empty set was accepted"),
            ),
            "features",
        ),
    ];
    for (v, what) in bad {
        let opts = TrainOptions {
            validation: Some(v),
            ..TrainOptions::new(2, 0.05)
        };
        let mut epochs = 0;
        let e = train(
            &mut net(4),
            &x,
            &y,
            Cost::SoftmaxCrossEntropy,
            &opts,
            |_, _| {
                epochs += 1;
                Ok(())
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("validation") && e.contains(what), "{e}");
        assert_eq!(epochs, 0, "no epoch runs before the check");
    }
    // samples and targets of different lengths
    let e = Validation::new(
        tensor_from(&fac, nc(3, FEATURES), &[0.0; 3 * FEATURES]).unwrap(),
        tensor_from(&fac, nc(2, CLASSES), &[0.0; 2 * CLASSES]).unwrap(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("3 samples but y has 2"), "{e}");
}
