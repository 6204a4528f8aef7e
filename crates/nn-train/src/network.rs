//! The training network: forward pass, backward pass, optimizer step, and the book's
//! training loops `sgd` (full batch) and `sgd_train` (mini-batches).

use la_core::prelude::*;
use la_core::random::Rng;
use la_core::sparse::CscMatrix;
use la_core::Dense;
use nn_inference::{Activation, InferenceNetwork};
use tensor_core::dnn::{
    MlpLayer, MlpLoss, MlpScratch, Update, MLP_CHUNK, MLP_MAX_LAYERS, MLP_MAX_WIDTH,
};
use tensor_core::DnnFactory;

use crate::layer::{Backward, LayerGrads};

use nn_core::Cost;
use nn_core::{precondition, Result};
use nn_core::{Dropout, Optimizer};

/// A layer's training state: outputs, gradients, optimizer state, dropout.
#[derive(Debug)]
struct LayerState<T: Scalar> {
    /// `a = f(W x + b)`, `outputs x batch`.
    out: Matrix<T>,
    /// The dropout, its mask and the dropped outputs (what the next layer reads).
    dropout: Option<(Dropout<T>, Matrix<T>, Matrix<T>)>,
    grad_w: Matrix<T>,
    grad_b: Vector<T>,
    state_w: Vec<Matrix<T>>,
    state_b: Vec<Vector<T>>,
}

impl<T: Scalar> LayerState<T> {
    /// What the next layer reads: the dropped outputs when training with dropout.
    fn output(&self, dropout: bool) -> &Matrix<T> {
        match &self.dropout {
            Some((_, _, dropped)) if dropout => dropped,
            _ => &self.out,
        }
    }
}

/// The input buffer: dense, or sparse for a first layer whose inputs are mostly zeros.
#[derive(Debug)]
pub(crate) enum Input<T: Scalar> {
    Dense(Matrix<T>),
    Sparse(CscMatrix<T>),
}

impl<T: Scalar> Input<T> {
    fn ncols(&self) -> usize {
        match self {
            Input::Dense(m) => m.ncols(),
            Input::Sparse(s) => s.ncols(),
        }
    }
}

/// A network being trained (the book's `training-network`). It borrows the inference
/// network's weights and updates them in place; after training (when it is dropped)
/// the inference network has the trained parameters.
#[derive(Debug)]
pub struct TrainingNetwork<'a, T: Scalar> {
    pub(crate) net: &'a mut InferenceNetwork<T>,
    pub(crate) factory: Factory<T>,
    pub(crate) input: Input<T>,
    layers: Vec<LayerState<T>>,
    delta: [Matrix<T>; 2],
    ones: Vector<T>,
    optimizer: Optimizer<T>,
    /// The output layer's DNN factory, which runs the optimizer's update (one fused
    /// pass per parameter where the backend has one).
    dnn: DnnFactory<T>,
    steps: usize,
    pub(crate) rng: Rng,
    pub(crate) perm: Vec<usize>,
    /// Use tensor-core's fused pass (`mlp_gradients`) when the network and cost allow it.
    fused: bool,
    scratch: MlpScratch<T>,
}

/// Builds a training network for `net` on the batch `x` (one sample per column),
/// which it copies into its input buffer (the book's `(training-network net x)`).
/// All buffers are allocated here, for `x.ncols()` samples; [`sgd`](crate::sgd) trains on `x`,
/// [`sgd_train`](crate::sgd_train) on mini-batches of that size (or [`fit`](crate::fit) with options).
///
/// ```
/// use la_core::prelude::*;
/// use nn_inference::{fully_connected, inference_network, Activation, Init};
/// use nn_train::{sgd, training_network, Cost, Optimizer};
///
/// let fac = native_double();
/// let mut net = inference_network(&fac, 1, &[fully_connected(1, Activation::Linear)])?;
/// net.init(&mut seeded_rng(1), Init::Book)?;
/// let x = dge(1, 4, &[0.0, 1.0, 2.0, 3.0], Layout::ColumnMajor)?;
/// let y = dge(1, 4, &[1.0, 3.0, 5.0, 7.0], Layout::ColumnMajor)?; // y = 2x + 1
/// let mut train = training_network(&mut net, &x, Optimizer::default())?;
/// let costs = sgd(&mut train, &y, Cost::Quadratic, &[(2000, 0.1)])?;
/// assert!(costs[0] < 1e-10);
/// drop(train);
/// assert!((net.layers()[0].weights().entry(0, 0)? - 2.0).abs() < 1e-4);
/// # Ok::<(), nn_train::Error>(())
/// ```
pub fn training_network<'a, T: Scalar>(
    net: &'a mut InferenceNetwork<T>,
    x: &impl AsMatrix<T>,
    optimizer: impl Into<Optimizer<T>>,
) -> Result<TrainingNetwork<'a, T>> {
    let factory = net.layers()[0].weights().factory().clone();
    factory.require_same("training_network", x.factory())?;
    check_input(net, x.mrows(), x.ncols())?;
    let mut input = factory.ge(x.mrows(), x.ncols(), Layout::ColumnMajor)?;
    copy_into(x, &mut input)?;
    build(net, factory, Input::Dense(input), optimizer.into())
}

/// [`training_network`] for sparse inputs (bag-of-words, one-hot features): the
/// first layer multiplies its weights by the sparse batch directly
/// ([`la_core::sparse`]), costing `O(outputs · nonzeros)` instead of
/// `O(outputs · inputs · batch)`. Train with [`sgd_train_sparse`](crate::sgd_train_sparse). Needs a host
/// factory (native, MKL, OpenBLAS); a device factory gives `Unsupported` at the first
/// step.
pub fn training_network_sparse<'a, T: Scalar>(
    net: &'a mut InferenceNetwork<T>,
    x: &CscMatrix<T>,
    optimizer: impl Into<Optimizer<T>>,
) -> Result<TrainingNetwork<'a, T>> {
    let factory = net.layers()[0].weights().factory().clone();
    check_input(net, x.mrows(), x.ncols())?;
    build(net, factory, Input::Sparse(x.clone()), optimizer.into())
}

/// The preconditions on a network and its input batch shape.
fn check_input<T: Scalar>(net: &InferenceNetwork<T>, rows: usize, batch: usize) -> Result<()> {
    let mut problems = Vec::new();
    if rows != net.input_dim() {
        problems.push(format!(
            "the network takes {} inputs but x is {rows}x{batch}",
            net.input_dim(),
        ));
    }
    if batch == 0 {
        problems.push("x has no samples (0 columns)".into());
    }
    let hidden_softmax = net.layers()[..net.layers().len() - 1]
        .iter()
        .position(|l| l.activation() == Activation::Softmax);
    if let Some(i) = hidden_softmax {
        problems.push(format!(
            "layer {i} is softmax: softmax can only be the output layer"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(precondition("training_network", problems))
    }
}

/// Allocates every buffer of the training network for the input's batch size.
fn build<T: Scalar>(
    net: &mut InferenceNetwork<T>,
    factory: Factory<T>,
    input: Input<T>,
    optimizer: Optimizer<T>,
) -> Result<TrainingNetwork<'_, T>> {
    let batch = input.ncols();
    let mut layers = Vec::with_capacity(net.layers().len());
    let mut widest = 0;
    for l in net.layers() {
        let (m, n) = (l.weights().mrows(), l.weights().ncols());
        widest = widest.max(m);
        let k = optimizer.state_buffers();
        layers.push(LayerState {
            out: factory.ge(m, batch, Layout::ColumnMajor)?,
            dropout: None,
            grad_w: factory.ge(m, n, Layout::ColumnMajor)?,
            grad_b: factory.vctr(m)?,
            state_w: (0..k)
                .map(|_| factory.ge(m, n, Layout::ColumnMajor))
                .collect::<la_core::Result<_>>()?,
            state_b: (0..k)
                .map(|_| factory.vctr(m))
                .collect::<la_core::Result<_>>()?,
        });
    }
    let mut ones = factory.vctr(batch)?;
    fill(&mut ones, T::one())?;
    let dnn = match net.layers().last() {
        Some(l) => l.dnn().clone(),
        None => DnnFactory::new(&factory),
    };
    Ok(TrainingNetwork {
        delta: [
            factory.ge(widest, batch, Layout::ColumnMajor)?,
            factory.ge(widest, batch, Layout::ColumnMajor)?,
        ],
        net,
        factory,
        input,
        layers,
        ones,
        optimizer,
        dnn,
        steps: 0,
        rng: seeded_rng(0),
        perm: Vec::new(),
        fused: true,
        scratch: MlpScratch::new(),
    })
}

impl<T: Scalar> TrainingNetwork<'_, T> {
    /// The batch size the buffers were built for.
    pub fn batch(&self) -> usize {
        self.input.ncols()
    }

    /// The network being trained.
    pub fn network(&self) -> &InferenceNetwork<T> {
        self.net
    }

    /// The network being trained, writable (to set parameters).
    pub fn network_mut(&mut self) -> &mut InferenceNetwork<T> {
        self.net
    }

    /// The optimizer.
    pub fn optimizer(&self) -> Optimizer<T> {
        self.optimizer
    }

    /// Seeds the generator used for dropout masks and shuffling.
    pub fn seed(&mut self, seed: u64) {
        self.rng = seeded_rng(seed);
    }

    /// Turns dropout on (or off, with `None`) for the outputs of hidden layer `layer`.
    /// Allocates the mask buffers now, not in the training loop.
    pub fn set_dropout(&mut self, layer: usize, dropout: Option<Dropout<T>>) -> Result<()> {
        let hidden = self.layers.len() - 1;
        let mut problems = Vec::new();
        if layer >= hidden {
            problems.push(format!(
                "layer {layer} is not a hidden layer (the network has {hidden} hidden layers)"
            ));
        }
        match dropout {
            Some(Dropout::Bernoulli { keep }) if !(keep > T::zero() && keep <= T::one()) => {
                problems.push(format!("keep must be in (0, 1], but it is {keep}"))
            }
            Some(Dropout::Gaussian { sigma }) if !(sigma >= T::zero() && sigma.is_finite()) => {
                problems.push(format!("sigma must be finite and >= 0, but it is {sigma}"))
            }
            _ => {}
        }
        if !problems.is_empty() {
            return Err(precondition("set_dropout", problems));
        }
        let l = &mut self.layers[layer];
        l.dropout = match dropout {
            None => None,
            Some(d) => Some((d, l.out.zeros_like()?, l.out.zeros_like()?)),
        };
        Ok(())
    }

    /// The gradients of the last backward pass for layer `l`: `(∂C/∂W, ∂C/∂b)`.
    pub fn gradients(&self, l: usize) -> Option<(&Matrix<T>, &Vector<T>)> {
        self.layers.get(l).map(|s| (&s.grad_w, &s.grad_b))
    }

    /// The forward pass on the input buffer; `dropout` applies the layers' dropout
    /// (training), otherwise what the next layer reads is the plain output.
    fn forward(&mut self, dropout: bool) -> Result<()> {
        for i in 0..self.layers.len() {
            let (before, rest) = self.layers.split_at_mut(i);
            let cur = &mut rest[0];
            let layer = &self.net.layers()[i];
            match before.last() {
                None => match &self.input {
                    Input::Dense(x) => layer.forward(x, &mut cur.out)?,
                    Input::Sparse(x) => layer.forward_sparse(x, &mut cur.out)?,
                },
                Some(prev) => layer.forward(prev.output(dropout), &mut cur.out)?,
            }
            if let (true, Some((d, mask, dropped))) = (dropout, &mut cur.dropout) {
                match *d {
                    Dropout::Bernoulli { keep } => {
                        // mask := (u < keep) / keep
                        // drawn on the device where the engine can (no host round trip)
                        la_core::rand_uniform_fast(&mut self.rng, T::zero(), T::one(), mask)?;
                        linear_frac_inplace(-T::one(), mask, keep, T::zero(), T::one())?;
                        step_inplace(mask)?;
                        scal_inplace(T::one() / keep, mask)?;
                    }
                    Dropout::Gaussian { sigma } => {
                        la_core::rand_normal_fast(&mut self.rng, T::one(), sigma, mask)?;
                    }
                }
                mul_into(&cur.out, mask, dropped)?;
            }
        }
        Ok(())
    }

    pub(crate) fn check_y(&self, op: &'static str, y: &impl AsMatrix<T>, cost: Cost) -> Result<()> {
        self.factory.require_same(op, y.factory())?;
        let (m, n) = (self.net.output_dim(), self.batch());
        if (y.mrows(), y.ncols()) != (m, n) {
            return Err(precondition(
                op,
                vec![format!(
                    "y is {}x{} but the network's output is {m}x{n}",
                    y.mrows(),
                    y.ncols()
                )],
            ));
        }
        cost.check_in(op, self.output_activation())
    }

    pub(crate) fn output_activation(&self) -> Activation<T> {
        self.net.layers()[self.layers.len() - 1].activation()
    }

    /// The backward pass from the output error in the first error buffer: each layer,
    /// from the output down, computes its gradients and the error of the layer below
    /// ([`Backward::backward`]).
    fn backward(&mut self) -> Result<()> {
        let batch = self.batch();
        let last = self.layers.len() - 1;
        let [d0, d1] = &mut self.delta;
        let mut cur = 0;
        for l in (0..=last).rev() {
            let rows = self.layers[l].out.mrows();
            let (cur_buf, other) = if cur == 0 {
                (&*d0, &mut *d1)
            } else {
                (&*d1, &mut *d0)
            };
            let d = cur_buf.submatrix(0, 0, rows, batch)?;
            let (before, rest) = self.layers.split_at_mut(l);
            let state = &mut rest[0];
            let layer = &self.net.layers()[l];
            let grads = LayerGrads {
                weights: &mut state.grad_w,
                bias: &mut state.grad_b,
                ones: &self.ones,
            };
            match before.last() {
                Some(prev) => {
                    let prows = prev.out.mrows();
                    let mut dp = other.submatrix_mut(0, 0, prows, batch)?;
                    layer.backward(prev.output(true), &d, grads, Some(&mut dp))?;
                    if let Some((_, mask, _)) = &prev.dropout {
                        mul_inplace(&mut dp, mask)?;
                    }
                    let below = &self.net.layers()[l - 1];
                    below
                        .activation()
                        .backward_with(below.dnn(), &prev.out, &mut dp)?;
                    cur = 1 - cur;
                }
                None => match &self.input {
                    Input::Dense(x) => layer.backward(x, &d, grads, None)?,
                    Input::Sparse(x) => layer.backward_sparse(x, &d, grads)?,
                },
            }
        }
        Ok(())
    }

    /// Applies the optimizer to every layer's parameters with the current gradients.
    fn update(&mut self, lr: T) -> Result<()> {
        self.steps += 1;
        let mut step = Update {
            optimizer: self.optimizer,
            lr,
            t: self.steps,
            decay: true,
        };
        for (s, layer) in self.layers.iter_mut().zip(self.net.layers_mut()) {
            step.decay = true;
            self.dnn
                .update(&step, layer.weights_mut(), &mut s.grad_w, &mut s.state_w)?;
            step.decay = false;
            self.dnn
                .update(&step, layer.bias_mut(), &mut s.grad_b, &mut s.state_b)?;
        }
        Ok(())
    }

    /// Forward and backward pass on the input buffer against `y`, without updating
    /// the parameters: fills [`gradients`](Self::gradients) and returns the cost
    /// (with dropout on, of this pass's dropped network).
    pub fn forward_backward(&mut self, y: &impl AsMatrix<T>, cost: Cost) -> Result<T> {
        self.check_y("forward_backward", y, cost)?;
        self.gradient_pass(y, cost)
    }

    /// Whether [`step`](Self::step) and [`forward_backward`](Self::forward_backward) may
    /// use tensor-core's fused pass ([`tensor_core::DnnFactory::mlp_gradients`]: the whole forward
    /// and backward pass in one sweep over the batch, for batches of at least 64 and
    /// networks at most 64 wide and 6 deep on host factories, without dropout, with a
    /// quadratic, mean absolute or
    /// sigmoid cross-entropy cost). On by default; the results agree with the
    /// layer-by-layer passes to rounding. After a fused pass only the output layer's
    /// activations are kept ([`output`](Self::output)).
    pub fn set_fused(&mut self, fused: bool) {
        self.fused = fused;
    }

    /// The cost for the fused pass, if this network, input and cost can take it.
    fn fused_loss(&self, cost: Cost) -> Option<MlpLoss> {
        let loss = match cost {
            Cost::Quadratic => MlpLoss::Quadratic,
            Cost::MeanAbsolute => MlpLoss::MeanAbsolute,
            Cost::SigmoidCrossEntropy => MlpLoss::SigmoidCrossEntropy,
            _ => return None, // softmax cross-entropy, and any cost the fused pass lacks
        };
        let Input::Dense(x) = &self.input else {
            return None;
        };
        let layers = self.net.layers();
        // Below one chunk of samples (mini-batches of 16, say) most lanes would idle and
        // clearing the per-lane accumulators would cost more than the passes it saves.
        let ok = self.fused
            && x.ncols() >= MLP_CHUNK
            && layers[0].dnn().has_fused_mlp()
            && x.mrows() <= MLP_MAX_WIDTH
            && layers.len() <= MLP_MAX_LAYERS
            && self.layers.iter().all(|l| l.dropout.is_none())
            && layers.iter().all(|l| {
                l.weights().mrows() <= MLP_MAX_WIDTH && l.activation() != Activation::Softmax
            });
        ok.then_some(loss)
    }

    /// Forward and backward pass with dropout: fused when possible.
    fn gradient_pass(&mut self, y: &impl AsMatrix<T>, cost: Cost) -> Result<T> {
        let Some(loss) = self.fused_loss(cost) else {
            self.forward(true)?;
            let c = self.output_cost(y, cost, None)?;
            self.backward()?;
            return Ok(c);
        };
        let Input::Dense(x) = &self.input else {
            unreachable!("fused_loss checked the input")
        };
        let last = self.layers.len() - 1;
        let (hidden, out) = self.layers.split_at_mut(last);
        let layers = self.net.layers().iter().map(|l| MlpLayer {
            weights: l.weights().view(),
            bias: l.bias().view(),
            activation: l.activation().unary(),
        });
        // The output layer's gradients come last; its activations go to its `out`.
        let LayerState {
            out: a_out,
            grad_w,
            grad_b,
            ..
        } = &mut out[0];
        let grads = hidden
            .iter_mut()
            .map(|s| (s.grad_w.view_mut(), s.grad_b.view_mut()))
            .chain(std::iter::once((grad_w.view_mut(), grad_b.view_mut())));
        let dnn = self.net.layers()[0].dnn();
        Ok(dnn.mlp_gradients(x, y, layers, loss, grads, a_out, &mut self.scratch)?)
    }

    /// The cost of the network on the input buffer against `y` (no dropout, no update).
    pub fn cost(&mut self, y: &impl AsMatrix<T>, cost: Cost) -> Result<T> {
        self.check_y("cost", y, cost)?;
        self.forward(false)?;
        self.output_cost(y, cost, None)
    }

    /// Writes the output layer's error into the first error buffer; returns the cost.
    /// With `acc`, adds the cost's element terms over the batch size into it instead
    /// ([`Cost::output_error_terms`]: nothing read back) and returns 0.
    fn output_cost(
        &mut self,
        y: &impl AsMatrix<T>,
        cost: Cost,
        acc: Option<&mut Matrix<T>>,
    ) -> Result<T> {
        let batch = self.batch();
        let last = self.layers.len() - 1;
        let rows = self.layers[last].out.mrows();
        let act = self.output_activation();
        let [d0, d1] = &mut self.delta;
        let (dnn, a) = (self.net.layers()[last].dnn(), &self.layers[last].out);
        let mut d = d0.submatrix_mut(0, 0, rows, batch)?;
        let mut tmp = d1.submatrix_mut(0, 0, rows, batch)?;
        match acc {
            None => cost.output_error(dnn, act, a, y, &mut d, &mut tmp),
            Some(acc) => {
                let scale = T::one() / T::of(batch as f64);
                let mut acc = acc.view_mut();
                cost.output_error_terms(dnn, act, a, y, scale, &mut d, &mut tmp, &mut acc)?;
                Ok(T::zero())
            }
        }
    }

    /// [`step`](Self::step) that adds the cost's element terms over the batch size
    /// into `acc` (outputs x batch; `sum(acc)` grows by the step's cost) instead of
    /// returning the cost: no read from the device, for loops that want the cost once
    /// per epoch. Layer by layer (the fused pass is for host
    /// factories, where reading the cost costs nothing).
    pub(crate) fn step_accumulating(
        &mut self,
        y: &impl AsMatrix<T>,
        cost: Cost,
        lr: T,
        acc: &mut Matrix<T>,
    ) -> Result<()> {
        self.check_y("step", y, cost)?;
        self.forward(true)?;
        self.output_cost(y, cost, Some(acc))?;
        self.backward()?;
        self.update(lr)
    }

    /// The network's output for the input buffer after the last forward pass.
    pub fn output(&self) -> &Matrix<T> {
        &self.layers[self.layers.len() - 1].out
    }

    /// One training step on the input buffer: forward, backward, update. Returns the
    /// cost before the update. Allocates nothing.
    pub fn step(&mut self, y: &impl AsMatrix<T>, cost: Cost, lr: T) -> Result<T> {
        // the same checks on every path (layer by layer or fused, whatever the batch)
        self.check_y("step", y, cost)?;
        let c = self.gradient_pass(y, cost)?;
        self.update(lr)?;
        Ok(c)
    }
}
