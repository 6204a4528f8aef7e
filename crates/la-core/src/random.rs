//! Random numbers from an explicit, seedable generator (the book's `rand-uniform!`
//! and `rand-normal!`).
//!
//! ```
//! use la_core::prelude::*;
//! let mut rng = seeded_rng(42);
//! let mut x = native_float().vctr(1000)?;
//! rand_normal(&mut rng, 0.0, 1.0, &mut x)?;
//! let mean = sum(&x)? / 1000.0;
//! assert!(mean.abs() < 0.1);
//! # Ok::<(), la_core::Error>(())
//! ```

use rand::{RngCore, SeedableRng};

use crate::dense::DenseMut;
use crate::engine::Storage;
use crate::{Check, Result, Scalar};

/// The generator type used throughout dlfp's examples: `rand`'s `StdRng`.
pub type Rng = rand::rngs::StdRng;

/// A reproducible generator from a seed.
pub fn seeded_rng(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

fn fill<T: Scalar>(x: &mut impl DenseMut<T>, mut gen: impl FnMut(&mut [T])) -> Result<()> {
    let r = x.region();
    if let Storage::Host(data) = x.storage_mut() {
        if r.is_flat_col() {
            gen(&mut data[r.offset..r.offset + r.len()]);
            return Ok(());
        }
    }
    // Device memory or a strided view: generate on the host, then write once.
    let mut host = vec![T::zero(); r.len()];
    gen(&mut host);
    let f = x.factory().clone();
    f.engine().write(x.storage_mut(), r, &host)
}

/// Fills `x` with samples uniform on `[0, 1)` (the book's `rand-uniform!`).
pub fn rand_uniform<T: Scalar>(rng: &mut impl RngCore, x: &mut impl DenseMut<T>) -> Result<()> {
    rand_uniform_range(rng, T::zero(), T::one(), x)
}

/// Fills `x` with samples uniform on `[lower, upper)`.
pub fn rand_uniform_range<T: Scalar>(
    rng: &mut impl RngCore,
    lower: T,
    upper: T,
    x: &mut impl DenseMut<T>,
) -> Result<()> {
    Check::new("rand_uniform")
        .require(
            lower.is_finite() && upper.is_finite() && lower < upper && (upper - lower).is_finite(),
            || {
                format!(
                    "the bounds must be finite with lower < upper and a finite width, but they are [{lower}, {upper})"
                )
            },
        )
        .finish()?;
    fill(x, |out| T::fill_uniform(rng, lower, upper, out))
}

/// Fills `x` with samples from `N(mu, sigma²)` (the book's `rand-normal!`).
pub fn rand_normal<T: Scalar>(
    rng: &mut impl RngCore,
    mu: T,
    sigma: T,
    x: &mut impl DenseMut<T>,
) -> Result<()> {
    Check::new("rand_normal")
        .require(mu.is_finite(), || {
            format!("mu must be finite, but it is {mu}")
        })
        .require(sigma.is_finite() && sigma >= T::zero(), || {
            format!("sigma must be finite and non-negative, but it is {sigma}")
        })
        .finish()?;
    fill(x, |out| T::fill_normal(rng, mu, sigma, out))
}
