//! The convolutional end-to-end runs (Part VII, "CNN: Fashion-MNIST"): Deep Diamond's
//! network — two 3x3 convolutions, max pooling, dropout, a dense layer, dropout and a
//! softmax output — trained with Adam on mini-batches of 128, on Fashion-MNIST or
//! MNIST (any square IDX images; the tests run it on small generated ones).

use std::path::Path;

use datasets::LabelledImages;
use la_core::prelude::*;
use nn_dnn::{convo, dense, dropout_keep, network, pooling, train, Blueprint};
use nn_dnn::{Activation, Adam, Cost, Init};
use nn_dnn::{Metric, TrainOptions, Validation};
use tensor_core::dnn::PoolAlgo;
use tensor_core::{desc, tensor_from, AsTensor, DataType, Tensor, TensorLayout};

use crate::e2e::history::checkpointing;
use crate::e2e::{confusion_counts, misclassified, Error, Report};
use crate::report::{EpochRecord, RunReport};

/// Settings of a CNN run.
#[derive(Debug, Clone)]
pub struct CnnConfig {
    /// Output channels of the two convolutions.
    pub channels: [usize; 2],
    /// Width of the hidden dense layer.
    pub dense: usize,
    /// Keep probabilities of the two dropout layers (`None`: no dropout).
    pub dropout: Option<[f32; 2]>,
    /// Epochs.
    pub epochs: usize,
    /// Mini-batch size.
    pub batch: usize,
    /// Adam's learning rate.
    pub learning_rate: f32,
    /// Training images held out to report validation accuracy after each epoch.
    pub validation: usize,
    /// Use at most this many training images (all with `usize::MAX`).
    pub train_limit: usize,
    /// Seed of the initialisation, the shuffle and the dropout masks.
    pub seed: u64,
    /// Print each epoch's line.
    pub verbose: bool,
    /// Where to save the trained network (then reloaded into a fresh network that
    /// predicts the test images); `None`: not saved.
    pub save_to: Option<std::path::PathBuf>,
    /// Check the dataset files against their published SHA-256 sums (default:
    /// [`datasets::Verify::from_env`]); `Verify::Skip` for your own modified files.
    pub verify: datasets::Verify,
    /// Run the convolutions on oneDNN when it is installed
    /// ([`tensor_dnnl::fastest_float`]: the faster path on this project's CPU);
    /// `false`: the native kernels.
    pub dnnl: bool,
    /// Write a report (cost and accuracy curves on the training and validation
    /// images, the confusion matrix, misclassified test images) under this folder.
    pub reports: Option<std::path::PathBuf>,
    /// Write a checkpoint after every epoch into this folder (the newest two kept,
    /// with the epochs' records beside them: [`crate::e2e::history`]).
    pub checkpoints: Option<std::path::PathBuf>,
    /// Continue from the newest checkpoint in `checkpoints` (from the start when
    /// there is none): the run ends as if it had never stopped.
    pub resume: bool,
}

impl CnnConfig {
    /// Deep Diamond's Fashion-MNIST network and settings: convolutions of 32 and 64
    /// channels, dense 128, dropout keeping 0.75 after the pooling and 0.5 after the
    /// dense layer, Adam η 0.001, batch 128, 10 epochs, 5000 training images held out
    /// for validation.
    pub fn deep_diamond() -> Self {
        CnnConfig {
            channels: [32, 64],
            dense: 128,
            dropout: Some([0.75, 0.5]),
            epochs: 10,
            batch: 128,
            learning_rate: 0.001,
            validation: 5000,
            train_limit: usize::MAX,
            seed: 1,
            verbose: true,
            save_to: None,
            verify: datasets::Verify::from_env(),
            dnnl: true,
            reports: None,
            checkpoints: None,
            resume: false,
        }
    }

    /// The layers: `convo → convo → pooling → (dropout) → dense → (dropout) → dense`.
    pub fn blueprints(&self) -> Vec<Blueprint<f32>> {
        let mut b = vec![
            convo(self.channels[0], [3, 3], Activation::Relu),
            convo(self.channels[1], [3, 3], Activation::Relu),
            pooling([2, 2], PoolAlgo::Max),
        ];
        if let Some([k1, _]) = self.dropout {
            b.push(dropout_keep(k1));
        }
        b.push(dense(self.dense, Activation::Relu));
        if let Some([_, k2]) = self.dropout {
            b.push(dropout_keep(k2));
        }
        b.push(dense(10, Activation::Softmax));
        b
    }
}

/// Images `[n, 1, side, side]` and one-hot targets `[n, 10]` of `images[range]`.
fn tensors(
    fac: &Factory<f32>,
    data: &LabelledImages,
    range: std::ops::Range<usize>,
) -> std::result::Result<(Tensor<f32>, Tensor<f32>), Error> {
    let pixels = data.images.rows();
    let side = (pixels as f64).sqrt().round() as usize;
    if side * side != pixels {
        return Err(format!("the images have {pixels} pixels, not a square").into());
    }
    let n = range.len();
    let x = tensor_from(
        fac,
        desc([n, 1, side, side], DataType::Float, TensorLayout::Nchw)?,
        &data.images.data()[range.start * pixels..range.end * pixels],
    )?;
    let hot = data.one_hot();
    let y = tensor_from(
        fac,
        desc([n, 10], DataType::Float, TensorLayout::Nc)?,
        &hot.data()[range.start * 10..range.end * 10],
    )?;
    Ok((x, y))
}

/// Trains the CNN of `cfg` on the IDX images in `dir` (`name`: the dataset's name in
/// the report; `classes`: names to print with the confusion matrix) and reports the
/// test accuracy, with the validation accuracy and macro F1 beside it.
pub fn image_cnn(
    name: &str,
    data: &datasets::ImageDataset,
    cfg: &CnnConfig,
    classes: Option<&[&str]>,
) -> std::result::Result<Report, Error> {
    let fac = native_float();
    let n = data.train.len().min(cfg.train_limit);
    let val = cfg.validation.min(n / 5);
    let (x, y) = tensors(&fac, &data.train, 0..n - val)?;
    let (xv, yv) = tensors(&fac, &data.train, n - val..n)?;
    let (xt, yt) = tensors(&fac, &data.test, 0..data.test.len())?;
    let mut input = x.desc().shape().to_vec();
    input[0] = cfg.batch;
    let input = desc(&input, DataType::Float, TensorLayout::Nchw)?;
    let dnn = if cfg.dnnl {
        tensor_dnnl::fastest_float(&fac)
    } else {
        tensor_core::DnnFactory::new(&fac)
    };
    let mut net = network(dnn.clone(), input, &cfg.blueprints())?;
    net.init(&mut seeded_rng(cfg.seed), Init::He)?;
    net.set_optimizer(Adam::default())?;
    if cfg.verbose {
        println!("{net}\nDNN implementation: {}\n", dnn.dnn_name());
    }
    let accuracy = |net: &mut nn_dnn::Network<f32>, x: &Tensor<f32>, y: &Tensor<f32>| {
        let pred = net.infer(x)?;
        nn_dnn::categorical_accuracy(&pred.view_mat()?, &y.view_mat()?)
    };
    let (policy, resume, mut records) = checkpointing(cfg.checkpoints.as_deref(), cfg.resume)?;
    if let Some(ckpt) = &resume {
        if cfg.verbose {
            println!("resuming from {}", ckpt.display());
        }
    }
    // the validation images' cost and accuracy (the report's curves), measured by the
    // training loop after each epoch
    let validation = match val {
        0 => None,
        _ => Some(Validation::new(xv, yv)?.with_metric(Metric::CategoricalAccuracy)),
    };
    let opts = TrainOptions {
        seed: cfg.seed,
        checkpoints: policy,
        resume,
        validation: validation
            .clone()
            .filter(|_| cfg.verbose || cfg.reports.is_some()),
        ..TrainOptions::new(cfg.epochs, cfg.learning_rate)
    };
    let mut secs = 0.0;
    let mut failure: Option<Error> = None;
    let trained = train(
        &mut net,
        &x,
        &y,
        Cost::SoftmaxCrossEntropy,
        &opts,
        |e, net| {
            secs += e.seconds;
            let outcome = (|| -> std::result::Result<(), Error> {
                let (vc, va) = (
                    e.validation.map(|v| v.cost),
                    e.validation.and_then(|v| v.metric),
                );
                records.record(EpochRecord {
                    epoch: e.epoch,
                    train_cost: f64::from(e.cost),
                    train_metric: None,
                    eval_cost: vc,
                    eval_metric: va,
                })?;
                if cfg.verbose {
                    // the test accuracy is reported, never used to choose settings
                    let ta = accuracy(net, &xt, &yt)?;
                    println!(
                        "epoch {:>2}: cost {:.4}, validation accuracy {:.4}, test accuracy {ta:.4} ({:.1} s)",
                        e.epoch,
                        e.cost,
                        va.unwrap_or(f64::NAN),
                        e.seconds
                    );
                }
                Ok(())
            })();
            outcome.map_err(|err| {
                // stops the run; the cause is returned below
                let stop = nn_dnn::Error::La(la_core::Error::Precondition {
                    op: "image_cnn",
                    problems: vec![err.to_string()],
                });
                failure = Some(err);
                stop
            })
        },
    );
    let costs = match (trained, failure) {
        (_, Some(err)) => return Err(err),
        (trained, None) => trained?,
    };
    let history = records.finish(&costs);
    let va = match &validation {
        Some(v) => v.evaluate(&mut net, Cost::SoftmaxCrossEntropy)?.metric,
        None => None,
    }
    .unwrap_or(f64::NAN);
    if let Some(path) = &cfg.save_to {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        nn_dnn::save(&net, path)?;
        // a fresh network from the file predicts what the trained one does
        let mut loaded = network(dnn.clone(), input, &cfg.blueprints())?;
        nn_dnn::load(&mut loaded, path)?;
        let reloaded = accuracy(&mut loaded, &xt, &yt)?;
        if cfg.verbose {
            let first = xt.subtensor(0, 0, 8.min(data.test.len()))?;
            let probs = loaded.infer(&first)?.to_vec()?;
            let name = |c: usize| classes.map_or(c.to_string(), |n| n[c].to_string());
            println!(
                "saved to {}; the reloaded network on the first test images:",
                path.display()
            );
            for (j, p) in probs.chunks(10).enumerate() {
                let best = (0..10).fold(0, |b, k| if p[k] > p[b] { k } else { b });
                println!(
                    "  image {j}: predicted {} ({:.3}), actually {}",
                    name(best),
                    p[best],
                    name(data.test.labels[j] as usize)
                );
            }
            println!("reloaded network's test accuracy {reloaded:.4}\n");
        }
        if reloaded != accuracy(&mut net, &xt, &yt)? {
            return Err("the reloaded network predicts differently from the trained one".into());
        }
    }
    let pred = net.infer(&xt)?;
    let cm = nn_dnn::confusion_matrix(&pred.view_mat()?, &yt.view_mat()?)?;
    let probs = pred.to_vec()?;
    if cfg.verbose {
        if let Some(names) = classes {
            for (i, c) in names.iter().enumerate() {
                println!("{i}: {c}");
            }
        }
        println!("{cm}");
    }
    let shape = |d: &[usize]| {
        d.iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join("x")
    };
    let network = format!(
        "cnn {}-c{}-c{}-p2-d{}-10",
        shape(&x.desc().shape()[1..]),
        cfg.channels[0],
        cfg.channels[1],
        cfg.dense
    );
    let report = match &cfg.reports {
        Some(root) => Some(
            RunReport {
                dataset: format!("{name} cnn"),
                title: format!("{name} {network}"),
                settings: vec![
                    ("layers".into(), format!("{:?}", cfg.blueprints())),
                    ("epochs".into(), cfg.epochs.to_string()),
                    ("mini-batch".into(), cfg.batch.to_string()),
                    ("optimizer".into(), format!("Adam, η {}", cfg.learning_rate)),
                    ("cost".into(), "softmax cross-entropy".into()),
                    (
                        "images".into(),
                        format!(
                            "{} training, {val} validation, {} test",
                            n - val,
                            data.test.len()
                        ),
                    ),
                    ("seed".into(), cfg.seed.to_string()),
                    ("DNN implementation".into(), dnn.dnn_name()),
                ],
                metrics: vec![
                    ("test accuracy".into(), cm.accuracy()),
                    ("validation accuracy".into(), va),
                    ("macro F1".into(), cm.macro_f1()),
                    ("training seconds".into(), secs),
                ],
                metric_name: "accuracy".into(),
                eval_name: "validation".into(),
                history,
                classes: (0..10)
                    .map(|c| classes.map_or(c.to_string(), |n| n[c].to_string()))
                    .collect(),
                confusion: Some(confusion_counts(&cm)),
                misclassified: misclassified(&data.test, &probs, 32),
            }
            .write(root)?,
        ),
        None => None,
    };
    Ok(Report {
        dataset: name.into(),
        network,
        epochs: cfg.epochs,
        metric: "test accuracy".into(),
        value: cm.accuracy(),
        extra: vec![
            ("validation accuracy".into(), va),
            ("macro F1".into(), cm.macro_f1()),
        ],
        train_seconds: secs,
        report,
    })
}

/// [`image_cnn`] on Fashion-MNIST in `dir`.
pub fn fashion_mnist_cnn(dir: &Path, cfg: &CnnConfig) -> std::result::Result<Report, Error> {
    let data = datasets::fashion_mnist_with(dir, cfg.verify)?;
    image_cnn(
        "Fashion-MNIST",
        &data,
        cfg,
        Some(&datasets::FASHION_CLASSES),
    )
}

/// [`image_cnn`] on MNIST in `dir`.
pub fn mnist_cnn(dir: &Path, cfg: &CnnConfig) -> std::result::Result<Report, Error> {
    let data = datasets::mnist_with(dir, cfg.verify)?;
    image_cnn("MNIST", &data, cfg, None)
}

/// The body of the `fashion_mnist_cnn` and `mnist_cnn` binaries: parses `[--epochs N]`
/// (default 10), `[--native]` (the native convolutions instead of oneDNN's) and
/// `[--resume]` (continue from the newest checkpoint), runs `cnn` on the data in `dir`
/// with Deep Diamond's settings, checkpointing every epoch into
/// `target/checkpoints/{name}-cnn/`, saving the network to
/// `target/models/{name}-cnn.safetensors`, and prints the results.
pub fn chapter_main(
    chapter: &str,
    name: &str,
    cnn: fn(&Path, &CnnConfig) -> std::result::Result<Report, Error>,
) -> std::process::ExitCode {
    crate::e2e::report_errors(|| {
        let mut args: Vec<String> = std::env::args().skip(1).collect();
        let native = args.iter().any(|a| a == "--native");
        let resume = args.iter().any(|a| a == "--resume");
        args.retain(|a| a != "--native" && a != "--resume");
        let epochs = match args.as_slice() {
            [] => 10,
            [flag, n] if flag == "--epochs" => n
                .parse()
                .map_err(|_| format!("--epochs {n}: not a number"))?,
            _ => {
                return Err(format!("usage: {name}-cnn [--epochs N] [--native] [--resume]").into())
            }
        };
        crate::heading("Part VII", chapter);
        let target = crate::e2e::target_dir();
        let cfg = CnnConfig {
            epochs,
            save_to: Some(target.join(format!("models/{name}-cnn.safetensors"))),
            reports: Some(target.join("reports")),
            checkpoints: Some(target.join(format!("checkpoints/{name}-cnn"))),
            resume,
            dnnl: !native,
            ..CnnConfig::deep_diamond()
        };
        let r = cnn(&datasets::dir(name), &cfg)?;
        println!(
            "test accuracy {:.4} (validation {:.4}, macro F1 {:.4}) after {} epochs ({:.1} s training)",
            r.value, r.extra[0].1, r.extra[1].1, r.epochs, r.train_seconds
        );
        if let Some(dir) = &r.report {
            println!("report: {}", dir.join("index.html").display());
        }
        println!("{}", r.line());
        Ok(())
    })
}
