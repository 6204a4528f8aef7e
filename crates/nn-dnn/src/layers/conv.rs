//! The convolutional layer (Deep Diamond's `convo`): convolution, bias and activation.

use la_core::prelude::*;
use la_core::rand::RngCore;
use nn_inference::{Activation, Init};
use nn_train::Result;
use tensor_core::dnn::Convolution;
use tensor_core::{AsTensor, AsTensorMut, Desc, DnnFactory, TensorView, TensorViewMut};

use crate::layer::{activation_backward, init_weights, Layer, Param, ParamValues};

/// `y = f(conv(x, w) + b)` with `oihw` weights and one bias per output channel.
#[derive(Debug)]
pub struct ConvLayer<T: Scalar> {
    geometry: Convolution,
    activation: Activation<T>,
    weights: Vector<T>,
    bias: Vector<T>,
    grad_w: Vector<T>,
    grad_b: Vector<T>,
    /// `[oc, c, kh, kw]` and `[oc]`.
    shapes: ([usize; 4], [usize; 1]),
}

impl<T: Scalar> ConvLayer<T> {
    pub(crate) fn new(
        f: &Factory<T>,
        geometry: Convolution,
        activation: Activation<T>,
    ) -> Result<Self> {
        if activation == Activation::Softmax {
            return Err(la_core::Error::Precondition {
                op: "convo",
                problems: vec!["softmax is for a dense output layer, not a convolution".into()],
            }
            .into());
        }
        let (wl, oc) = (geometry.weights_len(), geometry.out_channels());
        Ok(ConvLayer {
            geometry,
            activation,
            weights: f.vctr(wl)?,
            bias: f.vctr(oc)?,
            grad_w: f.vctr(wl)?,
            grad_b: f.vctr(oc)?,
            shapes: (
                [
                    oc,
                    geometry.in_channels(),
                    geometry.kernel()[0],
                    geometry.kernel()[1],
                ],
                [oc],
            ),
        })
    }

    /// The convolution's geometry (for the network's full batch).
    pub fn geometry(&self) -> &Convolution {
        &self.geometry
    }

    /// The weights, `[oc, c, kh, kw]` (`oihw`) flattened.
    pub fn weights(&self) -> &Vector<T> {
        &self.weights
    }

    /// The weights, writable.
    pub fn weights_mut(&mut self) -> &mut Vector<T> {
        &mut self.weights
    }

    /// The biases, one per output channel.
    pub fn bias(&self) -> &Vector<T> {
        &self.bias
    }

    /// The biases, writable.
    pub fn bias_mut(&mut self) -> &mut Vector<T> {
        &mut self.bias
    }

    fn at(&self, n: usize) -> Result<Convolution> {
        if n == self.geometry.batch() {
            Ok(self.geometry)
        } else {
            Ok(self.geometry.with_batch(n)?)
        }
    }
}

impl<T: Scalar> Layer<T> for ConvLayer<T> {
    fn kind(&self) -> &'static str {
        "convo"
    }

    fn output_desc(&self) -> Desc {
        self.geometry.output_desc()
    }

    fn activation(&self) -> Option<Activation<T>> {
        Some(self.activation)
    }

    fn forward(
        &mut self,
        dnn: &DnnFactory<T>,
        x: &TensorView<'_, T>,
        y: &mut TensorViewMut<'_, T>,
        _training: bool,
    ) -> Result<()> {
        let g = self.at(x.desc().shape()[0])?;
        dnn.convolution_forward(&g, x, &self.weights, &self.bias, y)?;
        if let Some(op) = self.activation.unary() {
            unary_inplace(op, &mut y.view_vctr_mut()?)?;
        }
        Ok(())
    }

    fn backward(
        &mut self,
        dnn: &DnnFactory<T>,
        x: &TensorView<'_, T>,
        y: &TensorView<'_, T>,
        dy: &mut TensorViewMut<'_, T>,
        dx: Option<&mut TensorViewMut<'_, T>>,
        pre_activation: bool,
    ) -> Result<()> {
        let n = x.desc().shape()[0];
        let g = self.at(n)?;
        if !pre_activation {
            activation_backward(dnn, self.activation, y, dy)?;
        }
        let inv_n = T::one() / T::of(n as f64);
        dnn.convolution_backward_weights(&g, inv_n, x, dy, &mut self.grad_w, &mut self.grad_b)?;
        if let Some(dx) = dx {
            dnn.convolution_backward_data(&g, dy, &self.weights, dx)?;
        }
        Ok(())
    }

    fn params(&mut self, visit: &mut dyn FnMut(Param<'_, T>) -> Result<()>) -> Result<()> {
        visit(Param {
            value: &mut self.weights,
            grad: &mut self.grad_w,
            decay: true,
            shape: &self.shapes.0,
            name: "weight",
        })?;
        visit(Param {
            value: &mut self.bias,
            grad: &mut self.grad_b,
            decay: false,
            shape: &self.shapes.1,
            name: "bias",
        })
    }

    fn param_values(&self, visit: &mut ParamValues<'_, T>) -> Result<()> {
        visit(&self.weights, &self.shapes.0, "weight")?;
        visit(&self.bias, &self.shapes.1, "bias")
    }

    fn param_count(&self) -> usize {
        self.weights.dim() + self.bias.dim()
    }

    fn init(&mut self, rng: &mut dyn RngCore, scheme: Init) -> Result<()> {
        let g = &self.geometry;
        let fan_out = g.weights_len() / g.in_channels();
        init_weights(rng, scheme, &mut self.weights, g.patch_len(), fan_out)?;
        fill(&mut self.bias, T::zero())?;
        Ok(())
    }

    fn workspace_len(&self, dnn: &DnnFactory<T>) -> usize {
        dnn.convolution_workspace_len(&self.geometry)
    }
}
