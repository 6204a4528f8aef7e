//! Training tests written once against `&Factory<T>`: each `conformance_*.rs` runs
//! them on its backend's factories with `conformance_tests!`.

use la_core::conformance::{f64s, ts};
use la_core::prelude::*;
use nn_inference::{fully_connected, inference_network, Activation, Init};

use nn_train::regression::{regression_data, regression_network};
use nn_train::{
    categorical_accuracy, sgd, sgd_train, training_network, Adam, Cost, Dropout, GradientDescent,
    Momentum, Nesterov, Optimizer, RmsProp, TrainOptions,
};

/// Instantiates the training tests as `#[test]`s in module `$name` for element type
/// `$t`; `$factory` evaluates to `Option<Factory<$t>>` (`None` skips).
macro_rules! conformance_tests {
    ($name:ident, $t:ty, $factory:expr) => {
        mod $name {
            fn factory() -> Option<la_core::Factory<$t>> {
                $factory
            }
            conformance_tests!(@tests $t; optimizer_steps, regression_learns,
                minibatch_classification, dropout_statistics, errors);
        }
    };
    (@tests $t:ty; $($test:ident),*) => {$(
        #[test]
        fn $test() {
            if let Some(f) = factory() {
                crate::conformance::$test::<$t>(&f);
            }
        }
    )*};
}

/// One linear layer, two steps of every optimizer, against the formulas computed
/// by hand here in f64 (independently of the crate's la-core composition).
pub fn optimizer_steps<T: Scalar>(f: &Factory<T>) {
    let (lr, wd) = (0.1, 0.01);
    let x = [0.5, -1.0, 1.5, 2.0, -0.5, 0.25]; // 2x3, column-major
    let y = [1.0, -1.0, 0.2];
    // the hand computation starts from the values as T holds them
    let w0: Vec<f64> = f64s(&ts::<T>(&[0.3, -0.2]));
    let b0 = f64s(&ts::<T>(&[0.1]))[0];
    let opts: [Optimizer<T>; 5] = [
        GradientDescent {
            weight_decay: T::of(wd),
        }
        .into(),
        Momentum::default().into(),
        Nesterov::default().into(),
        Adam::default().into(),
        RmsProp::default().into(),
    ];
    for (which, opt) in opts.into_iter().enumerate() {
        // the hand computation
        let (mut w, mut b) = (w0.to_vec(), b0);
        let mut st = [[0.0f64; 3]; 2]; // per parameter (w0, w1, b): state 0 and 1
        for t in 1..=2 {
            let mut g = [0.0f64; 3];
            for s in 0..3 {
                let a = w[0] * x[2 * s] + w[1] * x[2 * s + 1] + b;
                let e = a - y[s];
                g[0] += e * x[2 * s] / 3.0;
                g[1] += e * x[2 * s + 1] / 3.0;
                g[2] += e / 3.0;
            }
            for k in 0..3 {
                let p = if k < 2 { w[k] } else { b };
                let gk = if which == 0 && k < 2 {
                    g[k] + wd * p
                } else {
                    g[k]
                };
                let np = match which {
                    0 => p - lr * gk,
                    1 => {
                        st[0][k] = 0.9 * st[0][k] - lr * gk;
                        p + st[0][k]
                    }
                    2 => {
                        let prev = st[0][k];
                        st[0][k] = 0.9 * prev - lr * gk;
                        p - 0.9 * prev + 1.9 * st[0][k]
                    }
                    3 => {
                        st[0][k] = 0.9 * st[0][k] + 0.1 * gk;
                        st[1][k] = 0.999 * st[1][k] + 0.001 * gk * gk;
                        let mh = st[0][k] / (1.0 - 0.9f64.powi(t));
                        let vh = st[1][k] / (1.0 - 0.999f64.powi(t));
                        p - lr * mh / (vh.sqrt() + 1e-8)
                    }
                    _ => {
                        st[0][k] = 0.9 * st[0][k] + 0.1 * gk * gk;
                        p - lr * gk / (st[0][k].sqrt() + 1e-8)
                    }
                };
                if k < 2 {
                    w[k] = np;
                } else {
                    b = np;
                }
            }
        }
        // the crate
        let mut net = inference_network(f, 2, &[fully_connected(1, Activation::Linear)]).unwrap();
        net.layers_mut()[0]
            .weights_mut()
            .unwrap()
            .set_from(&ts::<T>(&w0))
            .unwrap();
        net.layers_mut()[0]
            .bias_mut()
            .set_from(&ts::<T>(&[b0]))
            .unwrap();
        let xm = f.ge_from(2, 3, &ts::<T>(&x), Layout::ColumnMajor).unwrap();
        let ym = f.ge_from(1, 3, &ts::<T>(&y), Layout::ColumnMajor).unwrap();
        let mut train = training_network(&mut net, &xm, opt).unwrap();
        sgd(&mut train, &ym, Cost::Quadratic, &[(2, T::of(lr))]).unwrap();
        drop(train);
        let got_w = f64s(&net.layers()[0].weights().unwrap().to_vec().unwrap());
        let got_b = net.layers()[0].bias().entry(0).unwrap().as_f64();
        let tol = 1e3 * T::EPSILON.as_f64();
        for (g, e) in got_w.iter().chain([&got_b]).zip(w.iter().chain([&b])) {
            assert!(
                (g - e).abs() <= tol,
                "{opt:?}: parameter {g} after two steps, by hand {e}"
            );
        }
    }
}

/// The regression chapter, small: 1000 samples, 4-8-8-1, full-batch gradient
/// descent; the cost falls from the initial value to below 0.02 in 1500 epochs.
pub fn regression_learns<T: Scalar>(f: &Factory<T>) {
    let (x, y) = regression_data(f, 1000, 1).unwrap();
    let mut net = regression_network(f, 2).unwrap();
    let mut train = training_network(&mut net, &x, Optimizer::default()).unwrap();
    let start = train.cost(&y, Cost::Quadratic).unwrap().as_f64();
    let costs = sgd(
        &mut train,
        &y,
        Cost::Quadratic,
        &[(500, T::of(0.05)), (1000, T::of(0.05))],
    )
    .unwrap();
    let (mid, end) = (costs[0].as_f64(), costs[1].as_f64());
    assert!(start > 0.5, "initial cost {start}");
    assert!(end < mid && end < 0.02, "costs {start} -> {mid} -> {end}");
}

/// Mini-batch SGD with Adam and softmax cross-entropy on three Gaussian blobs:
/// categorical accuracy on held-out samples ≥ 0.95.
pub fn minibatch_classification<T: Scalar>(f: &Factory<T>) {
    let centres = [(-2.0, 0.0), (2.0, 0.0), (0.0, 2.5)];
    let blobs = |n: usize, seed: u64| {
        let mut noise = f.ge(2, n, Layout::ColumnMajor).unwrap();
        rand_normal(&mut seeded_rng(seed), T::zero(), T::of(0.6), &mut noise).unwrap();
        let nz = f64s(&noise.to_vec().unwrap());
        let mut xs = Vec::with_capacity(2 * n);
        let mut ys = vec![0.0; 3 * n];
        for s in 0..n {
            let c = s % 3;
            xs.push(centres[c].0 + nz[2 * s]);
            xs.push(centres[c].1 + nz[2 * s + 1]);
            ys[3 * s + c] = 1.0;
        }
        (
            f.ge_from(2, n, &ts::<T>(&xs), Layout::ColumnMajor).unwrap(),
            f.ge_from(3, n, &ts::<T>(&ys), Layout::ColumnMajor).unwrap(),
        )
    };
    let (x, y) = blobs(600, 5);
    let (xt, yt) = blobs(300, 6);
    let mut net = inference_network(
        f,
        2,
        &[
            fully_connected(16, Activation::Relu),
            fully_connected(3, Activation::Softmax),
        ],
    )
    .unwrap();
    net.init(&mut seeded_rng(3), Init::He).unwrap();
    let first = x.submatrix(0, 0, 2, 32).unwrap();
    let mut train = training_network(&mut net, &first, Adam::default()).unwrap();
    let c = sgd_train(
        &mut train,
        &x,
        &y,
        Cost::SoftmaxCrossEntropy,
        &TrainOptions::new(20, T::of(0.01)),
    )
    .unwrap();
    drop(train);
    let acc = categorical_accuracy(&net.infer(&xt).unwrap(), &yt).unwrap();
    assert!(acc >= 0.95, "accuracy {acc}, last cost {c}");
}

/// Dropout keeps the expected activation: a 1000-wide linear hidden layer of ones,
/// averaged by the output, stays within 4σ of 1 under Bernoulli (keep 0.8) and
/// Gaussian (σ = 0.5) dropout, and is not exactly 1 (the mask was applied).
pub fn dropout_statistics<T: Scalar>(f: &Factory<T>) {
    let width = 1000;
    for d in [
        Dropout::Bernoulli { keep: T::of(0.8) },
        Dropout::Gaussian { sigma: T::of(0.5) },
    ] {
        let mut net = inference_network(
            f,
            1,
            &[
                fully_connected(width, Activation::Linear),
                fully_connected(1, Activation::Linear),
            ],
        )
        .unwrap();
        fill(&mut net.layers_mut()[0].weights_mut().unwrap(), T::one()).unwrap();
        let w = T::of(1.0 / width as f64);
        fill(&mut net.layers_mut()[1].weights_mut().unwrap(), w).unwrap();
        let x = f.ge_from(1, 1, &[T::one()], Layout::ColumnMajor).unwrap();
        let y = f.ge(1, 1, Layout::ColumnMajor).unwrap();
        let mut train = training_network(&mut net, &x, Optimizer::default()).unwrap();
        train.set_dropout(0, Some(d)).unwrap();
        train.seed(9);
        let mut outs = Vec::new();
        for _ in 0..5 {
            // quadratic cost with y = 0 is out²/2
            let c = train
                .forward_backward(&y, Cost::Quadratic)
                .unwrap()
                .as_f64();
            let out = train.output().unwrap().entry(0, 0).unwrap().as_f64();
            assert!(
                (c - out * out / 2.0).abs() < 1e-4,
                "{d:?}: cost {c}, output {out}"
            );
            assert!(
                (out - 1.0).abs() < 4.0 * 0.5 / (width as f64).sqrt(),
                "{d:?}: {out}"
            );
            outs.push(out);
        }
        assert!(
            outs.iter().any(|o| (o - 1.0).abs() > 1e-6) && outs.windows(2).any(|w| w[0] != w[1]),
            "{d:?}: the masks changed nothing: {outs:?}"
        );
        // the cost without dropout is exact
        let c = train.cost(&y, Cost::Quadratic).unwrap().as_f64();
        assert!((c - 0.5).abs() < 1e-4, "{d:?}: no-dropout cost {c}");
    }
}

/// Wrong shapes, cost/activation mismatches and bad dropout are errors naming the problem.
pub fn errors<T: Scalar>(f: &Factory<T>) {
    let mut net = inference_network(
        f,
        3,
        &[
            fully_connected(4, Activation::Relu),
            fully_connected(2, Activation::Sigmoid),
        ],
    )
    .unwrap();
    let x = f.ge(3, 5, Layout::ColumnMajor).unwrap();
    let bad_x = f.ge(4, 5, Layout::ColumnMajor).unwrap();
    let msg = |e: nn_train::Error| e.to_string();
    let e = msg(training_network(&mut net, &bad_x, Optimizer::default()).unwrap_err());
    assert!(e.contains("the network takes 3 inputs but x is 4x5"), "{e}");
    let mut train = training_network(&mut net, &x, Optimizer::default()).unwrap();
    let y = f.ge(2, 5, Layout::ColumnMajor).unwrap();
    let e = msg(sgd(&mut train, &y, Cost::SoftmaxCrossEntropy, &[(1, T::one())]).unwrap_err());
    assert!(
        e.contains("softmax cross-entropy needs a softmax output layer, but it is sigmoid"),
        "{e}"
    );
    let bad_y = f.ge(1, 5, Layout::ColumnMajor).unwrap();
    let e = msg(sgd(&mut train, &bad_y, Cost::Quadratic, &[(1, T::one())]).unwrap_err());
    assert!(
        e.contains("y is 1x5 but the network's output is 2x5"),
        "{e}"
    );
    let e = msg(train
        .set_dropout(1, Some(Dropout::Bernoulli { keep: T::of(1.5) }))
        .unwrap_err());
    assert!(
        e.contains("layer 1 is not a hidden layer") && e.contains("keep must be in (0, 1]"),
        "{e}"
    );
    let (xs, ys) = (
        f.ge(4, 2, Layout::ColumnMajor).unwrap(),
        f.ge(2, 2, Layout::ColumnMajor).unwrap(),
    );
    let opts = TrainOptions::new(1, T::one());
    let e = msg(sgd_train(&mut train, &xs, &ys, Cost::Quadratic, &opts).unwrap_err());
    assert!(
        e.contains("the network takes 3 inputs but x_train has 4 rows"),
        "{e}"
    );
    drop(train);
    let e = msg(inference_network(
        f,
        3,
        &[
            fully_connected(4, Activation::Softmax),
            fully_connected(2, Activation::Sigmoid),
        ],
    )
    .unwrap_err());
    assert!(
        e.contains("layer 0 (dense) is softmax: softmax is for the output layer only"),
        "{e}"
    );
}
