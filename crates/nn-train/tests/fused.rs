//! The fused pass (`tensor_core::dnn::mlp_gradients`, taken by default for small networks
//! on host factories) against the layer-by-layer passes: the same cost, gradients and
//! output for every activation x cost it takes, f32 and f64, a batch that is not a
//! whole number of chunks, and one large enough to be split across threads. (The
//! finite-difference checks in `gradients.rs` run through the fused pass; this ties the
//! layer-by-layer passes to it.)

use la_core::prelude::*;
use nn_inference::{fully_connected, inference_network, Activation, InferenceNetwork, Init};
use nn_train::{training_network, Cost, Optimizer};

/// Widths 5-7-6-3 (every tile edge of the AVX-512 kernel) or 5-16-64-9-3 (whole
/// 4 x 4 tiles and the widest layer).
fn network<T: Scalar>(
    f: &Factory<T>,
    hidden: Activation<T>,
    out: Activation<T>,
    wide: bool,
) -> InferenceNetwork<T> {
    let widths: &[usize] = if wide { &[16, 64, 9] } else { &[7, 6] };
    let mut specs: Vec<_> = widths.iter().map(|&w| fully_connected(w, hidden)).collect();
    specs.push(fully_connected(3, out));
    let mut net = inference_network(f, 5, &specs).unwrap();
    net.init(&mut seeded_rng(3), Init::Glorot).unwrap();
    net
}

fn compare<T: Scalar>(f: &Factory<T>, n: usize, tol: f64, wide: bool) {
    let mut x = f.ge(5, n, Layout::ColumnMajor).unwrap();
    rand_uniform_range(&mut seeded_rng(1), T::of(-1.0), T::of(1.0), &mut x).unwrap();
    let mut y = f.ge(3, n, Layout::ColumnMajor).unwrap();
    rand_uniform(&mut seeded_rng(2), &mut y).unwrap();
    let hidden = [
        Activation::Linear,
        Activation::Relu,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Elu(T::of(0.7)),
    ];
    let mut cases = vec![];
    for h in hidden {
        for out in [
            Activation::Linear,
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::Elu(T::of(1.0)),
        ] {
            cases.push((h, out, Cost::Quadratic));
        }
        cases.push((h, Activation::Sigmoid, Cost::MeanAbsolute));
        cases.push((h, Activation::Sigmoid, Cost::SigmoidCrossEntropy));
    }
    for (h, out, cost) in cases {
        let run = |fused: bool| {
            let mut net = network(f, h, out, wide);
            let mut t = training_network(&mut net, &x, Optimizer::default()).unwrap();
            t.set_fused(fused);
            let c = t.forward_backward(&y, cost).unwrap();
            let mut g = vec![];
            for l in 0..if wide { 4 } else { 3 } {
                let (w, b) = t.gradients(l).unwrap();
                g.extend(w.to_vec().unwrap());
                g.extend(b.to_vec().unwrap());
            }
            (c, g, t.output().unwrap().to_vec().unwrap())
        };
        let (c1, g1, o1) = run(true);
        let (c0, g0, o0) = run(false);
        let what = format!(
            "{} hidden, {} output, {cost:?}, n = {n}",
            h.name(),
            out.name()
        );
        let close = |a: T, b: T| (a.as_f64() - b.as_f64()).abs() <= tol * (1.0 + b.as_f64().abs());
        assert!(close(c1, c0), "{what}: cost {c1} vs {c0}");
        for (k, (a, b)) in g1.iter().zip(&g0).enumerate() {
            assert!(close(*a, *b), "{what}: gradient {k}: {a} vs {b}");
        }
        for (k, (a, b)) in o1.iter().zip(&o0).enumerate() {
            assert!(close(*a, *b), "{what}: output {k}: {a} vs {b}");
        }
        assert!(
            g1.iter().any(|v| v.as_f64().abs() > 1e-6),
            "{what}: all gradients zero"
        );
    }
}

#[test]
fn fused_matches_layer_by_layer_f64() {
    compare(&native_double(), 100, 1e-12, false);
    compare(&native_double(), 5000, 1e-11, false);
    compare(&native_double(), 300, 1e-12, true);
}

#[test]
fn fused_matches_layer_by_layer_f32() {
    compare(&native_float(), 100, 2e-5, false);
    compare(&native_float(), 5000, 1e-4, false);
    compare(&native_float(), 300, 1e-4, true);
}

#[test]
fn fused_pass_checks_its_arguments() {
    use la_core::engine::Unary;
    use tensor_core::dnn::{mlp_gradients, MlpLayer, MlpLoss, MlpScratch};
    let f = native_double();
    let w = f.ge(2, 3, Layout::ColumnMajor).unwrap();
    let b = f.vctr(2).unwrap();
    let x = f.ge(4, 10, Layout::ColumnMajor).unwrap();
    let y = f.ge(2, 10, Layout::ColumnMajor).unwrap();
    let (mut gw, mut gb) = (f.ge(2, 3, Layout::ColumnMajor).unwrap(), f.vctr(2).unwrap());
    let mut out = f.ge(2, 10, Layout::ColumnMajor).unwrap();
    let layer = MlpLayer {
        weights: w.view(),
        bias: b.view(),
        activation: Some(Unary::Exp),
    };
    let e = mlp_gradients(
        &x,
        &y,
        [layer],
        MlpLoss::SigmoidCrossEntropy,
        [(gw.view_mut(), gb.view_mut())],
        &mut out,
        &mut MlpScratch::new(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("weights 2x3, bias 2 after 4 units"), "{e}");
    assert!(e.contains("activation Some(Exp) is not fused"), "{e}");
    assert!(
        e.contains("sigmoid cross-entropy needs a sigmoid output"),
        "{e}"
    );
}
