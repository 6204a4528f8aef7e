//! Network tests written once against `&Factory<T>`: each `conformance_*.rs` runs
//! them on its backend's factories with `conformance_tests!`.

use la_core::conformance::{f64s, ts};
use la_core::prelude::*;

use nn_inference::{fully_connected, inference_network, Activation, Init};

/// Instantiates the network tests as `#[test]`s in module `$name` for element type `$t`;
/// `$factory` evaluates to `Option<Factory<$t>>` (`None` skips).
macro_rules! conformance_tests {
    ($name:ident, $t:ty, $factory:expr) => {
        mod $name {
            fn factory() -> Option<la_core::Factory<$t>> {
                $factory
            }
            conformance_tests!(@tests $t; book_fully_connected, this_particular_network,
                batch_matches_reference, buffers_follow_the_batch_size, init_statistics, errors);
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

fn round2<T: Scalar>(v: &[T]) -> Vec<f64> {
    v.iter()
        .map(|x| (x.as_f64() * 100.0).round() / 100.0)
        .collect()
}

const W1: [f64; 8] = [0.3, 0.6, 0.1, 2.0, 0.9, 3.7, 0.0, 1.0];

/// "Fully connected inference layers": sigmoid(w1 x + b1) = [0.48 0.84 0.92 0.25].
pub fn book_fully_connected<T: Scalar>(f: &Factory<T>) {
    let mut net = inference_network(f, 2, &[fully_connected(4, Activation::Sigmoid)]).unwrap();
    let l = &mut net.layers_mut()[0];
    l.weights_mut()
        .unwrap()
        .set_from(
            &f.ge_from(4, 2, &ts::<T>(&W1), Layout::RowMajor)
                .unwrap()
                .to_vec()
                .unwrap(),
        )
        .unwrap();
    l.bias_mut()
        .set_from(&ts::<T>(&[-0.7, -0.2, -1.1, -2.0]))
        .unwrap();
    let x = f
        .ge_from(2, 1, &ts::<T>(&[0.3, 0.9]), Layout::ColumnMajor)
        .unwrap();
    let y = net.infer(&x).unwrap();
    assert_eq!(round2(&y.to_vec().unwrap()), vec![0.48, 0.84, 0.92, 0.25]);
}

/// The GPU chapter's network (tanh hidden layer, sigmoid output) on a batch of two: `0.44 0.44`.
pub fn this_particular_network<T: Scalar>(f: &Factory<T>) {
    let mut net = inference_network(
        f,
        2,
        &[
            fully_connected(4, Activation::Tanh),
            fully_connected(1, Activation::Sigmoid),
        ],
    )
    .unwrap();
    let w1 = f
        .ge_from(4, 2, &ts::<T>(&W1), Layout::RowMajor)
        .unwrap()
        .to_vec()
        .unwrap();
    net.layers_mut()[0]
        .weights_mut()
        .unwrap()
        .set_from(&w1)
        .unwrap();
    net.layers_mut()[0]
        .bias_mut()
        .set_from(&ts::<T>(&[-0.7, -0.2, -1.1, -2.0]))
        .unwrap();
    net.layers_mut()[1]
        .weights_mut()
        .unwrap()
        .set_from(&ts::<T>(&[0.75, 0.15, 0.22, 0.33]))
        .unwrap();
    net.layers_mut()[1]
        .bias_mut()
        .set_from(&ts::<T>(&[-0.3]))
        .unwrap();
    let x = f
        .ge_from(2, 2, &ts::<T>(&[0.3, 0.9, 0.3, 0.9]), Layout::ColumnMajor)
        .unwrap();
    assert_eq!(
        round2(&net.infer(&x).unwrap().to_vec().unwrap()),
        vec![0.44, 0.44]
    );
}

/// A layer on the host: weights (column-major), bias, rows, columns, activation.
type HostLayer = (Vec<f64>, Vec<f64>, usize, usize, Activation<f64>);

/// An f64 forward pass on the host, the obvious way.
fn reference(layers: &[HostLayer], x: &[f64], batch: usize) -> Vec<f64> {
    let mut cur = x.to_vec();
    for (w, b, rows, cols, act) in layers {
        let mut next = vec![0.0; rows * batch];
        for s in 0..batch {
            for i in 0..*rows {
                let mut z = b[i];
                for k in 0..*cols {
                    z += w[i + k * rows] * cur[k + s * cols];
                }
                next[i + s * rows] = match act {
                    Activation::Linear | Activation::Softmax => z,
                    Activation::Relu => z.max(0.0),
                    Activation::Sigmoid => 1.0 / (1.0 + (-z).exp()),
                    Activation::Tanh => z.tanh(),
                    Activation::Elu(a) => {
                        if z > 0.0 {
                            z
                        } else {
                            a * z.exp_m1()
                        }
                    }
                    other => panic!("the f64 reference lacks {other:?}"),
                };
            }
        }
        if *act == Activation::Softmax {
            for col in next.chunks_mut(*rows) {
                let mx = col.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let sum: f64 = col.iter().map(|v| (v - mx).exp()).sum();
                col.iter_mut().for_each(|v| *v = (*v - mx).exp() / sum);
            }
        }
        cur = next;
    }
    cur
}

/// A seeded 7-5-4-3-2-3 network with every activation, on a batch and column by column,
/// against the f64 reference.
pub fn batch_matches_reference<T: Scalar>(f: &Factory<T>) {
    let acts = [
        Activation::Relu,
        Activation::Tanh,
        Activation::Elu(0.5),
        Activation::Sigmoid,
        Activation::Softmax,
    ];
    let specs: Vec<_> = [5, 4, 3, 2, 3]
        .iter()
        .zip(acts)
        .map(|(n, a)| {
            let a = match a {
                Activation::Elu(v) => Activation::Elu(T::of(v)),
                Activation::Relu => Activation::Relu,
                Activation::Tanh => Activation::Tanh,
                Activation::Sigmoid => Activation::Sigmoid,
                Activation::Linear => Activation::Linear,
                Activation::Softmax => Activation::Softmax,
                other => panic!("the conformance network lacks {other:?}"),
            };
            fully_connected(*n, a)
        })
        .collect();
    let mut net = inference_network(f, 7, &specs).unwrap();
    net.init(&mut seeded_rng(3), Init::Glorot).unwrap();
    for (i, l) in net.layers_mut().iter_mut().enumerate() {
        let b: Vec<f64> = (0..l.bias().dim())
            .map(|k| 0.1 * (k as f64) - 0.05 * i as f64)
            .collect();
        l.bias_mut().set_from(&ts::<T>(&b)).unwrap();
    }
    let layers: Vec<_> = net
        .layers()
        .iter()
        .zip(acts)
        .map(|(l, a)| {
            let w: Vec<f64> = f64s(&l.weights().unwrap().to_vec().unwrap());
            let b: Vec<f64> = f64s(&l.bias().to_vec().unwrap());
            (
                w,
                b,
                l.weights().unwrap().mrows(),
                l.weights().unwrap().ncols(),
                a,
            )
        })
        .collect();
    let batch = 6;
    let xd: Vec<f64> = (0..7 * batch)
        .map(|k| ((k * 37 % 23) as f64) / 11.0 - 1.0)
        .collect();
    let xd: Vec<f64> = f64s(&ts::<T>(&xd));
    let want = reference(&layers, &xd, batch);
    let x = f
        .ge_from(7, batch, &ts::<T>(&xd), Layout::ColumnMajor)
        .unwrap();
    let got = net.infer(&x).unwrap().to_vec().unwrap();
    let tol = 64.0 * T::EPSILON.as_f64();
    for (k, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            (g.as_f64() - w).abs() <= tol,
            "element {k}: {} vs reference {w}",
            g.as_f64()
        );
    }
    for s in 0..batch {
        let col = f
            .ge_from(7, 1, &ts::<T>(&xd[7 * s..7 * s + 7]), Layout::ColumnMajor)
            .unwrap();
        let one = net.infer(&col).unwrap().to_vec().unwrap();
        for r in 0..3 {
            assert!(
                (one[r].as_f64() - got[r + 3 * s].as_f64()).abs() <= tol,
                "sample {s} alone differs from the batch"
            );
        }
    }
}

/// Changing the batch size reallocates; going back gives the same answers.
pub fn buffers_follow_the_batch_size<T: Scalar>(f: &Factory<T>) {
    let mut net = inference_network(
        f,
        3,
        &[
            fully_connected(8, Activation::Tanh),
            fully_connected(2, Activation::Linear),
        ],
    )
    .unwrap();
    net.init(&mut seeded_rng(5), Init::He).unwrap();
    let x4 = f
        .ge_from(
            3,
            4,
            &ts::<T>(&(0..12).map(|k| k as f64 / 10.0).collect::<Vec<_>>()),
            Layout::ColumnMajor,
        )
        .unwrap();
    let first = net.infer(&x4).unwrap().to_vec().unwrap();
    let x1 = f
        .ge_from(3, 1, &ts::<T>(&[0.0, 0.1, 0.2]), Layout::ColumnMajor)
        .unwrap();
    let single = net.infer(&x1).unwrap().to_vec().unwrap();
    // One sample may take another code path (GEMV instead of GEMM): equal within rounding.
    for (a, b) in single.iter().zip(&first[..2]) {
        assert!(
            (a.as_f64() - b.as_f64()).abs() <= 16.0 * T::EPSILON.as_f64(),
            "{a} vs {b}"
        );
    }
    assert_eq!(net.infer(&x4).unwrap().to_vec().unwrap(), first);
    // A row-major input and a submatrix view work too.
    let big = f
        .ge_from(
            4,
            5,
            &ts::<T>(&(0..20).map(|k| k as f64 / 10.0).collect::<Vec<_>>()),
            Layout::RowMajor,
        )
        .unwrap();
    let view = big.submatrix(1, 0, 3, 2).unwrap();
    let y = net.infer(&view).unwrap();
    assert_eq!((y.mrows(), y.ncols()), (2, 2));
}

/// `Init::Book` has σ = 1/fan-in, `Init::He` σ = √(2/fan-in), `Init::Glorot` stays in bounds.
pub fn init_statistics<T: Scalar>(f: &Factory<T>) {
    let mut net = inference_network(f, 200, &[fully_connected(300, Activation::Relu)]).unwrap();
    for (scheme, sd) in [
        (Init::Book, 1.0 / 200.0),
        (Init::He, (2.0f64 / 200.0).sqrt()),
    ] {
        net.init(&mut seeded_rng(9), scheme).unwrap();
        let w: Vec<f64> = f64s(&net.layers()[0].weights().unwrap().to_vec().unwrap());
        let mean = w.iter().sum::<f64>() / w.len() as f64;
        let s = (w.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / w.len() as f64).sqrt();
        assert!(
            (s / sd - 1.0).abs() < 0.02 && mean.abs() < 0.02 * sd,
            "{scheme:?}: sd {s} (want {sd}), mean {mean}"
        );
    }
    net.init(&mut seeded_rng(9), Init::Glorot).unwrap();
    let a = (6.0f64 / 500.0).sqrt();
    assert!(net.layers()[0]
        .weights()
        .unwrap()
        .to_vec()
        .unwrap()
        .iter()
        .all(|v| v.as_f64().abs() <= a));
    assert_eq!(asum(net.layers()[0].bias()).unwrap(), T::zero());
}

/// Shapes and factories are checked: errors, never panics.
pub fn errors<T: Scalar>(f: &Factory<T>) {
    let e = inference_network::<T>(f, 0, &[]).unwrap_err().to_string();
    assert!(
        e.contains("the input dimension is 0") && e.contains("no layers"),
        "{e}"
    );
    let mut net = inference_network(f, 3, &[fully_connected(2, Activation::Relu)]).unwrap();
    let x = f.ge(4, 2, Layout::ColumnMajor).unwrap();
    let e = net.infer(&x).unwrap_err().to_string();
    assert!(e.contains("the network takes 3 inputs but x is 4x2"), "{e}");
    let other = Factory::new(la_core::native::NativeEngine::<T>::default());
    let y = other.ge(3, 1, Layout::ColumnMajor).unwrap();
    assert!(matches!(
        net.infer(&y),
        Err(nn_core::Error::La(Error::MixedFactories { .. }))
    ));
}
