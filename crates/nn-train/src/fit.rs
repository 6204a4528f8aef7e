//! The training loops: [`fit`] with nn-dnn's one loop and options, and the book's
//! names ([`sgd`], [`sgd_train`], [`sgd_train_sparse`]) as thin wrappers over it.

use la_core::prelude::*;
use la_core::sparse::CscMatrix;
use nn_dnn::{train_sparse, Epoch, Metric, TrainOptions, Validation};
use tensor_core::{tensor, AsTensor, AsTensorMut, Tensor, TensorView};

use crate::network::{Input, TrainingNetwork};
use nn_core::{precondition, Cost, Result};

/// Where [`fit`] takes each step's samples from.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Batches<'a, T: Scalar> {
    /// The batch the training network was built with, one step per epoch (the book's
    /// full-batch gradient descent, `sgd`).
    Full,
    /// Shuffled mini-batches of [`TrainingNetwork::batch`] samples from dense samples
    /// (one per column): nn-dnn's [`train`](nn_dnn::train).
    Dense(MatrixView<'a, T>),
    /// The same from sparse samples, for a network built by
    /// [`training_network_sparse`](crate::training_network_sparse):
    /// [`train_sparse`](nn_dnn::train_sparse).
    Sparse(&'a CscMatrix<T>),
}

/// Trains `train` for `opts.epochs` epochs on `batches` with targets `y` (for
/// [`Batches::Full`] the targets of the network's own batch, else one column per
/// sample of `x`), and returns each epoch's mean cost (before each step's update).
/// Calls `on_epoch` after every epoch (after evaluating `opts.validation`, whose cost
/// and metric it then holds). Mini-batches run nn-dnn's one training loop
/// (shuffled by `opts.seed`, a short last batch trained too, checkpoints and resume
/// as its options say); the full batch takes one step per epoch. Nothing is allocated
/// per step.
///
/// ```
/// use la_core::prelude::*;
/// use nn_inference::{fully_connected, inference_network, Activation, Init};
/// use nn_train::{fit, training_network, Adam, Batches, Cost, Schedule, TrainOptions};
///
/// let fac = native_float();
/// let mut net = inference_network(&fac, 2, &[fully_connected(1, Activation::Linear)])?;
/// net.init(&mut seeded_rng(1), Init::He)?;
/// let x = fge(2, 8, &[0., 1., 1., 0., 1., 1., 0., 0., 2., 1., 1., 2., 2., 2., 0., 2.],
///             Layout::ColumnMajor)?;
/// let y = fge(1, 8, &[1., 1., 2., 0., 3., 3., 4., 2.], Layout::ColumnMajor)?; // x0 + x1
/// let mut train = training_network(&mut net, &x.submatrix(0, 0, 2, 4)?, Adam::default())?;
/// let opts = TrainOptions {
///     schedule: Schedule::Linear { final_fraction: 0.1 },
///     ..TrainOptions::new(300, 0.05)
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
    opts: &TrainOptions<T>,
    mut on_epoch: impl FnMut(&Epoch<T>),
) -> Result<Vec<T>> {
    let each = |e: &Epoch<T>, _: &mut nn_dnn::Network<T>| {
        on_epoch(e);
        Ok(())
    };
    match batches {
        Batches::Full => full_batch(train, y, cost, opts, each),
        Batches::Dense(x) => {
            const OP: &str = "fit (dense mini-batches)";
            if matches!(train.input, Input::Sparse(_)) {
                return Err(precondition(OP, vec!["the training network takes sparse input: use sgd_train_sparse (or fit with Batches::Sparse)".into()]));
            }
            check_samples(OP, train, x.mrows(), x.ncols(), y)?;
            train
                .net
                .network()
                .dnn()
                .la()
                .require_same(OP, x.factory())?;
            let (xd, yd) = (dense_samples(&x)?, dense_samples(y)?);
            let (xt, yt) = (view(&x, &xd)?, view(y, &yd)?);
            nn_dnn::train(train.net.network_mut(), &xt, &yt, cost, opts, each)
        }
        Batches::Sparse(x) => {
            const OP: &str = "fit (sparse mini-batches)";
            if matches!(train.input, Input::Dense(_)) {
                return Err(precondition(OP, vec!["the training network takes dense input: build it with training_network_sparse".into()]));
            }
            check_samples(OP, train, x.mrows(), x.ncols(), y)?;
            let yd = dense_samples(y)?;
            train_sparse(train.net.network_mut(), x, &view(y, &yd)?, cost, opts, each)
        }
    }
}

/// A held-out set for [`TrainOptions::validation`] from the book's matrices: the
/// samples are the columns of `x`, their targets the columns of `y` (both copied
/// once into tensors the options share). [`fit`] (and so `sgd_train`) then reports
/// its cost and `metric` in each [`Epoch::validation`].
///
/// ```
/// use la_core::prelude::*;
/// use nn_inference::{fully_connected, inference_network, Activation, Init};
/// use nn_train::{fit, training_network, validation, Adam, Batches, Cost, Metric, TrainOptions};
/// let fac = native_float();
/// let mut net = inference_network(&fac, 1, &[fully_connected(1, Activation::Linear)])?;
/// net.init(&mut seeded_rng(1), Init::He)?;
/// let x = fge(1, 4, &[0., 1., 2., 3.], Layout::ColumnMajor)?;
/// let y = fge(1, 4, &[1., 3., 5., 7.], Layout::ColumnMajor)?; // 2x + 1
/// let held_out = validation(&fge(1, 2, &[5., 6.], Layout::ColumnMajor)?,
///                           &fge(1, 2, &[11., 13.], Layout::ColumnMajor)?, Some(Metric::MeanAbsoluteError))?;
/// let mut train = training_network(&mut net, &x.submatrix(0, 0, 1, 2)?, Adam::default())?;
/// let opts = TrainOptions { validation: Some(held_out), ..TrainOptions::new(300, 0.05) };
/// let mut mae = vec![];
/// fit(&mut train, Batches::Dense(x.view()), &y, Cost::Quadratic, &opts, |e| {
///     mae.push(e.validation.and_then(|v| v.metric).unwrap_or(f64::NAN))
/// })?;
/// assert!(mae[299] < 0.05 * mae[0], "{} -> {}", mae[0], mae[299]);
/// # Ok::<(), nn_train::Error>(())
/// ```
pub fn validation<T: Scalar>(
    x: &impl AsMatrix<T>,
    y: &impl AsMatrix<T>,
    metric: Option<Metric>,
) -> Result<Validation<T>> {
    let v = Validation::new(owned_samples(x)?, owned_samples(y)?)?;
    Ok(match metric {
        Some(m) => v.with_metric(m),
        None => v,
    })
}

/// [`validation`] on sparse samples (the columns of `x`, copied once), for a network
/// trained with [`sgd_train_sparse`] (a dense-input network takes them too).
pub fn validation_sparse<T: Scalar>(
    x: &CscMatrix<T>,
    y: &impl AsMatrix<T>,
    metric: Option<Metric>,
) -> Result<Validation<T>> {
    let v = Validation::sparse(x.clone(), owned_samples(y)?)?;
    Ok(match metric {
        Some(m) => v.with_metric(m),
        None => v,
    })
}

/// The columns of `m` as a new `[n, rows]` tensor.
fn owned_samples<T: Scalar>(m: &impl AsMatrix<T>) -> Result<Tensor<T>> {
    let copy = dense_samples(m)?;
    let v = view(m, &copy)?;
    let mut t = tensor(m.factory(), v.desc())?;
    copy_into(&v.view_vctr()?, &mut t.view_vctr_mut()?)?;
    Ok(t)
}

/// The shapes of a dataset of `n` samples against the network.
fn check_samples<T: Scalar>(
    op: &'static str,
    train: &TrainingNetwork<'_, T>,
    rows: usize,
    n: usize,
    y: &impl AsMatrix<T>,
) -> Result<()> {
    let net = train.network();
    net.network().dnn().la().require_same(op, y.factory())?;
    let mut problems = Vec::new();
    if rows != net.input_dim() {
        problems.push(format!(
            "the network takes {} inputs but x_train has {rows} rows",
            net.input_dim(),
        ));
    }
    if y.mrows() != net.output_dim() || y.ncols() != n {
        problems.push(format!(
            "y_train is {}x{} but should be {}x{n} (outputs x samples of x_train)",
            y.mrows(),
            y.ncols(),
            net.output_dim()
        ));
    }
    if n == 0 {
        problems.push("x_train has no samples".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(precondition(op, problems))
    }
}

/// A copy of `m` as dense columns when it is not one already (once per run).
fn dense_samples<T: Scalar>(m: &impl AsMatrix<T>) -> Result<Option<Matrix<T>>> {
    if TensorView::of_samples(m).is_ok() || m.mrows() == 0 || m.ncols() == 0 {
        return Ok(None);
    }
    let mut d = m.factory().ge(m.mrows(), m.ncols(), Layout::ColumnMajor)?;
    copy_into(m, &mut d)?;
    Ok(Some(d))
}

/// `m` (or its dense copy) as the `[n, features]` tensor it is in memory.
fn view<'m, T: Scalar>(
    m: &'m impl AsMatrix<T>,
    copy: &'m Option<Matrix<T>>,
) -> Result<TensorView<'m, T>> {
    Ok(match copy {
        Some(d) => TensorView::of_samples(d)?,
        None => TensorView::of_samples(m)?,
    })
}

/// One step per epoch on the network's own batch.
fn full_batch<T: Scalar>(
    train: &mut TrainingNetwork<'_, T>,
    y: &impl AsMatrix<T>,
    cost: Cost,
    opts: &TrainOptions<T>,
    mut each: impl FnMut(&Epoch<T>, &mut nn_dnn::Network<T>) -> Result<()>,
) -> Result<Vec<T>> {
    la_core::Check::new("fit (full batch)")
        .require(opts.checkpoints.is_none() && opts.resume.is_none(), || {
            "checkpoints and resume are for mini-batch runs (Batches::Dense or Sparse)".into()
        })
        .finish()?;
    if let Some(v) = &opts.validation {
        v.check(train.net.network())?;
    }
    let mut costs = Vec::with_capacity(opts.epochs);
    for e in 0..opts.epochs {
        let lr = opts.schedule.rate(opts.learning_rate, e, opts.epochs);
        let started = std::time::Instant::now();
        let c = train.step(y, cost, lr)?;
        costs.push(c);
        let mut epoch = Epoch {
            epoch: e + 1,
            epochs: opts.epochs,
            cost: c,
            learning_rate: lr,
            seconds: started.elapsed().as_secs_f64(),
            validation: None,
        };
        if let Some(v) = &opts.validation {
            epoch.validation = Some(v.evaluate(train.net.network_mut(), cost)?);
        }
        each(&epoch, train.net.network_mut())?;
    }
    Ok(costs)
}

/// The book's gradient descent on the whole batch the training network was built
/// with: for each `(epochs, learning_rate)` pair, that many full-batch steps; returns
/// the cost after each pair (`(sgd train y cost [[epochs eta] ...])`). A wrapper of
/// [`fit`] with [`Batches::Full`] (use `fit` for a per-epoch callback).
pub fn sgd<T: Scalar>(
    train: &mut TrainingNetwork<'_, T>,
    y: &impl AsMatrix<T>,
    cost: Cost,
    schedule: &[(usize, T)],
) -> Result<Vec<T>> {
    train.cost(y, cost)?; // the checks, before any step
    let mut costs = Vec::with_capacity(schedule.len());
    for &(epochs, lr) in schedule {
        fit(
            train,
            Batches::Full,
            y,
            cost,
            &TrainOptions::new(epochs, lr),
            |_| {},
        )?;
        costs.push(train.cost(y, cost)?);
    }
    Ok(costs)
}

/// Mini-batch stochastic gradient descent (the book's `(train net x y cost epochs
/// hyperparams)`): every epoch shuffles the samples afresh (seeded by `opts.seed`)
/// and takes one step per mini-batch of [`TrainingNetwork::batch`] samples (a last
/// shorter one included), gathered from `x_train` and `y_train` into buffers made
/// once. Returns the last epoch's mean cost. A wrapper of [`fit`] with
/// [`Batches::Dense`] (use `fit` for a per-epoch callback).
pub fn sgd_train<T: Scalar>(
    train: &mut TrainingNetwork<'_, T>,
    x_train: &impl AsMatrix<T>,
    y_train: &impl AsMatrix<T>,
    cost: Cost,
    opts: &TrainOptions<T>,
) -> Result<T> {
    let costs = fit(
        train,
        Batches::Dense(x_train.view()),
        y_train,
        cost,
        opts,
        |_| {},
    )?;
    Ok(costs.last().copied().unwrap_or_else(T::zero))
}

/// [`sgd_train`] for a network built by
/// [`training_network_sparse`](crate::training_network_sparse): the mini-batches are
/// gathered from the sparse `x_train` (one sample per column). A wrapper of [`fit`]
/// with [`Batches::Sparse`].
pub fn sgd_train_sparse<T: Scalar>(
    train: &mut TrainingNetwork<'_, T>,
    x_train: &CscMatrix<T>,
    y_train: &impl AsMatrix<T>,
    cost: Cost,
    opts: &TrainOptions<T>,
) -> Result<T> {
    let costs = fit(train, Batches::Sparse(x_train), y_train, cost, opts, |_| {})?;
    Ok(costs.last().copied().unwrap_or_else(T::zero))
}
