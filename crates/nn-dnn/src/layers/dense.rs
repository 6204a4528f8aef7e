//! The dense (fully connected) layer on any input shape (Deep Diamond's `dense` /
//! `fully-connected`): an `[n c h w]` input is read as `n` columns of `c·h·w`
//! features (a view, never a copy). The weights are the book's `out x in` matrix,
//! column-major (the layout of Neanderthal's `ge`): a sparse input (a bag of words)
//! reads and its gradient writes whole contiguous columns, one per nonzero, and the
//! initial draw fills them in the book's order. Files hold them as PyTorch's `Linear`
//! does, `[out, in]` row-major ([`Layer::param_order`]).

use la_core::prelude::*;
use la_core::rand::RngCore;
use la_core::sparse::{sparse_mm_into, sparse_mm_t_into, CscMatrix};
use nn_core::Result;
use nn_core::{Activation, Init};
use tensor_core::dnn::{MlpLayer, MLP_MAX_WIDTH};
use tensor_core::{AsTensor, AsTensorMut, Desc, DnnFactory, TensorView, TensorViewMut};

use super::params::WeightsBias;
use crate::layer::{activation_backward, Layer, Param, ParamValues};

/// `y = f(W x + b)` with `x` flattened per sample.
#[derive(Debug)]
pub struct DenseLayer<T: Scalar> {
    output: Desc,
    inputs: usize,
    activation: Activation<T>,
    /// Weights `out x in` (column-major), biases `[out]`.
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

    /// What the fused small-network pass reads and writes of this layer: its weights
    /// (`outputs x inputs`, column-major), bias and activation, and its gradients; `None`
    /// when the pass cannot take it (softmax, or wider than
    /// [`tensor_core::dnn::MLP_MAX_WIDTH`]).
    #[allow(clippy::type_complexity)]
    pub(crate) fn fused_parts(
        &mut self,
    ) -> Result<
        Option<(
            MlpLayer<'_, T>,
            (MatrixViewMut<'_, T>, VectorViewMut<'_, T>),
        )>,
    > {
        let (m, k) = (self.outputs(), self.inputs);
        if self.activation == Activation::Softmax || m > MLP_MAX_WIDTH || k > MLP_MAX_WIDTH {
            return Ok(None);
        }
        let WeightsBias {
            weights,
            bias,
            grad_w,
            grad_b,
            ..
        } = &mut self.p;
        let layer = MlpLayer {
            weights: weights.view_ge(m, k, Layout::ColumnMajor)?,
            bias: bias.view(),
            activation: self.activation.unary(),
        };
        let grads = (
            grad_w.view_ge_mut(m, k, Layout::ColumnMajor)?,
            grad_b.view_mut(),
        );
        Ok(Some((layer, grads)))
    }

    /// The number of outputs (neurons).
    pub fn outputs(&self) -> usize {
        self.output.shape()[1]
    }

    /// `y := f(W x + b)`, with `product` writing `W x` (dense or sparse `x`).
    fn forward_with(
        &mut self,
        dnn: &DnnFactory<T>,
        y: &mut TensorViewMut<'_, T>,
        product: impl FnOnce(&MatrixView<'_, T>, &mut MatrixViewMut<'_, T>) -> la_core::Result<()>,
    ) -> Result<()> {
        let w = self
            .p
            .weights
            .view_ge(self.outputs(), self.inputs, Layout::ColumnMajor)?;
        let mut ym = y.view_mat_mut()?;
        product(&w, &mut ym)?;
        self.activation
            .bias_forward_with(dnn, &self.p.bias, &mut ym)?;
        Ok(())
    }

    /// The parameter gradients of the mean cost over `n` samples, from the output
    /// error `dy` (its activation's derivative applied unless `pre_activation`), with
    /// `grads(1/n, d, ∂C/∂W, ∂C/∂b, ones)` writing `d xᵀ / n` and `d 1 / n` (dense or sparse
    /// `x`).
    fn gradients_with(
        &mut self,
        dnn: &DnnFactory<T>,
        n: usize,
        y: &TensorView<'_, T>,
        dy: &mut TensorViewMut<'_, T>,
        pre_activation: bool,
        grads: impl FnOnce(
            T,
            &MatrixView<'_, T>,
            &mut MatrixViewMut<'_, T>,
            &mut Vector<T>,
            &Vector<T>,
        ) -> la_core::Result<()>,
    ) -> Result<()> {
        if !pre_activation {
            activation_backward(dnn, self.activation, y, dy)?;
        }
        let inv_n = T::one() / T::of(n as f64);
        let (m, k) = (self.outputs(), self.inputs);
        let d = dy.view_mat()?;
        let mut gw = self.p.grad_w.view_ge_mut(m, k, Layout::ColumnMajor)?;
        grads(inv_n, &d, &mut gw, &mut self.p.grad_b, &self.ones)?;
        Ok(())
    }

    /// The weights, the `outputs x inputs` matrix `W` of `W x + b` (a column-major
    /// view of the layer's own memory; the book's `(weights layer)`).
    pub fn weights(&self) -> Result<MatrixView<'_, T>> {
        let (m, k) = (self.outputs(), self.inputs);
        Ok(self.p.weights.view_ge(m, k, Layout::ColumnMajor)?)
    }

    /// The weights, writable (e.g. `copy_into(&w, &mut layer.weights_mut()?)`).
    pub fn weights_mut(&mut self) -> Result<MatrixViewMut<'_, T>> {
        let (m, k) = (self.outputs(), self.inputs);
        Ok(self.p.weights.view_ge_mut(m, k, Layout::ColumnMajor)?)
    }

    /// The biases, one per output (the book's `(bias layer)`).
    pub fn bias(&self) -> &Vector<T> {
        &self.p.bias
    }

    /// The biases, writable.
    pub fn bias_mut(&mut self) -> &mut Vector<T> {
        &mut self.p.bias
    }

    /// The gradients of the last backward pass: `∂C/∂W` (`outputs x inputs`,
    /// column-major like the weights) and `∂C/∂b`.
    pub fn gradients(&self) -> Result<(MatrixView<'_, T>, &Vector<T>)> {
        let (m, k) = (self.outputs(), self.inputs);
        let gw = self.p.grad_w.view_ge(m, k, Layout::ColumnMajor)?;
        Ok((gw, &self.p.grad_b))
    }

    /// The activation (the book's `(activation layer)`).
    pub fn activation(&self) -> Activation<T> {
        self.activation
    }

    /// The number of inputs (features of one sample).
    pub fn inputs(&self) -> usize {
        self.inputs
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

    fn as_dense_mut(&mut self) -> Option<&mut DenseLayer<T>> {
        Some(self)
    }

    fn as_dense(&self) -> Option<&DenseLayer<T>> {
        Some(self)
    }

    fn forward(
        &mut self,
        dnn: &DnnFactory<T>,
        x: &TensorView<'_, T>,
        y: &mut TensorViewMut<'_, T>,
        _training: bool,
    ) -> Result<()> {
        let x = x.view_mat()?;
        let w = self
            .p
            .weights
            .view_ge(self.outputs(), self.inputs, Layout::ColumnMajor)?;
        let mut ym = y.view_mat_mut()?;
        let act = self.activation;
        dnn.fully_connected(act.unary(), &w, &x, &self.p.bias, &mut ym)?;
        if act == Activation::Softmax {
            dnn.softmax(&mut ym)?;
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
        let xm = x.view_mat()?;
        self.gradients_with(
            dnn,
            xm.ncols(),
            y,
            dy,
            pre_activation,
            |inv_n, d, gw, gb, _| dnn.fully_connected_backward_weights(inv_n, d, &xm, gw, gb),
        )?;
        if let Some(dx) = dx {
            let w = self
                .p
                .weights
                .view_ge(self.outputs(), self.inputs, Layout::ColumnMajor)?;
            mm_into(
                T::one(),
                &w.trans(),
                &dy.view_mat()?,
                T::zero(),
                &mut dx.view_mat_mut()?,
            )?;
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
        self.forward_with(dnn, y, |w, ym| {
            sparse_mm_into(T::one(), w, x, T::zero(), ym)
        })
    }

    fn backward_sparse(
        &mut self,
        dnn: &DnnFactory<T>,
        x: &CscMatrix<T>,
        y: &TensorView<'_, T>,
        dy: &mut TensorViewMut<'_, T>,
        pre_activation: bool,
    ) -> Result<()> {
        let n = x.ncols();
        self.gradients_with(dnn, n, y, dy, pre_activation, |inv_n, d, gw, gb, ones| {
            sparse_mm_t_into(inv_n, d, x, T::zero(), gw)?;
            mv_into(inv_n, d, &ones.subvector(0, n)?, T::zero(), gb)
        })
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

    fn param_order(&self, name: &str) -> Layout {
        if name == "weight" {
            Layout::ColumnMajor
        } else {
            Layout::RowMajor
        }
    }

    fn init(&mut self, rng: &mut dyn RngCore, scheme: Init) -> Result<()> {
        let fan_out = self.outputs();
        scheme.draw(rng, &mut self.p.weights, self.inputs, fan_out)?;
        fill(&mut self.p.bias, T::zero())?;
        Ok(())
    }
}
