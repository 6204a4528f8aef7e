//! Data-parallel training of dlfp networks over MPI, for users who outgrow one
//! machine.
//!
//! Each rank (process) holds a full replica of an [`nn_dnn::Network`], trains on its
//! shard of every global mini-batch, and the gradients are summed across ranks — one
//! all-reduce of one contiguous buffer per step — before the same optimizer step on
//! every rank. Parameters start identical (a broadcast from rank 0), and every rank
//! shuffles with the same seed, so the global mini-batches are those of one-process
//! training and the weights agree with it to rounding.
//!
//! | concept | here |
//! |---|---|
//! | rank and size | [`Ranks`] |
//! | the collectives (all-reduce, broadcast) | [`Collective`] |
//! | one process, no MPI | [`Single`] |
//! | an MPI job (`mpirun -np N`), through rsmpi | `Mpi` (feature `mpi`, default) |
//! | the book's `train!` over ranks | [`DataParallel::train`] |
//! | one step on this rank's shard | [`DataParallel::step`] |
//!
//! The interface is ready for NCCL: [`Collective`] takes la-core vectors on any
//! factory, so an NCCL implementation sums CUDA buffers in place, with its id made
//! by rank 0 and broadcast over MPI. See `docs/distributed.md` for running on several
//! hosts.
//!
//! ```
//! use la_core::prelude::*;
//! use nn_dist::{DataParallel, Single};
//! use nn_dnn::{dense, network, TrainOptions};
//! use nn_dnn::Activation;
//! use nn_dnn::{Adam, Cost};
//! use tensor_core::{desc, tensor_from, DataType, TensorLayout};
//!
//! let f = native_float();
//! let mut net = network(&f, desc([4, 2], DataType::Float, TensorLayout::Nc)?,
//!                       &[dense(1, Activation::Linear)])?;
//! net.set_optimizer(Adam::default())?;
//! // With `Mpi::init()?` instead of `Single`, under `mpirun -np 2`, each rank trains
//! // on half of every mini-batch of 8.
//! let mut dp = DataParallel::new(&mut net, Single)?;
//! let x = tensor_from(&f, desc([8, 2], DataType::Float, TensorLayout::Nc)?,
//!                     &[0., 1., 1., 0., 1., 1., 0., 0., 2., 1., 1., 2., 2., 2., 0., 2.])?;
//! let y = tensor_from(&f, desc([8, 1], DataType::Float, TensorLayout::Nc)?,
//!                     &[1., 1., 2., 0., 3., 3., 4., 2.])?;
//! let costs = dp.train(&mut net, &x, &y, Cost::Quadratic, &TrainOptions::new(200, 0.05), |_, _| Ok(()))?;
//! assert!(costs[199] < 0.01 * costs[0]);
//! # Ok::<(), nn_dnn::Error>(())
//! ```

#![forbid(unsafe_code)]

mod collective;
mod data_parallel;
#[cfg(feature = "mpi")]
mod mpi_world;

pub use collective::{Collective, Ranks, Single};
pub use data_parallel::DataParallel;
#[cfg(feature = "mpi")]
pub use mpi_world::Mpi;

/// A root rank must be one of the `size` ranks.
pub(crate) fn check_root(op: &'static str, root: usize, size: usize) -> nn_dnn::Result<()> {
    la_core::Check::new(op)
        .require(root < size, || {
            format!("root {root} is not a rank of {size}")
        })
        .finish()?;
    Ok(())
}
