//! The network (Deep Diamond's `network`): layers built from blueprints on an input
//! descriptor, each layer's shapes inferred from the one below, the tensors between
//! them allocated once.

use std::fmt;
use std::time::Instant;

use la_core::prelude::*;
use la_core::rand::RngCore;
use la_core::sparse::CscMatrix;
use nn_core::{Activation, Init};
use nn_core::{Cost, Optimizer, Result};
use tensor_core::dnn::{
    Convolution, MlpLoss, MlpScratch, Pooling, Update, MLP_CHUNK, MLP_MAX_LAYERS,
};
use tensor_core::{tensor, AsTensor, AsTensorMut, Desc, DnnFactory, Tensor, TensorLayout};

use crate::blueprint::{Blueprint, Kind};
use crate::layer::{Layer, Param};
use crate::layers::{with_batch, ConvLayer, DenseLayer, DropoutLayer, PoolingLayer};

/// Seconds a layer spent in its forward and backward passes
/// ([`Network::forward_backward_timed`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LayerTime {
    /// Forward pass.
    pub forward: f64,
    /// Backward pass.
    pub backward: f64,
}

/// A network of [`Layer`]s for inputs shaped like its input descriptor; dimension 0 is
/// the batch (any batch up to it runs). Built by [`network`].
#[derive(Debug)]
pub struct Network<T: Scalar> {
    dnn: DnnFactory<T>,
    input: Desc,
    /// What the layers were built from (saved as the architecture).
    blueprints: Vec<Blueprint<T>>,
    layers: Vec<Box<dyn Layer<T>>>,
    /// Each layer's output, full batch.
    outs: Vec<Tensor<T>>,
    /// `n · ∂C/∂` each layer's output.
    errs: Vec<Tensor<T>>,
    /// Scratch shaped like the output (the cost).
    tmp: Tensor<T>,
    optimizer: Optimizer<T>,
    /// The optimizer's state, per parameter in [`Layer::params`] order.
    state: Vec<Vec<Vector<T>>>,
    steps: usize,
    /// Samples in the last pass.
    last_batch: usize,
    /// Whether training may take the fused small-network pass.
    fused: bool,
    /// Whether the last training pass took it.
    last_fused: bool,
    /// Its accumulators, kept between steps.
    scratch: MlpScratch<T>,
}

/// Builds a network for inputs shaped like `input` (`[n c h w]` for images, `[n
/// features]` for vectors; `n` is the batch) from `blueprints`, inferring every
/// layer's shapes (the book's `(network (desc [128 1 28 28] :float :nchw) [...])`).
/// Weights start at zero: call [`Network::init`].
///
/// ```
/// use la_core::prelude::*;
/// use nn_dnn::Activation;
/// use nn_dnn::{convo, dense, network, pooling};
/// use tensor_core::{desc, dnn::PoolAlgo, DataType, TensorLayout};
///
/// let input = desc([128, 1, 28, 28], DataType::Float, TensorLayout::Nchw)?;
/// let net = network(&native_float(), input, &[
///     convo(32, [3, 3], Activation::Relu),
///     pooling([2, 2], PoolAlgo::Max),
///     dense(10, Activation::Softmax),
/// ])?;
/// assert_eq!(net.output_desc().shape(), &[128, 10]);
/// assert_eq!(net.layers()[1].output_desc().shape(), &[128, 32, 13, 13]);
/// # Ok::<(), nn_dnn::Error>(())
/// ```
pub fn network<T: Scalar>(
    dnn: impl Into<DnnFactory<T>>,
    input: Desc,
    blueprints: &[Blueprint<T>],
) -> Result<Network<T>> {
    let dnn: DnnFactory<T> = dnn.into();
    let f = dnn.la().clone();
    la_core::Check::new("network")
        .require(!blueprints.is_empty(), || "no layers".into())
        .require(input.size() > 0, || format!("the input {input} is empty"))
        .require(input.dtype() == tensor_core::DataType::of::<T>(), || {
            format!(
                "the input {input} does not hold {}",
                std::any::type_name::<T>()
            )
        })
        .finish()?;
    // inputs are dense and in logical order: the standard layout of their rank
    let input = input.with_layout(TensorLayout::default_for(input.rank()))?;
    let mut layers: Vec<Box<dyn Layer<T>>> = Vec::with_capacity(blueprints.len());
    let mut below = input;
    for (i, b) in blueprints.iter().enumerate() {
        if !b.misapplied().is_empty() {
            let problems = b
                .misapplied()
                .iter()
                .map(|o| format!("layer {i} ({}) takes no {o}", b.kind()))
                .collect();
            return Err(nn_core::precondition("network", problems));
        }
        let layer: Box<dyn Layer<T>> = match b.spec() {
            &Kind::Convo {
                channels,
                kernel,
                strides,
                padding,
                dilation,
                activation,
            } => {
                let g = Convolution::new(&below, channels, kernel, strides, padding, dilation)?;
                Box::new(ConvLayer::new(&f, g, activation)?)
            }
            &Kind::Pooling {
                kernel,
                strides,
                padding,
                algo,
            } => Box::new(PoolingLayer::new(
                &f,
                Pooling::new(&below, algo, kernel, strides, padding)?,
            )?),
            &Kind::Dense {
                outputs,
                activation,
            } => Box::new(DenseLayer::new(&f, &below, outputs, activation)?),
            &Kind::Dropout(d) => Box::new(DropoutLayer::new(&f, &below, d, 0x5eed + i as u64)?),
            Kind::Custom(name, build) => {
                let layer = build(&f, &below)?;
                let out = layer.output_desc();
                la_core::Check::new("network")
                    .require(
                        out.shape().first() == below.shape().first() && out.size() > 0,
                        || {
                            format!(
                                "layer {i} ({name}) outputs {out} for an input of {below}: \
                                 its dimension 0 must stay the batch, {}",
                                below.shape()[0]
                            )
                        },
                    )
                    .require(out.dtype() == below.dtype(), || {
                        format!("layer {i} ({name}) outputs {out} but its input is {below}")
                    })
                    .finish()?;
                layer
            }
        };
        if let Some(Activation::Elu(alpha)) = layer.activation() {
            la_core::Check::new("network")
                .require(alpha.is_finite(), || {
                    format!(
                        "layer {i} ({}): elu's alpha must be finite, but it is {alpha}",
                        layer.kind()
                    )
                })
                .finish()?;
        }
        if i + 1 < blueprints.len() && layer.activation() == Some(Activation::Softmax) {
            return Err(la_core::Error::Precondition {
                op: "network",
                problems: vec![format!(
                    "layer {i} ({}) is softmax: softmax is for the output layer only",
                    layer.kind()
                )],
            }
            .into());
        }
        below = layer.output_desc();
        layers.push(layer);
    }
    let mut outs = Vec::with_capacity(layers.len());
    let mut errs = Vec::with_capacity(layers.len());
    for l in &layers {
        outs.push(tensor(&f, l.output_desc())?);
        errs.push(tensor(&f, l.output_desc())?);
    }
    let ws = layers
        .iter()
        .map(|l| l.workspace_len(&dnn))
        .max()
        .unwrap_or(0);
    dnn.reserve(ws)?;
    Ok(Network {
        tmp: tensor(&f, below)?,
        dnn,
        input,
        blueprints: blueprints.to_vec(),
        layers,
        outs,
        errs,
        optimizer: Optimizer::default(),
        state: Vec::new(),
        steps: 0,
        last_batch: 0,
        fused: true,
        last_fused: false,
        scratch: MlpScratch::new(),
    })
}

impl<T: Scalar> Network<T> {
    /// The input descriptor (full batch).
    pub fn input_desc(&self) -> Desc {
        self.input
    }

    /// The output descriptor (full batch).
    pub fn output_desc(&self) -> Desc {
        self.outs.last().expect("a network has layers").desc()
    }

    /// The largest batch a pass takes.
    pub fn batch(&self) -> usize {
        self.input.shape()[0]
    }

    /// The blueprints the layers were built from, input to output.
    pub fn blueprints(&self) -> &[Blueprint<T>] {
        &self.blueprints
    }

    /// The layers, input to output.
    pub fn layers(&self) -> &[Box<dyn Layer<T>>] {
        &self.layers
    }

    /// The layers, writable (their weights).
    pub fn layers_mut(&mut self) -> &mut [Box<dyn Layer<T>>] {
        &mut self.layers
    }

    /// A network of `blueprints` on `input` (another batch, a dropout layer added or
    /// removed) that starts with this network's parameters: its layers with
    /// parameters must be this network's, in order, with the same shapes, else it is
    /// an error naming the first that differs. The optimizer choice and the fused
    /// setting carry over; the optimizer's state starts afresh.
    ///
    /// ```
    /// use la_core::prelude::*;
    /// use nn_dnn::{dense, dropout, network, Activation, Init};
    /// use tensor_core::{desc, DataType, TensorLayout};
    /// let fac = native_float();
    /// let layers = [dense(4, Activation::Relu), dense(1, Activation::Sigmoid)];
    /// let mut net = network(&fac, desc([8, 3], DataType::Float, TensorLayout::Nc)?, &layers)?;
    /// net.init(&mut seeded_rng(1), Init::He)?;
    /// let wider = [layers[0].clone(), dropout(), layers[1].clone()];
    /// let big = net.rebuilt(desc([256, 3], DataType::Float, TensorLayout::Nc)?, &wider)?;
    /// assert_eq!(big.batch(), 256);
    /// assert_eq!(big.param_count(), net.param_count());
    /// # Ok::<(), nn_dnn::Error>(())
    /// ```
    pub fn rebuilt(&self, input: Desc, blueprints: &[Blueprint<T>]) -> Result<Network<T>> {
        let mut net = network(self.dnn.clone(), input, blueprints)?;
        let mut values = Vec::new();
        for l in &self.layers {
            l.param_values(&mut |v, shape, name| {
                values.push((v.to_vec()?, shape.to_vec(), name));
                Ok(())
            })?;
        }
        let mut it = values.into_iter();
        for (i, l) in net.layers.iter_mut().enumerate() {
            l.params(&mut |p: Param<'_, T>| {
                let same = it.next().filter(|(v, shape, name)| {
                    (shape.as_slice(), *name) == (p.shape, p.name) && v.len() == p.value.dim()
                });
                let Some((v, _, _)) = same else {
                    return Err(nn_core::precondition(
                        "rebuilt",
                        vec![format!(
                            "layer {i} ({}): its {} {:?} is not the next parameter of the \
                             network it is rebuilt from",
                            l_kind(blueprints, i),
                            p.name,
                            p.shape
                        )],
                    ));
                };
                Ok(p.value.set_from(&v)?)
            })?;
        }
        if let Some((_, shape, name)) = it.next() {
            return Err(nn_core::precondition(
                "rebuilt",
                vec![format!(
                    "the new layers have no place for the {name} {shape:?} of the network \
                     they are rebuilt from"
                )],
            ));
        }
        net.optimizer = self.optimizer;
        net.fused = self.fused;
        Ok(net)
    }

    /// The factory the network runs on.
    pub fn dnn(&self) -> &DnnFactory<T> {
        &self.dnn
    }

    /// Trainable values in all layers.
    pub fn param_count(&self) -> usize {
        self.layers.iter().map(|l| l.param_count()).sum()
    }

    /// Draws every layer's weights from `rng` with `scheme`; biases become 0.
    pub fn init(&mut self, rng: &mut impl RngCore, scheme: Init) -> Result<()> {
        for l in &mut self.layers {
            l.init(rng, scheme)?;
        }
        Ok(())
    }

    /// The optimizer ([`set_optimizer`](Self::set_optimizer); plain gradient descent
    /// until it is called).
    pub fn optimizer(&self) -> Optimizer<T> {
        self.optimizer
    }

    /// Optimizer updates since the optimizer was set (Adam's bias correction counts
    /// them).
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The optimizer's state buffers (per parameter in [`Layer::params`] order),
    /// allocated if no update has made them yet, and the step count: what a
    /// checkpoint saves and restores.
    pub(crate) fn optimizer_state_mut(&mut self) -> Result<(&mut [Vec<Vector<T>>], &mut usize)> {
        if self.state.is_empty() && self.optimizer.state_buffers() > 0 {
            let steps = self.steps;
            self.set_optimizer(self.optimizer)?;
            self.steps = steps;
        }
        Ok((&mut self.state, &mut self.steps))
    }

    /// Chooses the optimizer (plain gradient descent until called) and allocates its
    /// state, zeroed; the step count restarts.
    pub fn set_optimizer(&mut self, optimizer: impl Into<Optimizer<T>>) -> Result<()> {
        let optimizer = optimizer.into();
        let f = self.dnn.la().clone();
        let mut state = Vec::new();
        for l in &mut self.layers {
            l.params(&mut |p: Param<'_, T>| {
                let bufs = (0..optimizer.state_buffers())
                    .map(|_| f.vctr(p.value.dim()))
                    .collect::<la_core::Result<Vec<_>>>()?;
                state.push(bufs);
                Ok(())
            })?;
        }
        self.optimizer = optimizer;
        self.state = state;
        self.steps = 0;
        Ok(())
    }

    fn check_x(&self, op: &'static str, x: &Desc) -> Result<usize> {
        let (want, got) = (self.input.shape(), x.shape());
        let n = got.first().copied().unwrap_or(0);
        la_core::Check::new(op)
            .require(
                got.len() == want.len() && got[1..] == want[1..] && (1..=want[0]).contains(&n),
                || {
                    format!(
                        "the network takes [n {}] with 1 ≤ n ≤ {}, but x is {x}",
                        fmt_dims(&want[1..]),
                        want[0]
                    )
                },
            )
            .finish()?;
        let want = with_batch(&self.input, n)?;
        la_core::Check::new(op)
            .require(x.strides() == want.strides(), || {
                format!("x must be dense in logical order ({want}), but it is {x}")
            })
            .finish()?;
        Ok(n)
    }

    /// Checks sparse input: `features x n` for a network on `[batch, features]`.
    fn check_sparse(&self, op: &'static str, x: &CscMatrix<T>) -> Result<usize> {
        let want = self.input.shape();
        let features = want[1..].iter().product::<usize>();
        la_core::Check::new(op)
            .require(want.len() == 2, || {
                format!(
                    "sparse input needs a network on [batch features] samples, but it takes {}",
                    self.input
                )
            })
            .require(
                x.mrows() == features && (1..=want[0]).contains(&x.ncols()),
                || {
                    format!(
                        "the network takes {features} x n sparse input with 1 ≤ n ≤ {}, but x is {}x{}",
                        want[0],
                        x.mrows(),
                        x.ncols()
                    )
                },
            )
            .finish()?;
        Ok(x.ncols())
    }

    /// Runs every layer on `x` (`n` samples); `training` applies dropout and keeps
    /// what the backward pass needs.
    fn run(
        &mut self,
        x: Input<'_, T>,
        training: bool,
        mut times: Option<&mut [LayerTime]>,
    ) -> Result<usize> {
        let n = match &x {
            Input::Dense(x) => self.check_x("forward", &x.desc())?,
            Input::Sparse(x) => self.check_sparse("forward (sparse input)", x)?,
        };
        for i in 0..self.layers.len() {
            let clock = times.is_some().then(Instant::now);
            let (below, rest) = self.outs.split_at_mut(i);
            let mut y = rest[0].subtensor_mut(0, 0, n)?;
            match below.last() {
                None => match &x {
                    Input::Dense(xin) => {
                        self.layers[i].forward(&self.dnn, xin, &mut y, training)?
                    }
                    Input::Sparse(xs) => {
                        self.layers[i].forward_sparse(&self.dnn, xs, &mut y, training)?
                    }
                },
                Some(prev) => {
                    let xv = prev.subtensor(0, 0, n)?;
                    self.layers[i].forward(&self.dnn, &xv, &mut y, training)?
                }
            }
            if let (Some(t), Some(c)) = (times.as_deref_mut(), clock) {
                t[i].forward += c.elapsed().as_secs_f64();
            }
        }
        self.last_batch = n;
        Ok(n)
    }

    /// The network's output for `x` (`[n, ...]`, `n` up to the batch), without
    /// dropout: a view of the output buffer, valid until the next pass (the book's
    /// `(net x)`).
    pub fn forward(&mut self, x: &impl AsTensor<T>) -> Result<tensor_core::TensorView<'_, T>> {
        let n = self.run(Input::Dense(x.view()), false, None)?;
        Ok(self
            .outs
            .last()
            .expect("a network has layers")
            .subtensor(0, 0, n)?)
    }

    /// [`forward`](Self::forward) on sparse input: `x` holds `n` samples (up to the
    /// batch) as the columns of a `features x n` CSC matrix, for a network on
    /// `[batch, features]` whose first layer is dense (a bag of words: IMDB).
    ///
    /// ```
    /// use la_core::prelude::*;
    /// use la_core::sparse::CscMatrix;
    /// use nn_dnn::{Activation, Init};
    /// use nn_dnn::{dense, network};
    /// use tensor_core::{desc, tensor_from, AsTensor, DataType, TensorLayout};
    /// let fac = native_double();
    /// let input = desc([2, 4], DataType::Double, TensorLayout::Nc)?;
    /// let mut net = network(&fac, input, &[dense(3, Activation::Tanh), dense(1, Activation::Sigmoid)])?;
    /// net.init(&mut seeded_rng(1), Init::Glorot)?;
    /// // words 0 and 2 in the first sample, word 3 in the second
    /// let xs = CscMatrix::new(4, vec![0, 2, 3], vec![0, 2, 3], vec![1.0, 1.0, 1.0])?;
    /// let sparse = net.forward_sparse(&xs)?.to_vec()?;
    /// let xd = tensor_from(&fac, input, &[1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0])?;
    /// assert_eq!(net.forward(&xd)?.to_vec()?, sparse);
    /// # Ok::<(), nn_dnn::Error>(())
    /// ```
    pub fn forward_sparse(&mut self, x: &CscMatrix<T>) -> Result<tensor_core::TensorView<'_, T>> {
        let n = self.run(Input::Sparse(x), false, None)?;
        Ok(self
            .outs
            .last()
            .expect("a network has layers")
            .subtensor(0, 0, n)?)
    }

    /// The output of the last pass (with dropout if it was a training pass; the book's
    /// `(output net)`); an error before the first pass.
    pub fn output(&self) -> Result<tensor_core::TensorView<'_, T>> {
        la_core::Check::new("output")
            .require(self.last_batch > 0, || "the network has not run yet".into())
            .finish()?;
        Ok(self
            .outs
            .last()
            .expect("a network has layers")
            .subtensor(0, 0, self.last_batch)?)
    }

    /// The outputs for every sample of `x` (any number of samples, run a batch at a
    /// time), in a new tensor.
    pub fn infer(&mut self, x: &impl AsTensor<T>) -> Result<Tensor<T>> {
        let total = x.desc().shape().first().copied().unwrap_or(0);
        let mut shape = self.output_desc().shape().to_vec();
        shape[0] = total;
        let od = self.output_desc().with_shape(&shape)?;
        let mut out = tensor(self.dnn.la(), od)?;
        let b = self.batch();
        let mut start = 0;
        while start < total {
            let n = b.min(total - start);
            let xs = x.subtensor(0, start, n)?;
            let y = self.forward(&xs)?;
            copy_into(
                &y.view_vctr()?,
                &mut out.subtensor_mut(0, start, n)?.view_vctr_mut()?,
            )?;
            start += n;
        }
        Ok(out)
    }

    /// Forward pass with dropout, the cost, and the backward pass: every layer's
    /// gradients of the mean cost over the `n` samples of `x` and targets `y`
    /// (`[n, ...]` as the output). Returns the cost.
    pub fn forward_backward(
        &mut self,
        x: &impl AsTensor<T>,
        y: &impl AsTensor<T>,
        cost: Cost,
    ) -> Result<T> {
        self.pass(Input::Dense(x.view()), y, cost, None, None)
    }

    /// [`forward_backward`](Self::forward_backward) on sparse input (see
    /// [`forward_sparse`](Self::forward_sparse)).
    pub fn forward_backward_sparse(
        &mut self,
        x: &CscMatrix<T>,
        y: &impl AsTensor<T>,
        cost: Cost,
    ) -> Result<T> {
        self.pass(Input::Sparse(x), y, cost, None, None)
    }

    /// [`train_step`](Self::train_step) on sparse input (see
    /// [`forward_sparse`](Self::forward_sparse)).
    pub fn train_step_sparse(
        &mut self,
        x: &CscMatrix<T>,
        y: &impl AsTensor<T>,
        cost: Cost,
        lr: T,
    ) -> Result<T> {
        let c = self.forward_backward_sparse(x, y, cost)?;
        self.update(lr)?;
        Ok(c)
    }

    /// [`forward_backward`](Self::forward_backward) with each layer's forward and
    /// backward time (seconds) added to `times` (one entry per layer): where a
    /// training step spends its time.
    pub fn forward_backward_timed(
        &mut self,
        x: &impl AsTensor<T>,
        y: &impl AsTensor<T>,
        cost: Cost,
        times: &mut [LayerTime],
    ) -> Result<T> {
        la_core::Check::new("forward_backward_timed")
            .require(times.len() == self.layers.len(), || {
                format!("{} layers but {} times", self.layers.len(), times.len())
            })
            .finish()?;
        self.pass(Input::Dense(x.view()), y, cost, Some(times), None)
    }

    /// The forward pass, the cost and the backward pass. With `acc`, the cost's
    /// element terms over `n` go into `acc` (`sum(acc)` grows by the cost, nothing is
    /// read back) and the pass returns 0.
    fn pass(
        &mut self,
        x: Input<'_, T>,
        y: &impl AsTensor<T>,
        cost: Cost,
        mut times: Option<&mut [LayerTime]>,
        acc: Option<&mut Tensor<T>>,
    ) -> Result<T> {
        let last_act = self
            .layers
            .last()
            .and_then(|l| l.activation())
            .unwrap_or(Activation::Linear);
        cost.check(last_act)?;
        self.last_fused = false;
        if let (None, None, Input::Dense(xin)) = (&times, &acc, &x) {
            if let Some(c) = self.fused_pass(xin, y, cost)? {
                return Ok(c);
            }
        }
        let n = self.run(x.clone(), true, times.as_deref_mut())?;
        self.check_y(y, n)?;
        let last = self.layers.len() - 1;
        let c = {
            let a = self.outs[last].subtensor(0, 0, n)?;
            let mut d = self.errs[last].subtensor_mut(0, 0, n)?;
            let mut tmp = self.tmp.subtensor_mut(0, 0, n)?;
            let ym = y.view();
            let (am, ymat) = (a.view_mat()?, ym.view_mat()?);
            let (mut dm, mut tm) = (d.view_mat_mut()?, tmp.view_mat_mut()?);
            match acc {
                None => cost.output_error(&self.dnn, last_act, &am, &ymat, &mut dm, &mut tm)?,
                Some(acc) => {
                    let scale = T::one() / T::of(n as f64);
                    let mut acc = acc.subtensor_mut(0, 0, n)?;
                    let mut accm = acc.view_mat_mut()?;
                    cost.output_error_terms(
                        &self.dnn, last_act, &am, &ymat, scale, &mut dm, &mut tm, &mut accm,
                    )?;
                    T::zero()
                }
            }
        };
        for i in (0..=last).rev() {
            let (errs_below, errs_rest) = self.errs.split_at_mut(i);
            let mut dy = errs_rest[0].subtensor_mut(0, 0, n)?;
            let y = self.outs[i].subtensor(0, 0, n)?;
            let mut dx = match errs_below.last_mut() {
                Some(e) => Some(e.subtensor_mut(0, 0, n)?),
                None => None,
            };
            let pre = i == last;
            let clock = times.is_some().then(Instant::now);
            if i == 0 {
                match &x {
                    Input::Dense(xin) => {
                        self.layers[i].backward(&self.dnn, xin, &y, &mut dy, dx.as_mut(), pre)?
                    }
                    Input::Sparse(xs) => {
                        self.layers[i].backward_sparse(&self.dnn, xs, &y, &mut dy, pre)?
                    }
                }
            } else {
                let xv = self.outs[i - 1].subtensor(0, 0, n)?;
                self.layers[i].backward(&self.dnn, &xv, &y, &mut dy, dx.as_mut(), pre)?;
            }
            if let (Some(t), Some(c)) = (times.as_deref_mut(), clock) {
                t[i].backward += c.elapsed().as_secs_f64();
            }
        }
        Ok(c)
    }

    /// The targets of a pass of `n` samples must be shaped like the output.
    fn check_y(&self, y: &impl AsTensor<T>, n: usize) -> Result<()> {
        let od = with_batch(&self.output_desc(), n)?;
        la_core::Check::new("forward_backward")
            .require(
                y.desc().shape() == od.shape() && y.desc().strides() == od.strides(),
                || format!("the targets must be {od} but y is {}", y.desc()),
            )
            .finish()?;
        Ok(())
    }

    /// Whether training may take tensor-core's fused small-network pass
    /// ([`tensor_core::DnnFactory::mlp_gradients`]: the whole forward and backward pass
    /// in one sweep over the batch), which it does when the whole network qualifies:
    /// dense layers only (no dropout, no softmax), at most
    /// [`MLP_MAX_LAYERS`](tensor_core::dnn::MLP_MAX_LAYERS) of them, each at most
    /// [`MLP_MAX_WIDTH`](tensor_core::dnn::MLP_MAX_WIDTH) wide (inputs included), on a
    /// host factory, dense input, batches of at least
    /// [`MLP_CHUNK`](tensor_core::dnn::MLP_CHUNK) samples, with the quadratic, mean
    /// absolute or sigmoid cross-entropy cost. On by default; both paths give the
    /// same gradients and cost to rounding. After a fused pass only the output
    /// layer's activations are kept ([`output`](Self::output)).
    pub fn set_fused(&mut self, fused: bool) {
        self.fused = fused;
    }

    /// Whether the last training pass ([`forward_backward`](Self::forward_backward),
    /// [`train_step`](Self::train_step), [`train`](crate::train)) took the fused pass.
    pub fn last_pass_fused(&self) -> bool {
        self.last_fused
    }

    /// The fused pass when the network, input and cost qualify (see
    /// [`set_fused`](Self::set_fused)); `None` leaves the pass to the layers.
    fn fused_pass(
        &mut self,
        x: &tensor_core::TensorView<'_, T>,
        y: &impl AsTensor<T>,
        cost: Cost,
    ) -> Result<Option<T>> {
        let loss = match cost {
            Cost::Quadratic => MlpLoss::Quadratic,
            Cost::MeanAbsolute => MlpLoss::MeanAbsolute,
            Cost::SigmoidCrossEntropy => MlpLoss::SigmoidCrossEntropy,
            _ => return Ok(None),
        };
        if !self.fused
            || !self.dnn.has_fused_mlp()
            || self.input.rank() != 2
            || self.layers.len() > MLP_MAX_LAYERS
        {
            return Ok(None);
        }
        let n = self.check_x("forward", &x.desc())?;
        if n < MLP_CHUNK {
            return Ok(None);
        }
        self.check_y(y, n)?;
        let mut layers: [Option<tensor_core::dnn::MlpLayer<'_, T>>; MLP_MAX_LAYERS] =
            [None; MLP_MAX_LAYERS];
        let mut grads: [Option<(MatrixViewMut<'_, T>, VectorViewMut<'_, T>)>; MLP_MAX_LAYERS] =
            Default::default();
        for (i, l) in self.layers.iter_mut().enumerate() {
            let Some(parts) = l.as_dense_mut().map(|d| d.fused_parts()).transpose()? else {
                return Ok(None);
            };
            let Some((layer, g)) = parts else {
                return Ok(None);
            };
            layers[i] = Some(layer);
            grads[i] = Some(g);
        }
        let out = self.outs.last_mut().expect("a network has layers");
        let mut out = out.subtensor_mut(0, 0, n)?;
        let ym = y.view();
        let c = self.dnn.mlp_gradients(
            &x.view_mat()?,
            &ym.view_mat()?,
            layers.into_iter().flatten(),
            loss,
            grads.into_iter().flatten(),
            &mut out.view_mat_mut()?,
            &mut self.scratch,
        )?;
        self.last_batch = n;
        self.last_fused = true;
        Ok(Some(c))
    }

    /// One optimizer update of every parameter from the gradients of the last
    /// [`forward_backward`](Self::forward_backward), with learning rate `lr`.
    pub fn update(&mut self, lr: T) -> Result<()> {
        if self.state.is_empty() && self.optimizer.state_buffers() > 0 {
            self.set_optimizer(self.optimizer)?;
        }
        self.steps += 1;
        let mut step = Update {
            optimizer: self.optimizer,
            lr,
            t: self.steps,
            decay: false,
        };
        let mut k = 0;
        let (state, dnn) = (&mut self.state, &self.dnn);
        for l in &mut self.layers {
            l.params(&mut |p: Param<'_, T>| {
                let s: &mut [Vector<T>] = match state.get_mut(k) {
                    Some(s) => s,
                    None => &mut [],
                };
                k += 1;
                step.decay = p.decay;
                Ok(dnn.update(&step, p.value, p.grad, s)?)
            })?;
        }
        Ok(())
    }

    /// [`forward_backward`](Self::forward_backward) then [`update`](Self::update):
    /// one training step on a mini-batch. Returns the cost before the update.
    pub fn train_step(
        &mut self,
        x: &impl AsTensor<T>,
        y: &impl AsTensor<T>,
        cost: Cost,
        lr: T,
    ) -> Result<T> {
        let c = self.forward_backward(x, y, cost)?;
        self.update(lr)?;
        Ok(c)
    }

    /// [`train_step`](Self::train_step) adding the cost's element terms over the
    /// batch size into `acc` (shaped like the output; `sum(acc)` grows by the step's
    /// cost) instead of reading the cost back: [`train`](crate::train) on a device.
    pub(crate) fn train_step_accumulating(
        &mut self,
        x: &impl AsTensor<T>,
        y: &impl AsTensor<T>,
        cost: Cost,
        lr: T,
        acc: &mut Tensor<T>,
    ) -> Result<()> {
        self.pass(Input::Dense(x.view()), y, cost, None, Some(acc))?;
        self.update(lr)
    }
}

/// A pass's input: a dense tensor, or sparse columns for a dense first layer.
#[derive(Clone)]
enum Input<'a, T: Scalar> {
    Dense(tensor_core::TensorView<'a, T>),
    Sparse(&'a CscMatrix<T>),
}

/// The kind of blueprint `i`, for messages.
fn l_kind<T: Scalar>(blueprints: &[Blueprint<T>], i: usize) -> &'static str {
    blueprints.get(i).map_or("?", |b| b.kind())
}

fn fmt_dims(d: &[usize]) -> String {
    d.iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

impl<T: Scalar> fmt::Display for Network<T> {
    /// A summary like the book's REPL printout: one line per layer with its output
    /// shape and parameter count.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "input {:>22}",
            format!("[{}]", fmt_dims(self.input.shape()))
        )?;
        for (i, l) in self.layers.iter().enumerate() {
            let act = l.activation().map(|a| a.name()).unwrap_or("");
            writeln!(
                f,
                "{i:>2} {:<16} {:<8} {:>22} {:>10} params",
                l.kind(),
                act,
                format!("[{}]", fmt_dims(l.output_desc().shape())),
                l.param_count()
            )?;
        }
        write!(f, "{} params", self.param_count())
    }
}
