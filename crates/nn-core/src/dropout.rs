//! Dropout (the book's `dropout`, Deep Diamond's `gaussian-dropout`).

/// Dropout of a layer's outputs during training (inference never drops).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dropout<T> {
    /// Inverted Bernoulli dropout: each output is kept with probability `keep` and
    /// then scaled by `1/keep`, so the expected activation is unchanged.
    Bernoulli {
        /// Probability of keeping an output, in `(0, 1]`.
        keep: T,
    },
    /// Gaussian dropout (Deep Diamond's variant): outputs are multiplied by samples of
    /// `N(1, σ²)`.
    Gaussian {
        /// `σ`, the noise's standard deviation.
        sigma: T,
    },
}
