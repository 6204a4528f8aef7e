//! The collective interface data-parallel training needs, and its one-process form.

use la_core::prelude::*;
use nn_dnn::Result;

/// Where this process stands in its job: its rank and the number of ranks.
pub trait Ranks {
    /// This process's rank, `0..size`.
    fn rank(&self) -> usize;
    /// The number of ranks.
    fn size(&self) -> usize;
}

/// The collective operations of data-parallel training, over the ranks of one job.
///
/// Buffers are la-core vectors on any factory, so an implementation can work where
/// the data lives: [`crate::Mpi`] sums host memory directly (and stages device memory
/// through the host), and an NCCL implementation would sum CUDA buffers in place on
/// the GPUs (rank 0 makes the NCCL id and broadcasts it over MPI; `rank`/`size` come
/// from the same job). Every rank must call each operation in the same order with
/// buffers of the same length.
pub trait Collective<T: Scalar>: Ranks {
    /// Replaces `x` on every rank by the element-wise sum of `x` over all ranks.
    fn all_reduce_sum(&mut self, x: &mut VectorViewMut<'_, T>) -> Result<()>;
    /// Replaces `x` on every rank by rank `root`'s `x`.
    fn broadcast(&mut self, x: &mut VectorViewMut<'_, T>, root: usize) -> Result<()>;
}

/// One process and no MPI: rank 0 of 1; the collectives leave their buffers as they
/// are. Data-parallel code run with it is single-process training.
///
/// ```
/// use la_core::prelude::*;
/// use nn_dist::{Collective, Ranks, Single};
/// let mut x = dv(&[1.0, 2.0]);
/// let mut one = Single;
/// one.all_reduce_sum(&mut x.view_mut())?;
/// assert_eq!((one.rank(), one.size(), x.to_vec()?), (0, 1, vec![1.0, 2.0]));
/// # Ok::<(), nn_dnn::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Single;

impl Ranks for Single {
    fn rank(&self) -> usize {
        0
    }

    fn size(&self) -> usize {
        1
    }
}

impl<T: Scalar> Collective<T> for Single {
    fn all_reduce_sum(&mut self, _x: &mut VectorViewMut<'_, T>) -> Result<()> {
        Ok(())
    }

    fn broadcast(&mut self, _x: &mut VectorViewMut<'_, T>, root: usize) -> Result<()> {
        crate::check_root("broadcast", root, 1)
    }
}

/// A borrowed collective is a collective (so a driver can borrow the job's `Mpi`).
impl<C: Ranks + ?Sized> Ranks for &mut C {
    fn rank(&self) -> usize {
        (**self).rank()
    }

    fn size(&self) -> usize {
        (**self).size()
    }
}

/// A borrowed collective is a collective.
impl<T: Scalar, C: Collective<T> + ?Sized> Collective<T> for &mut C {
    fn all_reduce_sum(&mut self, x: &mut VectorViewMut<'_, T>) -> Result<()> {
        (**self).all_reduce_sum(x)
    }

    fn broadcast(&mut self, x: &mut VectorViewMut<'_, T>, root: usize) -> Result<()> {
        (**self).broadcast(x, root)
    }
}
