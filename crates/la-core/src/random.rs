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
use crate::engine::{Distribution, Storage};
use crate::{Check, Result, Scalar};

/// The generator type used throughout dlfp's examples: `rand`'s `StdRng`.
pub type Rng = rand::rngs::StdRng;

/// A reproducible generator from a seed.
pub fn seeded_rng(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

fn fill<T: Scalar>(x: &mut impl DenseMut<T>, gen: impl FnOnce(&mut [T])) -> Result<()> {
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

/// Draws on `x`'s engine when it has a generator of its own (keyed by what it draws
/// from `rng`), otherwise on the host with `host`.
fn fill_fast<T: Scalar, R: RngCore>(
    rng: &mut R,
    dist: Distribution<T>,
    x: &mut impl DenseMut<T>,
    host: impl FnOnce(&mut dyn RngCore, &mut [T]),
) -> Result<()> {
    if !x.factory().is_host() {
        let (r, f) = (x.region(), x.factory().clone());
        if f.engine().random(dist, rng, (x.storage_mut(), r))? {
            return Ok(());
        }
    }
    fill(x, |out| host(rng, out))
}

fn check_uniform<T: Scalar>(op: &'static str, lower: T, upper: T) -> Result<()> {
    Check::new(op)
        .require(
            lower.is_finite() && upper.is_finite() && lower < upper && (upper - lower).is_finite(),
            || {
                format!(
                    "the bounds must be finite with lower < upper and a finite width, but they are [{lower}, {upper})"
                )
            },
        )
        .finish()
}

fn check_normal<T: Scalar>(op: &'static str, mu: T, sigma: T) -> Result<()> {
    Check::new(op)
        .require(mu.is_finite(), || {
            format!("mu must be finite, but it is {mu}")
        })
        .require(sigma.is_finite() && sigma >= T::zero(), || {
            format!("sigma must be finite and non-negative, but it is {sigma}")
        })
        .finish()
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
    check_uniform("rand_uniform", lower, upper)?;
    fill(x, |out| T::fill_uniform(rng, lower, upper, out))
}

/// Fills `x` with samples from `N(mu, sigma²)` (the book's `rand-normal!`).
pub fn rand_normal<T: Scalar>(
    rng: &mut impl RngCore,
    mu: T,
    sigma: T,
    x: &mut impl DenseMut<T>,
) -> Result<()> {
    check_normal("rand_normal", mu, sigma)?;
    fill(x, |out| T::fill_normal(rng, mu, sigma, out))
}

/// [`rand_uniform_range`] on the device where the engine has a generator of its own
/// (la-cuda: Philox4x32-10 keyed by one `u64` drawn from `rng`): no host round trip,
/// no allocation, as Neanderthal's `rand-uniform!` on a GPU. The samples then differ
/// from the host's for the same seed (the same seed still gives the same samples on
/// one backend). Elsewhere (host engines, OpenCL) it is exactly [`rand_uniform_range`].
/// Dropout masks use it; weight initialisation keeps [`rand_uniform`], so a seed
/// gives the same network on every backend.
///
/// ```
/// use la_core::prelude::*;
/// let mut x = native_float().vctr(3)?;
/// la_core::random::rand_uniform_fast(&mut seeded_rng(1), 0.0, 1.0, &mut x)?;
/// let mut y = native_float().vctr(3)?;
/// rand_uniform(&mut seeded_rng(1), &mut y)?;
/// assert_eq!(x.to_vec()?, y.to_vec()?); // on the host: the same numbers
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn rand_uniform_fast<T: Scalar>(
    rng: &mut impl RngCore,
    lower: T,
    upper: T,
    x: &mut impl DenseMut<T>,
) -> Result<()> {
    check_uniform("rand_uniform", lower, upper)?;
    let dist = Distribution::Uniform { lower, upper };
    fill_fast(rng, dist, x, |rng, out| {
        T::fill_uniform(rng, lower, upper, out)
    })
}

/// [`rand_normal`] on the device where the engine has a generator of its own (see
/// [`rand_uniform_fast`]).
pub fn rand_normal_fast<T: Scalar>(
    rng: &mut impl RngCore,
    mu: T,
    sigma: T,
    x: &mut impl DenseMut<T>,
) -> Result<()> {
    check_normal("rand_normal", mu, sigma)?;
    fill_fast(rng, Distribution::Normal { mu, sigma }, x, |rng, out| {
        T::fill_normal(rng, mu, sigma, out)
    })
}
