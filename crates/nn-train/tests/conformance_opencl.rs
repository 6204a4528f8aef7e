//! nn-train's training tests on the OpenCL factories (PoCL on machines without a GPU).

#[macro_use]
mod conformance;

conformance_tests!(opencl_float, f32, la_opencl::test_factory::<f32>());
conformance_tests!(opencl_double, f64, la_opencl::test_factory::<f64>());

/// Sparse inputs are a host-memory path: on a device factory the products and a sparse
/// training step say so (`Unsupported`, naming the operation and the backend).
#[test]
fn sparse_input_is_unsupported_on_device() {
    use la_core::prelude::*;
    use la_core::sparse::{sparse_mm_into, CscMatrix};
    use nn_inference::{fully_connected, inference_network, Activation};
    let Some(f) = la_opencl::test_factory::<f32>() else {
        return;
    };
    let b = CscMatrix::new(3, vec![0, 1], vec![2], vec![1.0f32]).unwrap();
    let a = f.ge(2, 3, Layout::ColumnMajor).unwrap();
    let mut c = f.ge(2, 1, Layout::ColumnMajor).unwrap();
    let e = sparse_mm_into(1.0, &a, &b, 0.0, &mut c).unwrap_err();
    assert!(
        matches!(
            e,
            la_core::Error::Unsupported {
                op: "sparse_mm",
                ..
            }
        ),
        "{e}"
    );
    let mut net = inference_network(&f, 3, &[fully_connected(1, Activation::Sigmoid)]).unwrap();
    let mut t = nn_train::training_network_sparse(&mut net, &b, nn_train::Adam::default()).unwrap();
    let y = f.ge(1, 1, Layout::ColumnMajor).unwrap();
    let e = t
        .step(&y, nn_train::Cost::SigmoidCrossEntropy, 0.1)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("sparse_mm is not supported by the opencl"),
        "{e}"
    );
}

/// On a device, `fit`'s mini-batch loop adds each step's cost terms up on the device
/// and reads one number per epoch (counted in `launch_counts.rs`); the epochs' costs
/// must still be the ones the host computes step by step, for every cost (each has its
/// own element terms).
#[test]
fn mini_batch_epoch_costs_read_once_match_native_for_every_cost() {
    use la_core::prelude::*;
    use nn_inference::{fully_connected, inference_network, Activation, Init};
    use nn_train::{fit, training_network, Adam, Batches, Cost, TrainOptions};
    let Some(cl) = la_opencl::test_factory::<f32>() else {
        return;
    };
    let host = native_float();
    let n = 64;
    let mut rng = seeded_rng(5);
    let mut xh = host.ge(3, n, Layout::ColumnMajor).unwrap();
    rand_uniform_range(&mut rng, -1.0, 1.0, &mut xh).unwrap();
    let cases = [
        (Cost::Quadratic, Activation::Tanh, 2),
        (Cost::MeanAbsolute, Activation::Linear, 2),
        (Cost::SigmoidCrossEntropy, Activation::Sigmoid, 2),
        (Cost::SoftmaxCrossEntropy, Activation::Softmax, 3),
    ];
    for (cost, out, k) in cases {
        // targets in [0, 1]: a one-hot class for softmax, else 0/1 by a rule on x
        let xs = xh.to_vec().unwrap();
        let mut ys = vec![0.0f32; k * n];
        for j in 0..n {
            let s = xs[3 * j] + xs[3 * j + 1];
            match cost {
                Cost::SoftmaxCrossEntropy => ys[k * j + ((s + 2.0) as usize).min(k - 1)] = 1.0,
                _ => {
                    ys[k * j] = f32::from(s > 0.0);
                    ys[k * j + 1] = f32::from(xs[3 * j + 2] > 0.0);
                }
            }
        }
        let yh = host.ge_from(k, n, &ys, Layout::ColumnMajor).unwrap();
        let costs = |f: &Factory<f32>| {
            let specs = [
                fully_connected(8, Activation::Sigmoid),
                fully_connected(k, out),
            ];
            let mut net = inference_network(f, 3, &specs).unwrap();
            net.init(&mut seeded_rng(2), Init::Book).unwrap();
            let (x, y) = (xh.transfer(f).unwrap(), yh.transfer(f).unwrap());
            let first = x.submatrix(0, 0, 3, 16).unwrap();
            let mut t = training_network(&mut net, &first, Adam::default()).unwrap();
            t.set_fused(false);
            let opts = TrainOptions::new(3, 0.05);
            fit(&mut t, Batches::Dense(x.view()), &y, cost, &opts, |_| ()).unwrap()
        };
        let (on_cl, on_host) = (costs(&cl), costs(&host));
        for (a, b) in on_cl.iter().zip(&on_host) {
            assert!(
                (a - b).abs() <= 1e-5 * (1.0 + b.abs()),
                "{cost:?}: epoch costs {on_cl:?} on OpenCL, {on_host:?} on native"
            );
        }
        assert!(
            on_host[2] < on_host[0],
            "{cost:?}: {on_host:?} does not fall"
        );
    }
}
