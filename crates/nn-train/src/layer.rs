//! Each layer's backward pass, owned by the layer (DESIGN principle 5; the book's
//! `backward` of a fully connected layer): given the layer's input and its error, the
//! parameter gradients and the error for the layer below.

use la_core::prelude::*;
use la_core::sparse::{sparse_mm_t_into, CscMatrix};
use nn_inference::FullyConnected;

use nn_core::Result;

/// Where a backward pass writes the layer's parameter gradients.
#[derive(Debug)]
pub struct LayerGrads<'a, T: Scalar> {
    /// `∂C/∂W`, the shape of the weights.
    pub weights: &'a mut Matrix<T>,
    /// `∂C/∂b`, the shape of the bias.
    pub bias: &'a mut Vector<T>,
    /// A vector of ones, one per sample (the bias gradient of a sparse-input layer is
    /// `δ · 1 / n`; a dense input goes through the layer's DNN factory).
    pub ones: &'a Vector<T>,
}

/// The backward pass of a layer.
pub trait Backward<T: Scalar> {
    /// With `x` the layer's input and `d` its error `∂C/∂z · n` (one sample per column),
    /// writes `∂C/∂W = d xᵀ / n` and `∂C/∂b = d 1 / n` into `grads` and, when `below` is
    /// given, the error of the layer's input `Wᵀ d` (the layer below then applies its
    /// activation's derivative).
    fn backward(
        &self,
        x: &impl AsMatrix<T>,
        d: &MatrixView<'_, T>,
        grads: LayerGrads<'_, T>,
        below: Option<&mut MatrixViewMut<'_, T>>,
    ) -> Result<()>;

    /// [`backward`](Self::backward) for a first layer fed a sparse batch (no error
    /// below it).
    fn backward_sparse(
        &self,
        x: &CscMatrix<T>,
        d: &MatrixView<'_, T>,
        grads: LayerGrads<'_, T>,
    ) -> Result<()>;
}

impl<T: Scalar> Backward<T> for FullyConnected<T> {
    fn backward(
        &self,
        x: &impl AsMatrix<T>,
        d: &MatrixView<'_, T>,
        grads: LayerGrads<'_, T>,
        below: Option<&mut MatrixViewMut<'_, T>>,
    ) -> Result<()> {
        let inv_n = T::one() / T::of(d.ncols().max(1) as f64);
        self.dnn()
            .fully_connected_backward_weights(inv_n, d, x, grads.weights, grads.bias)?;
        if let Some(dp) = below {
            mm_into(T::one(), &self.weights().trans(), d, T::zero(), dp)?;
        }
        Ok(())
    }

    fn backward_sparse(
        &self,
        x: &CscMatrix<T>,
        d: &MatrixView<'_, T>,
        grads: LayerGrads<'_, T>,
    ) -> Result<()> {
        let inv_n = T::one() / T::of(d.ncols().max(1) as f64);
        sparse_mm_t_into(inv_n, d, x, T::zero(), grads.weights)?;
        mv_into(
            inv_n,
            d,
            &grads.ones.subvector(0, d.ncols())?,
            T::zero(),
            grads.bias,
        )?;
        Ok(())
    }
}
