//! "Regression: Boston housing prices" on the real data.

use super::*;
use crate::report::RunReport;

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
    let evaluation = Evaluation::dense(Metric::MeanAbsoluteError, (&x, &y), (&xt, &yt))?;
    let (mut net, secs, history) = train(
        &fac,
        Inputs::Dense(&x),
        &y,
        &cfg.run,
        Activation::Relu,
        Activation::Linear,
        Cost::Quadratic,
        cfg.run.reports.as_ref().map(|_| &evaluation),
    )?;
    let pred = infer(&mut net, &xt)?;
    let pred = pred.view_mat()?;
    let mae = nn_dnn::mae(&pred, &yt)?;
    let rmse = nn_dnn::rmse(&pred, &yt)?;
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
