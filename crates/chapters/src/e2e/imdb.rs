//! "Classification: IMDB sentiments" on the real reviews.

use super::*;
use crate::report::RunReport;

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

/// Training reviews sampled for the per-epoch curve: 2,500 spread over the split, dense.
const IMDB_CURVE_SAMPLES: usize = 2500;

/// "Classification: IMDB sentiments": the network (relu hidden layers, a sigmoid
/// output) trained on `data.x_fit`, its binary accuracy on `data.x_eval`. With
/// `cfg.run.reports`, the per-epoch curves are measured on 2,500 training reviews and
/// on all the evaluation reviews (sparse: the training loop's validation set); with `cfg.run.save_to`, the network is saved there and the vocabulary
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
    let accuracy = Metric::BinaryAccuracy;
    let sample = match cfg.run.reports {
        Some(_) => Some(dense_sample(x_fit, &data.y_fit)?),
        None => None,
    };
    let evaluation = match &sample {
        Some((xf, yf)) => Some(Evaluation {
            metric: accuracy,
            fit: (xf, yf),
            eval: nn_train::validation_sparse(
                &x_eval.to_csc(),
                &y_eval.to_matrix(&fac)?,
                Some(accuracy),
            )?,
        }),
        None => None,
    };
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
            evaluation.as_ref(),
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
            evaluation.as_ref(),
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
        predictions.extend(infer(&mut net, &xe)?.to_vec()?);
    }
    let p = fac.ge_from(1, predictions.len(), &predictions, Layout::ColumnMajor)?;
    let cm = nn_dnn::confusion_matrix(&p, &y_eval.to_matrix(&fac)?)?;
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
