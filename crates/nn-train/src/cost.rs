//! Cost functions and the output layer's error.

use la_core::engine::{Binary, Unary};
use la_core::prelude::*;
use nn_inference::Activation;

use crate::error::{precondition, Result};

/// A cost function (the book's `quadratic-cost!`, `crossentropy`, ...). Values are
/// averaged over the `n` samples of a batch, and the gradients match them exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cost {
    /// `‖a - y‖² / 2n`. Output error `(a - y) ⊙ f'(z)`.
    Quadratic,
    /// `Σ|a - y| / n`. Output error `sign(a - y) ⊙ f'(z)`.
    MeanAbsolute,
    /// Binary cross-entropy `-Σ [y ln a + (1-y) ln(1-a)] / n`, for a sigmoid output:
    /// the sigmoid's derivative cancels and the output error is `a - y`.
    SigmoidCrossEntropy,
    /// Categorical cross-entropy `-Σ y ln a / n`, for a softmax output (one-hot `y`
    /// columns): the output error is `a - y`.
    SoftmaxCrossEntropy,
}

impl Cost {
    /// The cost's name.
    pub fn name(&self) -> &'static str {
        match self {
            Cost::Quadratic => "quadratic",
            Cost::MeanAbsolute => "mean absolute",
            Cost::SigmoidCrossEntropy => "sigmoid cross-entropy",
            Cost::SoftmaxCrossEntropy => "softmax cross-entropy",
        }
    }

    /// Whether this cost works with `output` as the last layer's activation; the error
    /// says which pairing to use.
    pub fn check<T: Scalar>(&self, output: Activation<T>) -> Result<()> {
        self.check_in("cost", output)
    }

    /// [`check`](Self::check) with the error naming the user's call `op`.
    pub(crate) fn check_in<T: Scalar>(
        &self,
        op: &'static str,
        output: Activation<T>,
    ) -> Result<()> {
        let problem = match (self, output) {
            (Cost::SigmoidCrossEntropy, Activation::Sigmoid) => None,
            (Cost::SigmoidCrossEntropy, a) => Some(format!(
                "sigmoid cross-entropy needs a sigmoid output layer, but it is {}",
                a.name()
            )),
            (Cost::SoftmaxCrossEntropy, Activation::Softmax) => None,
            (Cost::SoftmaxCrossEntropy, a) => Some(format!(
                "softmax cross-entropy needs a softmax output layer, but it is {}",
                a.name()
            )),
            (c, Activation::Softmax) => Some(format!(
                "a softmax output layer needs the softmax cross-entropy cost, not {}",
                c.name()
            )),
            _ => None,
        };
        match problem {
            Some(p) => Err(precondition(op, vec![p])),
            None => Ok(()),
        }
    }

    /// Writes the output layer's error `∂C/∂z · n` into `d` (the `1/n` goes into the
    /// gradients) and returns the cost, from the output layer's activations `a` (with
    /// activation `act`) and the targets `y`, one sample per column. `tmp` is scratch
    /// of the same shape. Networks call it after [`Cost::check`].
    pub fn output_error<T: Scalar>(
        &self,
        dnn: &tensor_core::DnnFactory<T>,
        act: Activation<T>,
        a: &impl AsMatrix<T>,
        y: &impl AsMatrix<T>,
        d: &mut MatrixViewMut<'_, T>,
        tmp: &mut MatrixViewMut<'_, T>,
    ) -> Result<T> {
        let n = T::of(a.ncols() as f64);
        binary_into(Binary::Sub, a, y, d)?;
        let cost = match self {
            Cost::Quadratic => dot(&*d, &*d)? / (n + n),
            Cost::MeanAbsolute => asum(&*d)? / n,
            Cost::SigmoidCrossEntropy => {
                // Σ y ln a + Σ ln(1-a) - Σ y ln(1-a), with ln of at least the smallest
                // positive normal number, so that a saturated output (a = 0 or 1 in
                // floating point) costs a large finite amount, not 0 · ∞ = NaN
                let tiny = T::min_positive_value();
                linear_frac_into(T::one(), a, tiny, T::zero(), T::one(), tmp)?;
                log_inplace(tmp)?;
                let ya = dot(y, &*tmp)?;
                // (1 - a) + tiny in two steps: 1 + tiny rounds to 1
                linear_frac_into(-T::one(), a, T::one(), T::zero(), T::one(), tmp)?;
                linear_frac_inplace(T::one(), tmp, tiny, T::zero(), T::one())?;
                log_inplace(tmp)?;
                -(ya + sum(&*tmp)? - dot(y, &*tmp)?) / n
            }
            Cost::SoftmaxCrossEntropy => {
                let tiny = T::min_positive_value();
                linear_frac_into(T::one(), a, tiny, T::zero(), T::one(), tmp)?;
                log_inplace(tmp)?;
                -dot(y, &*tmp)? / n
            }
        };
        match self {
            Cost::Quadratic => act.backward_with(dnn, a, d)?,
            Cost::MeanAbsolute => {
                unary_inplace(Unary::Step, d)?;
                linear_frac_inplace(T::of(2.0), d, -T::one(), T::zero(), T::one())?;
                act.backward_with(dnn, a, d)?;
            }
            Cost::SigmoidCrossEntropy | Cost::SoftmaxCrossEntropy => {}
        }
        Ok(cost)
    }
}
