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

/// The generator type used throughout dlfp: ChaCha with 12 rounds, the generator
/// behind `rand`'s `StdRng` (the same numbers from the same seed), named so that its
/// state can be saved and restored exactly ([`RngState`]; training checkpoints).
pub type Rng = rand_chacha::ChaCha12Rng;

/// A reproducible generator from a seed.
pub fn seeded_rng(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

/// The whole state of an [`Rng`]: its key, stream and position. A generator rebuilt
/// from it ([`RngState::rng`]) continues with exactly the numbers the saved one would
/// have drawn next.
///
/// ```
/// use la_core::random::{seeded_rng, RngState};
/// use rand::RngCore;
/// let mut a = seeded_rng(7);
/// a.next_u32();
/// let saved = RngState::of(&a).to_hex();
/// let mut b = RngState::from_hex(&saved).unwrap().rng();
/// assert_eq!(a.next_u64(), b.next_u64());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RngState {
    /// The 256-bit key (the seed the generator was made from).
    pub seed: [u8; 32],
    /// The stream number.
    pub stream: u64,
    /// The position in the stream, in 32-bit words.
    pub word_pos: u128,
}

impl RngState {
    /// The state of `rng`.
    pub fn of(rng: &Rng) -> Self {
        RngState {
            seed: rng.get_seed(),
            stream: rng.get_stream(),
            word_pos: rng.get_word_pos(),
        }
    }

    /// A generator in this state.
    pub fn rng(&self) -> Rng {
        let mut r = Rng::from_seed(self.seed);
        r.set_stream(self.stream);
        r.set_word_pos(self.word_pos);
        r
    }

    /// 112 hexadecimal digits: seed, stream, position (little-endian bytes).
    pub fn to_hex(&self) -> String {
        let mut bytes = self.seed.to_vec();
        bytes.extend(self.stream.to_le_bytes());
        bytes.extend(self.word_pos.to_le_bytes());
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads [`to_hex`](Self::to_hex)'s digits; `None` unless they are exactly that.
    pub fn from_hex(hex: &str) -> Option<Self> {
        if hex.len() != 112 || !hex.is_ascii() {
            return None;
        }
        let bytes = (0..56)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        Some(RngState {
            seed: bytes[..32].try_into().ok()?,
            stream: u64::from_le_bytes(bytes[32..40].try_into().ok()?),
            word_pos: u128::from_le_bytes(bytes[40..56].try_into().ok()?),
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_draws_what_std_rng_draws() {
        // the chapters' printed values were drawn with `StdRng`: the named ChaCha12
        // must give the same numbers from the same seed
        for seed in [0, 1, 42, u64::MAX] {
            let mut ours = seeded_rng(seed);
            let mut std = rand::rngs::StdRng::seed_from_u64(seed);
            for _ in 0..100 {
                assert_eq!(ours.next_u64(), std.next_u64());
            }
        }
    }

    #[test]
    fn a_restored_state_continues_the_stream_at_any_position() {
        let mut a = seeded_rng(9);
        for skip in [0usize, 1, 3, 16, 17, 100] {
            for _ in 0..skip {
                a.next_u32();
            }
            let state = RngState::from_hex(&RngState::of(&a).to_hex()).unwrap();
            let mut b = state.rng();
            let (x, y): (Vec<u32>, Vec<u32>) =
                (0..40).map(|_| (a.next_u32(), b.next_u32())).unzip();
            assert_eq!(x, y, "after {skip} draws");
        }
        assert_eq!(RngState::from_hex("00"), None);
        assert_eq!(RngState::from_hex(&"zz".repeat(56)), None);
        assert_eq!(RngState::from_hex(&"é".repeat(56)), None);
    }
}
