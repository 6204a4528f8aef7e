//! The bad-input sweep of nn-inference: networks built and run with wrong widths,
//! empty and huge sizes, hidden softmax, NaN weights and inputs, under `catch_unwind`.
//! Any panic fails; wrong shapes must be errors.

use la_core::prelude::*;
use la_core::sweep::Sweep;
use nn_inference::{fully_connected, inference_network, Activation, Init};
use tensor_core::{desc, DataType, TensorLayout};

#[test]
fn nn_inference_bad_input_sweep() {
    let f = native_float();
    let mut s = Sweep::new("nn-inference");
    let relu = |n| fully_connected(n, Activation::Relu);
    s.rejects("inference_network(no layers)", || {
        inference_network(&f, 4, &[]).map(drop)
    });
    s.rejects("inference_network(input 0)", || {
        inference_network(&f, 0, &[relu(3)]).map(drop)
    });
    s.rejects("inference_network(a layer of 0)", || {
        inference_network(&f, 4, &[relu(0)]).map(drop)
    });
    s.rejects("inference_network(huge)", || {
        inference_network(&f, 1 << 40, &[relu(1 << 40)]).map(drop)
    });
    // (a hidden softmax is a valid normalisation for inference; training rejects it)
    s.no_panic("inference_network(hidden softmax)", || {
        inference_network(&f, 4, &[fully_connected(3, Activation::Softmax), relu(2)]).map(drop)
    });
    s.rejects("inference_network(elu with NaN alpha)", || {
        inference_network(&f, 4, &[fully_connected(3, Activation::Elu(f32::NAN))]).map(drop)
    });
    let d = desc([8, 1, 2, 2], DataType::Float, TensorLayout::Nchw).unwrap();
    s.no_panic("inference_network(4-D descriptor)", || {
        inference_network(&f, d, &[relu(3)]).map(drop)
    });
    let wrong_dtype = desc([8, 4], DataType::Double, TensorLayout::Nc).unwrap();
    s.rejects("inference_network(f64 descriptor on f32)", || {
        inference_network(&f, wrong_dtype, &[relu(3)]).map(drop)
    });

    let mut net =
        inference_network(&f, 4, &[relu(3), fully_connected(2, Activation::Sigmoid)]).unwrap();
    s.no_panic("init(He)", || net.init(&mut seeded_rng(1), Init::He));
    for (m, n) in [(3, 5), (5, 2), (0, 2), (4, 0)] {
        let x = f.ge(m, n, Layout::ColumnMajor).unwrap();
        let what = format!("infer({m}x{n})");
        if m == 4 {
            s.no_panic(&what, || net.infer(&x).map(|v| v.ncols()));
        } else {
            s.rejects(&what, || net.infer(&x).map(|v| v.ncols()));
        }
    }
    let nan = f
        .ge_from(4, 2, &[f32::NAN; 8], Layout::ColumnMajor)
        .unwrap();
    s.no_panic("infer(NaN)", || net.infer(&nan).map(|v| v.ncols()));
    s.finish();
}
