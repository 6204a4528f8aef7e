//! The optimizer update on a [`DnnFactory`]: checked here, run by the backend's
//! [`Dnn::update`] (one fused pass where the backend has one).

use la_core::prelude::*;
use la_core::{Check, Dense};

use super::{Dnn, DnnFactory};
use crate::optimizer::{check_rate, FlatMut, Optimizer};

/// One optimizer step's settings, the same for every parameter of a network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Update<T> {
    /// The optimizer and its hyperparameters.
    pub optimizer: Optimizer<T>,
    /// The learning rate `η` (finite, not negative).
    pub lr: T,
    /// The step's number, counted from 1 (Adam's bias correction).
    pub t: usize,
    /// Whether the weight decay applies (weights yes, biases no).
    pub decay: bool,
}

impl<T: Scalar> DnnFactory<T> {
    /// One optimizer update of parameter `p` from its gradient `g` (which it may
    /// overwrite) and state `s`: `optimizer.state_buffers()` buffers of `p`'s length,
    /// zero before the first step. `p`, `g` and `s` are vectors or dense matrices of
    /// this factory. The backend runs it in one pass where it can (native, OpenCL);
    /// otherwise it is [`Optimizer::step`].
    ///
    /// ```
    /// use la_core::prelude::*;
    /// use tensor_core::dnn::Update;
    /// use tensor_core::optimizer::{Adam, Optimizer};
    /// use tensor_core::DnnFactory;
    ///
    /// let dnn = DnnFactory::new(&native_double());
    /// let (mut p, mut g) = (dv(&[1.0, -1.0]), dv(&[0.5, -0.5]));
    /// let mut s = [dv(&[0.0, 0.0]), dv(&[0.0, 0.0])];
    /// let step = Update { optimizer: Adam::default().into(), lr: 0.1, t: 1, decay: false };
    /// dnn.update(&step, &mut p, &mut g, &mut s)?;
    /// // Adam's first step moves each weight by about η against its gradient's sign.
    /// let p = p.to_vec()?;
    /// assert!((p[0] - 0.9).abs() < 1e-6 && (p[1] + 0.9).abs() < 1e-6);
    /// # Ok::<(), la_core::Error>(())
    /// ```
    pub fn update<P: FlatMut<T>>(
        &self,
        step: &Update<T>,
        p: &mut P,
        g: &mut P,
        s: &mut [P],
    ) -> Result<()> {
        const OP: &str = "optimizer step";
        check_rate(step.lr)?;
        let mut p = p.flat_mut()?;
        let mut g = g.flat_mut()?;
        let want = step.optimizer.state_buffers();
        Check::new(OP)
            .require(s.len() == want, || {
                format!(
                    "{} state buffers were given, {:?} keeps {want}",
                    s.len(),
                    step.optimizer
                )
            })
            .require(g.dim() == p.dim(), || {
                format!(
                    "the gradient has {} elements, the parameter {}",
                    g.dim(),
                    p.dim()
                )
            })
            .finish()?;
        self.require_same(OP, [p.factory(), g.factory()])?;
        let mut ws = self.ws();
        let dnn: &dyn Dnn<T> = &*self.dnn;
        match s {
            [] => dnn.update(&mut ws, step, &mut p, &mut g, &mut []),
            [a] => {
                let a = state(self, a, p.dim())?;
                dnn.update(&mut ws, step, &mut p, &mut g, &mut [a])
            }
            [a, b] => {
                let a = state(self, a, p.dim())?;
                let b = state(self, b, p.dim())?;
                dnn.update(&mut ws, step, &mut p, &mut g, &mut [a, b])
            }
            _ => unreachable!("no optimizer keeps more than two state buffers (checked)"),
        }
    }
}

/// A state buffer as a vector view, checked against the parameter's length and the
/// factory.
fn state<'a, T: Scalar, P: FlatMut<T>>(
    dnn: &DnnFactory<T>,
    s: &'a mut P,
    len: usize,
) -> Result<VectorViewMut<'a, T>> {
    let v = s.flat_mut()?;
    Check::new("optimizer step")
        .require(v.dim() == len, || {
            format!(
                "a state buffer has {} elements, the parameter {len}",
                v.dim()
            )
        })
        .finish()?;
    dnn.require_same("optimizer step", [v.factory()])?;
    Ok(v)
}
