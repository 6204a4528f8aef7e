//! The end-to-end examples on real data: IMDB sentiments ([`imdb()`]), Boston housing
//! prices ([`boston()`]) and MNIST digits ([`mnist()`]). Each run is a function of a data
//! folder and a configuration, so the chapter binaries run them on the real files
//! (`cargo xtask e2e`) and the tests run them on small generated files of the same
//! formats. This module holds what the runs share: the results line, the run
//! settings, and the training loop with its per-epoch evaluation.

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

use crate::report::EpochRecord;

mod boston;
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

/// A metric of predictions against targets (accuracy, MAE).
type Metric = fn(&MatrixView<'_, f32>, &Matrix<f32>) -> nn_train::Result<f64>;

/// A network's per-epoch evaluation (the report's curves): the metric on (a sample
/// of) the training data, and the training cost and the metric on the evaluation data.
struct Evaluation<'a> {
    metric: Metric,
    /// Inputs and targets of the training sample.
    fit: (&'a Matrix<f32>, &'a Matrix<f32>),
    /// Inputs and targets of the evaluation data.
    eval: (&'a Matrix<f32>, &'a Matrix<f32>),
}

impl Evaluation<'_> {
    /// `[training metric, evaluation cost, evaluation metric]` of `net`.
    fn measure(
        &self,
        net: &mut InferenceNetwork<f32>,
        cost: Cost,
    ) -> std::result::Result<[f64; 3], Error> {
        let on_fit = (self.metric)(&net.infer(self.fit.0)?, self.fit.1)?;
        let p = net.infer(self.eval.0)?;
        Ok([
            on_fit,
            nn_train::cost_value(cost, &p, self.eval.1)?,
            (self.metric)(&p, self.eval.1)?,
        ])
    }
}

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
/// epoch's record; `evaluation` (when given) measures a copy of the network after
/// each epoch, outside the timed training.
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
    let mut eval_net = match evaluation {
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
        if let (Some(ev), Some(en)) = (evaluation, eval_net.as_mut()) {
            let t = Instant::now();
            let measured = copy_params(e.network, en)
                .map_err(Error::from)
                .and_then(|()| ev.measure(en, cost));
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

/// `counts[actual][predicted]` of a confusion matrix.
pub fn confusion_counts(cm: &nn_train::ConfusionMatrix) -> Vec<Vec<usize>> {
    (0..cm.classes())
        .map(|a| (0..cm.classes()).map(|p| cm.count(a, p)).collect())
        .collect()
}
