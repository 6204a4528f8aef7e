//! The layers a [`Network`](crate::Network) is built from.

mod conv;
mod dense;
mod dropout;
mod pool;

pub use conv::ConvLayer;
pub use dense::DenseLayer;
pub use dropout::DropoutLayer;
pub use pool::PoolingLayer;

use tensor_core::Desc;

/// `d` with dimension 0 (the batch) set to `n`.
pub(crate) fn with_batch(d: &Desc, n: usize) -> nn_train::Result<Desc> {
    let mut shape = d.shape().to_vec();
    shape[0] = n;
    Ok(d.with_shape(&shape)?)
}
