//! The bad-input sweep of nn-train: training networks, steps, the `sgd` loops, metrics
//! and saved files with wrong shapes, empty batches, mismatched costs, NaN, mixed
//! factories (OpenCL when present) and damaged files, under `catch_unwind`. Any panic
//! fails; bad input must be an error.

use la_core::prelude::*;
use la_core::sparse::CscMatrix;
use la_core::sweep::Sweep;
use nn_inference::{fully_connected, inference_network, Activation, InferenceNetwork};
use nn_train::{
    binary_accuracy, categorical_accuracy, confusion_matrix, load, load_network, mae, rmse, save,
    sgd, sgd_train, sgd_train_sparse, training_network, training_network_sparse, Adam, Cost,
    GradientDescent, TrainOptions,
};

fn net(f: &Factory<f32>, out: Activation<f32>) -> InferenceNetwork<f32> {
    inference_network(
        f,
        4,
        &[
            fully_connected(3, Activation::Tanh),
            fully_connected(2, out),
        ],
    )
    .unwrap()
}

#[test]
fn nn_train_bad_input_sweep() {
    let f = native_float();
    let mut s = Sweep::new("nn-train");
    let ge = |m, n| f.ge(m, n, Layout::ColumnMajor).unwrap();

    // Building a training network.
    for (m, n) in [(3, 8), (4, 0), (5, 8)] {
        let mut nn = net(&f, Activation::Sigmoid);
        s.rejects(format!("training_network(x {m}x{n})"), || {
            training_network(&mut nn, &ge(m, n), Adam::default()).map(drop)
        });
    }
    let csc = CscMatrix::new(5, vec![0, 1], vec![4], vec![1.0f32]).unwrap();
    let mut nn = net(&f, Activation::Sigmoid);
    s.rejects("training_network_sparse(5 rows for 4 inputs)", || {
        training_network_sparse(&mut nn, &csc, Adam::default()).map(drop)
    });

    // Steps: wrong y, mismatched cost and output, non-finite learning rates; on both
    // the layer-by-layer (batch 8) and fused (batch 128) paths.
    for batch in [8, 128] {
        let x = ge(4, batch);
        for (out, cost, ok) in [
            (Activation::Sigmoid, Cost::SigmoidCrossEntropy, true),
            (Activation::Linear, Cost::SigmoidCrossEntropy, false),
            (Activation::Sigmoid, Cost::SoftmaxCrossEntropy, false),
            (Activation::Softmax, Cost::SoftmaxCrossEntropy, true),
            (Activation::Linear, Cost::Quadratic, true),
        ] {
            let mut nn = net(&f, out);
            let mut t = training_network(&mut nn, &x, Adam::default()).unwrap();
            let what = format!("step({out:?}, {cost:?}, batch {batch})");
            if ok {
                s.no_panic(&what, || t.step(&ge(2, batch), cost, 0.01));
            } else {
                s.rejects(&what, || t.step(&ge(2, batch), cost, 0.01));
            }
            for (m, n) in [(1, batch), (2, batch + 1), (2, 0)] {
                s.rejects(format!("step(y {m}x{n}, batch {batch})"), || {
                    t.step(&ge(m, n), cost, 0.01)
                });
            }
            for lr in [f32::NAN, f32::INFINITY, -0.1] {
                s.rejects(format!("step(lr {lr}, batch {batch})"), || {
                    t.step(&ge(2, batch), Cost::Quadratic, lr)
                });
            }
        }
    }

    // The loops.
    let x = ge(4, 16);
    let mut nn = net(&f, Activation::Sigmoid);
    let mut t = training_network(&mut nn, &x, GradientDescent::default()).unwrap();
    s.rejects("sgd(y 2x15)", || {
        sgd(&mut t, &ge(2, 15), Cost::Quadratic, &[(2, 0.1)])
    });
    s.no_panic("sgd(empty schedule)", || {
        sgd(&mut t, &ge(2, 16), Cost::Quadratic, &[])
    });
    let mut small = net(&f, Activation::Sigmoid);
    let mut tb = training_network(&mut small, &ge(4, 4), Adam::default()).unwrap();
    let hyper = |epochs| TrainOptions::new(epochs, 0.01);
    s.rejects("sgd_train(x 3x16)", || {
        sgd_train(&mut tb, &ge(3, 16), &ge(2, 16), Cost::Quadratic, &hyper(1))
    });
    s.rejects("sgd_train(x 4x16, y 2x12)", || {
        sgd_train(&mut tb, &ge(4, 16), &ge(2, 12), Cost::Quadratic, &hyper(1))
    });
    s.rejects("sgd_train(0 samples)", || {
        sgd_train(&mut tb, &ge(4, 0), &ge(2, 0), Cost::Quadratic, &hyper(1))
    });
    s.rejects("sgd_train_sparse(dense network)", || {
        sgd_train_sparse(&mut tb, &csc, &ge(2, 1), Cost::Quadratic, &hyper(1))
    });

    // Metrics: shapes, empty, NaN.
    let p = f
        .ge_from(
            2,
            3,
            &[0.9, 0.1, f32::NAN, 0.5, 0.2, 0.8],
            Layout::ColumnMajor,
        )
        .unwrap();
    let y = f
        .ge_from(2, 3, &[1., 0., 0., 1., 0., 1.], Layout::ColumnMajor)
        .unwrap();
    for (name, pa, ya) in [
        ("2x3 vs 3x2", &p, &ge(3, 2)),
        ("0x0", &ge(0, 0), &ge(0, 0)),
        ("2x0", &ge(2, 0), &ge(2, 0)),
    ] {
        s.rejects(format!("binary_accuracy({name})"), || {
            binary_accuracy(pa, ya)
        });
        s.rejects(format!("categorical_accuracy({name})"), || {
            categorical_accuracy(pa, ya)
        });
        s.rejects(format!("confusion_matrix({name})"), || {
            confusion_matrix(pa, ya).map(drop)
        });
        s.rejects(format!("mae({name})"), || mae(pa, ya));
        s.rejects(format!("rmse({name})"), || rmse(pa, ya));
    }
    s.no_panic("categorical_accuracy(NaN)", || categorical_accuracy(&p, &y));
    s.rejects("confusion_matrix(NaN)", || {
        confusion_matrix(&p, &y).map(drop)
    });

    // Files: missing, empty, truncated, garbage, another architecture.
    let dir = std::env::temp_dir().join(format!("dlfp-nn-train-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.safetensors");
    save(&net(&f, Activation::Sigmoid), &good).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let variants: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("8 bytes", bytes[..8].to_vec()),
        ("truncated", bytes[..bytes.len() - 3].to_vec()),
        ("garbage", vec![0xff; 64]),
        ("huge header length", {
            let mut b = bytes.clone();
            b[..8].copy_from_slice(&u64::MAX.to_le_bytes());
            b
        }),
    ];
    for (name, b) in &variants {
        let p = dir.join(format!("{}.safetensors", name.replace(' ', "-")));
        std::fs::write(&p, b).unwrap();
        let mut target = net(&f, Activation::Sigmoid);
        s.rejects(format!("load({name})"), || load(&mut target, &p));
        s.rejects(format!("load_network({name})"), || {
            load_network(&f, &p).map(drop)
        });
    }
    let mut other = inference_network(&f, 4, &[fully_connected(5, Activation::Relu)]).unwrap();
    s.rejects("load(another architecture)", || load(&mut other, &good));
    s.rejects("load(missing file)", || {
        load(&mut other, dir.join("missing"))
    });

    // Mixed factories.
    if let Some(cl) = la_opencl::test_factory::<f32>() {
        let xcl = cl.ge(4, 8, Layout::ColumnMajor).unwrap();
        let mut nn = net(&f, Activation::Sigmoid);
        s.rejects("training_network(native net, opencl x)", || {
            training_network(&mut nn, &xcl, Adam::default()).map(drop)
        });
        let mut t = training_network(&mut nn, &ge(4, 8), Adam::default()).unwrap();
        let ycl = cl.ge(2, 8, Layout::ColumnMajor).unwrap();
        s.rejects("step(opencl y)", || t.step(&ycl, Cost::Quadratic, 0.1));
        s.rejects("binary_accuracy(native, opencl)", || {
            binary_accuracy(&ge(2, 8), &ycl)
        });
    }
    std::fs::remove_dir_all(&dir).ok();
    s.finish();
}
