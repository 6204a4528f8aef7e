//! Learning-rate schedules.

use la_core::Scalar;

/// How the learning rate changes over the epochs of a training loop (nn-dnn's `train`,
/// nn-train's `fit` and `sgd_train`).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Schedule<T> {
    /// The same rate every epoch.
    Constant,
    /// Linear decay from `η` in the first epoch to `final_fraction · η` in the last
    /// (Deep Diamond's mini-batch loop decays to 1%: `final_fraction = 0.01`).
    Linear {
        /// The last epoch's rate as a fraction of the first's.
        final_fraction: T,
    },
    /// `η · gammaᵉ` in epoch `e` (from 0).
    Exponential {
        /// The factor per epoch.
        gamma: T,
    },
}

impl<T: Scalar> Schedule<T> {
    /// The rate in epoch `e` (from 0) of `epochs`, starting from `lr`.
    ///
    /// ```
    /// use nn_core::Schedule;
    /// let s = Schedule::Linear { final_fraction: 0.01 };
    /// assert_eq!(s.rate(1.0, 0, 100), 1.0);
    /// assert!((s.rate(1.0_f64, 99, 100) - 0.01).abs() < 1e-15);
    /// ```
    pub fn rate(&self, lr: T, e: usize, epochs: usize) -> T {
        match *self {
            Schedule::Constant => lr,
            Schedule::Linear { final_fraction } => {
                let span = T::of(epochs.saturating_sub(1).max(1) as f64);
                lr * (T::one() - (T::one() - final_fraction) * T::of(e as f64) / span)
            }
            Schedule::Exponential { gamma } => lr * gamma.powi(e as i32),
        }
    }
}
