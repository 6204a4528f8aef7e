//! Networks built from descriptors: shapes and the summary, learning on generated
//! images, inference over any number of samples, dropout, and the errors a user can
//! provoke.

use la_core::prelude::*;
use nn_dnn::{
    convo, dense, dropout, dropout_keep, gaussian_dropout, network, pooling, train, Network,
    TrainOptions,
};
use nn_dnn::{Activation, Init};
use nn_dnn::{Adam, Cost};
use tensor_core::dnn::PoolAlgo;
use tensor_core::{desc, tensor, tensor_from, AsTensor, DataType, Tensor, TensorLayout};

fn nchw(shape: [usize; 4]) -> tensor_core::Desc {
    desc(shape, DataType::Float, TensorLayout::Nchw).unwrap()
}

#[test]
fn shapes_are_inferred_and_summarised() {
    let net = network(
        native_float(),
        nchw([16, 3, 12, 10]),
        &[
            convo(8, [3, 3], Activation::Relu).padding([1, 1]),
            pooling([2, 2], PoolAlgo::Max),
            convo(4, [3, 2], Activation::Tanh)
                .strides([2, 2])
                .dilation([1, 2]),
            dropout(),
            dense(5, Activation::Softmax),
        ],
    )
    .unwrap();
    let shapes: Vec<Vec<usize>> = net
        .layers()
        .iter()
        .map(|l| l.output_desc().shape().to_vec())
        .collect();
    assert_eq!(
        shapes,
        vec![
            vec![16, 8, 12, 10],
            vec![16, 8, 6, 5],
            // h: (6 - 3)/2 + 1 = 2; w: (5 - ((2-1)·2+1))/2 + 1 = 2
            vec![16, 4, 2, 2],
            vec![16, 4, 2, 2],
            vec![16, 5],
        ]
    );
    let params = (8 * 3 * 9 + 8) + (4 * 8 * 6 + 4) + (5 * 16 + 5);
    assert_eq!(net.param_count(), params);
    let text = net.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7, "{text}");
    assert!(lines[0].contains("[16 3 12 10]"), "{text}");
    assert!(
        lines[1].contains("convo")
            && lines[1].contains("relu")
            && lines[1].contains("[16 8 12 10]"),
        "{text}"
    );
    assert!(
        lines[5].contains("dense")
            && lines[5].contains("softmax")
            && lines[5].contains("85 params"),
        "{text}"
    );
    assert_eq!(lines[6], format!("{params} params"));
}

/// `n` 8x8 images of four classes (a bright horizontal, vertical, diagonal or
/// anti-diagonal bar at a random offset) with noise, and their one-hot labels.
fn bars(f: &Factory<f32>, n: usize, seed: u64) -> (Tensor<f32>, Tensor<f32>, Vec<usize>) {
    let mut noise = f.vctr(n * 64).unwrap();
    rand_uniform(&mut seeded_rng(seed), &mut noise).unwrap();
    let noise = noise.to_vec().unwrap();
    let mut px = vec![0.0f32; n * 64];
    let mut y = vec![0.0f32; n * 4];
    let mut labels = vec![];
    for s in 0..n {
        let c = (s * 7 + seed as usize) % 4;
        let off = (s / 4) % 4 + 2;
        for r in 0..8 {
            for q in 0..8 {
                let on = match c {
                    0 => r == off,
                    1 => q == off,
                    2 => r == q,
                    _ => r + q == 7,
                };
                px[s * 64 + r * 8 + q] =
                    if on { 0.8 } else { 0.0 } + 0.4 * noise[s * 64 + r * 8 + q];
            }
        }
        y[s * 4 + c] = 1.0;
        labels.push(c);
    }
    (
        tensor_from(f, nchw([n, 1, 8, 8]), &px).unwrap(),
        tensor_from(
            f,
            desc([n, 4], DataType::Float, TensorLayout::Nc).unwrap(),
            &y,
        )
        .unwrap(),
        labels,
    )
}

fn accuracy(net: &mut Network<f32>, x: &Tensor<f32>, labels: &[usize]) -> f64 {
    let out = net.infer(x).unwrap();
    assert_eq!(out.desc().shape(), &[labels.len(), 4]);
    let p = out.to_vec().unwrap();
    let hits = labels
        .iter()
        .enumerate()
        .filter(|(s, &c)| {
            let row = &p[s * 4..s * 4 + 4];
            (0..4).all(|k| row[c] >= row[k])
        })
        .count();
    hits as f64 / labels.len() as f64
}

#[test]
fn a_small_cnn_learns_generated_images() {
    let f = native_float();
    let (x, y, _) = bars(&f, 600, 1);
    let (xt, _, lt) = bars(&f, 203, 2); // not a multiple of the batch
    let mut net = network(
        &f,
        nchw([32, 1, 8, 8]),
        &[
            convo(6, [3, 3], Activation::Relu),
            pooling([2, 2], PoolAlgo::Max),
            dropout_keep(0.9),
            dense(16, Activation::Relu),
            dense(4, Activation::Softmax),
        ],
    )
    .unwrap();
    net.init(&mut seeded_rng(3), Init::He).unwrap();
    net.set_optimizer(Adam::default()).unwrap();
    let before = accuracy(&mut net, &xt, &lt);
    let costs = train(
        &mut net,
        &x,
        &y,
        Cost::SoftmaxCrossEntropy,
        &TrainOptions::new(8, 0.01),
        |_, _| Ok(()),
    )
    .unwrap();
    let after = accuracy(&mut net, &xt, &lt);
    assert!(costs[7] < costs[0] / 3.0, "costs {costs:?}");
    assert!(
        after >= 0.95,
        "test accuracy {after} (before training {before})"
    );
    assert!(before < 0.6, "an untrained network already scores {before}");
}

#[test]
fn the_same_seed_trains_the_same_network() {
    let f = native_double();
    let run = || {
        let xd = desc([8, 1, 6, 6], DataType::Double, TensorLayout::Nchw).unwrap();
        let mut net = network(
            &f,
            xd,
            &[
                convo(2, [3, 3], Activation::Tanh),
                gaussian_dropout(0.3),
                dense(3, Activation::Softmax),
            ],
        )
        .unwrap();
        net.init(&mut seeded_rng(5), Init::Glorot).unwrap();
        let mut xv = f.vctr(40 * 36).unwrap();
        rand_uniform(&mut seeded_rng(6), &mut xv).unwrap();
        let x = tensor_from(
            &f,
            xd.with_shape(&[40, 1, 6, 6]).unwrap(),
            &xv.to_vec().unwrap(),
        )
        .unwrap();
        let labels: Vec<f64> = (0..120)
            .map(|i| if i % 3 == (i / 3) % 3 { 1.0 } else { 0.0 })
            .collect();
        let y = tensor_from(
            &f,
            desc([40, 3], DataType::Double, TensorLayout::Nc).unwrap(),
            &labels,
        )
        .unwrap();
        train(
            &mut net,
            &x,
            &y,
            Cost::SoftmaxCrossEntropy,
            &TrainOptions::new(3, 0.1),
            |_, _| Ok(()),
        )
        .unwrap()
    };
    assert_eq!(run(), run());
}

#[test]
fn dropout_is_identity_at_inference_and_unbiased_in_training() {
    let f = native_double();
    let xd = desc([100, 50], DataType::Double, TensorLayout::Nc).unwrap();
    let mut net = network(&f, xd, &[dropout_keep(0.8), dense(1, Activation::Linear)]).unwrap();
    // the dense layer sums its inputs: weights 1, bias 0
    net.layers_mut()[1]
        .params(&mut |p| {
            if p.decay {
                fill(p.value, 1.0)?;
            }
            Ok(())
        })
        .unwrap();
    let ones = tensor_from(&f, xd, &vec![1.0; 5000]).unwrap();
    let out = net.forward(&ones).unwrap().to_vec().unwrap();
    assert!(
        out.iter().all(|&v| v == 50.0),
        "inference must not drop: {out:?}"
    );
    let y = tensor(
        &f,
        desc([100, 1], DataType::Double, TensorLayout::Nc).unwrap(),
    )
    .unwrap();
    net.forward_backward(&ones, &y, Cost::Quadratic).unwrap();
    // the training output is Σ mask: 1.25 per kept value, 50 on average (the mean of
    // 100 samples has σ = √(50·0.25/100) ≈ 0.35)
    let a = net.output().unwrap().to_vec().unwrap();
    assert_eq!(a.len(), 100);
    assert!(
        a.iter()
            .all(|v| (v / 1.25 - (v / 1.25).round()).abs() < 1e-9),
        "{a:?}"
    );
    let mean = a.iter().sum::<f64>() / 100.0;
    assert!((mean - 50.0).abs() < 1.5, "mean {mean}");
    assert!(
        a.iter().any(|&v| v != a[0]),
        "every sample got the same mask: {a:?}"
    );
}

#[test]
fn errors_name_the_call_and_the_values() {
    let f = native_float();
    let msg = |r: nn_dnn::Result<Network<f32>>| r.unwrap_err().to_string();
    let e = msg(network(
        &f,
        nchw([4, 1, 5, 5]),
        &[convo(2, [7, 7], Activation::Relu)],
    ));
    assert!(e.contains("does not fit"), "{e}");
    let e = msg(network(&f, nchw([4, 1, 5, 5]), &[]));
    assert!(e.contains("no layers"), "{e}");
    let e = msg(network(
        &f,
        nchw([4, 1, 5, 5]),
        &[dense(3, Activation::Softmax), dense(2, Activation::Linear)],
    ));
    assert!(e.contains("softmax is for the output layer only"), "{e}");
    let e = msg(network(
        &f,
        nchw([4, 1, 5, 5]),
        &[dropout_keep(0.0), dense(2, Activation::Linear)],
    ));
    assert!(e.contains("keep"), "{e}");
    let e = msg(network(
        &f,
        nchw([4, 1, 5, 5]),
        &[dense(0, Activation::Linear)],
    ));
    assert!(e.contains("0 outputs"), "{e}");
    let e = msg(network(
        &f,
        nchw([4, 1, 5, 5]),
        &[convo(2, [3, 3], Activation::Softmax)],
    ));
    assert!(e.contains("softmax"), "{e}");
    let flat = desc([4, 25], DataType::Float, TensorLayout::Nc).unwrap();
    let e = msg(network(&f, flat, &[convo(2, [3, 3], Activation::Relu)]));
    assert!(e.contains("4-D"), "{e}");
    let dbl = desc([4, 25], DataType::Double, TensorLayout::Nc).unwrap();
    let e = msg(network(&f, dbl, &[dense(2, Activation::Linear)]));
    assert!(e.contains("does not hold"), "{e}");

    let mut net = network(
        &f,
        nchw([4, 1, 5, 5]),
        &[
            convo(2, [3, 3], Activation::Relu),
            dense(3, Activation::Softmax),
        ],
    )
    .unwrap();
    let big = tensor(&f, nchw([5, 1, 5, 5])).unwrap();
    let e = net.forward(&big).unwrap_err().to_string();
    assert!(e.contains("1 ≤ n ≤ 4") && e.contains("[5 1 5 5]"), "{e}");
    let wrong = tensor(&f, nchw([4, 1, 5, 6])).unwrap();
    assert!(net.forward(&wrong).is_err());
    let nhwc = tensor(
        &f,
        nchw([4, 1, 5, 5]).with_layout(TensorLayout::Nhwc).unwrap(),
    )
    .unwrap();
    let e = net.forward(&nhwc).unwrap_err().to_string();
    assert!(e.contains("dense in logical order"), "{e}");
    let x = tensor(&f, nchw([4, 1, 5, 5])).unwrap();
    let y = tensor(&f, desc([4, 2], DataType::Float, TensorLayout::Nc).unwrap()).unwrap();
    let e = net
        .forward_backward(&x, &y, Cost::SoftmaxCrossEntropy)
        .unwrap_err()
        .to_string();
    assert!(e.contains("targets"), "{e}");
    let y = tensor(&f, desc([4, 3], DataType::Float, TensorLayout::Nc).unwrap()).unwrap();
    let e = net
        .forward_backward(&x, &y, Cost::SigmoidCrossEntropy)
        .unwrap_err()
        .to_string();
    assert!(e.contains("sigmoid output"), "{e}");
    let e = net
        .forward_backward(&x, &y, Cost::Quadratic)
        .unwrap_err()
        .to_string();
    assert!(e.contains("softmax cross-entropy"), "{e}");
    let yx = tensor(&f, desc([3, 3], DataType::Float, TensorLayout::Nc).unwrap()).unwrap();
    let e = train(
        &mut net,
        &x,
        &yx,
        Cost::SoftmaxCrossEntropy,
        &TrainOptions::new(1, 0.1),
        |_, _| Ok(()),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("4 samples but y has 3"), "{e}");
}

#[test]
fn device_factories_train_the_same_network() {
    // OpenCL runs convolution and pooling through host memory (tensor-core's composed
    // defaults) and dense layers on the device: the same steps give the same costs
    let Some(cl) = la_opencl::test_factory::<f32>() else {
        return;
    };
    let run = |f: &Factory<f32>| {
        let (x, y, _) = bars(f, 32, 4);
        let mut net = network(
            f,
            nchw([16, 1, 8, 8]),
            &[
                convo(3, [3, 3], Activation::Tanh),
                pooling([2, 2], PoolAlgo::Max),
                dense(4, Activation::Softmax),
            ],
        )
        .unwrap();
        net.init(&mut seeded_rng(9), Init::Glorot).unwrap();
        let opts = TrainOptions {
            shuffle: false,
            ..TrainOptions::new(3, 0.1)
        };
        train(
            &mut net,
            &x,
            &y,
            Cost::SoftmaxCrossEntropy,
            &opts,
            |_, _| Ok(()),
        )
        .unwrap()
    };
    let (native, opencl) = (run(&native_float()), run(&cl));
    for (a, b) in native.iter().zip(&opencl) {
        assert!(
            (a - b).abs() < 1e-4 * (1.0 + a.abs()),
            "native {native:?} vs OpenCL {opencl:?}"
        );
    }
    assert!(native[2] < native[0], "{native:?}");
}

#[test]
fn device_epochs_read_once_and_match_native_for_every_cost() {
    // On a device `train` adds each step's cost terms (over that batch's size) into a
    // device buffer and reads it once per epoch; the epochs' costs must be the ones
    // native reads step by step, with a short last batch (40 samples, batches of 16).
    let Some(cl) = la_opencl::test_factory::<f32>() else {
        return;
    };
    let host = native_float();
    let (n, k) = (40, 3);
    let xs: Vec<f32> = (0..n * 4)
        .map(|i| ((i * 37 % 23) as f32 / 11.0) - 1.0)
        .collect();
    for (cost, out) in [
        (Cost::Quadratic, Activation::Tanh),
        (Cost::MeanAbsolute, Activation::Linear),
        (Cost::SigmoidCrossEntropy, Activation::Sigmoid),
        (Cost::SoftmaxCrossEntropy, Activation::Softmax),
    ] {
        // [n, k] targets: one-hot classes for softmax, else 0/1 by rules on x
        let mut ys = vec![0.0f32; n * k];
        for j in 0..n {
            let s = xs[4 * j] + xs[4 * j + 1];
            if cost == Cost::SoftmaxCrossEntropy {
                ys[k * j + ((s + 2.0) as usize).min(k - 1)] = 1.0;
            } else {
                ys[k * j] = f32::from(s > 0.0);
                ys[k * j + 1] = f32::from(xs[4 * j + 2] > 0.0);
                ys[k * j + 2] = f32::from(xs[4 * j + 3] > 0.5);
            }
        }
        let run = |f: &Factory<f32>| {
            let nc = |shape: [usize; 2]| desc(shape, DataType::Float, TensorLayout::Nc).unwrap();
            let x = tensor_from(f, nc([n, 4]), &xs).unwrap();
            let y = tensor_from(f, nc([n, k]), &ys).unwrap();
            let mut net = network(
                f,
                nc([16, 4]),
                &[dense(8, Activation::Sigmoid), dense(k, out)],
            )
            .unwrap();
            net.init(&mut seeded_rng(4), Init::Glorot).unwrap();
            net.set_optimizer(Adam::default()).unwrap();
            train(
                &mut net,
                &x,
                &y,
                cost,
                &TrainOptions::new(3, 0.05),
                |_, _| Ok(()),
            )
            .unwrap()
        };
        let (native, opencl) = (run(&host), run(&cl));
        for (a, b) in native.iter().zip(&opencl) {
            assert!(
                (a - b).abs() <= 1e-5 * (1.0 + a.abs()),
                "{cost:?}: native {native:?} vs OpenCL {opencl:?}"
            );
        }
        assert!(native[2] < native[0], "{cost:?}: {native:?}");
    }
}

#[test]
fn saturated_outputs_cost_a_finite_amount() {
    // a softmax (or sigmoid) output of exactly 0 or 1 in f32: the cost is finite, never
    // 0 · ln 0 = NaN, and its gradient is still a - y
    let f = native_float();
    let dnn = tensor_core::DnnFactory::new(&f);
    let a = fge(2, 2, &[1.0, 0.0, 1.0, 0.0], Layout::ColumnMajor).unwrap();
    let y = fge(2, 2, &[1.0, 0.0, 0.0, 1.0], Layout::ColumnMajor).unwrap();
    let (mut d, mut tmp) = (
        f.ge(2, 2, Layout::ColumnMajor).unwrap(),
        f.ge(2, 2, Layout::ColumnMajor).unwrap(),
    );
    for (cost, act) in [
        (Cost::SoftmaxCrossEntropy, Activation::Softmax),
        (Cost::SigmoidCrossEntropy, Activation::Sigmoid),
    ] {
        let c = cost
            .output_error(&dnn, act, &a, &y, &mut d.view_mut(), &mut tmp.view_mut())
            .unwrap();
        // the second sample is wrong with certainty: -ln(f32::MIN_POSITIVE) / 2 samples
        // per wrong output (two wrong outputs for the sigmoid cost)
        let per = -(f32::MIN_POSITIVE.ln());
        let want = if act == Activation::Softmax {
            per / 2.0
        } else {
            per
        };
        assert!(
            (c - want).abs() < 1e-3,
            "{}: cost {c}, want {want}",
            cost.name()
        );
        assert_eq!(d.to_vec().unwrap(), vec![0.0, 0.0, 1.0, -1.0]);
    }
}

/// The options' learning-rate schedule reaches every step: the callback sees each
/// epoch's rate (linear decay from η to a tenth of it), and the run equals one made of
/// `train_step`s at those rates over the same mini-batches (no shuffle).
#[test]
fn the_schedule_sets_each_epochs_learning_rate() {
    use nn_dnn::Schedule;
    let f = native_double();
    let xd = desc([4, 3], DataType::Double, TensorLayout::Nc).unwrap();
    let layers = [dense(5, Activation::Tanh), dense(1, Activation::Linear)];
    let xs: Vec<f64> = (0..24)
        .map(|i| ((i * 7) % 11) as f64 / 11.0 - 0.5)
        .collect();
    let ys: Vec<f64> = (0..8).map(|i| (i % 3) as f64 / 3.0).collect();
    let x = tensor_from(
        &f,
        desc([8, 3], DataType::Double, TensorLayout::Nc).unwrap(),
        &xs,
    )
    .unwrap();
    let y = tensor_from(
        &f,
        desc([8, 1], DataType::Double, TensorLayout::Nc).unwrap(),
        &ys,
    )
    .unwrap();
    let opts = TrainOptions {
        shuffle: false,
        schedule: Schedule::Linear {
            final_fraction: 0.1,
        },
        ..TrainOptions::new(10, 0.2)
    };
    let mut net = network(&f, xd, &layers).unwrap();
    net.init(&mut seeded_rng(4), Init::Glorot).unwrap();
    let mut seen = vec![];
    let costs = train(&mut net, &x, &y, Cost::Quadratic, &opts, |e, _| {
        seen.push((e.epoch, e.epochs, e.learning_rate));
        Ok(())
    })
    .unwrap();
    assert_eq!(seen.len(), 10);
    assert_eq!((seen[0].0, seen[0].1, seen[0].2), (1, 10, 0.2));
    assert!((seen[9].2 - 0.02).abs() < 1e-15, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[1].2 < w[0].2), "{seen:?}");
    // the same run by hand
    let mut by_hand = network(&f, xd, &layers).unwrap();
    by_hand.init(&mut seeded_rng(4), Init::Glorot).unwrap();
    for (e, &(_, _, lr)) in seen.iter().enumerate() {
        let mut sum = 0.0;
        for b in 0..2 {
            let (xb, yb) = (
                x.subtensor(0, 4 * b, 4).unwrap(),
                y.subtensor(0, 4 * b, 4).unwrap(),
            );
            sum += by_hand.train_step(&xb, &yb, Cost::Quadratic, lr).unwrap();
        }
        assert!(
            (sum / 2.0 - costs[e]).abs() < 1e-14,
            "epoch {e}: {} vs {}",
            sum / 2.0,
            costs[e]
        );
    }
}

/// `rebuilt` carries the parameters over to another batch or a dropout added, and
/// refuses layers whose parameters differ, naming the first.
#[test]
fn rebuilt_keeps_the_parameters_or_says_why_not() {
    let f = native_double();
    let small = desc([2, 3], DataType::Double, TensorLayout::Nc).unwrap();
    let layers = [
        nn_dnn::dense(4, Activation::Tanh),
        nn_dnn::dense(1, Activation::Linear),
    ];
    let mut net = nn_dnn::network(&f, small, &layers).unwrap();
    net.init(&mut seeded_rng(2), Init::Glorot).unwrap();
    let x = tensor_from(&f, small, &[0.1, 0.2, 0.3, -0.4, 0.5, -0.6]).unwrap();
    let want = net.forward(&x).unwrap().to_vec().unwrap();
    let big = desc([64, 3], DataType::Double, TensorLayout::Nc).unwrap();
    let with_dropout = [layers[0].clone(), nn_dnn::dropout(), layers[1].clone()];
    let mut wide = net.rebuilt(big, &with_dropout).unwrap();
    assert_eq!(wide.batch(), 64);
    assert_eq!(wide.forward(&x).unwrap().to_vec().unwrap(), want);
    let other = [
        nn_dnn::dense(5, Activation::Tanh),
        nn_dnn::dense(1, Activation::Linear),
    ];
    let e = net.rebuilt(small, &other).unwrap_err().to_string();
    assert!(
        e.contains("rebuilt") && e.contains("layer 0 (dense)"),
        "{e}"
    );
    let fewer = [nn_dnn::dense(4, Activation::Tanh)];
    let e = net.rebuilt(small, &fewer).unwrap_err().to_string();
    assert!(e.contains("have no place"), "{e}");
}
