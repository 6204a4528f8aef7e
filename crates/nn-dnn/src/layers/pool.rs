//! The pooling layer (Deep Diamond's `pooling`): max or average over windows.

use la_core::prelude::*;
use nn_core::Result;
use tensor_core::dnn::Pooling;
use tensor_core::{AsTensor, Desc, DnnFactory, TensorView, TensorViewMut};

use crate::layer::{Layer, Param};

/// Max or average pooling; max pooling keeps the argmax of its last forward pass for
/// the backward one.
#[derive(Debug)]
pub struct PoolingLayer<T: Scalar> {
    geometry: Pooling,
    arg: Vector<T>,
}

impl<T: Scalar> PoolingLayer<T> {
    pub(crate) fn new(f: &Factory<T>, geometry: Pooling) -> Result<Self> {
        Ok(PoolingLayer {
            geometry,
            arg: f.vctr(geometry.workspace_len())?,
        })
    }

    /// The pooling's geometry (for the network's full batch).
    pub fn geometry(&self) -> &Pooling {
        &self.geometry
    }

    fn at(&self, n: usize) -> Result<Pooling> {
        if n == self.geometry.batch() {
            Ok(self.geometry)
        } else {
            Ok(self.geometry.with_batch(n)?)
        }
    }
}

impl<T: Scalar> Layer<T> for PoolingLayer<T> {
    fn kind(&self) -> &'static str {
        "pooling"
    }

    fn output_desc(&self) -> Desc {
        self.geometry.output_desc()
    }

    fn forward(
        &mut self,
        dnn: &DnnFactory<T>,
        x: &TensorView<'_, T>,
        y: &mut TensorViewMut<'_, T>,
        _training: bool,
    ) -> Result<()> {
        let g = self.at(x.desc().shape()[0])?;
        let mut arg = self.arg.subvector_mut(0, g.workspace_len())?;
        dnn.pooling_forward(&g, x, y, &mut arg)?;
        Ok(())
    }

    fn backward(
        &mut self,
        dnn: &DnnFactory<T>,
        x: &TensorView<'_, T>,
        _y: &TensorView<'_, T>,
        dy: &mut TensorViewMut<'_, T>,
        dx: Option<&mut TensorViewMut<'_, T>>,
        _pre_activation: bool,
    ) -> Result<()> {
        if let Some(dx) = dx {
            let g = self.at(x.desc().shape()[0])?;
            let arg = self.arg.subvector(0, g.workspace_len())?;
            dnn.pooling_backward(&g, dy, &arg, dx)?;
        }
        Ok(())
    }

    fn params(&mut self, _: &mut dyn FnMut(Param<'_, T>) -> Result<()>) -> Result<()> {
        Ok(())
    }
}
