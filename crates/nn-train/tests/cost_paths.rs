//! The same rules on every training path (layer by layer below 64 samples, the fused
//! pass from 64): the cost/activation pairing is checked, and a saturated sigmoid
//! output costs the same large finite amount.

use la_core::prelude::*;
use nn_inference::{fully_connected, inference_network, Activation};
use nn_train::{training_network, Cost, Optimizer};

fn saturated(batch: usize) -> f32 {
    let f = native_float();
    let mut net = inference_network(&f, 1, &[fully_connected(1, Activation::Sigmoid)]).unwrap();
    // weight 0, bias 100: sigmoid(100) is exactly 1 in f32
    net.layers_mut()[0].bias_mut().set_from(&[100.0]).unwrap();
    let x = f.ge(1, batch, Layout::ColumnMajor).unwrap();
    let y = f.ge(1, batch, Layout::ColumnMajor).unwrap(); // targets 0
    let mut train = training_network(&mut net, &x, Optimizer::default()).unwrap();
    train
        .forward_backward(&y, Cost::SigmoidCrossEntropy)
        .unwrap()
}

#[test]
fn saturated_sigmoid_cross_entropy_is_finite_and_path_independent() {
    let want = -(f32::MIN_POSITIVE.ln());
    for batch in [8, 64, 256] {
        let c = saturated(batch);
        assert!(
            (c - want).abs() < 1e-3 * want,
            "batch {batch}: cost {c}, want {want}"
        );
    }
}

#[test]
fn the_cost_must_match_the_output_at_every_batch_size() {
    let f = native_float();
    for batch in [8, 64] {
        for (act, cost) in [
            (Activation::Linear, Cost::SigmoidCrossEntropy),
            (Activation::Sigmoid, Cost::SoftmaxCrossEntropy),
        ] {
            let mut net = inference_network(&f, 2, &[fully_connected(1, act)]).unwrap();
            let x = f.ge(2, batch, Layout::ColumnMajor).unwrap();
            let y = f.ge(1, batch, Layout::ColumnMajor).unwrap();
            let mut train = training_network(&mut net, &x, Optimizer::default()).unwrap();
            let e = train.step(&y, cost, 0.1).unwrap_err();
            assert!(e.to_string().contains("step"), "batch {batch}: {e}");
        }
        let mut net = inference_network(&f, 2, &[fully_connected(8, Activation::Sigmoid)]).unwrap();
        let x = f.ge(2, batch, Layout::ColumnMajor).unwrap();
        let mut train = training_network(&mut net, &x, Optimizer::default()).unwrap();
        let y = f.ge(5, batch, Layout::ColumnMajor).unwrap();
        let e = train
            .step(&y, Cost::Quadratic, 0.1)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!(
                "step: y is 5x{batch} but the network's output is 8x{batch}"
            )),
            "{e}"
        );
    }
}
