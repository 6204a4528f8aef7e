//! Cost functions and the output layer's error.

use crate::activation::Activation;
use la_core::engine::{Binary, Unary};
use la_core::prelude::*;

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
    pub fn check_in<T: Scalar>(&self, op: &'static str, output: Activation<T>) -> Result<()> {
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
                ln_clamped(a, tmp)?;
                let ya = dot(y, &*tmp)?;
                ln_one_minus_clamped(a, tmp)?;
                -(ya + sum(&*tmp)? - dot(y, &*tmp)?) / n
            }
            Cost::SoftmaxCrossEntropy => {
                ln_clamped(a, tmp)?;
                -dot(y, &*tmp)? / n
            }
        };
        self.finish_error(dnn, act, a, d)?;
        Ok(cost)
    }

    /// [`output_error`](Self::output_error) without reading the cost back: adds
    /// `scale` times each element's cost term into `acc` (the shape of `a`). With
    /// `scale = 1/n` for a batch of `n` samples, `sum(acc)` grows by the batch's cost,
    /// so a loop on a device can add up an epoch's batches and read one number per
    /// epoch instead of one (three for sigmoid cross-entropy) per step. Every
    /// operation here is one element-wise launch.
    ///
    /// ```
    /// use la_core::prelude::*;
    /// use nn_core::Activation;
    /// use nn_core::Cost;
    /// use tensor_core::DnnFactory;
    ///
    /// let f = native_double();
    /// let dnn = DnnFactory::new(&f);
    /// let a = f.ge_from(1, 2, &[0.5, 2.0], Layout::ColumnMajor)?;
    /// let y = f.ge_from(1, 2, &[1.0, 1.0], Layout::ColumnMajor)?;
    /// let (mut d, mut tmp, mut acc) = (a.zeros_like()?, a.zeros_like()?, a.zeros_like()?);
    /// for _ in 0..2 {
    ///     Cost::Quadratic.output_error_terms(&dnn, Activation::Linear, &a, &y, 0.5,
    ///         &mut d.view_mut(), &mut tmp.view_mut(), &mut acc.view_mut())?;
    /// }
    /// // each batch costs (0.25 + 1) / (2 · 2); two of them summed in acc
    /// assert_eq!(sum(&acc)?, 2.0 * 0.3125);
    /// assert_eq!(d.to_vec()?, vec![-0.5, 1.0]); // a - y
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn output_error_terms<T: Scalar>(
        &self,
        dnn: &tensor_core::DnnFactory<T>,
        act: Activation<T>,
        a: &impl AsMatrix<T>,
        y: &impl AsMatrix<T>,
        scale: T,
        d: &mut MatrixViewMut<'_, T>,
        tmp: &mut MatrixViewMut<'_, T>,
        acc: &mut MatrixViewMut<'_, T>,
    ) -> Result<()> {
        binary_into(Binary::Sub, a, y, d)?;
        match self {
            Cost::Quadratic => {
                mul_into(&*d, &*d, tmp)?;
                axpy_into(T::of(0.5) * scale, &*tmp, acc)?;
            }
            Cost::MeanAbsolute => {
                unary_into(Unary::Abs, &*d, tmp)?;
                axpy_into(scale, &*tmp, acc)?;
            }
            Cost::SigmoidCrossEntropy => {
                // -(y ln a + ln(1-a) - y ln(1-a)), the logs clamped as in output_error
                ln_clamped(a, tmp)?;
                mul_inplace(tmp, y)?;
                axpy_into(-scale, &*tmp, acc)?;
                ln_one_minus_clamped(a, tmp)?;
                axpy_into(-scale, &*tmp, acc)?;
                mul_inplace(tmp, y)?;
                axpy_into(scale, &*tmp, acc)?;
            }
            Cost::SoftmaxCrossEntropy => {
                ln_clamped(a, tmp)?;
                mul_inplace(tmp, y)?;
                axpy_into(-scale, &*tmp, acc)?;
            }
        }
        self.finish_error(dnn, act, a, d)
    }

    /// Turns `d = a - y` into the output error `∂C/∂z · n`.
    fn finish_error<T: Scalar>(
        &self,
        dnn: &tensor_core::DnnFactory<T>,
        act: Activation<T>,
        a: &impl AsMatrix<T>,
        d: &mut MatrixViewMut<'_, T>,
    ) -> Result<()> {
        match self {
            Cost::Quadratic => act.backward_with(dnn, a, d)?,
            Cost::MeanAbsolute => {
                unary_inplace(Unary::Step, d)?;
                linear_frac_inplace(T::of(2.0), d, -T::one(), T::zero(), T::one())?;
                act.backward_with(dnn, a, d)?;
            }
            Cost::SigmoidCrossEntropy | Cost::SoftmaxCrossEntropy => {}
        }
        Ok(())
    }
}

/// `tmp := ln(a + tiny)`, `tiny` the smallest positive normal number: a saturated
/// output (`a = 0` in floating point) costs a large finite amount, not `0 · ∞ = NaN`.
fn ln_clamped<T: Scalar>(a: &impl AsMatrix<T>, tmp: &mut MatrixViewMut<'_, T>) -> Result<()> {
    let tiny = T::min_positive_value();
    linear_frac_into(T::one(), a, tiny, T::zero(), T::one(), tmp)?;
    log_inplace(tmp)?;
    Ok(())
}

/// `tmp := ln((1 - a) + tiny)`, in two steps: `1 + tiny` rounds to 1.
fn ln_one_minus_clamped<T: Scalar>(
    a: &impl AsMatrix<T>,
    tmp: &mut MatrixViewMut<'_, T>,
) -> Result<()> {
    linear_frac_into(-T::one(), a, T::one(), T::zero(), T::one(), tmp)?;
    linear_frac_inplace(T::one(), tmp, T::min_positive_value(), T::zero(), T::one())?;
    log_inplace(tmp)?;
    Ok(())
}
