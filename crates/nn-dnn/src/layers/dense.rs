//! The dense (fully connected) layer on any input shape (Deep Diamond's `dense` /
//! `fully-connected`): an `[n c h w]` input is read as `n` columns of `c·h·w`
//! features (a view, never a copy) and the weights are `[out, c·h·w]`, row-major,
//! as Deep Diamond's `[out c h w]` and PyTorch's `Linear` store them.

use la_core::prelude::*;
use la_core::rand::RngCore;
use la_core::sparse::{sparse_mm_into, sparse_mm_t_into, CscMatrix};
use nn_inference::{Activation, Init};
use nn_train::Result;
use tensor_core::{AsTensor, AsTensorMut, Desc, DnnFactory, TensorView, TensorViewMut};

use super::params::WeightsBias;
use crate::layer::{activation_backward, init_weights, Layer, Param, ParamValues};

/// `y = f(W x + b)` with `x` flattened per sample.
#[derive(Debug)]
pub struct DenseLayer<T: Scalar> {
    output: Desc,
    inputs: usize,
    activation: Activation<T>,
    /// Weights `[out, in]` (row-major), biases `[out]`.
    p: WeightsBias<T>,
    ones: Vector<T>,
}

impl<T: Scalar> DenseLayer<T> {
    pub(crate) fn new(
        f: &Factory<T>,
        input: &Desc,
        outputs: usize,
        activation: Activation<T>,
    ) -> Result<Self> {
        let batch = input.shape()[0];
        let inputs: usize = input.shape()[1..].iter().product();
        la_core::Check::new("dense")
            .require(outputs > 0, || "0 outputs".into())
            .require(inputs > 0, || format!("the input {input} has no features"))
            .require(outputs.checked_mul(inputs).is_some(), || {
                format!("{outputs} x {inputs} weights are more than usize holds")
            })
            .finish()?;
        let output = tensor_core::desc(
            [batch, outputs],
            input.dtype(),
            tensor_core::TensorLayout::Nc,
        )?;
        let mut ones = f.vctr(batch)?;
        fill(&mut ones, T::one())?;
        Ok(DenseLayer {
            output,
            inputs,
            activation,
            p: WeightsBias::new(f, &[outputs, inputs])?,
            ones,
        })
    }

    fn outputs(&self) -> usize {
        self.output.shape()[1]
    }

    /// The weights, `[out, in]` row-major, flattened.
    pub fn weights(&self) -> &Vector<T> {
        &self.p.weights
    }

    /// The weights, writable.
    pub fn weights_mut(&mut self) -> &mut Vector<T> {
        &mut self.p.weights
    }

    /// The biases.
    pub fn bias(&self) -> &Vector<T> {
        &self.p.bias
    }

    /// The biases, writable.
    pub fn bias_mut(&mut self) -> &mut Vector<T> {
        &mut self.p.bias
    }
}

impl<T: Scalar> Layer<T> for DenseLayer<T> {
    fn kind(&self) -> &'static str {
        "dense"
    }

    fn output_desc(&self) -> Desc {
        self.output
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
        let w = self
            .p
            .weights
            .view_ge(self.outputs(), self.inputs, Layout::RowMajor)?;
        let mut ym = y.view_mat_mut()?;
        mm_into(T::one(), &w, &x.view_mat()?, T::zero(), &mut ym)?;
        self.activation
            .bias_forward_with(dnn, &self.p.bias, &mut ym)?;
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
        if !pre_activation {
            activation_backward(dnn, self.activation, y, dy)?;
        }
        let n = x.desc().shape()[0];
        let inv_n = T::one() / T::of(n as f64);
        let (m, k) = (self.outputs(), self.inputs);
        let d = dy.view_mat()?;
        let mut gw = self.p.grad_w.view_ge_mut(m, k, Layout::RowMajor)?;
        mm_into(inv_n, &d, &x.view_mat()?.trans(), T::zero(), &mut gw)?;
        mv_into(
            inv_n,
            &d,
            &self.ones.subvector(0, n)?,
            T::zero(),
            &mut self.p.grad_b,
        )?;
        if let Some(dx) = dx {
            let w = self.p.weights.view_ge(m, k, Layout::RowMajor)?;
            mm_into(T::one(), &w.trans(), &d, T::zero(), &mut dx.view_mat_mut()?)?;
        }
        Ok(())
    }

    fn forward_sparse(
        &mut self,
        dnn: &DnnFactory<T>,
        x: &CscMatrix<T>,
        y: &mut TensorViewMut<'_, T>,
        _training: bool,
    ) -> Result<()> {
        let w = self
            .p
            .weights
            .view_ge(self.outputs(), self.inputs, Layout::RowMajor)?;
        let mut ym = y.view_mat_mut()?;
        sparse_mm_into(T::one(), &w, x, T::zero(), &mut ym)?;
        self.activation
            .bias_forward_with(dnn, &self.p.bias, &mut ym)?;
        Ok(())
    }

    fn backward_sparse(
        &mut self,
        dnn: &DnnFactory<T>,
        x: &CscMatrix<T>,
        y: &TensorView<'_, T>,
        dy: &mut TensorViewMut<'_, T>,
        pre_activation: bool,
    ) -> Result<()> {
        if !pre_activation {
            activation_backward(dnn, self.activation, y, dy)?;
        }
        let n = x.ncols();
        let inv_n = T::one() / T::of(n as f64);
        let (m, k) = (self.outputs(), self.inputs);
        let d = dy.view_mat()?;
        let mut gw = self.p.grad_w.view_ge_mut(m, k, Layout::RowMajor)?;
        sparse_mm_t_into(inv_n, &d, x, T::zero(), &mut gw)?;
        mv_into(
            inv_n,
            &d,
            &self.ones.subvector(0, n)?,
            T::zero(),
            &mut self.p.grad_b,
        )?;
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
        let fan_out = self.outputs();
        init_weights(rng, scheme, &mut self.p.weights, self.inputs, fan_out)?;
        fill(&mut self.p.bias, T::zero())?;
        Ok(())
    }
}
