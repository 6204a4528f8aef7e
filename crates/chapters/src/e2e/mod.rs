//! The end-to-end examples on real data: IMDB sentiments ([`imdb()`]), Boston housing
//! prices ([`boston()`]) and MNIST digits ([`mnist()`]). Each run is a function of a data
//! folder and a configuration, so the chapter binaries run them on the real files
//! (`cargo xtask e2e`) and the tests run them on small generated files of the same
//! formats. This module holds what the runs share: the results line, the run
//! settings, and the training loop with its per-epoch evaluation.

use std::path::Path;

use datasets::{HostMatrix, MultiHot, Standardizer, Tokenizer, Vocabulary};
use la_core::prelude::*;
use la_core::sparse::CscMatrix;
use nn_dnn::{dense, network, Blueprint, Metric, Network, Validation};
use nn_dnn::{Activation, Adam, Cost, Dropout, Init, Optimizer, Schedule, TrainOptions};
use tensor_core::{desc, AsTensor, DataType, TensorLayout, TensorView};

use crate::report::EpochRecord;

mod boston;
pub mod history;
mod imdb;
mod mnist;

pub use boston::{boston, BostonConfig};
pub use imdb::{imdb, vocabulary_path, ImdbConfig, ImdbData};
pub use mnist::{misclassified, mnist, MnistConfig};

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
    /// Write a checkpoint after every epoch into this folder (the newest two kept,
    /// with the epochs' records beside them: [`history`]).
    pub checkpoints: Option<std::path::PathBuf>,
    /// Continue from the newest checkpoint in `checkpoints` (from the start when
    /// there is none).
    pub resume: bool,
}

impl Run {
    /// Adam with the learning rate decaying linearly to 1% (Deep Diamond's mini-batch
    /// default), seed 1, no dropout, no progress bar, no report, not saved, no
    /// checkpoints.
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
            checkpoints: None,
            resume: false,
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

/// Makes `run` write a checkpoint after every epoch into
/// `target/checkpoints/{name}/`, and resume from the newest one when the binary was
/// started with `--resume` (`cargo xtask e2e --resume`).
pub fn checkpoint_into(run: &mut Run, name: &str) {
    run.checkpoints = Some(target_dir().join("checkpoints").join(name));
    run.resume = std::env::args().any(|a| a == "--resume");
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

/// A network's per-epoch evaluation (the report's curves): the metric on (a sample
/// of) the training data, measured by the callback, and the cost and the metric on
/// the evaluation data, measured by the training loop (its validation set).
struct Evaluation<'a> {
    metric: Metric,
    /// Inputs and targets of the training sample.
    fit: (&'a Matrix<f32>, &'a Matrix<f32>),
    /// The evaluation data (its metric set).
    eval: Validation<f32>,
}

impl<'a> Evaluation<'a> {
    /// The evaluation of `fit` and of the dense `eval` samples (columns) and targets.
    fn dense(
        metric: Metric,
        fit: (&'a Matrix<f32>, &'a Matrix<f32>),
        eval: (&Matrix<f32>, &Matrix<f32>),
    ) -> std::result::Result<Self, Error> {
        let eval = nn_train::validation(eval.0, eval.1, Some(metric))?;
        Ok(Evaluation { metric, fit, eval })
    }

    /// The metric on the training sample.
    fn on_fit(&self, net: &mut Network<f32>) -> std::result::Result<f64, Error> {
        let pred = infer(net, self.fit.0)?;
        Ok(self.metric.value(&pred.view_mat()?, self.fit.1)?)
    }
}

/// The network's outputs for the samples (columns) of `x`: `[n, outputs]`, whose
/// `view_mat` is the book's `outputs x n`.
pub fn infer(
    net: &mut Network<f32>,
    x: &Matrix<f32>,
) -> std::result::Result<tensor_core::Tensor<f32>, Error> {
    Ok(net.infer(&TensorView::of_samples(x)?)?)
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
type Trained = (Network<f32>, f64, Vec<EpochRecord>);

/// The dense layers: `hidden` with `act` (each followed by the run's dropout), then
/// `outputs` with `out_act`.
fn blueprints(
    run: &Run,
    act: Activation<f32>,
    outputs: usize,
    out_act: Activation<f32>,
) -> Vec<Blueprint<f32>> {
    let mut layers = vec![];
    for &h in &run.hidden {
        layers.push(dense(h, act));
        match run.dropout {
            Some(Dropout::Bernoulli { keep }) => layers.push(nn_dnn::dropout_keep(keep)),
            Some(Dropout::Gaussian { sigma }) => layers.push(nn_dnn::gaussian_dropout(sigma)),
            None => {}
        }
    }
    layers.push(dense(outputs, out_act));
    layers
}

/// Builds the network (`hidden` with `act`, then `output` with `out_act`), trains it
/// with mini-batch SGD on `(x, y)` (samples as columns) and returns it with the
/// training seconds (the epochs' steps: not the evaluation) and each epoch's record;
/// `evaluation` (when given) measures the network after each epoch. Checkpoints and resumes as
/// the run says.
#[allow(clippy::too_many_arguments)]
fn train(
    fac: &Factory<f32>,
    x: Inputs<'_>,
    y: &Matrix<f32>,
    run: &Run,
    act: Activation<f32>,
    out_act: Activation<f32>,
    cost: Cost,
    evaluation: Option<&Evaluation<'_>>,
) -> std::result::Result<Trained, Error> {
    let rows = match x {
        Inputs::Dense(m) => m.mrows(),
        Inputs::Sparse(s) => s.mrows(),
    };
    let input = desc([run.batch, rows], DataType::Float, TensorLayout::Nc)?;
    let mut net = network(fac, input, &blueprints(run, act, y.mrows(), out_act))?;
    let init = if act == Activation::Relu {
        Init::He
    } else {
        Init::Glorot
    };
    net.init(&mut seeded_rng(run.seed), init)?;
    net.set_optimizer(run.optimizer)?;
    let (policy, resume, mut records) =
        history::checkpointing(run.checkpoints.as_deref(), run.resume)?;
    let opts = TrainOptions {
        seed: run.seed,
        schedule: run.schedule,
        checkpoints: policy,
        resume,
        validation: evaluation.map(|e| e.eval.clone()),
        ..TrainOptions::new(run.epochs, run.learning_rate)
    };
    let mut bar = run
        .progress
        .then(|| nn_train::EpochProgress::new(run.epochs));
    let mut failure: Option<Error> = None;
    let mut secs = 0.0;
    let on_epoch = |e: &nn_dnn::Epoch<f32>, net: &mut Network<f32>| {
        secs += e.seconds;
        if let Some(b) = bar.as_mut() {
            b.epoch(e.epoch, f64::from(e.cost));
        }
        let mut rec = EpochRecord {
            epoch: e.epoch,
            train_cost: f64::from(e.cost),
            train_metric: None,
            eval_cost: e.validation.map(|v| v.cost),
            eval_metric: e.validation.and_then(|v| v.metric),
        };
        if let Some(ev) = evaluation {
            match ev.on_fit(net) {
                Ok(m) => rec.train_metric = Some(m),
                Err(err) => {
                    let stop = nn_dnn::Error::La(la_core::Error::Precondition {
                        op: "e2e evaluation",
                        problems: vec![err.to_string()],
                    });
                    failure.get_or_insert(err);
                    return Err(stop);
                }
            }
        }
        records.record(rec).map_err(|source| nn_dnn::Error::Io {
            op: "e2e (history)",
            path: records.file().unwrap_or(Path::new("")).into(),
            source,
        })
    };
    let yt = TensorView::of_samples(y)?;
    let trained = match x {
        Inputs::Dense(x) => nn_dnn::train(
            &mut net,
            &TensorView::of_samples(x)?,
            &yt,
            cost,
            &opts,
            on_epoch,
        ),
        Inputs::Sparse(x) => nn_dnn::train_sparse(&mut net, x, &yt, cost, &opts, on_epoch),
    };
    if let Some(err) = failure {
        return Err(err);
    }
    let costs = trained?;
    let history = records.finish(&costs);
    if let Some(path) = &run.save_to {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        nn_dnn::save(&net, path)?;
    }
    Ok((net, secs, history))
}

/// `counts[actual][predicted]` of a confusion matrix.
pub fn confusion_counts(cm: &nn_dnn::ConfusionMatrix) -> Vec<Vec<usize>> {
    (0..cm.classes())
        .map(|a| (0..cm.classes()).map(|p| cm.count(a, p)).collect())
        .collect()
}
