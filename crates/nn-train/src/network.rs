//! The book's training network: nn-dnn's one [`nn_dnn::Network`] (the inference
//! network's own) with an input batch kept beside it, trained in place.

use la_core::prelude::*;
use la_core::sparse::CscMatrix;

use nn_dnn::{dropout_keep, gaussian_dropout, Blueprint};
use nn_inference::InferenceNetwork;
use tensor_core::TensorView;

use nn_core::{precondition, Cost, Dropout, Optimizer, Result};

/// The input batch: dense (one sample per column), or sparse for a first layer whose
/// inputs are mostly zeros.
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

/// A network being trained (the book's `training-network`): the inference network's
/// own [`nn_dnn::Network`], borrowed and trained in place, with the input batch it was
/// built on. After training (when it is dropped) the inference network has the
/// trained parameters.
#[derive(Debug)]
pub struct TrainingNetwork<'a, T: Scalar> {
    pub(crate) net: &'a mut InferenceNetwork<T>,
    pub(crate) input: Input<T>,
    /// Targets that are not a dense batch already are copied here.
    targets: Matrix<T>,
}

/// Builds a training network for `net` on the batch `x` (one sample per column),
/// which it copies into its input buffer (the book's `(training-network net x)`), with
/// `optimizer`. All buffers are allocated here, for `x.ncols()` samples;
/// [`sgd`](crate::sgd) trains on `x`, [`sgd_train`](crate::sgd_train) on mini-batches
/// of that size (or [`fit`](crate::fit) with options).
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
/// assert!((net.layers()[0].weights()?.entry(0, 0)? - 2.0).abs() < 1e-4);
/// # Ok::<(), nn_train::Error>(())
/// ```
pub fn training_network<'a, T: Scalar>(
    net: &'a mut InferenceNetwork<T>,
    x: &impl AsMatrix<T>,
    optimizer: impl Into<Optimizer<T>>,
) -> Result<TrainingNetwork<'a, T>> {
    net.network()
        .dnn()
        .la()
        .require_same("training_network", x.factory())?;
    check_input(net, x.mrows(), x.ncols())?;
    let mut input = x.factory().ge(x.mrows(), x.ncols(), Layout::ColumnMajor)?;
    copy_into(x, &mut input)?;
    build(net, Input::Dense(input), optimizer.into())
}

/// [`training_network`] for sparse inputs (bag-of-words, one-hot features): the
/// first layer multiplies its weights by the sparse batch directly
/// ([`la_core::sparse`]), costing `O(outputs · nonzeros)` instead of
/// `O(outputs · inputs · batch)`. Train with [`sgd_train_sparse`](crate::sgd_train_sparse).
/// Needs a host factory (native, MKL, OpenBLAS); a device factory gives `Unsupported`
/// at the first step.
pub fn training_network_sparse<'a, T: Scalar>(
    net: &'a mut InferenceNetwork<T>,
    x: &CscMatrix<T>,
    optimizer: impl Into<Optimizer<T>>,
) -> Result<TrainingNetwork<'a, T>> {
    check_input(net, x.mrows(), x.ncols())?;
    build(net, Input::Sparse(x.clone()), optimizer.into())
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
    if problems.is_empty() {
        Ok(())
    } else {
        Err(precondition("training_network", problems))
    }
}

fn build<T: Scalar>(
    net: &mut InferenceNetwork<T>,
    input: Input<T>,
    optimizer: Optimizer<T>,
) -> Result<TrainingNetwork<'_, T>> {
    let batch = input.ncols();
    net.set_batch(batch)?;
    net.network_mut().set_optimizer(optimizer)?;
    let targets = net
        .network()
        .dnn()
        .la()
        .ge(net.output_dim(), batch, Layout::ColumnMajor)?;
    Ok(TrainingNetwork {
        net,
        input,
        targets,
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
        self.net.network().optimizer()
    }

    /// Seeds the generators of the dropout masks (layer `i`'s from `seed + i`).
    pub fn seed(&mut self, seed: u64) {
        for (i, l) in self.net.network_mut().layers_mut().iter_mut().enumerate() {
            if let Some(rng) = l.rng_mut() {
                *rng = seeded_rng(seed.wrapping_add(i as u64));
            }
        }
    }

    /// Turns dropout on (or off, with `None`) for the outputs of hidden layer `layer`:
    /// a dropout layer after it in the network (identity at inference). Allocates the
    /// mask buffers now, not in the training loop.
    pub fn set_dropout(&mut self, layer: usize, dropout: Option<Dropout<T>>) -> Result<()> {
        let hidden = self.net.layers().len() - 1;
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
        let mut blueprints: Vec<Blueprint<T>> = Vec::new();
        let mut dense = 0;
        for b in self.net.network().blueprints() {
            if b.kind() == "dropout" && dense == layer + 1 {
                continue; // the one being replaced
            }
            blueprints.push(b.clone());
            if b.kind() == "dense" {
                dense += 1;
                if dense == layer + 1 {
                    match dropout {
                        Some(Dropout::Bernoulli { keep }) => blueprints.push(dropout_keep(keep)),
                        Some(Dropout::Gaussian { sigma }) => {
                            blueprints.push(gaussian_dropout(sigma))
                        }
                        None => {}
                    }
                }
            }
        }
        self.net.set_blueprints(&blueprints)
    }

    /// The gradients of the last backward pass for layer `l`: `(∂C/∂W, ∂C/∂b)`.
    pub fn gradients(&self, l: usize) -> Option<(MatrixView<'_, T>, &Vector<T>)> {
        self.net.layers().get(l).and_then(|d| d.gradients().ok())
    }

    /// Whether [`step`](Self::step) and [`forward_backward`](Self::forward_backward)
    /// may take the fused small-network pass (see [`nn_dnn::Network::set_fused`]); on
    /// by default.
    pub fn set_fused(&mut self, fused: bool) {
        self.net.network_mut().set_fused(fused);
    }

    /// `y` as the network's targets for the input batch: a view when it is a dense
    /// `outputs x batch` matrix, else copied into the network's own buffer.
    fn targets<'y>(
        targets: &'y mut Matrix<T>,
        net: &InferenceNetwork<T>,
        op: &'static str,
        y: &'y impl AsMatrix<T>,
        batch: usize,
    ) -> Result<TensorView<'y, T>> {
        net.network().dnn().la().require_same(op, y.factory())?;
        let (m, n) = (net.output_dim(), batch);
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
        match TensorView::of_samples(y) {
            Ok(t) => Ok(t),
            Err(_) => {
                copy_into(y, targets)?;
                Ok(TensorView::of_samples(&*targets)?)
            }
        }
    }

    /// Forward and backward pass on the input buffer against `y`, without updating
    /// the parameters: fills [`gradients`](Self::gradients) and returns the cost
    /// (with dropout on, of this pass's dropped network).
    pub fn forward_backward(&mut self, y: &impl AsMatrix<T>, cost: Cost) -> Result<T> {
        self.pass("forward_backward", y, cost)
    }

    /// One training step on the input buffer: forward, backward, update. Returns the
    /// cost before the update. Allocates nothing.
    pub fn step(&mut self, y: &impl AsMatrix<T>, cost: Cost, lr: T) -> Result<T> {
        let c = self.pass("step", y, cost)?;
        self.net.network_mut().update(lr)?;
        Ok(c)
    }

    /// The output layer's activation, checked against `cost` for `op`.
    fn check_cost(&self, op: &'static str, cost: Cost) -> Result<()> {
        let last = self
            .net
            .network()
            .layers()
            .last()
            .and_then(|l| l.activation());
        cost.check_in(op, last.unwrap_or(nn_core::Activation::Linear))
    }

    /// [`forward_backward`](Self::forward_backward), errors naming `op`.
    fn pass(&mut self, op: &'static str, y: &impl AsMatrix<T>, cost: Cost) -> Result<T> {
        self.check_cost(op, cost)?;
        let batch = self.batch();
        let yt = Self::targets(&mut self.targets, self.net, op, y, batch)?;
        let net = self.net.network_mut();
        match &self.input {
            Input::Dense(x) => net.forward_backward(&TensorView::of_samples(x)?, &yt, cost),
            Input::Sparse(x) => net.forward_backward_sparse(x, &yt, cost),
        }
    }

    /// The cost of the network on the input buffer against `y` (no dropout, no update).
    pub fn cost(&mut self, y: &impl AsMatrix<T>, cost: Cost) -> Result<T> {
        self.check_cost("cost", cost)?;
        let batch = self.batch();
        let yt = Self::targets(&mut self.targets, self.net, "cost", y, batch)?;
        let net = self.net.network_mut();
        let a = match &self.input {
            Input::Dense(x) => net.forward(&TensorView::of_samples(x)?)?,
            Input::Sparse(x) => net.forward_sparse(x)?,
        };
        Ok(T::of(nn_core::cost_value(
            cost,
            &a.into_columns()?,
            &yt.into_columns()?,
        )?))
    }

    /// The network's output for the input buffer after the last forward pass.
    pub fn output(&self) -> Result<MatrixView<'_, T>> {
        Ok(self.net.network().output()?.into_columns()?)
    }
}
