//! Mini-batch training over a whole dataset (Deep Diamond's `train!`): each epoch
//! shuffles the samples, copies each mini-batch into buffers made once, and steps.

use std::cell::RefCell;
use std::path::PathBuf;
use std::time::Instant;

use la_core::prelude::*;
use la_core::rand::RngCore;
use la_core::sparse::CscMatrix;
use nn_core::{Cost, Result, Schedule};
use tensor_core::{shuffler, tensor, AsTensor, AsTensorMut};

use crate::checkpoint::{self, Checkpoints, Resumed};
use crate::network::Network;
use crate::validation::{densest_batch, Validated, Validation};

/// How [`train`] runs: one options type for every network and both input forms.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions<T: Scalar> {
    /// Passes over the data.
    pub epochs: usize,
    /// The optimizer's learning rate.
    pub learning_rate: T,
    /// Seed of the shuffle (the same seed gives the same mini-batches).
    pub seed: u64,
    /// Whether each epoch visits the samples in a new random order (else in order).
    pub shuffle: bool,
    /// How the learning rate changes over the epochs (constant by default).
    pub schedule: Schedule<T>,
    /// Where and how often to write checkpoints (none by default).
    pub checkpoints: Option<Checkpoints>,
    /// A checkpoint of this run to continue from (its finished epochs are not run
    /// again; see [`Checkpoints`]). Never guessed: set it, e.g. from
    /// [`Checkpoints::latest`].
    pub resume: Option<PathBuf>,
    /// A held-out set evaluated after every epoch (none by default): its cost and
    /// metric arrive in [`Epoch::validation`].
    pub validation: Option<Validation<T>>,
}

impl<T: Scalar> TrainOptions<T> {
    /// `epochs` shuffled epochs at a constant `learning_rate`, seed 1.
    pub fn new(epochs: usize, learning_rate: T) -> Self {
        TrainOptions {
            epochs,
            learning_rate,
            seed: 1,
            shuffle: true,
            schedule: Schedule::Constant,
            checkpoints: None,
            resume: None,
            validation: None,
        }
    }
}

/// Shuffles `order` in place (Fisher–Yates) from `rng`: the epoch order of [`train`].
/// The same seed gives the same order on every process (data-parallel training relies
/// on it).
///
/// ```
/// let mut a: Vec<usize> = (0..10).collect();
/// let mut b = a.clone();
/// nn_dnn::shuffle_order(&mut a, &mut la_core::seeded_rng(3));
/// nn_dnn::shuffle_order(&mut b, &mut la_core::seeded_rng(3));
/// assert_eq!(a, b);
/// assert_ne!(a, (0..10).collect::<Vec<_>>());
/// ```
pub fn shuffle_order(order: &mut [usize], rng: &mut impl RngCore) {
    for i in (1..order.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
}

/// What the callback of [`train`] sees after each epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Epoch<T> {
    /// The epoch, from 1.
    pub epoch: usize,
    /// The epochs of the run.
    pub epochs: usize,
    /// The mean cost over the epoch's mini-batches.
    pub cost: T,
    /// The learning rate of the epoch's steps (under the options' schedule).
    pub learning_rate: T,
    /// Seconds the epoch's steps took (not the validation or the callbacks).
    pub seconds: f64,
    /// The cost and metric on the options' validation set, when they have one.
    pub validation: Option<Validated>,
}

/// Checks that `x` and `y` hold the same number of samples, shaped like `net`'s
/// input and output samples; returns that number. `op` names the caller in errors.
pub fn check_samples<T: Scalar>(
    op: &'static str,
    net: &Network<T>,
    x: &impl AsTensor<T>,
    y: &impl AsTensor<T>,
) -> Result<usize> {
    let (dx, dy) = (x.desc(), y.desc());
    let total = dx.shape()[0];
    let (ind, outd) = (net.input_desc(), net.output_desc());
    la_core::Check::new(op)
        .require(
            dx.shape()[1..] == ind.shape()[1..] && dx.rank() == ind.rank(),
            || format!("x is {dx} but the network takes samples of {ind}"),
        )
        .require(
            dy.shape()[1..] == outd.shape()[1..] && dy.rank() == outd.rank(),
            || format!("y is {dy} but the network outputs samples of {outd}"),
        )
        .require(dy.shape()[0] == total, || {
            format!("x has {total} samples but y has {}", dy.shape()[0])
        })
        .require(total > 0, || "x has no samples".into())
        .finish()?;
    Ok(total)
}

/// The epoch loop, from where a resumed run starts.
struct EpochLoop<'a, T: Scalar> {
    total: usize,
    batch: usize,
    opts: &'a TrainOptions<T>,
    start: Resumed<T>,
}

impl<T: Scalar> EpochLoop<'_, T> {
    /// Runs the epochs after `start`: `deferred`, called after each epoch's steps,
    /// returns the part of the epoch's summed step costs the steps left on the device
    /// (and clears it); `end` sees each finished epoch and the mean costs so far, and
    /// fills in its validation.
    fn run(
        self,
        mut step: impl FnMut(&[usize], T) -> Result<T>,
        mut deferred: impl FnMut() -> Result<T>,
        mut end: impl FnMut(&Epoch<T>, &[T]) -> Result<()>,
    ) -> Result<Vec<T>> {
        let opts = self.opts;
        la_core::Check::new("train")
            .require(self.batch > 0, || "the batch is 0".into())
            .finish()?;
        let mut order: Vec<usize> = (0..self.total).collect();
        let mut rng = seeded_rng(opts.seed);
        let mut costs = self.start.history;
        costs.reserve(opts.epochs.saturating_sub(costs.len()));
        for e in 1..=opts.epochs {
            if opts.shuffle {
                shuffle_order(&mut order, &mut rng);
            }
            if e <= self.start.epoch {
                continue; // done before the checkpoint: only its shuffle is replayed
            }
            let lr = opts.schedule.rate(opts.learning_rate, e - 1, opts.epochs);
            let started = Instant::now();
            let (mut sum, mut batches) = (T::zero(), 0usize);
            for chunk in order.chunks(self.batch) {
                sum = sum + step(chunk, lr)?;
                batches += 1;
            }
            sum = sum + deferred()?;
            let mean = sum / T::of(batches.max(1) as f64);
            costs.push(mean);
            let epoch = Epoch {
                epoch: e,
                epochs: opts.epochs,
                cost: mean,
                learning_rate: lr,
                seconds: started.elapsed().as_secs_f64(),
                validation: None,
            };
            end(&epoch, &costs)?;
        }
        Ok(costs)
    }
}

/// What a training loop of your own tells [`run_epochs`] about its run (nn-dist's
/// data-parallel loop is one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Run {
    /// The samples of an epoch.
    pub samples: usize,
    /// The samples of a mini-batch (over all processes, for a data-parallel run).
    pub batch: usize,
    /// The cost it minimises.
    pub cost: Cost,
    /// Whether the input is sparse (a [`CscMatrix`]).
    pub sparse: bool,
    /// Whether this process writes the checkpoints `TrainOptions::checkpoints` asks
    /// for (in a data-parallel run, rank 0 only; every rank resumes).
    pub writes_checkpoints: bool,
}

/// The epoch loop of [`train`] with its checkpoints, for training loops of your own:
/// restores `net` from `opts.resume` (checked against `run` and `opts`), then, for
/// each epoch after that, shuffles the sample indices `0..run.samples` (seeded by
/// `opts.seed`, when `opts.shuffle`), calls `step` with the network on each run of
/// `run.batch` of them (the last shorter when the samples are not a multiple) with the
/// epoch's learning rate (`opts.schedule`), evaluates `opts.validation`, writes a
/// checkpoint when `opts.checkpoints` says so (and `run.writes_checkpoints`), and
/// calls `each` with the epoch and the network (an error from it ends the run).
/// Returns every epoch's mean cost (the resumed ones' included).
pub fn run_epochs<T: Scalar>(
    net: &mut Network<T>,
    run: &Run,
    opts: &TrainOptions<T>,
    each: impl FnMut(&Epoch<T>, &mut Network<T>) -> Result<()>,
    mut step: impl FnMut(&mut Network<T>, &[usize], T) -> Result<T>,
) -> Result<Vec<T>> {
    let (loop_, writer) = prepare(net, run, opts)?;
    let net = RefCell::new(net);
    loop_.run(
        |chunk, lr| step(&mut net.borrow_mut(), chunk, lr),
        || Ok(T::zero()),
        epoch_end(&net, opts, run.cost, writer, each),
    )
}

/// What happens after each epoch: the validation set (if any) is evaluated, the
/// checkpoint `writer` writes (when one is due), then the caller's `each` sees the
/// epoch and the network.
fn epoch_end<'a, 'n: 'a, T: Scalar, E>(
    net: &'a RefCell<&'n mut Network<T>>,
    opts: &'a TrainOptions<T>,
    cost: Cost,
    mut writer: Option<checkpoint::Writer<'a>>,
    mut each: E,
) -> impl FnMut(&Epoch<T>, &[T]) -> Result<()> + use<'a, 'n, T, E>
where
    E: FnMut(&Epoch<T>, &mut Network<T>) -> Result<()> + 'a,
{
    move |e, history| {
        let mut net = net.borrow_mut();
        let mut e = *e;
        if let Some(v) = &opts.validation {
            e.validation = Some(v.evaluate(&mut net, cost)?);
        }
        if let Some(w) = &mut writer {
            w.after_epoch(&mut net, e.epoch, history)?;
        }
        each(&e, &mut net)
    }
}

/// Restores `net` from `opts.resume` and returns the epoch loop from there, and the
/// writer of the checkpoints `opts.checkpoints` asks for.
fn prepare<'a, T: Scalar>(
    net: &mut Network<T>,
    run: &Run,
    opts: &'a TrainOptions<T>,
) -> Result<(EpochLoop<'a, T>, Option<checkpoint::Writer<'a>>)> {
    if let Some(v) = &opts.validation {
        v.check(net)?;
    }
    let record = checkpoint::run_record(opts, run);
    let start = match &opts.resume {
        Some(path) => checkpoint::resume(net, path, &record)?,
        None => Resumed::fresh(),
    };
    let writer = match &opts.checkpoints {
        Some(policy) if run.writes_checkpoints => Some(checkpoint::Writer::new(policy, record)?),
        _ => None,
    };
    let loop_ = EpochLoop {
        total: run.samples,
        batch: run.batch,
        opts,
        start,
    };
    Ok((loop_, writer))
}

/// Trains `net` on the samples of `x` (`[N, ...]` like the network's input) with
/// targets `y` (`[N, ...]` like its output), in mini-batches of the network's batch
/// (the last one smaller when `N` is not a multiple), with the network's optimizer
/// ([`Network::set_optimizer`]). After every epoch it evaluates `opts.validation`
/// and calls `each` with the epoch and the network (to log, evaluate, save, or stop
/// the run: an error from `each` ends it and is returned); returns each epoch's mean
/// cost. Nothing is allocated per step. With `opts.checkpoints` it writes
/// checkpoints as it goes; with `opts.resume` it continues a run from one (the
/// returned costs then include the finished epochs'; see [`Checkpoints`]).
///
/// ```
/// use la_core::prelude::*;
/// use nn_dnn::{dense, network, train, Activation, Cost, Init, TrainOptions};
/// use tensor_core::{desc, tensor_from, AsTensor, DataType, TensorLayout};
/// let fac = native_float();
/// let mut net = network(&fac, desc([4, 1], DataType::Float, TensorLayout::Nc)?,
///                       &[dense(1, Activation::Linear)])?;
/// net.init(&mut seeded_rng(1), Init::Glorot)?;
/// let x = tensor_from(&fac, desc([4, 1], DataType::Float, TensorLayout::Nc)?, &[0., 1., 2., 3.])?;
/// let y = tensor_from(&fac, desc([4, 1], DataType::Float, TensorLayout::Nc)?, &[1., 3., 5., 7.])?;
/// let probe = tensor_from(&fac, desc([1, 1], DataType::Float, TensorLayout::Nc)?, &[10.])?;
/// let mut at_10 = vec![];
/// train(&mut net, &x, &y, Cost::Quadratic, &TrainOptions::new(300, 0.05), |_, net| {
///     at_10.push(net.infer(&probe)?.to_vec()?[0]);
///     Ok(())
/// })?;
/// assert_eq!(at_10.len(), 300);
/// assert!((at_10[299] - 21.0).abs() < 0.5, "{}", at_10[299]); // y = 2x + 1
/// # Ok::<(), nn_dnn::Error>(())
/// ```
pub fn train<T: Scalar>(
    net: &mut Network<T>,
    x: &impl AsTensor<T>,
    y: &impl AsTensor<T>,
    cost: Cost,
    opts: &TrainOptions<T>,
    each: impl FnMut(&Epoch<T>, &mut Network<T>) -> Result<()>,
) -> Result<Vec<T>> {
    let total = check_samples("train", net, x, y)?;
    let run = Run {
        samples: total,
        batch: net.batch(),
        cost,
        sparse: false,
        writes_checkpoints: true,
    };
    let (loop_, writer) = prepare(net, &run, opts)?;
    let f = net.dnn().la().clone();
    let (mut xb, mut yb) = (
        tensor(&f, net.input_desc())?,
        tensor(&f, net.output_desc())?,
    );
    let (sx, sy) = (shuffler(x, &xb)?, shuffler(y, &yb)?);
    // On a device each step adds its cost into `acc`, read once per epoch: reading a
    // step's cost back is a synchronisation that costs more than a small step's kernels.
    let mut acc = if f.is_host() {
        None
    } else {
        let mut acc = tensor(&f, net.output_desc())?;
        fill(&mut acc.view_vctr_mut()?, T::zero())?;
        Some(acc)
    };
    let acc = RefCell::new(acc.as_mut());
    let net = RefCell::new(net);
    loop_.run(
        |chunk, lr| {
            let n = chunk.len();
            sx.shuffle(x, &mut xb, chunk)?;
            sy.shuffle(y, &mut yb, chunk)?;
            let (xs, ys) = (xb.subtensor(0, 0, n)?, yb.subtensor(0, 0, n)?);
            let mut net = net.borrow_mut();
            match acc.borrow_mut().as_deref_mut() {
                Some(acc) => {
                    net.train_step_accumulating(&xs, &ys, cost, lr, acc)?;
                    Ok(T::zero())
                }
                None => net.train_step(&xs, &ys, cost, lr),
            }
        },
        || match acc.borrow_mut().as_deref_mut() {
            Some(acc) => {
                let v = acc.view_vctr()?;
                let total = sum(&v)?;
                fill(&mut acc.view_vctr_mut()?, T::zero())?;
                Ok(total)
            }
            None => Ok(T::zero()),
        },
        epoch_end(&net, opts, cost, writer, each),
    )
}

/// [`train`] on sparse input: `x` holds the `N` samples as the columns of a
/// `features x N` CSC matrix (a bag of words), for a network on `[batch, features]`
/// whose first layer is dense; `y` is `[N, ...]` like the output. Each mini-batch's
/// columns are gathered into one CSC buffer reserved for the densest batch once, so
/// nothing is allocated per step.
///
/// ```
/// use la_core::prelude::*;
/// use la_core::sparse::CscMatrix;
/// use nn_dnn::{Activation, Init};
/// use nn_dnn::{dense, network, train_sparse, TrainOptions};
/// use nn_dnn::{Adam, Cost};
/// use tensor_core::{desc, tensor_from, DataType, TensorLayout};
/// let fac = native_float();
/// let mut net = network(&fac, desc([4, 3], DataType::Float, TensorLayout::Nc)?,
///                       &[dense(4, Activation::Tanh), dense(1, Activation::Sigmoid)])?;
/// net.init(&mut seeded_rng(2), Init::Glorot)?;
/// net.set_optimizer(Adam::default())?;
/// // word 0 means positive, word 1 negative; word 2 is noise
/// let mut x = CscMatrix::with_capacity(3, 8, 12);
/// let mut labels = vec![];
/// for j in 0..8u32 {
///     x.push_col(&[j % 2, 2], &[1.0, 1.0])?;
///     labels.push(if j % 2 == 0 { 1.0 } else { 0.0 });
/// }
/// let y = tensor_from(&fac, desc([8, 1], DataType::Float, TensorLayout::Nc)?, &labels)?;
/// let costs = train_sparse(&mut net, &x, &y, Cost::SigmoidCrossEntropy,
///                          &TrainOptions::new(200, 0.05), |_, _| Ok(()))?;
/// assert!(costs[199] < 0.01 * costs[0]);
/// # Ok::<(), nn_dnn::Error>(())
/// ```
pub fn train_sparse<T: Scalar>(
    net: &mut Network<T>,
    x: &CscMatrix<T>,
    y: &impl AsTensor<T>,
    cost: Cost,
    opts: &TrainOptions<T>,
    each: impl FnMut(&Epoch<T>, &mut Network<T>) -> Result<()>,
) -> Result<Vec<T>> {
    let total = x.ncols();
    let (ind, outd, dy) = (net.input_desc(), net.output_desc(), y.desc());
    let features = ind.shape()[1..].iter().product::<usize>();
    la_core::Check::new("train_sparse")
        .require(ind.rank() == 2, || {
            format!("sparse input needs a network on [batch features] samples, but it takes {ind}")
        })
        .require(x.mrows() == features, || {
            format!(
                "the network takes {features} features but x has {} rows",
                x.mrows()
            )
        })
        .require(
            dy.shape()[1..] == outd.shape()[1..] && dy.rank() == outd.rank(),
            || format!("y is {dy} but the network outputs samples of {outd}"),
        )
        .require(dy.shape()[0] == total, || {
            format!(
                "x has {total} samples (columns) but y has {}",
                dy.shape()[0]
            )
        })
        .require(total > 0, || "x has no samples".into())
        .finish()?;
    let f = net.dnn().la().clone();
    let batch = net.batch();
    let mut yb = tensor(&f, outd)?;
    let sy = shuffler(y, &yb)?;
    // room for the densest possible batch, reserved once
    let mut xb = CscMatrix::with_capacity(x.mrows(), batch, densest_batch(x, batch));
    let run = Run {
        samples: total,
        batch,
        cost,
        sparse: true,
        writes_checkpoints: true,
    };
    run_epochs(net, &run, opts, each, |net, chunk, lr| {
        let n = chunk.len();
        xb.clear();
        for &j in chunk {
            xb.push_col_from(x, j)?;
        }
        sy.shuffle(y, &mut yb, chunk)?;
        net.train_step_sparse(&xb, &yb.subtensor(0, 0, n)?, cost, lr)
    })
}
