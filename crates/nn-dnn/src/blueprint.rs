//! Layer blueprints (Deep Diamond's `convo`, `pooling`, `dense`, `dropout`): what a
//! layer is, before the network infers its shapes from the layer below.

use la_core::Scalar;
use nn_inference::Activation;
use nn_train::Dropout;
use tensor_core::dnn::PoolAlgo;

/// A layer to build; see [`convo`], [`pooling`], [`dense`], [`dropout`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Blueprint<T> {
    /// A 2-D convolution with a bias per output channel and an activation.
    Convo {
        /// Output channels.
        channels: usize,
        /// `[kh, kw]`.
        kernel: [usize; 2],
        /// `[sh, sw]` (default 1).
        strides: [usize; 2],
        /// Zero padding on each side (default 0).
        padding: [usize; 2],
        /// Dilation (default 1).
        dilation: [usize; 2],
        /// The activation.
        activation: Activation<T>,
    },
    /// 2-D pooling.
    Pooling {
        /// `[kh, kw]`.
        kernel: [usize; 2],
        /// `[sh, sw]` (default: the window, so windows do not overlap).
        strides: [usize; 2],
        /// Padding on each side (default 0).
        padding: [usize; 2],
        /// Max or average.
        algo: PoolAlgo,
    },
    /// A fully connected layer on the flattened input.
    Dense {
        /// Outputs.
        outputs: usize,
        /// The activation.
        activation: Activation<T>,
    },
    /// Dropout while training.
    Dropout(Dropout<T>),
}

/// A convolution with `channels` filters of `kernel` size (stride 1, no padding, no
/// dilation; change them with [`Blueprint::strides`], [`Blueprint::padding`],
/// [`Blueprint::dilation`]).
pub fn convo<T>(channels: usize, kernel: [usize; 2], activation: Activation<T>) -> Blueprint<T> {
    Blueprint::Convo {
        channels,
        kernel,
        strides: [1, 1],
        padding: [0, 0],
        dilation: [1, 1],
        activation,
    }
}

/// Pooling over `kernel`-sized windows, strides equal to the window.
pub fn pooling<T>(kernel: [usize; 2], algo: PoolAlgo) -> Blueprint<T> {
    Blueprint::Pooling {
        kernel,
        strides: kernel,
        padding: [0, 0],
        algo,
    }
}

/// A dense (fully connected) layer with `outputs` outputs.
pub fn dense<T>(outputs: usize, activation: Activation<T>) -> Blueprint<T> {
    Blueprint::Dense {
        outputs,
        activation,
    }
}

/// Inverted Bernoulli dropout keeping half of the values (Deep Diamond's `dropout`);
/// [`dropout_keep`] sets the probability.
pub fn dropout<T: Scalar>() -> Blueprint<T> {
    dropout_keep(T::of(0.5))
}

/// Inverted Bernoulli dropout keeping each value with probability `keep`.
pub fn dropout_keep<T>(keep: T) -> Blueprint<T> {
    Blueprint::Dropout(Dropout::Bernoulli { keep })
}

/// Gaussian dropout (Deep Diamond's `gaussian-dropout`): values times `N(1, σ²)`.
pub fn gaussian_dropout<T>(sigma: T) -> Blueprint<T> {
    Blueprint::Dropout(Dropout::Gaussian { sigma })
}

impl<T> Blueprint<T> {
    /// Sets the strides of a convolution or pooling (other blueprints are unchanged).
    pub fn strides(mut self, s: [usize; 2]) -> Self {
        if let Blueprint::Convo { strides, .. } | Blueprint::Pooling { strides, .. } = &mut self {
            *strides = s;
        }
        self
    }

    /// Sets the zero padding of a convolution or pooling.
    pub fn padding(mut self, p: [usize; 2]) -> Self {
        if let Blueprint::Convo { padding, .. } | Blueprint::Pooling { padding, .. } = &mut self {
            *padding = p;
        }
        self
    }

    /// Sets the dilation of a convolution.
    pub fn dilation(mut self, d: [usize; 2]) -> Self {
        if let Blueprint::Convo { dilation, .. } = &mut self {
            *dilation = d;
        }
        self
    }
}
