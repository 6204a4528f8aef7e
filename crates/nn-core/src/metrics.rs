//! Metrics (the book's `binary-accuracy!`, confusion matrix, ...), computed on the
//! host from a network's output and the targets (one sample per column).

use std::fmt;

use la_core::prelude::*;

use crate::cost::Cost;
use crate::error::{precondition, Result};

fn host<T: Scalar>(
    op: &'static str,
    pred: &impl AsMatrix<T>,
    y: &impl AsMatrix<T>,
) -> Result<(usize, Vec<f64>, Vec<f64>)> {
    pred.factory().require_same(op, y.factory())?;
    if pred.mrows() == 0 || pred.ncols() == 0 {
        return Err(precondition(
            op,
            vec![format!(
                "the predictions are {}x{}: there is nothing to measure",
                pred.mrows(),
                pred.ncols()
            )],
        ));
    }
    if (pred.mrows(), pred.ncols()) != (y.mrows(), y.ncols()) {
        return Err(precondition(
            op,
            vec![format!(
                "the predictions are {}x{} but the targets are {}x{}",
                pred.mrows(),
                pred.ncols(),
                y.mrows(),
                y.ncols()
            )],
        ));
    }
    let f = |v: Vec<T>| v.into_iter().map(|x| x.as_f64()).collect();
    Ok((pred.mrows(), f(pred.to_vec()?), f(y.to_vec()?)))
}

/// Marks a column whose values hold a NaN: it has no class (never right).
const NO_CLASS: usize = usize::MAX;

/// The class of each column: the row of its largest entry (for one row: `>= 0.5`);
/// [`NO_CLASS`] for a column with a NaN.
fn classes(rows: usize, v: &[f64]) -> Vec<usize> {
    if rows == 1 {
        return v
            .iter()
            .map(|&p| {
                if p.is_nan() {
                    NO_CLASS
                } else {
                    usize::from(p >= 0.5)
                }
            })
            .collect();
    }
    v.chunks(rows)
        .map(|c| {
            if c.iter().any(|x| x.is_nan()) {
                return NO_CLASS;
            }
            c.iter()
                .enumerate()
                .fold((0, f64::NEG_INFINITY), |(bi, bv), (i, &x)| {
                    if x > bv {
                        (i, x)
                    } else {
                        (bi, bv)
                    }
                })
                .0
        })
        .collect()
}

/// The fraction of outputs on the right side of 0.5 (the book's `binary-accuracy!`);
/// every entry counts, so several binary outputs per sample work too.
///
/// ```
/// use la_core::prelude::*;
/// let p = dge(1, 4, &[0.9, 0.2, 0.6, 0.4], Layout::ColumnMajor)?;
/// let y = dge(1, 4, &[1.0, 0.0, 0.0, 0.0], Layout::ColumnMajor)?;
/// assert_eq!(nn_core::binary_accuracy(&p, &y)?, 0.75);
/// # Ok::<(), nn_core::Error>(())
/// ```
pub fn binary_accuracy<T: Scalar>(pred: &impl AsMatrix<T>, y: &impl AsMatrix<T>) -> Result<f64> {
    let (_, p, t) = host("binary_accuracy", pred, y)?;
    let right = p
        .iter()
        .zip(&t)
        .filter(|(p, t)| !p.is_nan() && (**p >= 0.5) == (**t >= 0.5))
        .count();
    Ok(right as f64 / p.len().max(1) as f64)
}

/// The fraction of samples (columns) whose largest output is at the target's largest
/// entry (one-hot targets).
pub fn categorical_accuracy<T: Scalar>(
    pred: &impl AsMatrix<T>,
    y: &impl AsMatrix<T>,
) -> Result<f64> {
    let (rows, p, t) = host("categorical_accuracy", pred, y)?;
    let (cp, ct) = (classes(rows, &p), classes(rows, &t));
    let right = cp
        .iter()
        .zip(&ct)
        .filter(|(a, b)| a == b && **a != NO_CLASS)
        .count();
    Ok(right as f64 / cp.len().max(1) as f64)
}

/// The value of `cost` for the predictions `pred` against the targets `y` (one sample
/// per column), averaged over the samples exactly as the training loops average it
/// (logarithms of at least `T`'s smallest positive number), computed in f64 on the
/// host: the validation cost beside the training cost of a training loop.
///
/// ```
/// use la_core::prelude::*;
/// use nn_core::Cost;
/// let p = dge(1, 2, &[0.5, 1.0], Layout::ColumnMajor)?;
/// let y = dge(1, 2, &[1.0, 1.0], Layout::ColumnMajor)?;
/// assert_eq!(nn_core::cost_value(Cost::Quadratic, &p, &y)?, 0.0625); // 0.25 / (2·2)
/// assert!((nn_core::cost_value(Cost::SigmoidCrossEntropy, &p, &y)? - 0.5f64.ln().abs() / 2.0).abs() < 1e-15);
/// # Ok::<(), nn_core::Error>(())
/// ```
pub fn cost_value<T: Scalar>(
    cost: Cost,
    pred: &impl AsMatrix<T>,
    y: &impl AsMatrix<T>,
) -> Result<f64> {
    let (_, a, t) = host("cost_value", pred, y)?;
    let n = pred.ncols() as f64;
    let tiny = T::min_positive_value().as_f64();
    let ln = |x: f64| x.max(tiny).ln();
    let pairs = a.iter().zip(&t);
    Ok(match cost {
        Cost::Quadratic => pairs.map(|(a, y)| (a - y) * (a - y)).sum::<f64>() / (2.0 * n),
        Cost::MeanAbsolute => pairs.map(|(a, y)| (a - y).abs()).sum::<f64>() / n,
        Cost::SigmoidCrossEntropy => {
            -pairs
                .map(|(a, y)| y * ln(*a) + (1.0 - y) * ln(1.0 - a))
                .sum::<f64>()
                / n
        }
        Cost::SoftmaxCrossEntropy => -pairs.map(|(a, y)| y * ln(*a)).sum::<f64>() / n,
    })
}

/// A metric [`Metric::value`] computes from predictions and targets (one sample per
/// column): what a training loop's validation set reports beside its cost.
///
/// ```
/// use la_core::prelude::*;
/// use nn_core::Metric;
/// let p = dge(1, 4, &[0.9, 0.2, 0.6, 0.4], Layout::ColumnMajor)?;
/// let y = dge(1, 4, &[1.0, 0.0, 0.0, 0.0], Layout::ColumnMajor)?;
/// assert_eq!(Metric::BinaryAccuracy.value(&p, &y)?, 0.75);
/// assert!((Metric::MeanAbsoluteError.value(&p, &y)? - 0.325).abs() < 1e-12);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Metric {
    /// [`binary_accuracy`]: outputs on the right side of 0.5.
    BinaryAccuracy,
    /// [`categorical_accuracy`]: the largest output at the target's class.
    CategoricalAccuracy,
    /// [`mae`]: the mean absolute error over all entries.
    MeanAbsoluteError,
}

impl Metric {
    /// Its name in reports: `binary accuracy`, `accuracy`, `MAE`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::BinaryAccuracy => "binary accuracy",
            Metric::CategoricalAccuracy => "accuracy",
            Metric::MeanAbsoluteError => "MAE",
        }
    }

    /// The metric of `pred` against `y` (the same shape). Each is a mean over the
    /// samples, so the means of equal-sized parts average to the whole's.
    pub fn value<T: Scalar>(self, pred: &impl AsMatrix<T>, y: &impl AsMatrix<T>) -> Result<f64> {
        match self {
            Metric::BinaryAccuracy => binary_accuracy(pred, y),
            Metric::CategoricalAccuracy => categorical_accuracy(pred, y),
            Metric::MeanAbsoluteError => mae(pred, y),
        }
    }
}

/// Mean absolute error over all entries.
pub fn mae<T: Scalar>(pred: &impl AsMatrix<T>, y: &impl AsMatrix<T>) -> Result<f64> {
    let (_, p, t) = host("mae", pred, y)?;
    Ok(p.iter().zip(&t).map(|(a, b)| (a - b).abs()).sum::<f64>() / p.len().max(1) as f64)
}

/// Root mean squared error over all entries.
pub fn rmse<T: Scalar>(pred: &impl AsMatrix<T>, y: &impl AsMatrix<T>) -> Result<f64> {
    let (_, p, t) = host("rmse", pred, y)?;
    let mse = p
        .iter()
        .zip(&t)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        / p.len().max(1) as f64;
    Ok(mse.sqrt())
}

/// A confusion matrix: `count(actual, predicted)`, with per-class precision, recall
/// and F1 and their macro averages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfusionMatrix {
    classes: usize,
    counts: Vec<usize>,
}

/// The confusion matrix of predictions against targets (one sample per column;
/// classes by argmax, or by `>= 0.5` for a single output row, which gives 2 classes).
///
/// ```
/// use la_core::prelude::*;
/// let p = dge(1, 4, &[0.9, 0.2, 0.6, 0.4], Layout::ColumnMajor)?;
/// let y = dge(1, 4, &[1.0, 0.0, 0.0, 1.0], Layout::ColumnMajor)?;
/// let cm = nn_core::confusion_matrix(&p, &y)?;
/// assert_eq!(cm.count(1, 1), 1); // true positives
/// assert_eq!(cm.precision(1), 0.5);
/// # Ok::<(), nn_core::Error>(())
/// ```
pub fn confusion_matrix<T: Scalar>(
    pred: &impl AsMatrix<T>,
    y: &impl AsMatrix<T>,
) -> Result<ConfusionMatrix> {
    let (rows, p, t) = host("confusion_matrix", pred, y)?;
    let k = rows.max(2);
    let mut counts = vec![0; k * k];
    for (j, (a, b)) in classes(rows, &t)
        .into_iter()
        .zip(classes(rows, &p))
        .enumerate()
    {
        if a == NO_CLASS || b == NO_CLASS {
            return Err(precondition(
                "confusion_matrix",
                vec![format!(
                    "sample {j} holds a NaN (in the {})",
                    if a == NO_CLASS {
                        "targets"
                    } else {
                        "predictions"
                    }
                )],
            ));
        }
        counts[a * k + b] += 1;
    }
    Ok(ConfusionMatrix { classes: k, counts })
}

impl ConfusionMatrix {
    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Samples of class `actual` predicted as `predicted`.
    pub fn count(&self, actual: usize, predicted: usize) -> usize {
        self.counts[actual * self.classes + predicted]
    }

    fn ratio(a: usize, b: usize) -> f64 {
        if b == 0 {
            0.0
        } else {
            a as f64 / b as f64
        }
    }

    /// `tp / (tp + fp)` for class `c` (0 when nothing was predicted as `c`).
    pub fn precision(&self, c: usize) -> f64 {
        let predicted: usize = (0..self.classes).map(|a| self.count(a, c)).sum();
        Self::ratio(self.count(c, c), predicted)
    }

    /// `tp / (tp + fn)` for class `c` (0 when no sample is of class `c`).
    pub fn recall(&self, c: usize) -> f64 {
        let actual: usize = (0..self.classes).map(|p| self.count(c, p)).sum();
        Self::ratio(self.count(c, c), actual)
    }

    /// The harmonic mean of precision and recall for class `c`.
    pub fn f1(&self, c: usize) -> f64 {
        let (p, r) = (self.precision(c), self.recall(c));
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    fn mean(&self, f: impl Fn(usize) -> f64) -> f64 {
        (0..self.classes).map(f).sum::<f64>() / self.classes as f64
    }

    /// Precision averaged over the classes.
    pub fn macro_precision(&self) -> f64 {
        self.mean(|c| self.precision(c))
    }

    /// Recall averaged over the classes.
    pub fn macro_recall(&self) -> f64 {
        self.mean(|c| self.recall(c))
    }

    /// F1 averaged over the classes.
    pub fn macro_f1(&self) -> f64 {
        self.mean(|c| self.f1(c))
    }

    /// The fraction of samples on the diagonal.
    pub fn accuracy(&self) -> f64 {
        let diag: usize = (0..self.classes).map(|c| self.count(c, c)).sum();
        Self::ratio(diag, self.counts.iter().sum())
    }
}

impl fmt::Display for ConfusionMatrix {
    /// The matrix (rows: actual, columns: predicted), then precision, recall and F1
    /// per class and their macro averages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = self.classes;
        write!(f, "actual\\pred")?;
        for c in 0..k {
            write!(f, " {c:>6}")?;
        }
        writeln!(f)?;
        for a in 0..k {
            write!(f, "{a:>11}")?;
            for p in 0..k {
                write!(f, " {:>6}", self.count(a, p))?;
            }
            writeln!(f)?;
        }
        writeln!(f, "class  precision  recall     f1")?;
        for c in 0..k {
            writeln!(
                f,
                "{c:>5}  {:>9.4}  {:>6.4}  {:>6.4}",
                self.precision(c),
                self.recall(c),
                self.f1(c)
            )?;
        }
        write!(
            f,
            "macro  {:>9.4}  {:>6.4}  {:>6.4}",
            self.macro_precision(),
            self.macro_recall(),
            self.macro_f1()
        )
    }
}
