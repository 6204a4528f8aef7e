//! A data-driven bad-input sweep: call every public function with bad arguments under
//! `catch_unwind`, and fail on any panic (and on bad input that was accepted).
//!
//! Each crate's sweep test lists its calls as closures; [`Sweep`] runs them and
//! reports every failure at once, naming the call. Feature `conformance`.
//!
//! ```
//! use la_core::prelude::*;
//! use la_core::sweep::Sweep;
//! let f = native_float();
//! let mut s = Sweep::new("la-core");
//! let (x, y) = (f.vctr(3)?, f.vctr(4)?);
//! s.rejects("dot(3, 4)", || dot(&x, &y));
//! s.no_panic("dot(3, 3)", || dot(&x, &x));
//! s.finish();
//! # Ok::<(), la_core::Error>(())
//! ```

use std::fmt::{Debug, Display};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs calls, collecting panics and wrongly accepted bad input.
#[derive(Debug)]
pub struct Sweep {
    name: String,
    calls: usize,
    failures: Vec<String>,
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a non-string panic".into())
}

impl Sweep {
    /// A sweep named after what it covers (a crate, a backend).
    pub fn new(name: impl Into<String>) -> Self {
        Sweep {
            name: name.into(),
            calls: 0,
            failures: Vec::new(),
        }
    }

    /// Runs `call`; a panic is a failure. Returns the result when it did not panic.
    pub fn no_panic<R, E: Display>(
        &mut self,
        what: impl Display,
        call: impl FnOnce() -> Result<R, E>,
    ) -> Option<Result<R, E>> {
        self.calls += 1;
        match catch_unwind(AssertUnwindSafe(call)) {
            Ok(r) => Some(r),
            Err(p) => {
                self.failures
                    .push(format!("{what}: panicked: {}", panic_message(&*p)));
                None
            }
        }
    }

    /// Runs `call`, which must return an error: a panic or an `Ok` is a failure. An
    /// empty error message is a failure too (the user could not act on it).
    pub fn rejects<R: Debug, E: Display>(
        &mut self,
        what: impl Display,
        call: impl FnOnce() -> Result<R, E>,
    ) {
        let what = what.to_string();
        match self.no_panic(&what, call) {
            Some(Ok(r)) => self
                .failures
                .push(format!("{what}: accepted bad input (returned {r:?})")),
            Some(Err(e)) if e.to_string().trim().is_empty() => {
                self.failures.push(format!("{what}: empty error message"))
            }
            _ => {}
        }
    }

    /// How many calls ran.
    pub fn calls(&self) -> usize {
        self.calls
    }

    /// Panics listing every failure; prints the number of calls otherwise.
    pub fn finish(self) {
        assert!(
            self.failures.is_empty(),
            "{}: {} of {} calls failed:\n{}",
            self.name,
            self.failures.len(),
            self.calls,
            self.failures.join("\n")
        );
        println!("{}: {} bad-input calls, no panic", self.name, self.calls);
    }
}

/// A damaged copy of `bytes` for mutation fuzzing: one to three edits chosen by
/// `seed` (a byte set to a random value, random bytes inserted, the data cut short,
/// or the first 8 bytes — a length prefix in many formats — rewritten). Feed it seeds
/// from proptest or a loop, then check that the parser returns instead of panicking.
///
/// ```
/// let good = b"\x08\0\0\0\0\0\0\0{\"a\":1}";
/// let bad = la_core::sweep::mutate(good, 7);
/// assert_ne!(&bad[..], &good[..]);
/// assert_eq!(bad, la_core::sweep::mutate(good, 7)); // deterministic
/// ```
pub fn mutate(bytes: &[u8], seed: u64) -> Vec<u8> {
    use rand::{Rng, RngCore};
    let mut rng = crate::seeded_rng(seed);
    let mut b = bytes.to_vec();
    let original = b.clone();
    loop {
        for _ in 0..rng.random_range(1..=3) {
            match rng.random_range(0..4) {
                0 if !b.is_empty() => {
                    let k = rng.random_range(0..b.len());
                    b[k] = rng.random();
                }
                1 => {
                    let k = rng.random_range(0..=b.len());
                    let n = rng.random_range(1..16);
                    let extra: Vec<u8> = (0..n).map(|_| rng.random()).collect();
                    b.splice(k..k, extra);
                }
                2 => b.truncate(rng.random_range(0..=b.len())),
                _ if b.len() >= 8 => {
                    let v = if rng.random() {
                        rng.next_u64()
                    } else {
                        rng.random_range(0..1024)
                    };
                    b[..8].copy_from_slice(&v.to_le_bytes());
                }
                _ => {}
            }
        }
        if b != original {
            return b;
        }
    }
}
