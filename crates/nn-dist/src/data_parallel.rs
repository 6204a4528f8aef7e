//! Data-parallel training: a full replica per rank, each on its shard of every global
//! mini-batch, gradients summed across ranks (one all-reduce of one contiguous buffer
//! per step) before the same optimizer step on every rank.

use std::time::Instant;

use la_core::prelude::*;
use nn_dnn::{check_samples, run_epochs, Epoch, Network, Param, Run, TrainOptions};
use nn_dnn::{Cost, Result};
use tensor_core::{shuffler, tensor, AsTensor, Tensor};

use crate::collective::Collective;

/// Visits every parameter of `net` with its offset in the packed buffer.
fn for_each_param<T: Scalar>(
    net: &mut Network<T>,
    mut f: impl FnMut(usize, Param<'_, T>) -> Result<()>,
) -> Result<()> {
    let mut offset = 0;
    for l in net.layers_mut() {
        l.params(&mut |p: Param<'_, T>| {
            let len = p.value.dim();
            f(offset, p)?;
            offset += len;
            Ok(())
        })?;
    }
    Ok(())
}

/// The data-parallel driver of one rank: its collective and the one contiguous
/// buffer that carries every gradient (and the cost) through each all-reduce.
///
/// ```
/// use la_core::prelude::*;
/// use nn_dist::{DataParallel, Single};
/// use nn_dnn::{dense, network};
/// use nn_dnn::Activation;
/// use nn_dnn::{Cost, GradientDescent};
/// use tensor_core::{desc, tensor_from, DataType, TensorLayout};
///
/// let f = native_float();
/// let input = desc([2, 3], DataType::Float, TensorLayout::Nc)?;
/// let mut net = network(&f, input, &[dense(1, Activation::Linear)])?;
/// net.set_optimizer(GradientDescent::default())?;
/// let mut dp = DataParallel::new(&mut net, Single)?; // parameters from rank 0
/// let x = tensor_from(&f, input, &[1., 2., 3., 4., 5., 6.])?;
/// let y = tensor_from(&f, desc([2, 1], DataType::Float, TensorLayout::Nc)?, &[1., 2.])?;
/// let cost = dp.step(&mut net, &x, &y, 2, Cost::Quadratic, 0.01)?;
/// assert!(cost > 0.0);
/// # Ok::<(), nn_dnn::Error>(())
/// ```
#[derive(Debug)]
pub struct DataParallel<T: Scalar, C: Collective<T>> {
    comm: C,
    packed: Vector<T>,
    params: usize,
    comm_seconds: f64,
}

impl<T: Scalar, C: Collective<T>> DataParallel<T, C> {
    /// Prepares `net` for data-parallel training on `comm`: every rank's parameters
    /// become rank 0's (one broadcast), so the replicas start identical whatever
    /// their seeds.
    pub fn new(net: &mut Network<T>, mut comm: C) -> Result<Self> {
        let params = net.param_count();
        let mut packed = net.dnn().la().vctr(params + 1)?;
        for_each_param(net, |off, p| {
            copy_into(&*p.value, &mut packed.subvector_mut(off, p.value.dim())?)?;
            Ok(())
        })?;
        comm.broadcast(&mut packed.view_mut(), 0)?;
        for_each_param(net, |off, p| {
            copy_into(&packed.subvector(off, p.value.dim())?, p.value)?;
            Ok(())
        })?;
        Ok(DataParallel {
            comm,
            packed,
            params,
            comm_seconds: 0.0,
        })
    }

    /// The collective.
    pub fn comm(&self) -> &C {
        &self.comm
    }

    /// Seconds spent in all-reduces so far (the communication share of training).
    pub fn comm_seconds(&self) -> f64 {
        self.comm_seconds
    }

    /// One data-parallel step: the gradient of this rank's shard `x`/`y` (of
    /// `n_global` samples over all ranks; a shard may be empty), weighted by its share
    /// of `n_global` and summed across ranks — the gradient of the whole global
    /// mini-batch — then the optimizer update with `lr`. Returns the global batch's
    /// mean cost. Allocates nothing.
    pub fn step(
        &mut self,
        net: &mut Network<T>,
        x: &impl AsTensor<T>,
        y: &impl AsTensor<T>,
        n_global: usize,
        cost: Cost,
        lr: T,
    ) -> Result<T> {
        let n_local = x.desc().shape()[0];
        la_core::Check::new("data-parallel step")
            .require(n_global > 0 && n_local <= n_global, || {
                format!("the shard has {n_local} samples of a global batch of {n_global}")
            })
            .finish()?;
        let share = T::of(n_local as f64 / n_global as f64);
        if n_local > 0 {
            let c = net.forward_backward(x, y, cost)?;
            let packed = &mut self.packed;
            for_each_param(net, |off, p| {
                copy_into(&*p.grad, &mut packed.subvector_mut(off, p.grad.dim())?)?;
                Ok(())
            })?;
            packed.set_entry(self.params, c)?;
            scal_inplace(share, packed)?;
        } else {
            fill(&mut self.packed, T::zero())?;
        }
        let clock = Instant::now();
        self.comm.all_reduce_sum(&mut self.packed.view_mut())?;
        self.comm_seconds += clock.elapsed().as_secs_f64();
        let packed = &self.packed;
        for_each_param(net, |off, p| {
            copy_into(&packed.subvector(off, p.grad.dim())?, p.grad)?;
            Ok(())
        })?;
        net.update(lr)?;
        Ok(self.packed.entry(self.params)?)
    }

    /// [`nn_dnn::train`] across ranks: every rank holds the whole `x`/`y`, visits the
    /// samples in the same (seeded) order, and takes its contiguous shard of each
    /// global mini-batch of `net.batch() × size` samples. With the same options, the
    /// global mini-batches are those of a one-process [`nn_dnn::train`] with that
    /// batch, and the weights agree with it to rounding. Returns each epoch's mean
    /// cost; evaluates `opts.validation` and calls `each` with the epoch and the
    /// network after every epoch (on every rank), as [`nn_dnn::train`] does. Checkpoints
    /// (`opts.checkpoints`) are written by rank 0 (into a folder every rank can read);
    /// with `opts.resume` every rank resumes from the same checkpoint, and the run
    /// continues exactly as the uninterrupted one.
    pub fn train(
        &mut self,
        net: &mut Network<T>,
        x: &impl AsTensor<T>,
        y: &impl AsTensor<T>,
        cost: Cost,
        opts: &TrainOptions<T>,
        each: impl FnMut(&Epoch<T>, &mut Network<T>) -> Result<()>,
    ) -> Result<Vec<T>> {
        let total = check_samples("data-parallel train", net, x, y)?;
        let f = net.dnn().la().clone();
        let (mut xb, mut yb): (Tensor<T>, Tensor<T>) = (
            tensor(&f, net.input_desc())?,
            tensor(&f, net.output_desc())?,
        );
        let (sx, sy) = (shuffler(x, &xb)?, shuffler(y, &yb)?);
        let (rank, size) = (self.comm.rank(), self.comm.size());
        let run = Run {
            samples: total,
            batch: net.batch() * size,
            cost,
            sparse: false,
            writes_checkpoints: rank == 0,
        };
        run_epochs(net, &run, opts, each, |net, chunk, lr| {
            let n = chunk.len();
            let shard = &chunk[rank * n / size..(rank + 1) * n / size];
            let k = shard.len();
            sx.shuffle(x, &mut xb, shard)?;
            sy.shuffle(y, &mut yb, shard)?;
            self.step(
                net,
                &xb.subtensor(0, 0, k)?,
                &yb.subtensor(0, 0, k)?,
                n,
                cost,
                lr,
            )
        })
    }
}
