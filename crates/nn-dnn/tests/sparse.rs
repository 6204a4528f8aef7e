//! Sparse input (a bag of words) to a network whose first layer is dense: the same
//! outputs, gradients and trained weights as the dense input holding the same
//! values, in f64; errors for networks that cannot take it.

use la_core::prelude::*;
use la_core::rand::Rng;
use la_core::sparse::CscMatrix;
use nn_dnn::{dense, dropout, network, train, train_sparse, Network, TrainOptions};
use nn_dnn::{Activation, Init};
use nn_dnn::{Adam, Cost};
use tensor_core::{desc, tensor_from, AsTensor, DataType, Tensor, TensorLayout};

const FEATURES: usize = 12;

/// `n` samples of a few words each (values 1), label "word 0 or 1 present".
fn data(n: usize) -> (CscMatrix<f64>, Tensor<f64>, Tensor<f64>) {
    let fac = native_double();
    let mut rng = seeded_rng(11);
    let mut csc = CscMatrix::with_capacity(FEATURES, n, 0);
    let mut dense_x = vec![0.0; n * FEATURES];
    let mut labels = vec![];
    for j in 0..n {
        let mut words: Vec<u32> = (0..3)
            .map(|_| rng.random_range(0..FEATURES as u32))
            .collect();
        words.sort_unstable();
        words.dedup();
        for &w in &words {
            dense_x[j * FEATURES + w as usize] = 1.0;
        }
        csc.push_col(&words, &vec![1.0; words.len()]).unwrap();
        labels.push(if words.iter().any(|&w| w < 2) {
            1.0
        } else {
            0.0
        });
    }
    let x = tensor_from(
        &fac,
        desc([n, FEATURES], DataType::Double, TensorLayout::Nc).unwrap(),
        &dense_x,
    )
    .unwrap();
    let y = tensor_from(
        &fac,
        desc([n, 1], DataType::Double, TensorLayout::Nc).unwrap(),
        &labels,
    )
    .unwrap();
    (csc, x, y)
}

fn net(batch: usize) -> Network<f64> {
    let input = desc([batch, FEATURES], DataType::Double, TensorLayout::Nc).unwrap();
    let mut n = network(
        native_double(),
        input,
        &[dense(8, Activation::Relu), dense(1, Activation::Sigmoid)],
    )
    .unwrap();
    n.init(&mut seeded_rng(4), Init::He).unwrap();
    n.set_optimizer(Adam::default()).unwrap();
    n
}

fn params(n: &Network<f64>) -> Vec<f64> {
    let mut v = vec![];
    for l in n.layers() {
        l.param_values(&mut |p, _, _| {
            v.extend(p.to_vec()?);
            Ok(())
        })
        .unwrap();
    }
    v
}

#[test]
fn sparse_and_dense_input_train_the_same_network() {
    let (xs, xd, y) = data(100);
    let (mut a, mut b) = (net(16), net(16));
    // one step: the same cost and gradients
    let mut first = CscMatrix::with_capacity(FEATURES, 16, 0);
    for j in 0..16 {
        first.push_col_from(&xs, j).unwrap();
    }
    let ca = a
        .forward_backward_sparse(
            &first,
            &y.subtensor(0, 0, 16).unwrap(),
            Cost::SigmoidCrossEntropy,
        )
        .unwrap();
    let cb = b
        .forward_backward(
            &xd.subtensor(0, 0, 16).unwrap(),
            &y.subtensor(0, 0, 16).unwrap(),
            Cost::SigmoidCrossEntropy,
        )
        .unwrap();
    assert!((ca - cb).abs() <= 1e-14, "{ca} vs {cb}");
    // whole runs: the same weights (the last mini-batch is shorter: 100 = 6·16 + 4)
    let opts = TrainOptions::new(5, 0.01);
    let ka = train_sparse(&mut a, &xs, &y, Cost::SigmoidCrossEntropy, &opts, |_, _| {
        Ok(())
    })
    .unwrap();
    let kb = train(&mut b, &xd, &y, Cost::SigmoidCrossEntropy, &opts, |_, _| {
        Ok(())
    })
    .unwrap();
    for (p, q) in ka.iter().zip(&kb) {
        assert!((p - q).abs() <= 1e-12, "{ka:?} vs {kb:?}");
    }
    assert!(ka[4] < ka[0]);
    for (p, q) in params(&a).iter().zip(params(&b)) {
        assert!((p - q).abs() <= 1e-12, "{p} vs {q}");
    }
    let fs = a.forward_sparse(&first).unwrap().to_vec().unwrap();
    let fd = a
        .forward(&xd.subtensor(0, 0, 16).unwrap())
        .unwrap()
        .to_vec()
        .unwrap();
    assert_eq!(fs, fd);
}

#[test]
fn networks_that_cannot_take_sparse_input_say_why() {
    let (xs, _, y) = data(20);
    let fac = native_double();
    // a dropout layer first
    let input = desc([8, FEATURES], DataType::Double, TensorLayout::Nc).unwrap();
    let mut d = network(&fac, input, &[dropout(), dense(1, Activation::Sigmoid)]).unwrap();
    let e = train_sparse(
        &mut d,
        &xs,
        &y,
        Cost::SigmoidCrossEntropy,
        &TrainOptions::new(1, 0.1),
        |_, _| Ok(()),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("a dropout layer cannot take sparse input"),
        "{e}"
    );
    // an image network
    let img = desc([8, 1, 3, 4], DataType::Double, TensorLayout::Nchw).unwrap();
    let mut c = network(&fac, img, &[dense(1, Activation::Sigmoid)]).unwrap();
    let e = c.forward_sparse(&xs).unwrap_err().to_string();
    assert!(e.contains("[batch features]"), "{e}");
    // wrong features, too many samples, mismatched targets
    let mut n = net(8);
    let wide = CscMatrix::<f64>::with_capacity(FEATURES + 1, 0, 0);
    let e = n.forward_sparse(&wide).unwrap_err().to_string();
    assert!(
        e.contains(&format!("takes {FEATURES} x n sparse input")) && e.contains("13x0"),
        "{e}"
    );
    let e = n.forward_sparse(&xs).unwrap_err().to_string();
    assert!(e.contains("1 ≤ n ≤ 8") && e.contains("12x20"), "{e}");
    let y_short = y.subtensor(0, 0, 10).unwrap();
    let e = train_sparse(
        &mut n,
        &xs,
        &y_short,
        Cost::SigmoidCrossEntropy,
        &TrainOptions::new(1, 0.1),
        |_, _| Ok(()),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("x has 20 samples (columns) but y has 10"), "{e}");
}
