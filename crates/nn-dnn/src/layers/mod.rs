//! The layers a [`Network`](crate::Network) is built from.

mod conv;
mod dense;
mod dropout;
mod params;
mod pool;

pub use conv::ConvLayer;
pub use dense::DenseLayer;
pub use dropout::DropoutLayer;
pub use pool::PoolingLayer;

use tensor_core::Desc;

/// `d` with dimension 0 (the batch) set to `n`.
pub(crate) fn with_batch(d: &Desc, n: usize) -> nn_core::Result<Desc> {
    // on the stack: this runs every pass
    let mut shape = [0; tensor_core::MAX_RANK];
    let rank = d.rank();
    shape[..rank].copy_from_slice(d.shape());
    shape[0] = n;
    Ok(d.with_shape(&shape[..rank])?)
}
