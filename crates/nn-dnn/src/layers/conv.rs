//! The convolutional layer (Deep Diamond's `convo`): convolution, bias and activation.

use la_core::prelude::*;
use la_core::rand::RngCore;
use nn_core::Result;
use nn_core::{Activation, Init};
use tensor_core::dnn::Convolution;
use tensor_core::{AsTensor, AsTensorMut, Desc, DnnFactory, TensorView, TensorViewMut};

use super::params::WeightsBias;
use crate::layer::{activation_backward, Layer, Param, ParamValues};

/// `y = f(conv(x, w) + b)` with `oihw` weights and one bias per output channel.
#[derive(Debug)]
pub struct ConvLayer<T: Scalar> {
    geometry: Convolution,
    activation: Activation<T>,
    /// Weights `[oc, c, kh, kw]`, biases `[oc]`.
    p: WeightsBias<T>,
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
        let [kh, kw] = geometry.kernel();
        let shape = [geometry.out_channels(), geometry.in_channels(), kh, kw];
        Ok(ConvLayer {
            geometry,
            activation,
            p: WeightsBias::new(f, &shape)?,
        })
    }

    /// The convolution's geometry (for the network's full batch).
    pub fn geometry(&self) -> &Convolution {
        &self.geometry
    }

    /// The weights, `[oc, c, kh, kw]` (`oihw`) flattened.
    pub fn weights(&self) -> &Vector<T> {
        &self.p.weights
    }

    /// The weights, writable.
    pub fn weights_mut(&mut self) -> &mut Vector<T> {
        &mut self.p.weights
    }

    /// The biases, one per output channel.
    pub fn bias(&self) -> &Vector<T> {
        &self.p.bias
    }

    /// The biases, writable.
    pub fn bias_mut(&mut self) -> &mut Vector<T> {
        &mut self.p.bias
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
        dnn.convolution_forward(&g, x, &self.p.weights, &self.p.bias, y)?;
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
        dnn.convolution_backward_weights(&g, inv_n, x, dy, &mut self.p.grad_w, &mut self.p.grad_b)?;
        if let Some(dx) = dx {
            dnn.convolution_backward_data(&g, dy, &self.p.weights, dx)?;
        }
        Ok(())
    }

    fn params(&mut self, visit: &mut dyn FnMut(Param<'_, T>) -> Result<()>) -> Result<()> {
        self.p.params(visit)
    }

    fn param_values(&self, visit: &mut ParamValues<'_, T>) -> Result<()> {
        self.p.values(visit)
    }

    fn param_count(&self) -> usize {
        self.p.count()
    }

    fn init(&mut self, rng: &mut dyn RngCore, scheme: Init) -> Result<()> {
        let g = &self.geometry;
        let fan_out = g.weights_len() / g.in_channels();
        scheme.draw(rng, &mut self.p.weights, g.patch_len(), fan_out)?;
        fill(&mut self.p.bias, T::zero())?;
        Ok(())
    }

    fn workspace_len(&self, dnn: &DnnFactory<T>) -> usize {
        dnn.convolution_workspace_len(&self.geometry)
    }
}
