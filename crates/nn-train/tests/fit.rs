//! `fit`, the one training entry point: the book's wrappers are exactly `fit`; the
//! fused and layer-by-layer paths agree; sparse and dense mini-batches of the same
//! samples agree.

use la_core::prelude::*;
use la_core::sparse::CscMatrix;
use nn_inference::{fully_connected, inference_network, Activation, InferenceNetwork, Init};
use nn_train::{
    fit, sgd, sgd_train, training_network, training_network_sparse, Adam, Batches, Cost, Schedule,
    TrainOptions,
};

fn net(inputs: usize) -> InferenceNetwork<f64> {
    let mut n = inference_network(
        native_double(),
        inputs,
        &[
            fully_connected(8, Activation::Tanh),
            fully_connected(1, Activation::Sigmoid),
        ],
    )
    .unwrap();
    n.init(&mut seeded_rng(3), Init::Glorot).unwrap();
    n
}

/// 6 binary features per sample (a bag of words), 128 samples; the label is "more
/// than half the features are on".
fn data() -> (Matrix<f64>, CscMatrix<f64>, Matrix<f64>) {
    let (k, n) = (6, 128);
    let mut rng = seeded_rng(9);
    let mut u = native_double().vctr(k * n).unwrap();
    rand_uniform(&mut rng, &mut u).unwrap();
    let bits: Vec<f64> = u
        .to_vec()
        .unwrap()
        .iter()
        .map(|&v| (v > 0.5) as u8 as f64)
        .collect();
    let y: Vec<f64> = bits
        .chunks(k)
        .map(|c| (c.iter().sum::<f64>() > 3.0) as u8 as f64)
        .collect();
    let mut csc = CscMatrix::with_capacity(k, n, 0);
    for c in bits.chunks(k) {
        let idx: Vec<u32> = (0..k as u32).filter(|&i| c[i as usize] == 1.0).collect();
        csc.push_col(&idx, &vec![1.0; idx.len()]).unwrap();
    }
    (
        dge(k, n, &bits, Layout::ColumnMajor).unwrap(),
        csc,
        dge(1, n, &y, Layout::ColumnMajor).unwrap(),
    )
}

fn weights(n: &InferenceNetwork<f64>) -> Vec<f64> {
    n.layers()
        .iter()
        .flat_map(|l| l.weights().unwrap().to_vec().unwrap())
        .collect()
}

#[test]
fn sgd_is_fit_on_the_full_batch() {
    let (x, _, y) = data();
    let (mut a, mut b) = (net(6), net(6));
    let cost = Cost::SigmoidCrossEntropy;
    let mut ta = training_network(&mut a, &x, Adam::default()).unwrap();
    let sa = sgd(&mut ta, &y, cost, &[(30, 0.01), (20, 0.001)]).unwrap();
    drop(ta);
    let mut tb = training_network(&mut b, &x, Adam::default()).unwrap();
    let mut seen = vec![];
    for (epochs, lr) in [(30, 0.01), (20, 0.001)] {
        let c = fit(
            &mut tb,
            Batches::Full,
            &y,
            cost,
            &TrainOptions::new(epochs, lr),
            |e| seen.push(e.epoch),
        )
        .unwrap();
        assert_eq!(c.len(), epochs);
    }
    assert_eq!(sa.len(), 2);
    assert_eq!(seen.len(), 50);
    drop(tb);
    assert_eq!(weights(&a), weights(&b));
}

#[test]
fn fused_and_layer_by_layer_agree() {
    let (x, _, y) = data();
    let mut runs = vec![];
    for fused in [true, false] {
        let mut n = net(6);
        let mut t =
            training_network(&mut n, &x.submatrix(0, 0, 6, 64).unwrap(), Adam::default()).unwrap();
        t.set_fused(fused);
        let opts = TrainOptions {
            seed: 5,
            schedule: Schedule::Exponential { gamma: 0.9 },
            ..TrainOptions::new(10, 0.01)
        };
        let costs = fit(
            &mut t,
            Batches::Dense(x.view()),
            &y,
            Cost::SigmoidCrossEntropy,
            &opts,
            |_| {},
        )
        .unwrap();
        drop(t);
        runs.push((costs, weights(&n)));
    }
    // f64: the two paths order sums differently; bound the difference.
    for (a, b) in runs[0].1.iter().zip(&runs[1].1) {
        assert!((a - b).abs() < 1e-10, "{a} vs {b}");
    }
    for (a, b) in runs[0].0.iter().zip(&runs[1].0) {
        assert!((a - b).abs() < 1e-10, "{a} vs {b}");
    }
    assert!(runs[0].0[9] < runs[0].0[0], "it learns: {:?}", runs[0].0);
}

#[test]
fn sparse_and_dense_batches_agree_and_match_sgd_train() {
    let (x, csc, y) = data();
    let cost = Cost::SigmoidCrossEntropy;
    let (mut d, mut s, mut w) = (net(6), net(6), net(6));
    let mut td =
        training_network(&mut d, &x.submatrix(0, 0, 6, 32).unwrap(), Adam::default()).unwrap();
    td.set_fused(false);
    let opts = TrainOptions {
        seed: 7,
        ..TrainOptions::new(5, 0.01)
    };
    let cd = fit(&mut td, Batches::Dense(x.view()), &y, cost, &opts, |_| {}).unwrap();
    drop(td);
    let sparse_batch = {
        let mut b = CscMatrix::with_capacity(6, 32, 0);
        for j in 0..32 {
            b.push_col_from(&csc, j).unwrap();
        }
        b
    };
    let mut ts = training_network_sparse(&mut s, &sparse_batch, Adam::default()).unwrap();
    let cs = fit(&mut ts, Batches::Sparse(&csc), &y, cost, &opts, |_| {}).unwrap();
    drop(ts);
    for (a, b) in weights(&d).iter().zip(&weights(&s)) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    for (a, b) in cd.iter().zip(&cs) {
        assert!((a - b).abs() < 1e-12);
    }
    // sgd_train is fit with the same options (and the network's fused setting)
    let mut tw =
        training_network(&mut w, &x.submatrix(0, 0, 6, 32).unwrap(), Adam::default()).unwrap();
    tw.set_fused(false);
    let last = sgd_train(&mut tw, &x, &y, cost, &opts).unwrap();
    drop(tw);
    assert_eq!(last, cd[4]);
    assert_eq!(weights(&w), weights(&d));
    // the wrong kind of batches is an error naming the fix
    let mut t2 =
        training_network(&mut w, &x.submatrix(0, 0, 6, 32).unwrap(), Adam::default()).unwrap();
    let e = fit(&mut t2, Batches::Sparse(&csc), &y, cost, &opts, |_| {}).unwrap_err();
    assert!(e.to_string().contains("training_network_sparse"), "{e}");
}

#[test]
fn cost_value_is_the_training_cost_for_every_cost() {
    let (x, _, y) = data();
    for (cost, out) in [
        (Cost::Quadratic, Activation::Sigmoid),
        (Cost::MeanAbsolute, Activation::Linear),
        (Cost::SigmoidCrossEntropy, Activation::Sigmoid),
    ] {
        let mut n = inference_network(
            native_double(),
            6,
            &[
                fully_connected(4, Activation::Tanh),
                fully_connected(1, out),
            ],
        )
        .unwrap();
        n.init(&mut seeded_rng(5), Init::Glorot).unwrap();
        let want = nn_train::cost_value(cost, &n.infer(&x).unwrap(), &y).unwrap();
        let mut t = training_network(&mut n, &x, Adam::default()).unwrap();
        let got = t.cost(&y, cost).unwrap();
        assert!(
            (got - want).abs() <= 1e-12 * want.abs().max(1.0),
            "{cost:?}: {got} vs {want}"
        );
    }
    // softmax cross-entropy on two classes
    let y2 = {
        let v = y.to_vec().unwrap();
        let two: Vec<f64> = v.iter().flat_map(|&c| [1.0 - c, c]).collect();
        dge(2, v.len(), &two, Layout::ColumnMajor).unwrap()
    };
    let mut n = inference_network(
        native_double(),
        6,
        &[
            fully_connected(4, Activation::Tanh),
            fully_connected(2, Activation::Softmax),
        ],
    )
    .unwrap();
    n.init(&mut seeded_rng(5), Init::Glorot).unwrap();
    let want = nn_train::cost_value(Cost::SoftmaxCrossEntropy, &n.infer(&x).unwrap(), &y2).unwrap();
    let got = training_network(&mut n, &x, Adam::default())
        .unwrap()
        .cost(&y2, Cost::SoftmaxCrossEntropy)
        .unwrap();
    assert!((got - want).abs() <= 1e-12, "{got} vs {want}");
    // a shape mismatch is an error naming the call
    let e = nn_train::cost_value(Cost::Quadratic, &x, &y)
        .unwrap_err()
        .to_string();
    assert!(e.contains("cost_value"), "{e}");
}

/// A validation set given as the book's matrices (dense or sparse) is measured after
/// every epoch of every batching, equal to the cost and accuracy of the network's
/// outputs on it computed apart.
#[test]
fn fit_reports_the_validation_set_after_every_epoch() {
    let (x, csc, y) = data();
    let (xv, yv) = (
        x.submatrix(0, 100, 6, 28).unwrap(),
        y.submatrix(0, 100, 1, 28).unwrap(),
    );
    let cost = Cost::SigmoidCrossEntropy;
    let metric = nn_train::Metric::BinaryAccuracy;
    let dense_set = nn_train::validation(&xv, &yv, Some(metric)).unwrap();
    let columns = |from: usize, to: usize| {
        let mut part = CscMatrix::with_capacity(6, to - from, 0);
        for j in from..to {
            part.push_col_from(&csc, j).unwrap();
        }
        part
    };
    let (sparse_part, first16) = (columns(100, 128), columns(0, 16));
    let sparse_set = nn_train::validation_sparse(&sparse_part, &yv, Some(metric)).unwrap();
    for (label, sparse_input) in [
        ("full", None),
        ("dense", Some(false)),
        ("sparse", Some(true)),
    ] {
        let mut n = net(6);
        let mut seen = vec![];
        let opts = TrainOptions {
            validation: Some(if sparse_input == Some(true) {
                sparse_set.clone()
            } else {
                dense_set.clone()
            }),
            ..TrainOptions::new(4, 0.05)
        };
        {
            let sub = x.submatrix(0, 0, 6, 16).unwrap();
            let mut t = match sparse_input {
                Some(true) => training_network_sparse(&mut n, &first16, Adam::default()).unwrap(),
                Some(false) => training_network(&mut n, &sub, Adam::default()).unwrap(),
                None => training_network(&mut n, &x, Adam::default()).unwrap(),
            };
            let batches = match sparse_input {
                Some(true) => Batches::Sparse(&csc),
                Some(false) => Batches::Dense(x.view()),
                None => Batches::Full,
            };
            fit(&mut t, batches, &y, cost, &opts, |e| {
                seen.push(e.validation)
            })
            .unwrap();
        }
        assert_eq!(seen.len(), 4, "{label}");
        let last = seen[3].expect("validated");
        let p = n.infer(&xv).unwrap();
        let want = nn_train::cost_value(cost, &p, &yv).unwrap();
        assert!(
            (last.cost - want).abs() < 1e-12,
            "{label}: {} vs {want}",
            last.cost
        );
        let acc = nn_train::binary_accuracy(&p, &yv).unwrap();
        assert_eq!(last.metric, Some(acc), "{label}");
    }
}
