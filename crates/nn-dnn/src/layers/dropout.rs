//! Dropout as a layer (Deep Diamond's `dropout` and `gaussian-dropout`): identity at
//! inference, a random mask while training.

use la_core::prelude::*;
use nn_core::{Dropout, Result};
use tensor_core::{AsTensor, AsTensorMut, Desc, DnnFactory, TensorView, TensorViewMut};

use crate::layer::Layer;

/// Multiplies its input by a fresh mask each training pass: inverted Bernoulli
/// (keep with probability `keep`, scale by `1/keep`) or Gaussian (`N(1, σ²)`).
#[derive(Debug)]
pub struct DropoutLayer<T: Scalar> {
    output: Desc,
    dropout: Dropout<T>,
    mask: Vector<T>,
    rng: la_core::random::Rng,
}

impl<T: Scalar> DropoutLayer<T> {
    pub(crate) fn new(
        f: &Factory<T>,
        input: &Desc,
        dropout: Dropout<T>,
        seed: u64,
    ) -> Result<Self> {
        let ok = match dropout {
            Dropout::Bernoulli { keep } => keep > T::zero() && keep <= T::one(),
            Dropout::Gaussian { sigma } => sigma >= T::zero() && sigma.is_finite(),
        };
        la_core::Check::new("dropout")
            .require(ok, || {
                format!("{dropout:?}: keep must be in (0, 1], sigma finite and not negative")
            })
            .finish()?;
        Ok(DropoutLayer {
            output: *input,
            dropout,
            mask: f.vctr(input.size())?,
            rng: seeded_rng(seed),
        })
    }

    /// Reseeds the mask generator.
    pub fn seed(&mut self, seed: u64) {
        self.rng = seeded_rng(seed);
    }
}

impl<T: Scalar> Layer<T> for DropoutLayer<T> {
    fn kind(&self) -> &'static str {
        match self.dropout {
            Dropout::Bernoulli { .. } => "dropout",
            Dropout::Gaussian { .. } => "gaussian-dropout",
        }
    }

    fn output_desc(&self) -> Desc {
        self.output
    }

    fn rng_mut(&mut self) -> Option<&mut la_core::random::Rng> {
        Some(&mut self.rng)
    }

    fn forward(
        &mut self,
        _dnn: &DnnFactory<T>,
        x: &TensorView<'_, T>,
        y: &mut TensorViewMut<'_, T>,
        training: bool,
    ) -> Result<()> {
        let (xv, mut yv) = (x.view_vctr()?, y.view_vctr_mut()?);
        if !training {
            copy_into(&xv, &mut yv)?;
            return Ok(());
        }
        let mut mask = self.mask.subvector_mut(0, xv.dim())?;
        match self.dropout {
            Dropout::Bernoulli { keep } => {
                // mask := (u < keep) / keep
                la_core::rand_uniform_fast(&mut self.rng, T::zero(), T::one(), &mut mask)?;
                linear_frac_inplace(-T::one(), &mut mask, keep, T::zero(), T::one())?;
                step_inplace(&mut mask)?;
                scal_inplace(T::one() / keep, &mut mask)?;
            }
            Dropout::Gaussian { sigma } => {
                la_core::rand_normal_fast(&mut self.rng, T::one(), sigma, &mut mask)?
            }
        }
        mul_into(&xv, &mask, &mut yv)?;
        Ok(())
    }

    fn backward(
        &mut self,
        _dnn: &DnnFactory<T>,
        _x: &TensorView<'_, T>,
        _y: &TensorView<'_, T>,
        dy: &mut TensorViewMut<'_, T>,
        dx: Option<&mut TensorViewMut<'_, T>>,
        _pre_activation: bool,
    ) -> Result<()> {
        if let Some(dx) = dx {
            let dyv = dy.view_vctr()?;
            let mask = self.mask.subvector(0, dyv.dim())?;
            mul_into(&dyv, &mask, &mut dx.view_vctr_mut()?)?;
        }
        Ok(())
    }
}
