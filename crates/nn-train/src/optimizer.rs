//! Optimizers, written once on la-core operations (so every factory runs them).

use la_core::prelude::*;

use crate::error::Result;

/// Plain gradient descent: `p := p - η g` (the book's Part IV).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradientDescent<T> {
    /// L2 weight decay `λ`: the gradient of the weights gets `+ λ w` (0 turns it off).
    pub weight_decay: T,
}

/// Momentum: `v := μ v - η g; p := p + v`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Momentum<T> {
    /// `μ`, 0.9 by default.
    pub mu: T,
    /// L2 weight decay `λ` (0 by default).
    pub weight_decay: T,
}

/// Nesterov momentum: `v' := μ v - η g; p := p - μ v + (1 + μ) v'` (Sutskever's form).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nesterov<T> {
    /// `μ`, 0.9 by default.
    pub mu: T,
    /// L2 weight decay `λ` (0 by default).
    pub weight_decay: T,
}

/// Adam (Kingma & Ba): `m := β₁m + (1-β₁)g; s := β₂s + (1-β₂)g²;
/// p := p - η m̂ / (√ŝ + ε)` with bias-corrected `m̂`, `ŝ`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Adam<T> {
    /// `β₁`, 0.9 by default.
    pub beta1: T,
    /// `β₂`, 0.999 by default.
    pub beta2: T,
    /// `ε`, 1e-8 by default.
    pub epsilon: T,
    /// L2 weight decay `λ` (0 by default).
    pub weight_decay: T,
}

/// RMSprop (Hinton): `s := ρs + (1-ρ)g²; p := p - η g / (√s + ε)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RmsProp<T> {
    /// `ρ`, 0.9 by default.
    pub rho: T,
    /// `ε`, 1e-8 by default.
    pub epsilon: T,
    /// L2 weight decay `λ` (0 by default).
    pub weight_decay: T,
}

impl<T: Scalar> Default for GradientDescent<T> {
    fn default() -> Self {
        GradientDescent {
            weight_decay: T::zero(),
        }
    }
}
impl<T: Scalar> Default for Momentum<T> {
    fn default() -> Self {
        Momentum {
            mu: T::of(0.9),
            weight_decay: T::zero(),
        }
    }
}
impl<T: Scalar> Default for Nesterov<T> {
    fn default() -> Self {
        Nesterov {
            mu: T::of(0.9),
            weight_decay: T::zero(),
        }
    }
}
impl<T: Scalar> Default for Adam<T> {
    fn default() -> Self {
        Adam {
            beta1: T::of(0.9),
            beta2: T::of(0.999),
            epsilon: T::of(1e-8),
            weight_decay: T::zero(),
        }
    }
}
impl<T: Scalar> Default for RmsProp<T> {
    fn default() -> Self {
        RmsProp {
            rho: T::of(0.9),
            epsilon: T::of(1e-8),
            weight_decay: T::zero(),
        }
    }
}

/// An optimizer with its hyperparameters; the learning rate is given to
/// [`sgd`](crate::sgd) / [`sgd_train`](crate::sgd_train).
///
/// ```
/// use nn_train::{Adam, Optimizer};
/// let opt: Optimizer<f32> = Adam::default().into();
/// let sgd: Optimizer<f32> = Optimizer::default(); // plain gradient descent
/// assert_ne!(opt, sgd);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Optimizer<T> {
    /// See [`GradientDescent`].
    GradientDescent(GradientDescent<T>),
    /// See [`Momentum`].
    Momentum(Momentum<T>),
    /// See [`Nesterov`].
    Nesterov(Nesterov<T>),
    /// See [`Adam`].
    Adam(Adam<T>),
    /// See [`RmsProp`].
    RmsProp(RmsProp<T>),
}

impl<T: Scalar> Default for Optimizer<T> {
    fn default() -> Self {
        Optimizer::GradientDescent(GradientDescent::default())
    }
}

macro_rules! from_struct {
    ($($s:ident),*) => {$(
        impl<T> From<$s<T>> for Optimizer<T> {
            fn from(o: $s<T>) -> Self {
                Optimizer::$s(o)
            }
        }
    )*};
}
from_struct!(GradientDescent, Momentum, Nesterov, Adam, RmsProp);

impl<T: Scalar> Optimizer<T> {
    /// How many state buffers of a parameter's shape it keeps (velocity, moments, scratch).
    pub fn state_buffers(&self) -> usize {
        match self {
            Optimizer::GradientDescent(_) => 0,
            Optimizer::Momentum(_) | Optimizer::Nesterov(_) => 1,
            Optimizer::Adam(_) | Optimizer::RmsProp(_) => 2,
        }
    }

    fn weight_decay(&self) -> T {
        match self {
            Optimizer::GradientDescent(o) => o.weight_decay,
            Optimizer::Momentum(o) => o.weight_decay,
            Optimizer::Nesterov(o) => o.weight_decay,
            Optimizer::Adam(o) => o.weight_decay,
            Optimizer::RmsProp(o) => o.weight_decay,
        }
    }

    /// One update of parameter `p` from its gradient `g` (which it may overwrite) and
    /// state `s`; `t` counts steps from 1 (Adam's bias correction); `decay` applies
    /// the weight decay (weights yes, biases no). `s` holds
    /// [`state_buffers`](Self::state_buffers) buffers shaped like `p`, zero at first.
    /// A learning rate that is negative or not finite is an error (it would turn
    /// every weight into NaN or climb the cost).
    pub fn step<P: DenseMut<T>>(
        &self,
        lr: T,
        t: usize,
        p: &mut P,
        g: &mut P,
        s: &mut [P],
        decay: bool,
    ) -> Result<()> {
        la_core::Check::new("optimizer step")
            .require(lr.is_finite() && lr >= T::zero(), || {
                format!("the learning rate must be finite and not negative, but it is {lr}")
            })
            .finish()?;
        let one = T::one();
        let wd = self.weight_decay();
        if decay && wd != T::zero() {
            axpy_into(wd, p, g)?;
        }
        match (self, s) {
            (Optimizer::GradientDescent(_), _) => axpy_into(-lr, g, p)?,
            (Optimizer::Momentum(o), [v]) => {
                axpby_into(-lr, g, o.mu, v)?;
                axpy_into(one, v, p)?;
            }
            (Optimizer::Nesterov(o), [v]) => {
                // p - μv + (1+μ)v' = p + μv' - ηg
                axpby_into(-lr, g, o.mu, v)?;
                axpy_into(o.mu, v, p)?;
                axpy_into(-lr, g, p)?;
            }
            (Optimizer::Adam(o), [m, v]) => {
                let t = t as i32;
                let c1 = one - o.beta1.powi(t);
                let c2 = one - o.beta2.powi(t);
                axpby_into(one - o.beta1, g, o.beta1, m)?;
                sqr_inplace(g)?;
                axpby_into(one - o.beta2, g, o.beta2, v)?;
                // g := 1 / (√(v / c2) + ε), then g ⊙ m, then p -= η/c1 · g
                sqrt_into(v, g)?;
                linear_frac_inplace(one / c2.sqrt(), g, o.epsilon, T::zero(), one)?;
                inv_inplace(g)?;
                mul_inplace(g, m)?;
                axpy_into(-lr / c1, g, p)?;
            }
            (Optimizer::RmsProp(o), [v, tmp]) => {
                sqr_into(g, tmp)?;
                axpby_into(one - o.rho, tmp, o.rho, v)?;
                sqrt_into(v, tmp)?;
                linear_frac_inplace(one, tmp, o.epsilon, T::zero(), one)?;
                div_inplace(g, tmp)?;
                axpy_into(-lr, g, p)?;
            }
            (_, s) => {
                return Err(crate::error::precondition(
                    "optimizer step",
                    vec![format!("wrong number of state buffers: {}", s.len())],
                ))
            }
        }
        Ok(())
    }
}
