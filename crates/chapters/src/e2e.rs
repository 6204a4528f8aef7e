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
    /// Seconds spent training (not loading or encoding).
    pub train_seconds: f64,
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
    /// Print a progress bar.
    pub progress: bool,
}

impl Run {
    /// Adam with the learning rate decaying linearly to 1% (Deep Diamond's mini-batch
    /// default), seed 1, no dropout, no progress bar.
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
        }
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

/// Builds the network (`hidden` with `act`, then `output` with `out_act`), trains it
/// with mini-batch SGD on `(x, y)` and returns it with the training seconds.
fn train(
    fac: &Factory<f32>,
    x: Inputs<'_>,
    y: &Matrix<f32>,
    run: &Run,
    act: Activation<f32>,
    out_act: Activation<f32>,
    cost: Cost,
) -> std::result::Result<(InferenceNetwork<f32>, f64), Error> {
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
    let start = Instant::now();
    let hyper = SgdTrain {
        learning_rate: run.learning_rate,
        schedule: run.schedule,
        seed: run.seed,
    };
    let mut bar = run.progress.then(|| nn_train::progress_bar(run.epochs));
    let on_epoch = |e: &nn_train::Epoch<f32>| {
        if let Some(b) = bar.as_mut() {
            b(e)
        }
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
    Ok((net, start.elapsed().as_secs_f64()))
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
                }
            }
            None => ImdbData {
                x_fit: x_all,
                y_fit: y_all,
                x_eval: vocab.encode(&datasets::texts(&data.test)),
                y_eval: datasets::sentiment_labels(&data.test),
                metric: "test accuracy",
            },
        })
    }
}

/// "Classification: IMDB sentiments": the network (relu hidden layers, a sigmoid
/// output) trained on `data.x_fit`, its binary accuracy on `data.x_eval`.
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
    let (mut net, secs) = if cfg.sparse {
        let x = x_fit.to_csc();
        train(&fac, Inputs::Sparse(&x), &y, &cfg.run, relu, out, cfg.cost)?
    } else {
        let x = x_fit.to_matrix(&fac)?;
        train(&fac, Inputs::Dense(&x), &y, &cfg.run, relu, out, cfg.cost)?
    };
    // Evaluate 1000 reviews at a time: the dense test input is never whole.
    let mut correct = 0.0;
    for j0 in (0..x_eval.cols()).step_by(1000) {
        let cols: Vec<usize> = (j0..(j0 + 1000).min(x_eval.cols())).collect();
        let xe = x_eval.select(&cols)?.to_matrix(&fac)?;
        let ye = y_eval.select(&cols)?.to_matrix(&fac)?;
        correct += nn_train::binary_accuracy(&net.infer(&xe)?, &ye)? * cols.len() as f64;
    }
    let acc = correct / x_eval.cols() as f64;
    Ok(Report {
        dataset: "IMDB".into(),
        network: network_name(x_fit.rows(), &cfg.run.hidden, 1),
        epochs: cfg.run.epochs,
        metric: (*metric).into(),
        value: acc,
        extra: vec![],
        train_seconds: secs,
    })
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
/// statistics only), quadratic cost; test MAE and RMSE in $1000s.
pub fn boston(dir: &Path, cfg: &BostonConfig) -> std::result::Result<Report, Error> {
    let data = datasets::boston_with(dir, cfg.verify)?;
    let (mut train_s, mut test_s) = data.samples.split(cfg.test_fraction, cfg.split_seed)?;
    let s = Standardizer::fit(&train_s.x);
    s.apply(&mut train_s.x)?;
    s.apply(&mut test_s.x)?;
    let fac = native_float();
    let (x, y) = (train_s.x.to_matrix(&fac)?, train_s.y.to_matrix(&fac)?);
    let (mut net, secs) = train(
        &fac,
        Inputs::Dense(&x),
        &y,
        &cfg.run,
        Activation::Relu,
        Activation::Linear,
        Cost::Quadratic,
    )?;
    let (xt, yt) = (test_s.x.to_matrix(&fac)?, test_s.y.to_matrix(&fac)?);
    let pred = net.infer(&xt)?;
    let mae = nn_train::mae(&pred, &yt)?;
    let rmse = nn_train::rmse(&pred, &yt)?;
    Ok(Report {
        dataset: "Boston housing".into(),
        network: network_name(x.mrows(), &cfg.run.hidden, 1),
        epochs: cfg.run.epochs,
        metric: "test MAE".into(),
        value: mae,
        extra: vec![("RMSE".into(), rmse)],
        train_seconds: secs,
    })
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

/// "Classification and metrics: MNIST": test accuracy, and the confusion matrix with
/// per-class precision/recall/F1, which it prints.
pub fn mnist(dir: &Path, cfg: &MnistConfig) -> std::result::Result<Report, Error> {
    let data = datasets::mnist_with(dir, cfg.verify)?;
    let fac = native_float();
    let n = data.train.len().min(cfg.train_limit);
    let keep: Vec<usize> = (0..n).collect();
    let x = data.train.images.select(&keep)?.to_matrix(&fac)?;
    let y = data.train.one_hot().select(&keep)?.to_matrix(&fac)?;
    let (mut net, secs) = train(
        &fac,
        Inputs::Dense(&x),
        &y,
        &cfg.run,
        Activation::Relu,
        Activation::Softmax,
        Cost::SoftmaxCrossEntropy,
    )?;
    let xt = data.test.images.to_matrix(&fac)?;
    let yt: HostMatrix = data.test.one_hot();
    let yt = yt.to_matrix(&fac)?;
    let pred = net.infer(&xt)?;
    let cm = nn_train::confusion_matrix(&pred, &yt)?;
    println!("{cm}");
    Ok(Report {
        dataset: "MNIST".into(),
        network: network_name(x.mrows(), &cfg.run.hidden, 10),
        epochs: cfg.run.epochs,
        metric: "test accuracy".into(),
        value: cm.accuracy(),
        extra: vec![("macro F1".into(), cm.macro_f1())],
        train_seconds: secs,
    })
}
