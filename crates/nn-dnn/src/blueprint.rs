//! Layer blueprints (Deep Diamond's `convo`, `pooling`, `dense`, `dropout`, and a
//! user's own layers): what a layer is, before the network infers its shapes from the
//! layer below.

use std::fmt;
use std::sync::Arc;

use la_core::{Factory, Scalar};
use nn_core::{Activation, Dropout, Result};
use tensor_core::dnn::PoolAlgo;
use tensor_core::Desc;

use crate::layer::Layer;

/// A layer to build, before the network infers its shapes from the layer below: one of
/// the built-in layers ([`convo`], [`pooling`], [`dense`], [`dropout`]) or a layer of
/// your own ([`custom`]). Options a layer does not take ([`Blueprint::strides`] on a
/// dense layer, ...) are reported by [`network`](crate::network), naming the layer
/// and the option.
#[derive(Debug, Clone)]
pub struct Blueprint<T: Scalar> {
    kind: Kind<T>,
    /// Options set on a blueprint that does not take them.
    misapplied: Vec<&'static str>,
}

/// What a user's layer blueprint holds: the function that builds the layer on the
/// factory from the descriptor of the layer below (full batch in dimension 0).
pub type BuildLayer<T> =
    dyn Fn(&Factory<T>, &Desc) -> Result<Box<dyn Layer<T>>> + Send + Sync + 'static;

/// The built-in layers and the user's.
#[derive(Clone)]
pub(crate) enum Kind<T: Scalar> {
    /// A 2-D convolution with a bias per output channel and an activation.
    Convo {
        channels: usize,
        kernel: [usize; 2],
        strides: [usize; 2],
        padding: [usize; 2],
        dilation: [usize; 2],
        activation: Activation<T>,
    },
    /// 2-D pooling.
    Pooling {
        kernel: [usize; 2],
        strides: [usize; 2],
        padding: [usize; 2],
        algo: PoolAlgo,
    },
    /// A fully connected layer on the flattened input.
    Dense {
        outputs: usize,
        activation: Activation<T>,
    },
    /// Dropout while training.
    Dropout(Dropout<T>),
    /// A user's layer: its name and how to build it.
    Custom(&'static str, Arc<BuildLayer<T>>),
}

impl<T: Scalar> fmt::Debug for Kind<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Convo {
                channels,
                kernel,
                strides,
                padding,
                dilation,
                activation,
            } => write!(
                f,
                "convo({channels}, {kernel:?}, {activation:?}, strides {strides:?}, padding {padding:?}, dilation {dilation:?})"
            ),
            Kind::Pooling {
                kernel,
                strides,
                padding,
                algo,
            } => write!(
                f,
                "pooling({kernel:?}, {algo:?}, strides {strides:?}, padding {padding:?})"
            ),
            Kind::Dense {
                outputs,
                activation,
            } => write!(f, "dense({outputs}, {activation:?})"),
            Kind::Dropout(d) => write!(f, "{d:?}"),
            Kind::Custom(name, _) => write!(f, "custom({name})"),
        }
    }
}

impl<T: Scalar> Blueprint<T> {
    fn of(kind: Kind<T>) -> Self {
        Blueprint {
            kind,
            misapplied: Vec::new(),
        }
    }

    /// The layer's name (`convo`, `pooling`, `dense`, `dropout`, or a user layer's).
    pub fn kind(&self) -> &'static str {
        match self.kind {
            Kind::Convo { .. } => "convo",
            Kind::Pooling { .. } => "pooling",
            Kind::Dense { .. } => "dense",
            Kind::Dropout(_) => "dropout",
            Kind::Custom(name, _) => name,
        }
    }

    /// What the network builds from (crate-internal).
    pub(crate) fn spec(&self) -> &Kind<T> {
        &self.kind
    }

    /// The options set on this blueprint that its layer does not take.
    pub(crate) fn misapplied(&self) -> &[&'static str] {
        &self.misapplied
    }
}

/// A convolution with `channels` filters of `kernel` size (stride 1, no padding, no
/// dilation; change them with [`Blueprint::strides`], [`Blueprint::padding`],
/// [`Blueprint::dilation`]).
pub fn convo<T: Scalar>(
    channels: usize,
    kernel: [usize; 2],
    activation: Activation<T>,
) -> Blueprint<T> {
    Blueprint::of(Kind::Convo {
        channels,
        kernel,
        strides: [1, 1],
        padding: [0, 0],
        dilation: [1, 1],
        activation,
    })
}

/// Pooling over `kernel`-sized windows, strides equal to the window.
pub fn pooling<T: Scalar>(kernel: [usize; 2], algo: PoolAlgo) -> Blueprint<T> {
    Blueprint::of(Kind::Pooling {
        kernel,
        strides: kernel,
        padding: [0, 0],
        algo,
    })
}

/// A dense (fully connected) layer with `outputs` outputs.
pub fn dense<T: Scalar>(outputs: usize, activation: Activation<T>) -> Blueprint<T> {
    Blueprint::of(Kind::Dense {
        outputs,
        activation,
    })
}

/// Inverted Bernoulli dropout keeping half of the values (Deep Diamond's `dropout`);
/// [`dropout_keep`] sets the probability.
pub fn dropout<T: Scalar>() -> Blueprint<T> {
    dropout_keep(T::of(0.5))
}

/// Inverted Bernoulli dropout keeping each value with probability `keep`.
pub fn dropout_keep<T: Scalar>(keep: T) -> Blueprint<T> {
    Blueprint::of(Kind::Dropout(Dropout::Bernoulli { keep }))
}

/// Gaussian dropout (Deep Diamond's `gaussian-dropout`): values times `N(1, σ²)`.
pub fn gaussian_dropout<T: Scalar>(sigma: T) -> Blueprint<T> {
    Blueprint::of(Kind::Dropout(Dropout::Gaussian { sigma }))
}

/// A layer of your own, named `kind` (in summaries, errors and saved files): `build`
/// makes it for the descriptor of the layer below (dimension 0 is the network's batch)
/// on the network's factory, and the network runs it like a built-in layer. Its
/// output descriptor must keep the batch in dimension 0.
///
/// A learned gain per feature, `y = g ⊙ x`, trained inside a network:
///
/// ```
/// use la_core::prelude::*;
/// use nn_dnn::{custom, dense, network, Activation, Cost, Init, Layer, Param, Result};
/// use tensor_core::{desc, tensor_from, AsTensor, AsTensorMut, DataType, Desc, DnnFactory,
///                   TensorLayout, TensorView, TensorViewMut};
///
/// /// `y = g ⊙ x` for samples of `d` features; `g` starts at 1.
/// #[derive(Debug)]
/// struct Gain { out: Desc, g: Vector<f64>, dg: Vector<f64>, shape: [usize; 1] }
///
/// impl Layer<f64> for Gain {
///     fn kind(&self) -> &'static str { "gain" }
///     fn output_desc(&self) -> Desc { self.out }
///     fn forward(&mut self, _: &DnnFactory<f64>, x: &TensorView<'_, f64>,
///                y: &mut TensorViewMut<'_, f64>, _training: bool) -> Result<()> {
///         let (g, xs) = (self.g.to_vec()?, x.to_vec()?);
///         let ys: Vec<f64> = xs.iter().enumerate().map(|(i, v)| v * g[i % g.len()]).collect();
///         y.view_vctr_mut()?.set_from(&ys)?;
///         Ok(())
///     }
///     fn backward(&mut self, _: &DnnFactory<f64>, x: &TensorView<'_, f64>,
///                 _y: &TensorView<'_, f64>, dy: &mut TensorViewMut<'_, f64>,
///                 dx: Option<&mut TensorViewMut<'_, f64>>, _pre: bool) -> Result<()> {
///         let (g, xs, ds) = (self.g.to_vec()?, x.to_vec()?, dy.to_vec()?);
///         let (d, n) = (g.len(), xs.len() / g.len());
///         // dy is n · ∂C/∂y: the parameter gradient is the mean over the batch
///         let mut dg = vec![0.0; d];
///         for (i, (xv, dv)) in xs.iter().zip(&ds).enumerate() { dg[i % d] += xv * dv / n as f64; }
///         self.dg.set_from(&dg)?;
///         if let Some(dx) = dx {
///             let v: Vec<f64> = ds.iter().enumerate().map(|(i, dv)| dv * g[i % d]).collect();
///             dx.view_vctr_mut()?.set_from(&v)?;
///         }
///         Ok(())
///     }
///     fn params(&mut self, visit: &mut dyn FnMut(Param<'_, f64>) -> Result<()>) -> Result<()> {
///         visit(Param { value: &mut self.g, grad: &mut self.dg, decay: false,
///                       shape: &self.shape, name: "gain" })
///     }
///     fn param_count(&self) -> usize { self.g.dim() }
/// }
///
/// let fac = native_double();
/// let input = desc([4, 2], DataType::Double, TensorLayout::Nc)?;
/// let gain = custom("gain", |f: &Factory<f64>, below: &Desc| {
///     let d = below.shape()[1];
///     let mut g = f.vctr(d)?;
///     g.set_from(&vec![1.0; d])?;
///     Ok(Box::new(Gain { out: *below, g, dg: f.vctr(d)?, shape: [d] }) as Box<dyn Layer<f64>>)
/// });
/// let mut net = network(&fac, input, &[gain, dense(1, Activation::Linear)])?;
/// net.init(&mut seeded_rng(1), Init::Glorot)?;
/// let x = tensor_from(&fac, input, &[1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.5, -1.0])?;
/// let y = tensor_from(&fac, desc([4, 1], DataType::Double, TensorLayout::Nc)?,
///                     &[2.0, -1.0, 1.0, 2.0])?;
/// let first = net.train_step(&x, &y, Cost::Quadratic, 0.1)?;
/// let mut last = first;
/// for _ in 0..300 { last = net.train_step(&x, &y, Cost::Quadratic, 0.1)?; }
/// assert!(last < first / 100.0);
/// assert_eq!(net.layers()[0].kind(), "gain");
/// # Ok::<(), nn_dnn::Error>(())
/// ```
pub fn custom<T: Scalar>(
    kind: &'static str,
    build: impl Fn(&Factory<T>, &Desc) -> Result<Box<dyn Layer<T>>> + Send + Sync + 'static,
) -> Blueprint<T> {
    Blueprint::of(Kind::Custom(kind, Arc::new(build)))
}

impl<T: Scalar> Blueprint<T> {
    /// Sets the strides of a convolution or pooling; on any other layer
    /// [`network`](crate::network) reports it as an error.
    pub fn strides(mut self, s: [usize; 2]) -> Self {
        match &mut self.kind {
            Kind::Convo { strides, .. } | Kind::Pooling { strides, .. } => *strides = s,
            _ => self.misapplied.push("strides"),
        }
        self
    }

    /// Sets the zero padding of a convolution or pooling; on any other layer
    /// [`network`](crate::network) reports it as an error.
    pub fn padding(mut self, p: [usize; 2]) -> Self {
        match &mut self.kind {
            Kind::Convo { padding, .. } | Kind::Pooling { padding, .. } => *padding = p,
            _ => self.misapplied.push("padding"),
        }
        self
    }

    /// Sets the dilation of a convolution; on any other layer
    /// [`network`](crate::network) reports it as an error.
    pub fn dilation(mut self, d: [usize; 2]) -> Self {
        match &mut self.kind {
            Kind::Convo { dilation, .. } => *dilation = d,
            _ => self.misapplied.push("dilation"),
        }
        self
    }
}
