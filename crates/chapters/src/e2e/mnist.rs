//! "Classification and metrics: MNIST" on the real digits.

use super::*;
use crate::report::{Misclassified, RunReport};

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
    let evaluation = Evaluation::dense(Metric::CategoricalAccuracy, (&xs, &ys), (&xt, &yt))?;
    let (mut net, secs, history) = train(
        &fac,
        Inputs::Dense(&x),
        &y,
        &cfg.run,
        Activation::Relu,
        Activation::Softmax,
        Cost::SoftmaxCrossEntropy,
        cfg.run.reports.as_ref().map(|_| &evaluation),
    )?;
    let pred = infer(&mut net, &xt)?;
    let pred = pred.view_mat()?;
    let cm = nn_dnn::confusion_matrix(&pred, &yt)?;
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
