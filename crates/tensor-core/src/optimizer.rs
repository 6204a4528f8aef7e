//! Optimizers (the book's gradient descent, momentum, Nesterov, Adam, RMSprop): their
//! hyperparameters, and the update written once on la-core operations
//! ([`Optimizer::step`], so every factory runs it). A DNN backend may run the same
//! update in one fused pass ([`crate::Dnn::update`], reached through
//! [`crate::DnnFactory::update`]), as the native and OpenCL backends do.

use la_core::prelude::*;

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

/// An optimizer with its hyperparameters; the learning rate is given per step (by
/// nn-train's `sgd` / `sgd_train`, nn-dnn's `train`).
///
/// ```
/// use tensor_core::optimizer::{Adam, Optimizer};
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

    /// The L2 weight decay `λ` of its hyperparameters.
    pub fn weight_decay(&self) -> T {
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
        check_rate(lr)?;
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
                return Err(la_core::Error::Precondition {
                    op: "optimizer step",
                    problems: vec![format!(
                        "{} state buffers were given, {self:?} keeps {}",
                        s.len(),
                        self.state_buffers()
                    )],
                })
            }
        }
        Ok(())
    }
}

/// A learning rate that is negative or not finite is an error: it would turn every
/// weight into NaN or climb the cost.
pub(crate) fn check_rate<T: Scalar>(lr: T) -> Result<()> {
    la_core::Check::new("optimizer step")
        .require(lr.is_finite() && lr >= T::zero(), || {
            format!("the learning rate must be finite and not negative, but it is {lr}")
        })
        .finish()
}

/// One optimizer update as a fused kernel takes it: a rule and its scalar constants,
/// computed once per step on the host, so that every backend's one-pass kernel does
/// the same arithmetic as [`Optimizer::step`]. With `g' = g + λp` (`λ = 0` without
/// weight decay), per element:
///
/// | `rule` | optimizer | update (`c` are [`FusedUpdate::c`]) |
/// |---|---|---|
/// | 0 | gradient descent | `p += c₀ g'` |
/// | 1 | momentum | `v := c₁ v + c₀ g'; p += v` |
/// | 2 | Nesterov | `v := c₁ v + c₀ g'; p += c₁ v + c₀ g'` |
/// | 3 | Adam | `m := c₁ m + c₀ g'; s := c₃ s + c₂ g'²; p += c₆ m / (c₄ √s + c₅)` |
/// | 4 | RMSprop | `s := c₁ s + c₀ g'²; p += c₂ g' / (√s + c₃)` |
///
/// ```
/// use tensor_core::optimizer::{Adam, FusedUpdate, Optimizer};
/// let f = FusedUpdate::new(&Optimizer::from(Adam::<f64>::default()), 0.1, 1, true);
/// assert_eq!(f.rule, 3);
/// assert!((f.c[6] + 0.1 / (1.0 - 0.9)).abs() < 1e-12); // -η / (1 - β₁ᵗ)
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FusedUpdate<T> {
    /// The rule's code (see the table).
    pub rule: i32,
    /// The weight decay `λ` applied to this parameter (0 for biases).
    pub decay: T,
    /// The rule's constants.
    pub c: [T; 7],
}

impl<T: Scalar> FusedUpdate<T> {
    /// The constants of `optimizer`'s step `t` (from 1) with learning rate `lr`;
    /// `decay` says whether the weight decay applies to this parameter.
    pub fn new(optimizer: &Optimizer<T>, lr: T, t: usize, decay: bool) -> Self {
        let (one, zero) = (T::one(), T::zero());
        let decay = if decay {
            optimizer.weight_decay()
        } else {
            zero
        };
        let (rule, c) = match optimizer {
            Optimizer::GradientDescent(_) => (0, [-lr, zero, zero, zero, zero, zero, zero]),
            Optimizer::Momentum(o) => (1, [-lr, o.mu, zero, zero, zero, zero, zero]),
            Optimizer::Nesterov(o) => (2, [-lr, o.mu, zero, zero, zero, zero, zero]),
            Optimizer::Adam(o) => {
                let t = t as i32;
                let c1 = one - o.beta1.powi(t);
                let c2 = one - o.beta2.powi(t);
                let (b1, b2) = (o.beta1, o.beta2);
                (
                    3,
                    [
                        one - b1,
                        b1,
                        one - b2,
                        b2,
                        one / c2.sqrt(),
                        o.epsilon,
                        -lr / c1,
                    ],
                )
            }
            Optimizer::RmsProp(o) => (4, [one - o.rho, o.rho, -lr, o.epsilon, zero, zero, zero]),
        };
        FusedUpdate { rule, decay, c }
    }

    /// The update of one element: parameter `p`, gradient `g`, state `s0`, `s1` (those
    /// the rule does not keep are left alone). The native backend runs this over
    /// contiguous slices; device kernels spell out the same arithmetic.
    #[inline(always)]
    pub fn apply(&self, p: &mut T, g: T, s0: &mut T, s1: &mut T) {
        let c = &self.c;
        let g = g + self.decay * *p;
        match self.rule {
            0 => *p = *p + c[0] * g,
            1 => {
                *s0 = c[1] * *s0 + c[0] * g;
                *p = *p + *s0;
            }
            2 => {
                *s0 = c[1] * *s0 + c[0] * g;
                *p = *p + (c[1] * *s0 + c[0] * g);
            }
            3 => {
                *s0 = c[1] * *s0 + c[0] * g;
                *s1 = c[3] * *s1 + c[2] * (g * g);
                *p = *p + c[6] * (*s0 / (c[4] * s1.sqrt() + c[5]));
            }
            _ => {
                *s0 = c[1] * *s0 + c[0] * (g * g);
                *p = *p + c[2] * (g / (s0.sqrt() + c[3]));
            }
        }
    }
}

/// What an optimizer updates, seen as one contiguous vector: a parameter, its gradient
/// or a state buffer (a [`Vector`] or a dense [`Matrix`]).
pub trait FlatMut<T: Scalar> {
    /// The elements as a mutable vector view; an error for a matrix that is not one
    /// contiguous block.
    fn flat_mut(&mut self) -> Result<VectorViewMut<'_, T>>;
}

impl<T: Scalar> FlatMut<T> for Vector<T> {
    fn flat_mut(&mut self) -> Result<VectorViewMut<'_, T>> {
        Ok(self.view_mut())
    }
}

impl<T: Scalar> FlatMut<T> for Matrix<T> {
    fn flat_mut(&mut self) -> Result<VectorViewMut<'_, T>> {
        self.view_vctr_mut()
    }
}

impl<T: Scalar> FlatMut<T> for VectorViewMut<'_, T> {
    fn flat_mut(&mut self) -> Result<VectorViewMut<'_, T>> {
        Ok(self.view_mut())
    }
}
