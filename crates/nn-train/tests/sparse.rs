//! Sparse input trains exactly like the same input dense: gradients and trained weights
//! agree (f64, to rounding), and the dense/sparse entry points refuse each other's
//! networks with a message saying which to use.

use la_core::prelude::*;
use la_core::sparse::CscMatrix;
use nn_inference::{fully_connected, inference_network, Activation, InferenceNetwork, Init};
use nn_train::{
    sgd_train, sgd_train_sparse, training_network, training_network_sparse, Adam, Cost, Dropout,
    TrainOptions,
};

/// 60 inputs x 40 samples, ~10% nonzero with values in [0.5, 1.5); returns both forms.
fn data(f: &Factory<f64>) -> (CscMatrix<f64>, Matrix<f64>, Matrix<f64>) {
    let (m, n) = (60, 40);
    let mut dense = vec![0.0; m * n];
    let mut csc = CscMatrix::with_capacity(m, n, 0);
    for j in 0..n {
        let (mut rows, mut vals) = (vec![], vec![]);
        for i in 0..m {
            if (i * 31 + j * 17) % 10 == 0 {
                let v = 0.5 + ((i * 7 + j * 3) % 10) as f64 / 10.0;
                rows.push(i as u32);
                vals.push(v);
                dense[j * m + i] = v;
            }
        }
        csc.push_col(&rows, &vals).unwrap();
    }
    let x = f.ge_from(m, n, &dense, Layout::ColumnMajor).unwrap();
    let yv: Vec<f64> = (0..n).map(|j| (j % 3 == 0) as u8 as f64).collect();
    let y = f.ge_from(1, n, &yv, Layout::ColumnMajor).unwrap();
    (csc, x, y)
}

fn net(f: &Factory<f64>) -> InferenceNetwork<f64> {
    let mut n = inference_network(
        f,
        60,
        &[
            fully_connected(8, Activation::Tanh),
            fully_connected(1, Activation::Sigmoid),
        ],
    )
    .unwrap();
    n.init(&mut seeded_rng(5), Init::Glorot).unwrap();
    n
}

fn params(n: &InferenceNetwork<f64>) -> Vec<f64> {
    n.layers()
        .iter()
        .flat_map(|l| {
            let mut v = l.weights().unwrap().to_vec().unwrap();
            v.extend(l.bias().to_vec().unwrap());
            v
        })
        .collect()
}

fn close(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len());
    for (k, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= 1e-12 * (1.0 + x.abs()), "{k}: {x} vs {y}");
    }
}

#[test]
fn sparse_and_dense_inputs_train_identically() {
    let f = native_double();
    let (csc, x, y) = data(&f);
    let cost = Cost::SigmoidCrossEntropy;
    let (mut a, mut b) = (net(&f), net(&f));
    {
        let mut ta = training_network(&mut a, &x, Adam::default()).unwrap();
        let mut tb = training_network_sparse(&mut b, &csc, Adam::default()).unwrap();
        let ca = ta.forward_backward(&y, cost).unwrap();
        let cb = tb.forward_backward(&y, cost).unwrap();
        assert!((ca - cb).abs() < 1e-12);
        for l in 0..2 {
            let (ga, gb) = (ta.gradients(l).unwrap(), tb.gradients(l).unwrap());
            close(&ga.0.to_vec().unwrap(), &gb.0.to_vec().unwrap());
            close(&ga.1.to_vec().unwrap(), &gb.1.to_vec().unwrap());
        }
    }
    // Mini-batches of 8, shuffled with the same seed, with dropout on the hidden layer.
    let (mut a, mut b) = (net(&f), net(&f));
    let hyper = |epochs| TrainOptions::new(epochs, 0.01);
    let first = x.submatrix(0, 0, 60, 8).unwrap();
    let mut first_csc = CscMatrix::with_capacity(60, 8, 0);
    for j in 0..8 {
        let (r, v) = csc.col(j);
        first_csc.push_col(r, v).unwrap();
    }
    let drop = Some(Dropout::Bernoulli { keep: 0.8 });
    let ca = {
        let mut t = training_network(&mut a, &first, Adam::default()).unwrap();
        t.set_dropout(0, drop).unwrap();
        sgd_train(&mut t, &x, &y, cost, &hyper(5)).unwrap()
    };
    let cb = {
        let mut t = training_network_sparse(&mut b, &first_csc, Adam::default()).unwrap();
        t.set_dropout(0, drop).unwrap();
        sgd_train_sparse(&mut t, &csc, &y, cost, &hyper(5)).unwrap()
    };
    assert!((ca - cb).abs() < 1e-12, "{ca} vs {cb}");
    close(&params(&a), &params(&b));
    assert_ne!(params(&a), params(&net(&f)), "training changed nothing");
}

#[test]
fn dense_and_sparse_entry_points_refuse_each_other() {
    let f = native_double();
    let (csc, x, y) = data(&f);
    let hyper = |epochs| TrainOptions::new(epochs, 0.01);
    let mut a = net(&f);
    let mut t = training_network_sparse(&mut a, &csc, Adam::default()).unwrap();
    let e = sgd_train(&mut t, &x, &y, Cost::Quadratic, &hyper(1)).unwrap_err();
    assert!(e.to_string().contains("use sgd_train_sparse"), "{e}");
    drop(t);
    let mut t = training_network(&mut a, &x, Adam::default()).unwrap();
    let e = sgd_train_sparse(&mut t, &csc, &y, Cost::Quadratic, &hyper(1)).unwrap_err();
    assert!(e.to_string().contains("training_network_sparse"), "{e}");
    drop(t);
    let wrong = CscMatrix::<f64>::with_capacity(59, 4, 0);
    let e = training_network_sparse(&mut a, &wrong, Adam::default()).unwrap_err();
    assert!(
        e.to_string().contains("takes 60 inputs but x is 59x0"),
        "{e}"
    );
}
