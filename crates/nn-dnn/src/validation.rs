//! A held-out set the training loop evaluates after every epoch
//! ([`TrainOptions::validation`](crate::TrainOptions::validation)).

use std::fmt;
use std::sync::Arc;

use la_core::prelude::*;
use la_core::sparse::CscMatrix;
use nn_core::{cost_value, Cost, Metric, Result};
use tensor_core::{AsTensor, Tensor};

use crate::network::Network;

/// A validation set: samples and targets the training loop runs the network on
/// (without dropout, a batch at a time) after every epoch, reporting the cost and,
/// when set, a [`Metric`] in [`Epoch::validation`](crate::Epoch::validation). Its
/// data is shared, so cloning the options does not copy it.
///
/// ```
/// use la_core::prelude::*;
/// use nn_dnn::{dense, network, train, Activation, Cost, Init, Metric, TrainOptions, Validation};
/// use tensor_core::{desc, tensor_from, DataType, TensorLayout};
/// let fac = native_float();
/// let nc = |n: usize| desc([n, 1], DataType::Float, TensorLayout::Nc);
/// let mut net = network(&fac, nc(2)?, &[dense(1, Activation::Linear)])?;
/// net.init(&mut seeded_rng(1), Init::Glorot)?;
/// let x = tensor_from(&fac, nc(4)?, &[0., 1., 2., 3.])?;
/// let y = tensor_from(&fac, nc(4)?, &[1., 3., 5., 7.])?; // y = 2x + 1
/// let held_out = Validation::new(tensor_from(&fac, nc(3)?, &[4., 5., 6.])?,
///                                tensor_from(&fac, nc(3)?, &[9., 11., 13.])?)?
///     .with_metric(Metric::MeanAbsoluteError);
/// let opts = TrainOptions { validation: Some(held_out), ..TrainOptions::new(400, 0.05) };
/// let mut maes = vec![];
/// train(&mut net, &x, &y, Cost::Quadratic, &opts, |e, _| {
///     maes.push(e.validation.and_then(|v| v.metric).unwrap_or(f64::NAN));
///     Ok(())
/// })?;
/// assert!(maes[399] < 0.1 * maes[0], "{} -> {}", maes[0], maes[399]);
/// # Ok::<(), nn_dnn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Validation<T: Scalar> {
    x: Arc<Samples<T>>,
    y: Arc<Tensor<T>>,
    metric: Option<Metric>,
}

/// The inputs of a validation set.
#[derive(Debug)]
enum Samples<T: Scalar> {
    /// `[n, ...]` like the network's input.
    Dense(Tensor<T>),
    /// `n` columns of a `features x n` CSC matrix, for a network with a dense first
    /// layer on `[batch, features]`.
    Sparse(CscMatrix<T>),
}

/// What a [`Validation`] measured after an epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Validated {
    /// The mean cost over the validation samples (computed as
    /// [`cost_value`](nn_core::cost_value) computes it).
    pub cost: f64,
    /// The validation set's metric, when it has one.
    pub metric: Option<f64>,
}

impl<T: Scalar> Validation<T> {
    /// Validation on the samples `x` (`[n, ...]`, shaped like the network's input
    /// samples) with targets `y` (`[n, ...]` like its output samples).
    pub fn new(x: Tensor<T>, y: Tensor<T>) -> Result<Self> {
        let n = x.desc().shape().first().copied().unwrap_or(0);
        Self::checked(Samples::Dense(x), n, y)
    }

    /// Validation on sparse samples: the `n` columns of `x` (a bag of words, as
    /// [`train_sparse`](crate::train_sparse) takes it), targets `y` (`[n, ...]`).
    pub fn sparse(x: CscMatrix<T>, y: Tensor<T>) -> Result<Self> {
        let n = x.ncols();
        Self::checked(Samples::Sparse(x), n, y)
    }

    fn checked(x: Samples<T>, n: usize, y: Tensor<T>) -> Result<Self> {
        let yn = y.desc().shape().first().copied().unwrap_or(0);
        la_core::Check::new("Validation::new")
            .require(n == yn, || format!("x has {n} samples but y has {yn}"))
            .require(n > 0, || "x has no samples".into())
            .finish()?;
        Ok(Validation {
            x: Arc::new(x),
            y: Arc::new(y),
            metric: None,
        })
    }

    /// The same set, also measuring `metric`.
    pub fn with_metric(mut self, metric: Metric) -> Self {
        self.metric = Some(metric);
        self
    }

    /// Its metric, if any.
    pub fn metric(&self) -> Option<Metric> {
        self.metric
    }

    /// The number of samples.
    pub fn samples(&self) -> usize {
        self.y.desc().shape()[0]
    }

    /// Checks the set against `net` (the training loops do, before the first epoch):
    /// the same factory, input samples shaped like the network's (a sparse set needs a
    /// network on `[batch, features]` with `features` rows), targets like its output.
    pub fn check(&self, net: &Network<T>) -> Result<()> {
        const OP: &str = "validation";
        let la = net.dnn().la();
        let (ind, outd, dy) = (net.input_desc(), net.output_desc(), self.y.desc());
        la.require_same(OP, self.y.factory())?;
        let mut check = la_core::Check::new(OP);
        check.require(
            dy.rank() == outd.rank() && dy.shape()[1..] == outd.shape()[1..],
            || format!("its targets are {dy} but the network outputs samples of {outd}"),
        );
        match &*self.x {
            Samples::Dense(x) => {
                la.require_same(OP, x.factory())?;
                let dx = x.desc();
                check.require(
                    dx.rank() == ind.rank() && dx.shape()[1..] == ind.shape()[1..],
                    || format!("its samples are {dx} but the network takes samples of {ind}"),
                );
            }
            Samples::Sparse(x) => {
                let features = ind.shape()[1..].iter().product::<usize>();
                check
                    .require(ind.rank() == 2, || {
                        format!("sparse samples need a network on [batch features], not {ind}")
                    })
                    .require(x.mrows() == features, || {
                        format!(
                            "the network takes {features} features but its samples have {}",
                            x.mrows()
                        )
                    });
            }
        }
        Ok(check.finish()?)
    }

    /// Runs `net` on every sample (a batch at a time, without dropout) and measures
    /// the mean `cost` and the metric against the targets.
    pub fn evaluate(&self, net: &mut Network<T>, cost: Cost) -> Result<Validated> {
        self.check(net)?;
        let (total, batch) = (self.samples(), net.batch());
        // the buffer of a sparse set's mini-batches (empty for a dense set)
        let mut xb = match &*self.x {
            Samples::Sparse(x) => {
                CscMatrix::with_capacity(x.mrows(), batch, densest_batch(x, batch))
            }
            Samples::Dense(_) => CscMatrix::with_capacity(0, 0, 0),
        };
        let (mut costs, mut metrics) = (0.0, 0.0);
        for start in (0..total).step_by(batch) {
            let n = batch.min(total - start);
            let out = match &*self.x {
                Samples::Dense(x) => net.forward(&x.subtensor(0, start, n)?)?,
                Samples::Sparse(x) => {
                    xb.clear();
                    for j in start..start + n {
                        xb.push_col_from(x, j)?;
                    }
                    net.forward_sparse(&xb)?
                }
            };
            let (p, y) = (out.view_mat()?, self.y.subtensor(0, start, n)?);
            let y = y.view_mat()?;
            costs += cost_value(cost, &p, &y)? * n as f64;
            if let Some(m) = self.metric {
                metrics += m.value(&p, &y)? * n as f64;
            }
        }
        let mean = |s: f64| s / total as f64;
        Ok(Validated {
            cost: mean(costs),
            metric: self.metric.map(|_| mean(metrics)),
        })
    }
}

/// Two validations are equal when they share their data (clones of one another) and
/// measure the same metric.
impl<T: Scalar> PartialEq for Validation<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.x, &other.x)
            && Arc::ptr_eq(&self.y, &other.y)
            && self.metric == other.metric
    }
}

impl fmt::Display for Validated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "validation cost {:.4}", self.cost)?;
        if let Some(m) = self.metric {
            write!(f, ", metric {m:.4}")?;
        }
        Ok(())
    }
}

/// The nonzeros of the densest `batch` columns of `x`: room for any mini-batch of it.
pub(crate) fn densest_batch<T: Scalar>(x: &CscMatrix<T>, batch: usize) -> usize {
    let mut nnz: Vec<usize> = (0..x.ncols()).map(|j| x.col(j).0.len()).collect();
    nnz.sort_unstable_by(|a, b| b.cmp(a));
    nnz.iter().take(batch).sum()
}
