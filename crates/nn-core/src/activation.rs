//! Activations (the book's `:relu`, `:sigmoid`, ...) and weight initialisation.

use la_core::engine::Unary;
use la_core::math::unary_inplace;
use la_core::prelude::*;
use la_core::rand::RngCore;
use la_core::DenseMut;
use tensor_core::DnnFactory;

/// An activation function (the book's `:relu`, `:sigmoid`, ...), a value with a
/// forward pass ([`Activation::forward_inplace`]) and a derivative
/// ([`Activation::backward_inplace`]).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Activation<T> {
    /// The identity.
    Linear,
    /// `max(0, x)`.
    Relu,
    /// `1 / (1 + e⁻ˣ)`.
    Sigmoid,
    /// `tanh x`.
    Tanh,
    /// `x` for `x > 0`, else `alpha (eˣ - 1)`.
    Elu(T),
    /// `eˣⁱ / Σⱼ eˣʲ` over each column (sample). Its derivative is not element-wise:
    /// use it on the output layer with the softmax cross-entropy cost, where the
    /// derivative cancels.
    Softmax,
}

impl<T: Scalar> Activation<T> {
    /// The element-wise operation (`None` for `Linear` and `Softmax`).
    pub fn unary(&self) -> Option<Unary<T>> {
        match *self {
            Activation::Linear | Activation::Softmax => None,
            Activation::Relu => Some(Unary::Relu),
            Activation::Sigmoid => Some(Unary::Sigmoid),
            Activation::Tanh => Some(Unary::Tanh),
            Activation::Elu(a) => Some(Unary::Elu(a)),
        }
    }

    /// The book's keyword for it: `linear`, `relu`, `sigmoid`, `tanh`, `elu`, `softmax`.
    pub fn name(&self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Elu(_) => "elu",
            Activation::Softmax => "softmax",
        }
    }

    /// Applies the activation in place (softmax: to each column).
    ///
    /// ```
    /// use la_core::prelude::*;
    /// use nn_core::Activation;
    /// let mut z = dge(2, 1, &[0.0, 2.0_f64.ln()], Layout::ColumnMajor)?;
    /// Activation::Softmax.forward_inplace(&mut z)?;
    /// assert!((z.entry(0, 0)? - 1.0 / 3.0).abs() < 1e-15);
    /// # Ok::<(), la_core::Error>(())
    /// ```
    pub fn forward_inplace(&self, z: &mut impl AsMatrixMut<T>) -> Result<()> {
        match self {
            Activation::Linear => Ok(()),
            Activation::Softmax => DnnFactory::new(z.factory()).softmax(z),
            _ => self.unary().map_or(Ok(()), |op| unary_inplace(op, z)),
        }
    }

    /// `y := activation(y + b)`: the bias (one entry per row) broadcast over the
    /// columns and the activation, fused in one pass on `dnn` (softmax takes a second
    /// one).
    pub fn bias_forward_with(
        &self,
        dnn: &DnnFactory<T>,
        b: &impl AsVector<T>,
        y: &mut impl AsMatrixMut<T>,
    ) -> Result<()> {
        dnn.bias_activation(self.unary(), b, y)?;
        if *self == Activation::Softmax {
            dnn.softmax(y)?;
        }
        Ok(())
    }

    /// [`bias_forward_with`](Self::bias_forward_with) on `y`'s factory (a one-off:
    /// layers keep a [`DnnFactory`] instead).
    pub fn bias_forward_inplace(
        &self,
        b: &impl AsVector<T>,
        y: &mut impl AsMatrixMut<T>,
    ) -> Result<()> {
        self.bias_forward_with(&DnnFactory::new(y.factory()), b, y)
    }

    /// The backward step: `d := d ⊙ f'(z)`, computed from the activation's output
    /// `a = f(z)` in one fused pass (the book's `(mul! (prime activ z) ...)`).
    ///
    /// ```
    /// use la_core::prelude::*;
    /// use nn_core::Activation;
    /// let a = dge(1, 2, &[0.5, -0.5], Layout::ColumnMajor)?; // tanh outputs
    /// let mut d = dge(1, 2, &[1.0, 1.0], Layout::ColumnMajor)?;
    /// Activation::Tanh.backward_inplace(&a, &mut d)?;
    /// assert_eq!(d.to_vec()?, vec![0.75, 0.75]);
    /// # Ok::<(), la_core::Error>(())
    /// ```
    pub fn backward_inplace(
        &self,
        a: &impl AsMatrix<T>,
        d: &mut impl AsMatrixMut<T>,
    ) -> Result<()> {
        self.backward_with(&DnnFactory::new(d.factory()), a, d)
    }

    /// [`backward_inplace`](Self::backward_inplace) on a given [`DnnFactory`] (what
    /// layers and costs call: nothing is allocated).
    pub fn backward_with(
        &self,
        dnn: &DnnFactory<T>,
        a: &impl AsMatrix<T>,
        d: &mut impl AsMatrixMut<T>,
    ) -> Result<()> {
        match self {
            Activation::Linear => Ok(()),
            Activation::Softmax => Err(Error::Precondition {
                op: "activation backward",
                problems: vec![
                    "softmax's derivative is not element-wise: use softmax on the output \
                     layer with the softmax cross-entropy cost"
                        .into(),
                ],
            }),
            _ => self
                .unary()
                .map_or(Ok(()), |op| dnn.activation_grad(op, a, d)),
        }
    }
}

/// Weight initialisation schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Init {
    /// The book's default: normal with mean 0 and σ = 1/fan-in.
    Book,
    /// Glorot/Xavier: uniform on ±√(6 / (fan-in + fan-out)).
    Glorot,
    /// He: normal with σ = √(2 / fan-in) (for ReLU layers).
    He,
}

impl Init {
    /// Draws the weights `w` of a layer with `fan_in` inputs and `fan_out` outputs per
    /// weight (dense: inputs and outputs; convolution: `c·kh·kw` and `oc·kh·kw`), in
    /// `w`'s storage order.
    ///
    /// ```
    /// use la_core::prelude::*;
    /// use nn_core::Init;
    /// let mut w = native_double().vctr(1000)?;
    /// Init::Glorot.draw(&mut seeded_rng(1), &mut w, 4, 2)?;
    /// let bound = 1.0; // √(6 / (4 + 2))
    /// assert!(w.to_vec()?.iter().all(|v| v.abs() <= bound));
    /// # Ok::<(), la_core::Error>(())
    /// ```
    pub fn draw<T: Scalar>(
        &self,
        mut rng: &mut dyn RngCore,
        w: &mut impl DenseMut<T>,
        fan_in: usize,
        fan_out: usize,
    ) -> Result<()> {
        let (fi, fo) = (fan_in as f64, fan_out as f64);
        match self {
            Init::Book => rand_normal(&mut rng, T::zero(), T::of(1.0 / fi), w),
            Init::He => rand_normal(&mut rng, T::zero(), T::of((2.0 / fi).sqrt()), w),
            Init::Glorot => {
                let a = (6.0 / (fi + fo)).sqrt();
                rand_uniform_range(&mut rng, T::of(-a), T::of(a), w)
            }
        }
    }
}
