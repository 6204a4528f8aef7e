//! The training loops: one entry point, [`fit`], with options, and the book's names
//! ([`sgd`], [`sgd_train`], [`sgd_train_sparse`]) as thin wrappers over it.

use la_core::prelude::*;
use la_core::rand::seq::SliceRandom;
use la_core::sparse::CscMatrix;

use crate::network::{Input, TrainingNetwork};
use nn_core::{precondition, Result};
use nn_core::{Cost, Schedule};
use nn_inference::InferenceNetwork;

/// Where [`fit`] takes each step's samples from.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Batches<'a, T: Scalar> {
    /// The batch the training network was built with, one step per epoch (the book's
    /// full-batch gradient descent, `sgd`).
    Full,
    /// Shuffled mini-batches of [`TrainingNetwork::batch`] samples from dense samples
    /// (one per column), gathered into the network's input buffer.
    Dense(MatrixView<'a, T>),
    /// The same from sparse samples, for a network built by
    /// [`training_network_sparse`](crate::training_network_sparse).
    Sparse(&'a CscMatrix<T>),
}

/// How [`fit`] runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitOptions<T> {
    /// Passes over the data.
    pub epochs: usize,
    /// The learning rate `η` (the first epoch's, under a schedule).
    pub learning_rate: T,
    /// How `η` changes over the epochs.
    pub schedule: Schedule<T>,
    /// Seed of the mini-batch shuffles and dropout masks (mini-batches only: a
    /// full-batch run continues the network's own generator).
    pub seed: u64,
    /// `Some(false)` trains layer by layer, `Some(true)` allows tensor-core's fused
    /// pass where the network, cost and factory can take it; `None` keeps the
    /// network's setting ([`TrainingNetwork::set_fused`]; on by default). Both paths
    /// give the same results to rounding.
    pub fused: Option<bool>,
}

impl<T: Scalar> FitOptions<T> {
    /// `epochs` epochs at a constant `learning_rate`, seed 0, the network's fused
    /// setting.
    pub fn new(epochs: usize, learning_rate: T) -> Self {
        FitOptions {
            epochs,
            learning_rate,
            schedule: Schedule::Constant,
            seed: 0,
            fused: None,
        }
    }
}

/// Trains `train` for `opts.epochs` epochs on `batches` with targets `y` (for
/// [`Batches::Full`] the targets of the network's own batch, else one column per
/// sample of `x`), and returns each epoch's mean cost (before each step's update).
/// Calls `on_epoch` after every epoch. The one training loop of this crate: dense or
/// sparse input, full batch or mini-batches, fused or layer by layer; it allocates
/// nothing per step.
///
/// ```
/// use la_core::prelude::*;
/// use nn_inference::{fully_connected, inference_network, Activation, Init};
/// use nn_train::{fit, training_network, Adam, Batches, Cost, FitOptions, Schedule};
///
/// let fac = native_float();
/// let mut net = inference_network(&fac, 2, &[fully_connected(1, Activation::Linear)])?;
/// net.init(&mut seeded_rng(1), Init::He)?;
/// let x = fge(2, 8, &[0., 1., 1., 0., 1., 1., 0., 0., 2., 1., 1., 2., 2., 2., 0., 2.],
///             Layout::ColumnMajor)?;
/// let y = fge(1, 8, &[1., 1., 2., 0., 3., 3., 4., 2.], Layout::ColumnMajor)?; // x0 + x1
/// let mut train = training_network(&mut net, &x.submatrix(0, 0, 2, 4)?, Adam::default())?;
/// let opts = FitOptions {
///     schedule: Schedule::Linear { final_fraction: 0.1 },
///     fused: Some(false),
///     ..FitOptions::new(300, 0.05)
/// };
/// let costs = fit(&mut train, Batches::Dense(x.view()), &y, Cost::Quadratic, &opts, |_| {})?;
/// assert!(costs[299] < 1e-3 * costs[0]);
/// # Ok::<(), nn_train::Error>(())
/// ```
pub fn fit<T: Scalar>(
    train: &mut TrainingNetwork<'_, T>,
    batches: Batches<'_, T>,
    y: &impl AsMatrix<T>,
    cost: Cost,
    opts: &FitOptions<T>,
    mut on_epoch: impl FnMut(&Epoch<T>),
) -> Result<Vec<T>> {
    if let Some(fused) = opts.fused {
        train.set_fused(fused);
    }
    match batches {
        Batches::Full => {
            train.check_y("fit", y, cost)?;
            let mut costs = Vec::with_capacity(opts.epochs);
            for e in 0..opts.epochs {
                let lr = opts.schedule.rate(opts.learning_rate, e, opts.epochs);
                let c = train.step(y, cost, lr)?;
                costs.push(c);
                on_epoch(&Epoch {
                    epoch: e + 1,
                    epochs: opts.epochs,
                    cost: c,
                    learning_rate: lr,
                    network: &*train.net,
                });
            }
            Ok(costs)
        }
        Batches::Dense(x) => {
            const OP: &str = "fit (dense mini-batches)";
            train.factory.require_same(OP, x.factory())?;
            if matches!(train.input, Input::Sparse(_)) {
                return Err(precondition(
                    OP,
                    vec!["the training network takes sparse input: use sgd_train_sparse (or fit with Batches::Sparse)".into()],
                ));
            }
            mini_batch_epochs(
                OP,
                train,
                (x.mrows(), x.ncols()),
                y,
                cost,
                opts,
                on_epoch,
                |input, cols| {
                    let Input::Dense(buf) = input else {
                        unreachable!("checked dense above")
                    };
                    Ok(gather_cols_into(&x, cols, buf)?)
                },
            )
        }
        Batches::Sparse(x) => {
            const OP: &str = "fit (sparse mini-batches)";
            let batch = train.batch();
            let Input::Sparse(buf) = &mut train.input else {
                return Err(precondition(
                    OP,
                    vec!["the training network takes dense input: build it with \
                         training_network_sparse"
                        .into()],
                ));
            };
            // room for the densest possible batch, reserved once
            let mut nnz: Vec<usize> = (0..x.ncols()).map(|j| x.col(j).0.len()).collect();
            nnz.sort_unstable_by(|a, b| b.cmp(a));
            buf.reserve(nnz.iter().take(batch).sum());
            mini_batch_epochs(
                OP,
                train,
                (x.mrows(), x.ncols()),
                y,
                cost,
                opts,
                on_epoch,
                |input, cols| {
                    let Input::Sparse(buf) = input else {
                        unreachable!("checked sparse above")
                    };
                    buf.clear();
                    for &j in cols {
                        buf.push_col_from(x, j)?;
                    }
                    Ok(())
                },
            )
        }
    }
}

/// The mini-batch epochs of [`fit`]; `load` gathers the samples `cols` into the input
/// buffer.
#[allow(clippy::too_many_arguments)]
fn mini_batch_epochs<T: Scalar>(
    op: &'static str,
    train: &mut TrainingNetwork<'_, T>,
    (x_rows, n): (usize, usize),
    y_train: &impl AsMatrix<T>,
    cost: Cost,
    opts: &FitOptions<T>,
    mut on_epoch: impl FnMut(&Epoch<T>),
    mut load: impl FnMut(&mut Input<T>, &[usize]) -> Result<()>,
) -> Result<Vec<T>> {
    train.factory.require_same(op, y_train.factory())?;
    let batch = train.batch();
    let mut problems = Vec::new();
    if x_rows != train.net.input_dim() {
        problems.push(format!(
            "the network takes {} inputs but x_train has {x_rows} rows",
            train.net.input_dim(),
        ));
    }
    if y_train.mrows() != train.net.output_dim() || y_train.ncols() != n {
        problems.push(format!(
            "y_train is {}x{} but should be {}x{n} (outputs x samples of x_train)",
            y_train.mrows(),
            y_train.ncols(),
            train.net.output_dim()
        ));
    }
    if n < batch {
        problems.push(format!(
            "x_train has {n} samples, fewer than one mini-batch of {batch}"
        ));
    }
    if !problems.is_empty() {
        return Err(precondition(op, problems));
    }
    cost.check(train.output_activation())?;
    train.seed(opts.seed);
    if train.perm.len() != n {
        train.perm = (0..n).collect();
    }
    // y's mini-batch buffer: the second delta buffer is busy in backward, so keep one.
    let mut yb = train
        .factory
        .ge(train.net.output_dim(), batch, Layout::ColumnMajor)?;
    // On a device, reading each step's cost back is a synchronisation that costs more
    // than the step's small kernels: the steps add their cost terms into `acc`, read
    // once per epoch. On the host the reduction is cheap and the fused pass returns it.
    let mut acc = if train.factory.is_host() {
        None
    } else {
        Some(yb.zeros_like()?)
    };
    let batches = n / batch;
    let mut costs = Vec::with_capacity(opts.epochs);
    for e in 0..opts.epochs {
        let lr = opts.schedule.rate(opts.learning_rate, e, opts.epochs);
        train.perm.shuffle(&mut train.rng);
        let mut total = T::zero();
        if let Some(acc) = &mut acc {
            fill(acc, T::zero())?;
        }
        for b in 0..batches {
            let cols = &train.perm[b * batch..(b + 1) * batch];
            load(&mut train.input, cols)?;
            gather_cols_into(y_train, cols, &mut yb)?;
            match &mut acc {
                Some(acc) => train.step_accumulating(&yb, cost, lr, acc)?,
                None => total = total + train.step(&yb, cost, lr)?,
            }
        }
        if let Some(acc) = &acc {
            total = sum(acc)?;
        }
        let mean = total / T::of(batches as f64);
        costs.push(mean);
        on_epoch(&Epoch {
            epoch: e + 1,
            epochs: opts.epochs,
            cost: mean,
            learning_rate: lr,
            network: &*train.net,
        });
    }
    Ok(costs)
}

/// The book's gradient descent on the whole batch the training network was built
/// with: for each `(epochs, learning_rate)` pair, that many full-batch steps; returns
/// the cost after each pair (`(sgd train y cost [[epochs eta] ...])`). A wrapper of
/// [`fit`] with [`Batches::Full`].
pub fn sgd<T: Scalar>(
    train: &mut TrainingNetwork<'_, T>,
    y: &impl AsMatrix<T>,
    cost: Cost,
    schedule: &[(usize, T)],
) -> Result<Vec<T>> {
    sgd_with(train, y, cost, schedule, |_| {})
}

/// [`sgd`] calling `on_epoch` after every epoch with the cost before that epoch's update.
pub fn sgd_with<T: Scalar>(
    train: &mut TrainingNetwork<'_, T>,
    y: &impl AsMatrix<T>,
    cost: Cost,
    schedule: &[(usize, T)],
    mut on_epoch: impl FnMut(&Epoch<T>),
) -> Result<Vec<T>> {
    train.check_y("sgd", y, cost)?;
    let total: usize = schedule.iter().map(|p| p.0).sum();
    let mut costs = Vec::with_capacity(schedule.len());
    let mut done = 0;
    for &(epochs, lr) in schedule {
        let opts = FitOptions::new(epochs, lr);
        fit(train, Batches::Full, y, cost, &opts, |e| {
            on_epoch(&Epoch {
                epoch: done + e.epoch,
                epochs: total,
                ..*e
            })
        })?;
        done += epochs;
        costs.push(train.cost(y, cost)?);
    }
    Ok(costs)
}

/// What a training loop reports after each epoch.
#[derive(Debug, Clone, Copy)]
pub struct Epoch<'a, T: Scalar> {
    /// The epoch just finished, from 1.
    pub epoch: usize,
    /// The number of epochs in the run.
    pub epochs: usize,
    /// The mean cost over the epoch's batches (before each batch's update).
    pub cost: T,
    /// The learning rate used in the epoch.
    pub learning_rate: T,
    /// The network as it stands after the epoch, for callbacks that evaluate it
    /// (validation metrics, checkpoints): copy its parameters into an evaluation
    /// network, or [`save`](crate::save) it.
    pub network: &'a InferenceNetwork<T>,
}

/// Hyperparameters of [`sgd_train`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgdTrain<T> {
    /// The learning rate `η` (the first epoch's, under a schedule).
    pub learning_rate: T,
    /// How `η` changes over the epochs.
    pub schedule: Schedule<T>,
    /// Seed of the shuffles (and dropout masks).
    pub seed: u64,
}

impl<T: Scalar> SgdTrain<T> {
    /// Constant rate `learning_rate`, seed 0.
    pub fn new(learning_rate: T) -> Self {
        SgdTrain {
            learning_rate,
            schedule: Schedule::Constant,
            seed: 0,
        }
    }
}

impl<T: Scalar> SgdTrain<T> {
    fn options(&self, epochs: usize) -> FitOptions<T> {
        FitOptions {
            epochs,
            learning_rate: self.learning_rate,
            schedule: self.schedule,
            seed: self.seed,
            fused: None,
        }
    }
}

/// Mini-batch stochastic gradient descent (the book's `(train net x y cost epochs
/// hyperparams)`): every epoch shuffles the samples afresh and takes one step per
/// mini-batch of [`TrainingNetwork::batch`] samples, gathered from `x_train` and
/// `y_train` into the network's own buffers. A last partial batch is skipped in that
/// epoch (the next shuffle puts those samples elsewhere). Returns the last epoch's
/// mean cost. The loop allocates nothing. A wrapper of [`fit`] with
/// [`Batches::Dense`].
pub fn sgd_train<T: Scalar>(
    train: &mut TrainingNetwork<'_, T>,
    x_train: &impl AsMatrix<T>,
    y_train: &impl AsMatrix<T>,
    cost: Cost,
    epochs: usize,
    hyper: &SgdTrain<T>,
) -> Result<T> {
    sgd_train_with(train, x_train, y_train, cost, epochs, hyper, |_| {})
}

/// [`sgd_train`] calling `on_epoch` after every epoch (for a progress bar, a log, or
/// early stopping decisions outside).
pub fn sgd_train_with<T: Scalar>(
    train: &mut TrainingNetwork<'_, T>,
    x_train: &impl AsMatrix<T>,
    y_train: &impl AsMatrix<T>,
    cost: Cost,
    epochs: usize,
    hyper: &SgdTrain<T>,
    on_epoch: impl FnMut(&Epoch<T>),
) -> Result<T> {
    let batches = Batches::Dense(x_train.view());
    let costs = fit(
        train,
        batches,
        y_train,
        cost,
        &hyper.options(epochs),
        on_epoch,
    )?;
    Ok(costs.last().copied().unwrap_or_else(T::zero))
}

/// [`sgd_train_with`] for a network built by
/// [`training_network_sparse`](crate::training_network_sparse): the mini-batches are
/// gathered from the sparse `x_train` (one sample per column) into the network's
/// sparse input buffer, whose room for nonzeros is reserved once, for the densest
/// possible batch, before the first epoch. The loop allocates nothing. A wrapper of
/// [`fit`] with [`Batches::Sparse`].
pub fn sgd_train_sparse<T: Scalar>(
    train: &mut TrainingNetwork<'_, T>,
    x_train: &CscMatrix<T>,
    y_train: &impl AsMatrix<T>,
    cost: Cost,
    epochs: usize,
    hyper: &SgdTrain<T>,
    on_epoch: impl FnMut(&Epoch<T>),
) -> Result<T> {
    let costs = fit(
        train,
        Batches::Sparse(x_train),
        y_train,
        cost,
        &hyper.options(epochs),
        on_epoch,
    )?;
    Ok(costs.last().copied().unwrap_or_else(T::zero))
}
