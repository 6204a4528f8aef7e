//! The end-to-end examples on real data: IMDB sentiments, Boston housing prices and
//! MNIST digits. Each run is a function of a data folder and a configuration, so the
//! chapter binaries run them on the real files (`cargo xtask e2e`) and the tests run
//! them on small generated files of the same formats.

use std::path::Path;
use std::time::Instant;

use datasets::{HostMatrix, MultiHot, Standardizer, Tokenizer, Vocabulary};
use la_core::prelude::*;
use la_core::sparse::CscMatrix;
use nn_inference::{fully_connected, inference_network, Activation, InferenceNetwork, Init};
use nn_train::{
    sgd_train_sparse, sgd_train_with, training_network, training_network_sparse, Adam, Cost,
    Dropout, Optimizer, Schedule, SgdTrain,
};

use crate::report::{EpochRecord, Misclassified, RunReport};

/// Any error of a run (loading, shapes, training).
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Runs an example's body and turns an error into its message on stderr (e.g. "…:
/// not found; run `cargo xtask fetch-datasets boston`") and a failing exit status.
pub fn report_errors(
    body: impl FnOnce() -> std::result::Result<(), Error>,
) -> std::process::ExitCode {
    match body() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// One line of the results table.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The dataset.
    pub dataset: String,
    /// The network, e.g. `10000-16-16-1`.
    pub network: String,
    /// Epochs trained.
    pub epochs: usize,
    /// The metric's name (`test accuracy`, `test MAE`).
    pub metric: String,
    /// Its value.
    pub value: f64,
    /// Further metrics (name, value), e.g. RMSE next to MAE.
    pub extra: Vec<(String, f64)>,
    /// Seconds spent training (not loading, encoding or the per-epoch evaluation).
    pub train_seconds: f64,
    /// The folder of the run's pictures, when one was written.
    pub report: Option<std::path::PathBuf>,
}

impl Report {
    /// The machine-readable line `cargo xtask e2e` collects: `E2E|dataset|network|…`.
    pub fn line(&self) -> String {
        let extra: Vec<String> = self
            .extra
            .iter()
            .map(|(k, v)| format!("{k} {v:.4}"))
            .collect();
        format!(
            "E2E|{}|{}|{}|{} {:.4}{}|{:.2} s",
            self.dataset,
            self.network,
            self.epochs,
            self.metric,
            self.value,
            if extra.is_empty() {
                String::new()
            } else {
                format!(", {}", extra.join(", "))
            },
            self.train_seconds
        )
    }
}

/// Settings of a training run (the parts the examples vary).
#[derive(Debug, Clone)]
pub struct Run {
    /// Hidden layer widths.
    pub hidden: Vec<usize>,
    /// Epochs.
    pub epochs: usize,
    /// Mini-batch size.
    pub batch: usize,
    /// Learning rate at the first epoch.
    pub learning_rate: f32,
    /// How it decays.
    pub schedule: Schedule<f32>,
    /// The optimizer.
    pub optimizer: Optimizer<f32>,
    /// Seed for initialisation and shuffling.
    pub seed: u64,
    /// Dropout on the hidden layers' outputs.
    pub dropout: Option<Dropout<f32>>,
    /// Show progress (a bar in a terminal, a line every tenth of the run in logs).
    pub progress: bool,
    /// Write a report (curves, confusion matrix, misclassified images, `index.html`)
    /// into a new folder under this one; `None`: no report, and no per-epoch
    /// evaluation.
    pub reports: Option<std::path::PathBuf>,
    /// Save the trained network (safetensors, with its architecture) to this file.
    pub save_to: Option<std::path::PathBuf>,
}

impl Run {
    /// Adam with the learning rate decaying linearly to 1% (Deep Diamond's mini-batch
    /// default), seed 1, no dropout, no progress bar, no report, not saved.
    pub fn adam(hidden: &[usize], epochs: usize, batch: usize, learning_rate: f32) -> Self {
        Run {
            hidden: hidden.to_vec(),
            epochs,
            batch,
            learning_rate,
            schedule: Schedule::Linear {
                final_fraction: 0.01,
            },
            optimizer: Adam::default().into(),
            seed: 1,
            dropout: None,
            progress: false,
            reports: None,
            save_to: None,
        }
    }

    /// The settings as (name, value) rows of a report.
    fn settings(&self) -> Vec<(String, String)> {
        vec![
            ("hidden layers".into(), format!("{:?}", self.hidden)),
            ("epochs".into(), self.epochs.to_string()),
            ("mini-batch".into(), self.batch.to_string()),
            ("learning rate".into(), self.learning_rate.to_string()),
            ("schedule".into(), format!("{:?}", self.schedule)),
            ("optimizer".into(), format!("{:?}", self.optimizer)),
            ("dropout".into(), format!("{:?}", self.dropout)),
            ("seed".into(), self.seed.to_string()),
        ]
    }
}

/// Where the examples keep what they make (`target/` of the workspace, or
/// `$CARGO_TARGET_DIR`): `target/reports/`, `target/models/`.
pub fn target_dir() -> std::path::PathBuf {
    let dir: std::path::PathBuf = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        Into::into,
    );
    std::fs::canonicalize(&dir).unwrap_or(dir)
}

/// A network's per-epoch evaluation: after each epoch, given a copy of the network,
/// returns the metric on (a sample of) the training data, and the cost and the metric
/// on the evaluation data.
type Evaluate<'a> =
    dyn FnMut(&mut InferenceNetwork<f32>) -> std::result::Result<[f64; 3], Error> + 'a;

/// Copies the weights and biases of `src` into `dst` (same architecture).
fn copy_params(src: &InferenceNetwork<f32>, dst: &mut InferenceNetwork<f32>) -> Result<()> {
    for (d, s) in dst.layers_mut().iter_mut().zip(src.layers()) {
        copy_into(s.weights(), d.weights_mut())?;
        copy_into(s.bias(), d.bias_mut())?;
    }
    Ok(())
}

/// `k` samples spread evenly over `n` (all when `k >= n`): a fixed subset that sees
/// both classes even when a file is sorted by label.
fn spread(n: usize, k: usize) -> Vec<usize> {
    if k >= n {
        (0..n).collect()
    } else {
        (0..k).map(|i| i * n / k).collect()
    }
}

fn network_name(input: usize, hidden: &[usize], output: usize) -> String {
    let mut dims = vec![input];
    dims.extend_from_slice(hidden);
    dims.push(output);
    dims.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join("-")
}

/// Training inputs: dense, or sparse for the first layer.
enum Inputs<'a> {
    Dense(&'a Matrix<f32>),
    Sparse(&'a CscMatrix<f32>),
}

/// What [`train`] returns: the trained network, the training seconds (without the
/// evaluation) and the per-epoch records.
type Trained = (InferenceNetwork<f32>, f64, Vec<EpochRecord>);

/// Builds the network (`hidden` with `act`, then `output` with `out_act`), trains it
/// with mini-batch SGD on `(x, y)` and returns it with the training seconds and each
/// epoch's record; `evaluate` (when given) measures a copy of the network after each
/// epoch, outside the timed training.
#[allow(clippy::too_many_arguments)]
fn train(
    fac: &Factory<f32>,
    x: Inputs<'_>,
    y: &Matrix<f32>,
    run: &Run,
    act: Activation<f32>,
    out_act: Activation<f32>,
    cost: Cost,
    mut evaluate: Option<&mut Evaluate<'_>>,
) -> std::result::Result<Trained, Error> {
    let mut layers: Vec<_> = run
        .hidden
        .iter()
        .map(|&h| fully_connected(h, act))
        .collect();
    layers.push(fully_connected(y.mrows(), out_act));
    let rows = match x {
        Inputs::Dense(m) => m.mrows(),
        Inputs::Sparse(s) => s.mrows(),
    };
    let mut net = inference_network(fac, rows, &layers)?;
    let init = if act == Activation::Relu {
        Init::He
    } else {
        Init::Glorot
    };
    net.init(&mut seeded_rng(run.seed), init)?;
    let mut eval_net = match evaluate {
        Some(_) => Some(inference_network(fac, rows, &layers)?),
        None => None,
    };
    let start = Instant::now();
    let hyper = SgdTrain {
        learning_rate: run.learning_rate,
        schedule: run.schedule,
        seed: run.seed,
    };
    let mut bar = run.progress.then(|| nn_train::progress_bar(run.epochs));
    let mut history = Vec::with_capacity(run.epochs);
    let mut failure: Option<Error> = None;
    let mut eval_secs = 0.0;
    let on_epoch = |e: &nn_train::Epoch<'_, f32>| {
        if let Some(b) = bar.as_mut() {
            b(e)
        }
        let mut rec = EpochRecord {
            epoch: e.epoch,
            train_cost: f64::from(e.cost),
            train_metric: None,
            eval_cost: None,
            eval_metric: None,
        };
        if let (Some(f), Some(en)) = (evaluate.as_mut(), eval_net.as_mut()) {
            let t = Instant::now();
            let measured = copy_params(e.network, en)
                .map_err(Error::from)
                .and_then(|()| f(en));
            match measured {
                Ok([tm, ec, em]) => {
                    (rec.train_metric, rec.eval_cost, rec.eval_metric) =
                        (Some(tm), Some(ec), Some(em));
                }
                Err(err) => {
                    failure.get_or_insert(err);
                }
            }
            eval_secs += t.elapsed().as_secs_f64();
        }
        history.push(rec);
    };
    let epochs = run.epochs;
    match x {
        Inputs::Dense(x) => {
            let first = x.submatrix(0, 0, x.mrows(), run.batch)?;
            let mut t = training_network(&mut net, &first, run.optimizer)?;
            for l in 0..run.hidden.len() {
                t.set_dropout(l, run.dropout)?;
            }
            sgd_train_with(&mut t, x, y, cost, epochs, &hyper, on_epoch)?;
        }
        Inputs::Sparse(x) => {
            let mut first = CscMatrix::with_capacity(x.mrows(), run.batch, 0);
            for j in 0..run.batch.min(x.ncols()) {
                first.push_col_from(x, j)?;
            }
            let mut t = training_network_sparse(&mut net, &first, run.optimizer)?;
            for l in 0..run.hidden.len() {
                t.set_dropout(l, run.dropout)?;
            }
            sgd_train_sparse(&mut t, x, y, cost, epochs, &hyper, on_epoch)?;
        }
    }
    if let Some(err) = failure {
        return Err(err);
    }
    let secs = start.elapsed().as_secs_f64() - eval_secs;
    if let Some(path) = &run.save_to {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        nn_train::save(&net, path)?;
    }
    Ok((net, secs, history))
}

/// IMDB settings.
#[derive(Debug, Clone)]
pub struct ImdbConfig {
    /// Vocabulary size (the book: 10,000).
    pub words: usize,
    /// The tokenizer.
    pub tokenizer: Tokenizer,
    /// The training run.
    pub run: Run,
    /// The cost (the book's first run: quadratic; also sigmoid cross-entropy).
    pub cost: Cost,
    /// Train the first layer on the sparse multi-hot input (the default) instead of a
    /// dense 1 GB matrix.
    pub sparse: bool,
    /// `Some(f)`: hold out the fraction `f` of the training reviews and report the
    /// accuracy on it (for choosing settings); `None`: train on all training reviews
    /// and report the test accuracy.
    pub validation: Option<f64>,
    /// The run's name in the results table and its report, e.g. `IMDB (Adam,
    /// quadratic cost)`.
    pub label: String,
    /// Check the dataset files against their published SHA-256 sums (default:
    /// [`datasets::Verify::from_env`]); `Verify::Skip` for your own modified files.
    pub verify: datasets::Verify,
}

impl ImdbConfig {
    /// The book's network 10000-16-16-1 (relu, relu, sigmoid), Adam, mini-batches of
    /// 512, 20 epochs, the learning rate decaying linearly to 1% (Deep Diamond's
    /// mini-batch loop), quadratic cost (the book's first run). Chosen on a validation
    /// split (`--validate`: 20% of the training reviews held out), never on the test
    /// set: the clean tokenizer (0.8914 against 0.8798 for the plain split at
    /// η = 0.0003) and η = 0.0003 (0.8664 at η = 0.001, which overfits).
    pub fn book() -> Self {
        ImdbConfig {
            words: 10_000,
            tokenizer: Tokenizer::Clean,
            run: Run {
                progress: true,
                ..Run::adam(&[16, 16], 20, 512, 0.0003)
            },
            cost: Cost::Quadratic,
            sparse: true,
            validation: None,
            label: "IMDB".into(),
            verify: datasets::Verify::from_env(),
        }
    }
}

/// IMDB encoded for training: the bag-of-words of the reviews to fit and of those to
/// evaluate on (the test reviews, or the held-out validation reviews).
#[derive(Debug, Clone)]
pub struct ImdbData {
    /// Multi-hot inputs to fit.
    pub x_fit: MultiHot,
    /// Their labels (`1 x n`).
    pub y_fit: HostMatrix,
    /// Multi-hot inputs to evaluate on.
    pub x_eval: MultiHot,
    /// Their labels.
    pub y_eval: HostMatrix,
    /// `"test accuracy"` or `"validation accuracy"`.
    pub metric: &'static str,
    /// The vocabulary the reviews were encoded with (saved beside a trained model,
    /// so that `predict` encodes a sentence the same way).
    pub vocabulary: Vocabulary,
}

impl ImdbData {
    /// Loads the reviews from `dir` and encodes them with a vocabulary of the
    /// `cfg.words` most frequent words of the training reviews (the test reviews are
    /// never looked at, not even for the vocabulary); with `cfg.validation`, the
    /// evaluation reviews are held out of the training reviews.
    pub fn load(dir: &Path, cfg: &ImdbConfig) -> std::result::Result<Self, Error> {
        let data = datasets::imdb_with(dir, cfg.verify)?;
        let train_texts = datasets::texts(&data.train);
        let vocab = Vocabulary::build(&train_texts, cfg.words, cfg.tokenizer)?;
        let x_all = vocab.encode(&train_texts);
        let y_all = datasets::sentiment_labels(&data.train);
        Ok(match cfg.validation {
            Some(f) => {
                let (t, v) = datasets::split_indices(data.train.len(), f, cfg.run.seed)?;
                ImdbData {
                    x_fit: x_all.select(&t)?,
                    y_fit: y_all.select(&t)?,
                    x_eval: x_all.select(&v)?,
                    y_eval: y_all.select(&v)?,
                    metric: "validation accuracy",
                    vocabulary: vocab,
                }
            }
            None => ImdbData {
                x_fit: x_all,
                y_fit: y_all,
                x_eval: vocab.encode(&datasets::texts(&data.test)),
                y_eval: datasets::sentiment_labels(&data.test),
                metric: "test accuracy",
                vocabulary: vocab,
            },
        })
    }
}

/// Reviews sampled for the per-epoch curves: 2,500 spread over each split, dense.
const IMDB_CURVE_SAMPLES: usize = 2500;

/// "Classification: IMDB sentiments": the network (relu hidden layers, a sigmoid
/// output) trained on `data.x_fit`, its binary accuracy on `data.x_eval`. With
/// `cfg.run.reports`, the per-epoch curves are measured on 2,500 reviews of each
/// split; with `cfg.run.save_to`, the network is saved there and the vocabulary
/// beside it (`<file>.vocab.txt`).
pub fn imdb(data: &ImdbData, cfg: &ImdbConfig) -> std::result::Result<Report, Error> {
    let ImdbData {
        x_fit,
        x_eval,
        y_eval,
        metric,
        ..
    } = data;
    let fac = native_float();
    let y = data.y_fit.to_matrix(&fac)?;
    let (relu, out) = (Activation::Relu, Activation::Sigmoid);
    let eval_name = metric.trim_end_matches(" accuracy");
    let dense_sample = |x: &MultiHot, y: &HostMatrix| -> std::result::Result<_, Error> {
        let cols = spread(x.cols(), IMDB_CURVE_SAMPLES);
        Ok((
            x.select(&cols)?.to_matrix(&fac)?,
            y.select(&cols)?.to_matrix(&fac)?,
        ))
    };
    let samples = match cfg.run.reports {
        Some(_) => Some((
            dense_sample(x_fit, &data.y_fit)?,
            dense_sample(x_eval, y_eval)?,
        )),
        None => None,
    };
    let mut evaluate = samples.as_ref().map(|((xf, yf), (xe, ye))| {
        move |net: &mut InferenceNetwork<f32>| -> std::result::Result<[f64; 3], Error> {
            let train_acc = nn_train::binary_accuracy(&net.infer(xf)?, yf)?;
            let p = net.infer(xe)?;
            Ok([
                train_acc,
                nn_train::cost_value(cfg.cost, &p, ye)?,
                nn_train::binary_accuracy(&p, ye)?,
            ])
        }
    });
    let evaluate = evaluate.as_mut().map(|f| f as &mut Evaluate<'_>);
    let (mut net, secs, history) = if cfg.sparse {
        let x = x_fit.to_csc();
        train(
            &fac,
            Inputs::Sparse(&x),
            &y,
            &cfg.run,
            relu,
            out,
            cfg.cost,
            evaluate,
        )?
    } else {
        let x = x_fit.to_matrix(&fac)?;
        train(
            &fac,
            Inputs::Dense(&x),
            &y,
            &cfg.run,
            relu,
            out,
            cfg.cost,
            evaluate,
        )?
    };
    if let Some(path) = &cfg.run.save_to {
        data.vocabulary.save(vocabulary_path(path))?;
    }
    // Evaluate 1000 reviews at a time: the dense test input is never whole.
    let mut predictions = Vec::with_capacity(x_eval.cols());
    for j0 in (0..x_eval.cols()).step_by(1000) {
        let cols: Vec<usize> = (j0..(j0 + 1000).min(x_eval.cols())).collect();
        let xe = x_eval.select(&cols)?.to_matrix(&fac)?;
        predictions.extend(net.infer(&xe)?.to_vec()?);
    }
    let p = fac.ge_from(1, predictions.len(), &predictions, Layout::ColumnMajor)?;
    let cm = nn_train::confusion_matrix(&p, &y_eval.to_matrix(&fac)?)?;
    let acc = cm.accuracy();
    let mut report = Report {
        dataset: cfg.label.clone(),
        network: network_name(x_fit.rows(), &cfg.run.hidden, 1),
        epochs: cfg.run.epochs,
        metric: (*metric).into(),
        value: acc,
        extra: vec![],
        train_seconds: secs,
        report: None,
    };
    if let Some(root) = &cfg.run.reports {
        let mut settings = cfg.run.settings();
        settings.extend([
            ("cost".into(), cfg.cost.name().into()),
            (
                "vocabulary".into(),
                format!("{} words, {:?} tokenizer", cfg.words, cfg.tokenizer),
            ),
            (
                "reviews".into(),
                format!("{} to fit, {} to evaluate", x_fit.cols(), x_eval.cols()),
            ),
            (
                "curves".into(),
                format!("accuracy and cost on {IMDB_CURVE_SAMPLES} reviews spread over each split"),
            ),
        ]);
        report.report = Some(
            RunReport {
                dataset: cfg.label.clone(),
                title: format!("{} {}", cfg.label, report.network),
                settings,
                metrics: vec![
                    (report.metric.clone(), acc),
                    ("training seconds".into(), secs),
                ],
                metric_name: "accuracy".into(),
                eval_name: eval_name.into(),
                history,
                classes: vec!["negative".into(), "positive".into()],
                confusion: Some(confusion_counts(&cm)),
                misclassified: vec![],
            }
            .write(root)?,
        );
    }
    Ok(report)
}

/// Where the vocabulary of a saved IMDB model goes: `imdb.safetensors` →
/// `imdb.vocab.txt`.
pub fn vocabulary_path(model: &Path) -> std::path::PathBuf {
    model.with_extension("vocab.txt")
}

/// `counts[actual][predicted]` of a confusion matrix.
pub fn confusion_counts(cm: &nn_train::ConfusionMatrix) -> Vec<Vec<usize>> {
    (0..cm.classes())
        .map(|a| (0..cm.classes()).map(|p| cm.count(a, p)).collect())
        .collect()
}

/// Boston settings.
#[derive(Debug, Clone)]
pub struct BostonConfig {
    /// Fraction held out for testing.
    pub test_fraction: f64,
    /// Seed of the split.
    pub split_seed: u64,
    /// The training run.
    pub run: Run,
    /// Check the dataset files against their published SHA-256 sums (default:
    /// [`datasets::Verify::from_env`]); `Verify::Skip` for your own modified files.
    pub verify: datasets::Verify,
}

impl BostonConfig {
    /// 13-64-64-1 (relu, relu, linear), Adam, mini-batches of 16, 200 epochs, 20% test.
    pub fn standard() -> Self {
        BostonConfig {
            test_fraction: 0.2,
            split_seed: 42,
            run: Run::adam(&[64, 64], 200, 16, 0.003),
            verify: datasets::Verify::from_env(),
        }
    }
}

/// "Regression: Boston housing prices": a seeded split, standardised features (train
/// statistics only), quadratic cost; test MAE and RMSE in $1000s. The report's curves
/// are the MAE and the cost on the training and the test split after each epoch.
pub fn boston(dir: &Path, cfg: &BostonConfig) -> std::result::Result<Report, Error> {
    let data = datasets::boston_with(dir, cfg.verify)?;
    let (mut train_s, mut test_s) = data.samples.split(cfg.test_fraction, cfg.split_seed)?;
    let s = Standardizer::fit(&train_s.x);
    s.apply(&mut train_s.x)?;
    s.apply(&mut test_s.x)?;
    let fac = native_float();
    let (x, y) = (train_s.x.to_matrix(&fac)?, train_s.y.to_matrix(&fac)?);
    let (xt, yt) = (test_s.x.to_matrix(&fac)?, test_s.y.to_matrix(&fac)?);
    let mut evaluate = |net: &mut InferenceNetwork<f32>| -> std::result::Result<[f64; 3], Error> {
        let train_mae = nn_train::mae(&net.infer(&x)?, &y)?;
        let p = net.infer(&xt)?;
        Ok([
            train_mae,
            nn_train::cost_value(Cost::Quadratic, &p, &yt)?,
            nn_train::mae(&p, &yt)?,
        ])
    };
    let evaluate = cfg
        .run
        .reports
        .as_ref()
        .map(|_| &mut evaluate as &mut Evaluate<'_>);
    let (mut net, secs, history) = train(
        &fac,
        Inputs::Dense(&x),
        &y,
        &cfg.run,
        Activation::Relu,
        Activation::Linear,
        Cost::Quadratic,
        evaluate,
    )?;
    let pred = net.infer(&xt)?;
    let mae = nn_train::mae(&pred, &yt)?;
    let rmse = nn_train::rmse(&pred, &yt)?;
    let mut report = Report {
        dataset: "Boston housing".into(),
        network: network_name(x.mrows(), &cfg.run.hidden, 1),
        epochs: cfg.run.epochs,
        metric: "test MAE".into(),
        value: mae,
        extra: vec![("RMSE".into(), rmse)],
        train_seconds: secs,
        report: None,
    };
    if let Some(root) = &cfg.run.reports {
        let mut settings = cfg.run.settings();
        settings.extend([
            ("cost".into(), "quadratic".into()),
            (
                "split".into(),
                format!(
                    "{:.0}% test, seed {}",
                    100.0 * cfg.test_fraction,
                    cfg.split_seed
                ),
            ),
            (
                "samples".into(),
                format!("{} training, {} test", x.ncols(), xt.ncols()),
            ),
        ]);
        report.report = Some(
            RunReport {
                dataset: "Boston housing".into(),
                title: format!("Boston housing {}", report.network),
                settings,
                metrics: vec![
                    ("test MAE ($1000s)".into(), mae),
                    ("test RMSE ($1000s)".into(), rmse),
                    ("training seconds".into(), secs),
                ],
                metric_name: "MAE".into(),
                eval_name: "test".into(),
                history,
                ..RunReport::default()
            }
            .write(root)?,
        );
    }
    Ok(report)
}

/// MNIST settings.
#[derive(Debug, Clone)]
pub struct MnistConfig {
    /// The training run.
    pub run: Run,
    /// Use at most this many training images (all with `usize::MAX`).
    pub train_limit: usize,
    /// Check the dataset files against their published SHA-256 sums (default:
    /// [`datasets::Verify::from_env`]); `Verify::Skip` for your own modified files.
    pub verify: datasets::Verify,
}

impl MnistConfig {
    /// 784-512-10 (relu, softmax), softmax cross-entropy, Adam, mini-batches of 128,
    /// 10 epochs.
    pub fn standard() -> Self {
        MnistConfig {
            run: Run {
                progress: true,
                ..Run::adam(&[512], 10, 128, 0.001)
            },
            train_limit: usize::MAX,
            verify: datasets::Verify::from_env(),
        }
    }
}

/// Training images the MNIST curves measure the training accuracy on.
const MNIST_CURVE_SAMPLES: usize = 10_000;

/// "Classification and metrics: MNIST": test accuracy, and the confusion matrix with
/// per-class precision/recall/F1, which it prints. The report's curves are the
/// accuracy on 10,000 training images and the cost and accuracy on the test images
/// after each epoch (the test set is never used to choose settings).
pub fn mnist(dir: &Path, cfg: &MnistConfig) -> std::result::Result<Report, Error> {
    let data = datasets::mnist_with(dir, cfg.verify)?;
    let fac = native_float();
    let n = data.train.len().min(cfg.train_limit);
    let keep: Vec<usize> = (0..n).collect();
    let x = data.train.images.select(&keep)?.to_matrix(&fac)?;
    let hot = data.train.one_hot();
    let y = hot.select(&keep)?.to_matrix(&fac)?;
    let xt = data.test.images.to_matrix(&fac)?;
    let yt = data.test.one_hot().to_matrix(&fac)?;
    let some = spread(n, MNIST_CURVE_SAMPLES);
    let (xs, ys) = (
        data.train.images.select(&some)?.to_matrix(&fac)?,
        hot.select(&some)?.to_matrix(&fac)?,
    );
    let mut evaluate = |net: &mut InferenceNetwork<f32>| -> std::result::Result<[f64; 3], Error> {
        let train_acc = nn_train::categorical_accuracy(&net.infer(&xs)?, &ys)?;
        let p = net.infer(&xt)?;
        Ok([
            train_acc,
            nn_train::cost_value(Cost::SoftmaxCrossEntropy, &p, &yt)?,
            nn_train::categorical_accuracy(&p, &yt)?,
        ])
    };
    let evaluate = cfg
        .run
        .reports
        .as_ref()
        .map(|_| &mut evaluate as &mut Evaluate<'_>);
    let (mut net, secs, history) = train(
        &fac,
        Inputs::Dense(&x),
        &y,
        &cfg.run,
        Activation::Relu,
        Activation::Softmax,
        Cost::SoftmaxCrossEntropy,
        evaluate,
    )?;
    let pred = net.infer(&xt)?;
    let cm = nn_train::confusion_matrix(&pred, &yt)?;
    println!("{cm}");
    let probs = pred.to_vec()?;
    let mut report = Report {
        dataset: "MNIST".into(),
        network: network_name(x.mrows(), &cfg.run.hidden, 10),
        epochs: cfg.run.epochs,
        metric: "test accuracy".into(),
        value: cm.accuracy(),
        extra: vec![("macro F1".into(), cm.macro_f1())],
        train_seconds: secs,
        report: None,
    };
    if let Some(root) = &cfg.run.reports {
        let mut settings = cfg.run.settings();
        settings.extend([
            ("cost".into(), "softmax cross-entropy".into()),
            ("images".into(), format!("{n} training, {} test", data.test.len())),
            ("curves".into(), format!("training accuracy on {} images spread over the training set; test cost and accuracy on all test images", some.len())),
        ]);
        report.report = Some(
            RunReport {
                dataset: "MNIST".into(),
                title: format!("MNIST {}", report.network),
                settings,
                metrics: vec![
                    ("test accuracy".into(), cm.accuracy()),
                    ("macro F1".into(), cm.macro_f1()),
                    ("training seconds".into(), secs),
                ],
                metric_name: "accuracy".into(),
                eval_name: "test".into(),
                history,
                classes: (0..10).map(|c| c.to_string()).collect(),
                confusion: Some(confusion_counts(&cm)),
                misclassified: misclassified(&data.test, &probs, 32),
            }
            .write(root)?,
        );
    }
    Ok(report)
}

/// The first `max` test images whose most probable class (`probs`: 10 per image) is
/// not their label.
pub fn misclassified(
    test: &datasets::LabelledImages,
    probs: &[f32],
    max: usize,
) -> Vec<Misclassified> {
    let pixels = test.images.rows();
    let side = (pixels as f64).sqrt().round() as usize;
    probs
        .chunks(10)
        .enumerate()
        .filter_map(|(j, p)| {
            let best = (0..p.len()).fold(0, |b, k| if p[k] > p[b] { k } else { b });
            let actual = usize::from(*test.labels.get(j)?);
            (best != actual).then(|| Misclassified {
                pixels: test.images.col(j).to_vec(),
                side,
                actual,
                predicted: best,
                probability: f64::from(p[best]),
            })
        })
        .take(max)
        .collect()
}
