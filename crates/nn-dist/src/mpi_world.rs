//! The MPI collective through rsmpi (feature `mpi`).

use la_core::prelude::*;
use mpi::collective::SystemOperation;
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, CommunicatorCollectives, Root};
use nn_dnn::Result;

use crate::collective::{Collective, Ranks};

/// The ranks of an MPI job (`mpirun -np N …`), through rsmpi.
///
/// [`Mpi::init`] initialises MPI once per process (a second call is an error) and
/// finalises it when the value is dropped. Sums go through one preallocated host
/// buffer per element type, so a training step allocates nothing; device vectors are
/// staged through host memory.
pub struct Mpi {
    // Dropped last: finalises MPI after the communicator is gone.
    world: SimpleCommunicator,
    stage32: (Vec<f32>, Vec<f32>),
    stage64: (Vec<f64>, Vec<f64>),
    _universe: mpi::environment::Universe,
}

impl std::fmt::Debug for Mpi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Mpi {{ rank: {}, size: {} }}",
            self.world.rank(),
            self.world.size()
        )
    }
}

fn mpi_error(message: String) -> nn_dnn::Error {
    la_core::Error::Backend {
        backend: "mpi".into(),
        message,
    }
    .into()
}

impl Mpi {
    /// Initialises MPI and joins the job's world. Under `mpirun` every rank gets its
    /// rank and the world size; run directly, the process is rank 0 of 1. An error
    /// when MPI was already initialised in this process.
    pub fn init() -> Result<Mpi> {
        let universe = mpi::initialize().ok_or_else(|| {
            mpi_error("Mpi::init: MPI is already initialised in this process".into())
        })?;
        Ok(Mpi {
            world: universe.world(),
            stage32: (Vec::new(), Vec::new()),
            stage64: (Vec::new(), Vec::new()),
            _universe: universe,
        })
    }

    /// [`Mpi::init`], then checks that the world has `expected` ranks: a `mpirun`
    /// that belongs to another MPI installation than the one linked silently starts
    /// `expected` jobs of one rank each.
    pub fn init_expecting(expected: usize) -> Result<Mpi> {
        let m = Mpi::init()?;
        let size = m.world.size() as usize;
        if size != expected {
            return Err(mpi_error(format!(
                "Mpi::init_expecting: the world has {size} ranks, not {expected} (is `mpirun` \
                 from the MPI this program links? Debian: openmpi-bin with libopenmpi-dev)"
            )));
        }
        Ok(m)
    }
}

/// Grows a staging buffer to `n` elements (once: the gradient buffer keeps its size).
fn grow<T: Scalar>(v: &mut Vec<T>, n: usize) {
    if v.len() < n {
        v.resize(n, T::zero());
    }
}

/// Sums `x` across ranks through the host staging buffers `(send, recv)`.
fn all_reduce<T: Scalar + mpi::traits::Equivalence>(
    world: &SimpleCommunicator,
    (send, recv): &mut (Vec<T>, Vec<T>),
    x: &mut VectorViewMut<'_, T>,
) -> Result<()> {
    if world.size() == 1 {
        return Ok(()); // the sum over one rank is `x`
    }
    let n = x.dim();
    grow(send, n);
    grow(recv, n);
    let (s, r) = (&mut send[..n], &mut recv[..n]);
    x.factory().engine().read(x.storage(), x.region(), s)?;
    world.all_reduce_into(&s[..], &mut r[..], SystemOperation::sum());
    x.set_from(r)?;
    Ok(())
}

fn broadcast<T: Scalar + mpi::traits::Equivalence>(
    world: &SimpleCommunicator,
    (send, _): &mut (Vec<T>, Vec<T>),
    x: &mut VectorViewMut<'_, T>,
    root: usize,
) -> Result<()> {
    crate::check_root("broadcast", root, world.size() as usize)?;
    let n = x.dim();
    grow(send, n);
    let s = &mut send[..n];
    x.factory().engine().read(x.storage(), x.region(), s)?;
    world
        .process_at_rank(root as i32)
        .broadcast_into(&mut s[..]);
    x.set_from(s)?;
    Ok(())
}

impl Ranks for Mpi {
    fn rank(&self) -> usize {
        self.world.rank() as usize
    }

    fn size(&self) -> usize {
        self.world.size() as usize
    }
}

macro_rules! collective_for {
    ($t:ty, $stage:ident) => {
        impl Collective<$t> for Mpi {
            fn all_reduce_sum(&mut self, x: &mut VectorViewMut<'_, $t>) -> Result<()> {
                all_reduce(&self.world, &mut self.$stage, x)
            }

            fn broadcast(&mut self, x: &mut VectorViewMut<'_, $t>, root: usize) -> Result<()> {
                broadcast(&self.world, &mut self.$stage, x, root)
            }
        }
    };
}

collective_for!(f32, stage32);
collective_for!(f64, stage64);
