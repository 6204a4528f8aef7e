//! The weights and bias of a layer with their gradients: what convolution and dense
//! layers share (visiting, counting, reading them).

use la_core::prelude::*;
use nn_core::Result;

use crate::layer::{Param, ParamValues};

/// Weights (flat, PyTorch's shape `weight_shape`) and one bias per output, with the
/// gradients of the last backward pass.
#[derive(Debug)]
pub(crate) struct WeightsBias<T: Scalar> {
    pub(crate) weights: Vector<T>,
    pub(crate) bias: Vector<T>,
    pub(crate) grad_w: Vector<T>,
    pub(crate) grad_b: Vector<T>,
    weight_shape: Vec<usize>,
    bias_shape: [usize; 1],
}

impl<T: Scalar> WeightsBias<T> {
    /// Zeroed weights shaped `weight_shape` (outputs first) and `weight_shape[0]` biases.
    pub(crate) fn new(f: &Factory<T>, weight_shape: &[usize]) -> Result<Self> {
        let (len, outputs) = (weight_shape.iter().product(), weight_shape[0]);
        Ok(WeightsBias {
            weights: f.vctr(len)?,
            bias: f.vctr(outputs)?,
            grad_w: f.vctr(len)?,
            grad_b: f.vctr(outputs)?,
            weight_shape: weight_shape.to_vec(),
            bias_shape: [outputs],
        })
    }

    /// [`crate::Layer::params`]: weights (with weight decay), then bias.
    pub(crate) fn params(
        &mut self,
        visit: &mut dyn FnMut(Param<'_, T>) -> Result<()>,
    ) -> Result<()> {
        visit(Param {
            value: &mut self.weights,
            grad: &mut self.grad_w,
            decay: true,
            shape: &self.weight_shape,
            name: "weight",
        })?;
        visit(Param {
            value: &mut self.bias,
            grad: &mut self.grad_b,
            decay: false,
            shape: &self.bias_shape,
            name: "bias",
        })
    }

    /// [`crate::Layer::param_values`].
    pub(crate) fn values(&self, visit: &mut ParamValues<'_, T>) -> Result<()> {
        visit(&self.weights, &self.weight_shape, "weight")?;
        visit(&self.bias, &self.bias_shape, "bias")
    }

    /// [`crate::Layer::param_count`].
    pub(crate) fn count(&self) -> usize {
        self.weights.dim() + self.bias.dim()
    }
}
