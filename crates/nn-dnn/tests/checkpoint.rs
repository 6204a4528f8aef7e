//! Checkpoints and resume: a training process killed with SIGKILL after a checkpoint
//! and resumed in another process ends bit for bit where the uninterrupted run ends;
//! a checkpoint resumes only its own run; the policy writes and keeps what it says.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use la_core::prelude::*;
use la_core::sparse::CscMatrix;
use nn_dnn::{convo, dense, dropout, network, pooling, train, train_sparse};
use nn_dnn::{
    Activation, Adam, Blueprint, Checkpoints, Cost, Init, Momentum, Network, TrainOptions,
};
use tensor_core::dnn::PoolAlgo;
use tensor_core::{desc, tensor_from, DataType, Tensor, TensorLayout};

const EPOCHS: usize = 8;
/// Set for the child process of the kill test: the folder it checkpoints into.
const CHILD_DIR: &str = "DLFP_CHECKPOINT_CHILD_DIR";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dlfp-ckpt-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn cnn_layers() -> Vec<Blueprint<f32>> {
    vec![
        convo(3, [3, 3], Activation::Relu).padding([1, 1]),
        pooling([2, 2], PoolAlgo::Max),
        dropout(),
        dense(3, Activation::Softmax),
    ]
}

/// The network of the run, as every process builds it.
fn build(layers: &[Blueprint<f32>], input: tensor_core::Desc) -> Network<f32> {
    let mut net = network(native_float(), input, layers).unwrap();
    net.init(&mut seeded_rng(5), Init::He).unwrap();
    net.set_optimizer(Adam::default()).unwrap();
    net
}

fn cnn() -> Network<f32> {
    build(
        &cnn_layers(),
        desc([16, 1, 6, 6], DataType::Float, TensorLayout::Nchw).unwrap(),
    )
}

/// 70 images (4 full batches of 16 and a short one of 6) of 3 classes.
fn images() -> (Tensor<f32>, Tensor<f32>) {
    let f = native_float();
    let n = 70;
    let mut v = f.vctr(n * 36).unwrap();
    rand_uniform(&mut seeded_rng(3), &mut v).unwrap();
    let mut pixels = v.to_vec().unwrap();
    let mut labels = vec![0.0f32; n * 3];
    for s in 0..n {
        let class = s % 3;
        labels[s * 3 + class] = 1.0;
        for c in 0..6 {
            pixels[s * 36 + class * 12 + c] += 2.0; // a bright row per class
        }
    }
    (
        tensor_from(
            &f,
            desc([n, 1, 6, 6], DataType::Float, TensorLayout::Nchw).unwrap(),
            &pixels,
        )
        .unwrap(),
        tensor_from(
            &f,
            desc([n, 3], DataType::Float, TensorLayout::Nc).unwrap(),
            &labels,
        )
        .unwrap(),
    )
}

fn options(dir: Option<&Path>) -> TrainOptions<f32> {
    TrainOptions {
        checkpoints: dir.map(|d| Checkpoints {
            keep: 3,
            ..Checkpoints::new(d)
        }),
        ..TrainOptions::new(EPOCHS, 0.01)
    }
}

/// Every parameter's bits, in order.
fn bits(net: &Network<f32>) -> Vec<u32> {
    let mut out = vec![];
    for l in net.layers() {
        l.param_values(&mut |v, _, _| {
            out.extend(v.to_vec()?.iter().map(|x| x.to_bits()));
            Ok(())
        })
        .unwrap();
    }
    out
}

/// The child of [`a_run_killed_after_a_checkpoint_resumes_bit_identically`]: trains
/// with a checkpoint after every epoch, slowly enough to be killed mid-run. Run by
/// that test only (it is ignored otherwise and does nothing without its folder).
#[test]
#[ignore = "the kill test's child process"]
fn child_trains_with_checkpoints() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let (x, y) = images();
    let mut net = cnn();
    train(
        &mut net,
        &x,
        &y,
        Cost::SoftmaxCrossEntropy,
        &options(Some(Path::new(&dir))),
        |_, _| {
            std::thread::sleep(Duration::from_millis(400));
            Ok(())
        },
    )
    .unwrap();
}

#[test]
fn a_run_killed_after_a_checkpoint_resumes_bit_identically() {
    let dir = scratch("kill");
    let policy = options(Some(&dir)).checkpoints.unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "child_trains_with_checkpoints",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, &dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // kill it (SIGKILL) as soon as its third checkpoint is there
    let start = Instant::now();
    while !policy.path(3).exists() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the child wrote no third checkpoint in 2 minutes"
        );
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the child exited ({status}) before its third checkpoint");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let latest = policy.latest().unwrap().unwrap();
    let name = latest.file_name().unwrap().to_str().unwrap().to_string();
    assert!(
        name.as_str() < "checkpoint-000008.safetensors",
        "the child finished before it was killed ({name})"
    );

    let (x, y) = images();
    let mut whole = cnn();
    let want = train(
        &mut whole,
        &x,
        &y,
        Cost::SoftmaxCrossEntropy,
        &options(None),
        |_, _| Ok(()),
    )
    .unwrap();

    let mut resumed = cnn();
    let mut seen = vec![];
    let opts = TrainOptions {
        resume: Some(latest),
        ..options(None)
    };
    let got = train(
        &mut resumed,
        &x,
        &y,
        Cost::SoftmaxCrossEntropy,
        &opts,
        |e, _| {
            seen.push(e.epoch);
            Ok(())
        },
    )
    .unwrap();
    assert!(
        seen.len() < EPOCHS && seen.last() == Some(&EPOCHS),
        "epochs run: {seen:?}"
    );
    assert_eq!(
        got, want,
        "the resumed run's costs (finished epochs included)"
    );
    assert_eq!(resumed.steps(), whole.steps());
    assert!(
        bits(&resumed) == bits(&whole),
        "the parameters differ from the uninterrupted run's"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Resumes a run from each of its checkpoints in this process and compares with the
/// uninterrupted run: `run` trains with the given options.
fn every_checkpoint_resumes(
    name: &str,
    fresh: impl Fn() -> Network<f32>,
    run: impl Fn(&mut Network<f32>, &TrainOptions<f32>) -> Vec<f32>,
) {
    let dir = scratch(name);
    let mut opts = options(Some(&dir));
    opts.checkpoints.as_mut().unwrap().keep = EPOCHS;
    let mut whole = fresh();
    let want = run(&mut whole, &opts);
    for epoch in [1, 4, EPOCHS] {
        let mut net = fresh();
        let resume = TrainOptions {
            resume: Some(Checkpoints::new(&dir).path(epoch)),
            ..options(None)
        };
        assert_eq!(run(&mut net, &resume), want, "{name}: from epoch {epoch}");
        assert!(
            bits(&net) == bits(&whole),
            "{name}: parameters after resuming from epoch {epoch}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_fused_dense_path_and_sparse_input_resume_exactly() {
    // an all-dense network on a host factory at batch 64: the fused pass
    let input = desc([64, 4], DataType::Float, TensorLayout::Nc).unwrap();
    let dense_layers = [dense(16, Activation::Tanh), dense(1, Activation::Linear)];
    let fresh = || build(&dense_layers, input);
    let f = native_float();
    let mut v = f.vctr(256 * 4).unwrap();
    rand_uniform(&mut seeded_rng(8), &mut v).unwrap();
    let xs = v.to_vec().unwrap();
    let ys: Vec<f32> = xs.chunks(4).map(|r| r[0] * r[1] + r[2] - r[3]).collect();
    let x = tensor_from(
        &f,
        desc([256, 4], DataType::Float, TensorLayout::Nc).unwrap(),
        &xs,
    )
    .unwrap();
    let y = tensor_from(
        &f,
        desc([256, 1], DataType::Float, TensorLayout::Nc).unwrap(),
        &ys,
    )
    .unwrap();
    every_checkpoint_resumes("fused", fresh, |net, opts| {
        train(net, &x, &y, Cost::Quadratic, opts, |_, _| Ok(())).unwrap()
    });
    let mut net = fresh();
    train(
        &mut net,
        &x,
        &y,
        Cost::Quadratic,
        &TrainOptions::new(1, 0.01),
        |_, _| Ok(()),
    )
    .unwrap();
    assert!(
        net.last_pass_fused(),
        "the dense run did not take the fused pass"
    );

    // a bag of words through train_sparse
    let input = desc([8, 12], DataType::Float, TensorLayout::Nc).unwrap();
    let bow_layers = [
        dense(6, Activation::Relu),
        dropout(),
        dense(1, Activation::Sigmoid),
    ];
    let mut words = CscMatrix::with_capacity(12, 30, 90);
    let mut labels = vec![];
    for j in 0..30u32 {
        let mut rows = vec![j % 2, 2 + j % 10, 3 + (j * 7) % 9];
        rows.sort_unstable();
        rows.dedup();
        words.push_col(&rows, &vec![1.0; rows.len()]).unwrap();
        labels.push((j % 2) as f32);
    }
    let y = tensor_from(
        &f,
        desc([30, 1], DataType::Float, TensorLayout::Nc).unwrap(),
        &labels,
    )
    .unwrap();
    every_checkpoint_resumes(
        "sparse",
        || build(&bow_layers, input),
        |net, opts| {
            train_sparse(net, &words, &y, Cost::SigmoidCrossEntropy, opts, |_, _| {
                Ok(())
            })
            .unwrap()
        },
    );
}

#[test]
fn a_run_on_an_opencl_device_resumes_exactly() {
    // the device path: costs accumulated on the device and read once per epoch,
    // dropout masks drawn on the host and written to the device
    let Some(cl) = la_opencl::test_factory::<f32>() else {
        return; // SKIP printed by test_factory (a failure under DLFP_REQUIRE_OPENCL=1)
    };
    let input = desc([16, 6], DataType::Float, TensorLayout::Nc).unwrap();
    let layers = [
        dense(12, Activation::Relu),
        dropout(),
        dense(3, Activation::Softmax),
    ];
    let fresh = || {
        let mut net = network(&cl, input, &layers).unwrap();
        net.init(&mut seeded_rng(5), Init::He).unwrap();
        net.set_optimizer(Adam::default()).unwrap();
        net
    };
    let mut v = native_float().vctr(50 * 6).unwrap();
    rand_uniform(&mut seeded_rng(4), &mut v).unwrap();
    let xs = v.to_vec().unwrap();
    let ys: Vec<f32> = (0..50 * 3)
        .map(|k| if k % 3 == (k / 3) % 3 { 1.0 } else { 0.0 })
        .collect();
    let x = tensor_from(
        &cl,
        desc([50, 6], DataType::Float, TensorLayout::Nc).unwrap(),
        &xs,
    )
    .unwrap();
    let y = tensor_from(
        &cl,
        desc([50, 3], DataType::Float, TensorLayout::Nc).unwrap(),
        &ys,
    )
    .unwrap();
    every_checkpoint_resumes("opencl", fresh, |net, opts| {
        train(net, &x, &y, Cost::SoftmaxCrossEntropy, opts, |_, _| Ok(())).unwrap()
    });
}

#[test]
fn a_checkpoint_resumes_only_its_own_run() {
    let dir = scratch("mismatch");
    let (x, y) = images();
    let opts = TrainOptions {
        epochs: 2,
        ..options(Some(&dir))
    };
    train(
        &mut cnn(),
        &x,
        &y,
        Cost::SoftmaxCrossEntropy,
        &opts,
        |_, _| Ok(()),
    )
    .unwrap();
    let ckpt = Checkpoints::new(&dir).path(2);
    let resume = |net: &mut Network<f32>, opts: TrainOptions<f32>| {
        let opts = TrainOptions {
            resume: Some(ckpt.clone()),
            checkpoints: None,
            ..opts
        };
        let before = bits(net);
        let e = train(net, &x, &y, Cost::SoftmaxCrossEntropy, &opts, |_, _| Ok(()))
            .unwrap_err()
            .to_string();
        assert!(
            bits(net) == before,
            "a refused resume changed the network: {e}"
        );
        e
    };
    let base = TrainOptions {
        epochs: 2,
        ..options(None)
    };

    let e = resume(
        &mut cnn(),
        TrainOptions {
            seed: 9,
            ..base.clone()
        },
    );
    assert!(
        e.contains("another run")
            && e.contains("seed: the checkpoint's run has 1, these options 9"),
        "{e}"
    );
    let e = resume(
        &mut cnn(),
        TrainOptions {
            learning_rate: 0.5,
            ..base.clone()
        },
    );
    assert!(e.contains("learning_rate"), "{e}");
    let mut other_optimizer = cnn();
    other_optimizer.set_optimizer(Momentum::default()).unwrap();
    let e = resume(&mut other_optimizer, base.clone());
    assert!(e.contains("optimizer: the checkpoint's is Adam"), "{e}");
    let mut wider = build(
        &[
            convo(4, [3, 3], Activation::Relu).padding([1, 1]),
            pooling([2, 2], PoolAlgo::Max),
            dropout(),
            dense(3, Activation::Softmax),
        ],
        desc([16, 1, 6, 6], DataType::Float, TensorLayout::Nchw).unwrap(),
    );
    let e = resume(&mut wider, base.clone());
    assert!(e.contains("layer 0") && e.contains("convo 4 3x3"), "{e}");

    // a saved model is not a checkpoint; a missing file names its path
    let model = dir.join("model.safetensors");
    nn_dnn::save(&cnn(), &model).unwrap();
    let opts = TrainOptions {
        resume: Some(model.clone()),
        ..base.clone()
    };
    let e = train(
        &mut cnn(),
        &x,
        &y,
        Cost::SoftmaxCrossEntropy,
        &opts,
        |_, _| Ok(()),
    )
    .unwrap_err();
    assert!(e.to_string().contains("not a checkpoint of train"), "{e}");
    let opts = TrainOptions {
        resume: Some(dir.join("nope.safetensors")),
        ..base.clone()
    };
    let e = train(
        &mut cnn(),
        &x,
        &y,
        Cost::SoftmaxCrossEntropy,
        &opts,
        |_, _| Ok(()),
    )
    .unwrap_err();
    assert!(e.to_string().contains("nope.safetensors"), "{e}");

    // a checkpoint is a model file too
    let net = nn_dnn::load_network::<f32>(native_float(), &ckpt).unwrap();
    assert_eq!(net.to_string(), cnn().to_string());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_policy_writes_and_keeps_what_it_says() {
    let dir = scratch("policy");
    let (x, y) = images();
    let run = |policy: Checkpoints| {
        let _ = std::fs::remove_dir_all(&dir);
        let opts = TrainOptions {
            epochs: 5,
            checkpoints: Some(policy),
            ..options(None)
        };
        train(
            &mut cnn(),
            &x,
            &y,
            Cost::SoftmaxCrossEntropy,
            &opts,
            |_, _| Ok(()),
        )
        .map(|_| {
            let mut names: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            names.sort();
            names
        })
    };
    let name = |e: usize| format!("checkpoint-{e:06}.safetensors");
    let base = Checkpoints::new(&dir);
    assert_eq!(run(base.clone()).unwrap(), [name(4), name(5)]);
    let every_2 = Checkpoints {
        every_epochs: Some(2),
        keep: 5,
        ..base.clone()
    };
    assert_eq!(run(every_2).unwrap(), [name(2), name(4)]);
    let by_time = Checkpoints {
        every_epochs: None,
        every_seconds: Some(0.0),
        keep: 1,
        ..base.clone()
    };
    assert_eq!(run(by_time).unwrap(), [name(5)]);
    assert_eq!(base.latest().unwrap(), Some(dir.join(name(5))));
    assert_eq!(Checkpoints::new(dir.join("none")).latest().unwrap(), None);

    for (bad, what) in [
        (
            Checkpoints {
                keep: 0,
                ..base.clone()
            },
            "keep is 0",
        ),
        (
            Checkpoints {
                every_epochs: Some(0),
                ..base.clone()
            },
            "every_epochs is 0",
        ),
        (
            Checkpoints {
                every_epochs: None,
                ..base.clone()
            },
            "none would be written",
        ),
        (
            Checkpoints {
                every_seconds: Some(f64::NAN),
                ..base.clone()
            },
            "every_seconds",
        ),
    ] {
        let e = run(bad).unwrap_err().to_string();
        assert!(e.contains("train (checkpoints)") && e.contains(what), "{e}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
