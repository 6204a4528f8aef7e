//! Element types: `f32` (the book's *float*) and `f64` (*double*).

use std::fmt::{Debug, Display, LowerExp};
use std::iter::Sum;

use rand::RngCore;
use rand_distr::{Distribution, Normal, Uniform};

use crate::native::kernels::NativeKernels;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point element type that every factory supports: `f32` or `f64`.
///
/// The trait is sealed; its hidden supertraits carry the native backend's
/// vectorised kernels for each type.
pub trait Scalar:
    sealed::Sealed
    + NativeKernels
    + num_traits::Float
    + num_traits::FromPrimitive
    + Copy
    + Send
    + Sync
    + Default
    + Debug
    + Display
    + LowerExp
    + Sum
    + 'static
{
    /// The book's name of the type: `"float"` or `"double"`.
    const NAME: &'static str;
    /// Machine epsilon (half an ulp of 1.0 is `EPSILON / 2`).
    const EPSILON: Self;

    /// Converts from `f64` (rounding to nearest for `f32`).
    fn of(x: f64) -> Self;
    /// Converts to `f64` exactly.
    fn as_f64(self) -> f64;

    /// Fills `out` with samples from the uniform distribution on `[lower, upper)`.
    ///
    /// Errors are reported by the caller; `lower < upper` must hold.
    #[doc(hidden)]
    fn fill_uniform(rng: &mut dyn RngCore, lower: Self, upper: Self, out: &mut [Self]);
    /// Fills `out` with samples from the normal distribution `N(mu, sigma²)`.
    #[doc(hidden)]
    fn fill_normal(rng: &mut dyn RngCore, mu: Self, sigma: Self, out: &mut [Self]);
}

macro_rules! impl_scalar {
    ($t:ty, $name:literal) => {
        impl Scalar for $t {
            const NAME: &'static str = $name;
            const EPSILON: Self = <$t>::EPSILON;

            #[inline(always)]
            fn of(x: f64) -> Self {
                x as $t
            }

            #[inline(always)]
            fn as_f64(self) -> f64 {
                self as f64
            }

            fn fill_uniform(rng: &mut dyn RngCore, lower: Self, upper: Self, out: &mut [Self]) {
                // The public layer checked lower < upper and both finite.
                let dist = Uniform::new(lower, upper).expect("uniform bounds checked by caller");
                for x in out {
                    *x = dist.sample(rng);
                }
            }

            fn fill_normal(rng: &mut dyn RngCore, mu: Self, sigma: Self, out: &mut [Self]) {
                let dist = Normal::new(mu, sigma).expect("normal parameters checked by caller");
                for x in out {
                    *x = dist.sample(rng);
                }
            }
        }
    };
}

impl_scalar!(f32, "float");
impl_scalar!(f64, "double");
