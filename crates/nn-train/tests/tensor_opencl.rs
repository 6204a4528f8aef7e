//! Networks trained through tensor-opencl against the same networks on native: the
//! same costs and weights (within f32 rounding), and the launches a training step
//! makes. `SKIP` without OpenCL unless `DLFP_REQUIRE_OPENCL=1`.

use std::sync::Mutex;

use la_core::prelude::*;
use nn_inference::{fully_connected, inference_network, Activation, InferenceNetwork, Init};
use nn_train::regression::{regression_data, regression_network_with};
use nn_train::{sgd, training_network, Adam, Cost, Momentum, Nesterov, Optimizer, RmsProp};
use tensor_core::DnnFactory;

/// The tests share the process's OpenCL factory, so they count one at a time.
static COUNTING: Mutex<()> = Mutex::new(());

/// A 4-16-16-1 network (sigmoid, tanh, linear) on `dnn`, the book's initialisation.
fn network(dnn: &DnnFactory<f32>) -> InferenceNetwork<f32> {
    let specs = [
        fully_connected(16, Activation::Sigmoid),
        fully_connected(16, Activation::Relu),
        fully_connected(1, Activation::Linear),
    ];
    let mut net = inference_network(dnn, 4, &specs).unwrap();
    net.init(&mut seeded_rng(2), Init::Book).unwrap();
    net
}

#[test]
fn every_optimizer_trains_as_on_native() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|p| p.into_inner());
    let Some(dnn) = tensor_opencl::test_factory::<f32>() else {
        return;
    };
    let (cl, host) = (dnn.la().clone(), native_float());
    let (xh, yh) = regression_data(&host, 64, 1).unwrap();
    let (x, y) = (xh.transfer(&cl).unwrap(), yh.transfer(&cl).unwrap());
    let opts: [Optimizer<f32>; 5] = [
        Optimizer::default(),
        Momentum::default().into(),
        Nesterov::default().into(),
        Adam::default().into(),
        RmsProp::default().into(),
    ];
    for opt in opts {
        let mut on_cl = network(&dnn);
        let mut on_host = network(&DnnFactory::new(&host));
        let c_cl = {
            let mut t = training_network(&mut on_cl, &x, opt).unwrap();
            t.set_fused(false);
            sgd(&mut t, &y, Cost::Quadratic, &[(30, 0.01)]).unwrap()[0]
        };
        let c_host = {
            let mut t = training_network(&mut on_host, &xh, opt).unwrap();
            t.set_fused(false);
            sgd(&mut t, &yh, Cost::Quadratic, &[(30, 0.01)]).unwrap()[0]
        };
        assert!(
            (c_cl - c_host).abs() <= 1e-4 * (1.0 + c_host.abs()),
            "{opt:?}: cost {c_cl} on OpenCL, {c_host} on native"
        );
        for (a, b) in on_cl.layers().iter().zip(on_host.layers()) {
            let (wa, wb) = (
                a.weights().unwrap().to_vec().unwrap(),
                b.weights().unwrap().to_vec().unwrap(),
            );
            for (p, q) in wa.iter().zip(&wb) {
                assert!((p - q).abs() <= 1e-4, "{opt:?}: weight {p} against {q}");
            }
        }
    }
}

#[test]
fn a_training_step_makes_a_quarter_of_the_composed_launches() {
    let _one_at_a_time = COUNTING.lock().unwrap_or_else(|p| p.into_inner());
    let Some(dnn) = tensor_opencl::test_factory::<f32>() else {
        return;
    };
    let f = dnn.la().clone();
    let (x, y) = regression_data(&f, 128, 1).unwrap();
    let per_step = |net: &mut InferenceNetwork<f32>| {
        let mut train = training_network(net, &x, Adam::default()).unwrap();
        for _ in 0..3 {
            train.step(&y, Cost::Quadratic, 0.01).unwrap();
        }
        let before = la_opencl::counts(&f).unwrap();
        for _ in 0..10 {
            train.step(&y, Cost::Quadratic, 0.01).unwrap();
        }
        let after = la_opencl::counts(&f).unwrap();
        assert_eq!(after.builds, before.builds, "a warm step built kernels");
        assert_eq!(
            after.writes, before.writes,
            "a warm step wrote to the device"
        );
        (
            (after.launches - before.launches) / 10,
            (after.reads - before.reads) / 10,
        )
    };
    // The same network (sigmoid, tanh, linear) on the composed defaults and on ours.
    let composed = per_step(&mut regression_network_with(&f, &[16, 16], 2).unwrap());
    let fused = per_step(&mut regression_network_with(&dnn, &[16, 16], 2).unwrap());
    println!("launches per step: composed {composed:?}, tensor-opencl {fused:?}");
    // Per layer: one fully connected forward launch; backward its weight and bias
    // gradients in one launch, the error below (a GEMM, none below the first layer)
    // and the activation's derivative (none on the linear output); one update per
    // parameter; the cost's error and its value (a reduction read back).
    assert!(
        fused.0 <= 18,
        "{} launches per step with tensor-opencl",
        fused.0
    );
    assert!(composed.0 >= fused.0 + 50, "{composed:?} against {fused:?}");
    assert_eq!(fused.1, 1, "one read per step (the cost)");
}
