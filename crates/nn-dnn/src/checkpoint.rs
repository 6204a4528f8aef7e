//! Checkpoints of a training run ([`train`](crate::train) and
//! [`train_sparse`](crate::train_sparse)): everything needed to continue a killed run
//! exactly, in one safetensors file written atomically
//! ([`la_core::atomic_file`]).
//!
//! A checkpoint is a model file of [`save`](crate::save) (so
//! [`load_network`](crate::load_network) reads it as a model) with, besides:
//! - the optimizer's state (Adam's moments, momentum's velocity, ...) as tensors
//!   `optimizer.{k}.{j}` (`k` the parameter in [`Layer::params`](crate::Layer::params)
//!   order, `j` the buffer), and its step count (`checkpoint.steps`);
//! - the epoch it was written after (`checkpoint.epoch`) and each epoch's mean cost so
//!   far (`checkpoint.history`, exact bits), which `train` returns on resume as if it
//!   had never stopped;
//! - each random layer's generator state (`checkpoint.rng.{i}`: dropout's masks);
//! - the run it belongs to (`checkpoint.run.*`: epochs, learning rate, schedule, seed,
//!   shuffle, cost, number of samples, mini-batch, dense or sparse input), checked on
//!   resume.
//!
//! The shuffle's state needs no record: the epoch order is a function of the seed and
//! the epoch, so a resumed run replays the shuffles of the finished epochs (one random
//! draw per sample per epoch, no training); the learning-rate schedule's position is
//! the epoch.
//!
//! **Exactness:** on host factories, a run resumed from the checkpoint of epoch `e`
//! ends with parameters bit-identical to the run that was never stopped (tested by
//! killing a training process with SIGKILL, `tests/checkpoint.rs`): every step after
//! `e` sees the same parameters, optimizer state, mini-batches and dropout masks, and
//! the same kernels run on them. On a device the state is restored the same way, and
//! the result is as deterministic as the device's kernels: on OpenCL (PoCL) a resumed
//! run is bit-identical too (tested); cuBLAS and cuDNN may choose reduction orders at
//! run time, so on CUDA expect equality to rounding, not bits (not yet run on a GPU).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use la_core::prelude::*;
use la_core::random::RngState;
use nn_core::files::{from_le_bytes, safetensors_dtype, to_le_bytes};
use nn_core::{Error, Result};
use safetensors::SafeTensors;

use crate::architecture;
use crate::io::{self, format_err};
use crate::network::Network;
use crate::train::{Run, TrainOptions};

/// Names of the optimizer-state tensors in a checkpoint start with it.
pub(crate) const OPTIMIZER_PREFIX: &str = "optimizer.";
/// The `checkpoint` metadata record of this format.
const FORMAT: &str = "dlfp-checkpoint 1";

/// When and where training writes checkpoints (the `checkpoints` of
/// [`TrainOptions`]): into `dir`, after every `every_epochs`-th epoch and/or after the
/// first epoch that ends `every_seconds` after the last checkpoint, keeping the newest
/// `keep` files (`checkpoint-000003.safetensors` for epoch 3). Resume with
/// [`TrainOptions::resume`] from [`Checkpoints::latest`]. Give each run its own folder:
/// the newest and the pruned files are found by their names.
///
/// ```
/// use la_core::prelude::*;
/// use nn_dnn::{dense, network, train, Activation, Checkpoints, Cost, Init, TrainOptions};
/// use tensor_core::{desc, tensor_from, AsTensor, DataType, TensorLayout};
/// let dir = std::env::temp_dir().join(format!("nn_dnn_doc_ckpt_{}", std::process::id()));
/// let fac = native_float();
/// let build = || -> nn_dnn::Result<_> {
///     let mut net = network(&fac, desc([4, 2], DataType::Float, TensorLayout::Nc)?,
///                           &[dense(8, Activation::Tanh), dense(1, Activation::Linear)])?;
///     net.init(&mut seeded_rng(1), Init::Glorot)?;
///     net.set_optimizer(nn_dnn::Adam::default())?;
///     Ok(net)
/// };
/// let x = tensor_from(&fac, desc([8, 2], DataType::Float, TensorLayout::Nc)?,
///                     &[0., 0., 0., 1., 1., 0., 1., 1., 0., 0., 0., 1., 1., 0., 1., 1.])?;
/// let y = tensor_from(&fac, desc([8, 1], DataType::Float, TensorLayout::Nc)?,
///                     &[0., 1., 1., 0., 0., 1., 1., 0.])?;
/// let policy = Checkpoints { keep: 6, ..Checkpoints::new(&dir) };
/// let opts = TrainOptions { checkpoints: Some(policy.clone()), ..TrainOptions::new(6, 0.05) };
/// let mut net = build()?;
/// let whole = train(&mut net, &x, &y, Cost::Quadratic, &opts, |_, _| Ok(()))?;
///
/// // as if the run had been killed after epoch 3: a new process builds the same
/// // network and resumes from that epoch's checkpoint
/// let resume = TrainOptions { resume: Some(policy.path(3)), ..opts.clone() };
/// let mut resumed = build()?;
/// let costs = train(&mut resumed, &x, &y, Cost::Quadratic, &resume, |_, _| Ok(()))?;
/// assert_eq!(costs, whole); // the finished epochs' costs come back too
/// assert_eq!(resumed.infer(&x)?.to_vec()?, net.infer(&x)?.to_vec()?); // bit for bit
/// assert_eq!(policy.latest()?, Some(policy.path(6)));
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), nn_dnn::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoints {
    /// The folder the checkpoints go in (made if missing).
    pub dir: PathBuf,
    /// Write after every this-many epochs (`Some(1)`: each epoch).
    pub every_epochs: Option<usize>,
    /// Write after the first epoch that ends this many seconds after the last
    /// checkpoint (or the start).
    pub every_seconds: Option<f64>,
    /// How many checkpoints to keep (the newest; at least 1).
    pub keep: usize,
}

impl Checkpoints {
    /// A checkpoint after every epoch into `dir`, keeping the newest 2.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Checkpoints {
            dir: dir.into(),
            every_epochs: Some(1),
            every_seconds: None,
            keep: 2,
        }
    }

    /// The file of the checkpoint written after `epoch`.
    pub fn path(&self, epoch: usize) -> PathBuf {
        self.dir.join(format!("checkpoint-{epoch:06}.safetensors"))
    }

    /// The newest checkpoint in the folder (the highest epoch), `None` when there is
    /// none or no folder.
    pub fn latest(&self) -> Result<Option<PathBuf>> {
        Ok(self.written()?.pop().map(|(_, p)| p))
    }

    /// The checkpoints in the folder, oldest first.
    fn written(&self) -> Result<Vec<(usize, PathBuf)>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(source) => return Err(io_err("checkpoints", &self.dir, source)),
        };
        let mut found = vec![];
        for entry in entries {
            let entry = entry.map_err(|source| io_err("checkpoints", &self.dir, source))?;
            let name = entry.file_name();
            let epoch = name
                .to_str()
                .and_then(|n| n.strip_prefix("checkpoint-"))
                .and_then(|n| n.strip_suffix(".safetensors"))
                .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|d| d.parse::<usize>().ok());
            if let Some(e) = epoch {
                found.push((e, entry.path()));
            }
        }
        found.sort();
        Ok(found)
    }

    fn check(&self) -> Result<()> {
        la_core::Check::new("train (checkpoints)")
            .require(self.keep > 0, || {
                "keep is 0: no checkpoint would survive".into()
            })
            .require(self.every_epochs != Some(0), || "every_epochs is 0".into())
            .require(
                self.every_seconds.is_none_or(|s| s.is_finite() && s >= 0.0),
                || format!("every_seconds is {:?}", self.every_seconds),
            )
            .require(
                self.every_epochs.is_some() || self.every_seconds.is_some(),
                || "neither every_epochs nor every_seconds is set: none would be written".into(),
            )
            .finish()?;
        Ok(())
    }
}

fn io_err(op: &'static str, path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        op,
        path: path.into(),
        source,
    }
}

/// What identifies a training run: a checkpoint resumes only the run it came from.
pub(crate) fn run_record<T: Scalar>(
    opts: &TrainOptions<T>,
    run: &Run,
) -> Vec<(&'static str, String)> {
    vec![
        ("epochs", opts.epochs.to_string()),
        ("learning_rate", format!("{:?}", opts.learning_rate)),
        ("schedule", format!("{:?}", opts.schedule)),
        ("seed", opts.seed.to_string()),
        ("shuffle", opts.shuffle.to_string()),
        ("cost", format!("{:?}", run.cost)),
        ("samples", run.samples.to_string()),
        ("mini_batch", run.batch.to_string()),
        (
            "input",
            if run.sparse { "sparse" } else { "dense" }.to_string(),
        ),
    ]
}

/// Writes checkpoints during a run, as its [`Checkpoints`] policy says.
pub(crate) struct Writer<'a> {
    policy: &'a Checkpoints,
    run: Vec<(&'static str, String)>,
    last: Instant,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(policy: &'a Checkpoints, run: Vec<(&'static str, String)>) -> Result<Self> {
        policy.check()?;
        std::fs::create_dir_all(&policy.dir)
            .map_err(|source| io_err("train (checkpoints)", &policy.dir, source))?;
        Ok(Writer {
            policy,
            run,
            last: Instant::now(),
        })
    }

    /// After epoch `epoch` (from 1), whose mean costs so far are `history`: writes a
    /// checkpoint when one is due and removes the oldest beyond `keep`.
    pub(crate) fn after_epoch<T: Scalar>(
        &mut self,
        net: &mut Network<T>,
        epoch: usize,
        history: &[T],
    ) -> Result<()> {
        let p = self.policy;
        let due = p.every_epochs.is_some_and(|n| epoch.is_multiple_of(n))
            || p.every_seconds
                .is_some_and(|s| self.last.elapsed().as_secs_f64() >= s);
        if !due {
            return Ok(());
        }
        write(net, &p.path(epoch), epoch, history, &self.run)?;
        self.last = Instant::now();
        let written = p.written()?;
        for (_, old) in written.iter().take(written.len().saturating_sub(p.keep)) {
            std::fs::remove_file(old)
                .map_err(|source| io_err("train (checkpoints)", old, source))?;
        }
        Ok(())
    }
}

fn write<T: Scalar>(
    net: &mut Network<T>,
    path: &Path,
    epoch: usize,
    history: &[T],
    run: &[(&'static str, String)],
) -> Result<()> {
    let (mut blobs, mut meta) = io::model_contents(net)?;
    meta.insert("checkpoint".into(), FORMAT.into());
    meta.insert("checkpoint.epoch".into(), epoch.to_string());
    meta.insert(
        "checkpoint.optimizer".into(),
        format!("{:?}", net.optimizer()),
    );
    meta.insert(
        "checkpoint.history".into(),
        history
            .iter()
            .map(|c| format!("{:016x}", c.as_f64().to_bits()))
            .collect::<Vec<_>>()
            .join(","),
    );
    for (k, v) in run {
        meta.insert(format!("checkpoint.run.{k}"), v.clone());
    }
    for (i, l) in net.layers_mut().iter_mut().enumerate() {
        if let Some(rng) = l.rng_mut() {
            meta.insert(format!("checkpoint.rng.{i}"), RngState::of(rng).to_hex());
        }
    }
    // the state of parameter k, like the parameter, in PyTorch's order
    let layouts = io::param_layouts(net)?;
    let (state, steps) = net.optimizer_state_mut()?;
    meta.insert("checkpoint.steps".into(), steps.to_string());
    for ((k, bufs), (shape, order)) in state.iter().enumerate().zip(&layouts) {
        for (j, b) in bufs.iter().enumerate() {
            blobs.push((
                format!("{OPTIMIZER_PREFIX}{k}.{j}"),
                vec![b.dim()],
                to_le_bytes(&io::pytorch_order(b, shape, *order)?),
            ));
        }
    }
    io::write_safetensors::<T>("train (checkpoint)", path, &blobs, meta)
}

/// Where a resumed run starts: the epochs done and their mean costs.
pub(crate) struct Resumed<T> {
    pub(crate) epoch: usize,
    pub(crate) history: Vec<T>,
}

impl<T> Resumed<T> {
    pub(crate) fn fresh() -> Self {
        Resumed {
            epoch: 0,
            history: vec![],
        }
    }
}

/// Restores `net` (parameters, optimizer state and steps, random layers' generators)
/// from the checkpoint at `path`, after checking that it was written by this network
/// (architecture, batch, dtype, optimizer) in this run (`run`, [`run_record`]); on an
/// error the network is unchanged.
pub(crate) fn resume<T: Scalar>(
    net: &mut Network<T>,
    path: &Path,
    run: &[(&'static str, String)],
) -> Result<Resumed<T>> {
    const OP: &str = "train (resume)";
    let bad = |m: String| format_err(OP, path, m);
    let bytes = std::fs::read(path).map_err(|source| io_err(OP, path, source))?;
    let st = SafeTensors::deserialize(&bytes).map_err(|e| {
        bad(format!(
            "truncated or not a safetensors file ({} bytes): {e}",
            bytes.len()
        ))
    })?;
    let (_, header) = SafeTensors::read_metadata(&bytes).map_err(|e| bad(e.to_string()))?;
    let meta = header.metadata().clone().unwrap_or_default();
    let get = |k: &str| meta.get(k).map(String::as_str);
    if get("checkpoint") != Some(FORMAT) {
        return Err(bad(format!(
            "not a checkpoint of train (its `checkpoint` record is {:?}, not {FORMAT:?}); \
             a saved model loads with load or load_network",
            get("checkpoint")
        )));
    }
    check_architecture(net, &meta).map_err(&bad)?;
    let mut problems = vec![];
    for (k, want) in run {
        let got = get(&format!("checkpoint.run.{k}")).unwrap_or("(missing)");
        if got != want {
            problems.push(format!(
                "{k}: the checkpoint's run has {got}, these options {want}"
            ));
        }
    }
    let optimizer = format!("{:?}", net.optimizer());
    let saved = get("checkpoint.optimizer").unwrap_or("(missing)");
    if saved != optimizer {
        problems.push(format!(
            "optimizer: the checkpoint's is {saved}, the network's {optimizer}"
        ));
    }
    if !problems.is_empty() {
        return Err(bad(format!(
            "it belongs to another run: {}",
            problems.join("; ")
        )));
    }
    let number = |k: &str| -> Result<usize> {
        get(k)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| bad(format!("`{k}` is missing or not a number: {:?}", get(k))))
    };
    let (epoch, steps) = (number("checkpoint.epoch")?, number("checkpoint.steps")?);
    let epochs: usize = run
        .iter()
        .find(|(k, _)| *k == "epochs")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    if epoch > epochs {
        return Err(bad(format!(
            "it was written after epoch {epoch} of a {epochs}-epoch run"
        )));
    }
    let history = get("checkpoint.history")
        .unwrap_or("")
        .split(',')
        .filter(|c| !c.is_empty())
        .map(|c| {
            u64::from_str_radix(c, 16)
                .ok()
                .map(|b| T::of(f64::from_bits(b)))
        })
        .collect::<Option<Vec<T>>>()
        .filter(|h| h.len() == epoch)
        .ok_or_else(|| bad(format!("`checkpoint.history` does not hold {epoch} costs")))?;
    let mut rngs = vec![];
    for (i, l) in net.layers_mut().iter_mut().enumerate() {
        if l.rng_mut().is_some() {
            let key = format!("checkpoint.rng.{i}");
            let state = get(&key).and_then(RngState::from_hex).ok_or_else(|| {
                bad(format!(
                    "`{key}` (layer {i}'s random state) is missing or corrupt"
                ))
            })?;
            rngs.push((i, state));
        }
    }
    let state = optimizer_tensors(net, &st).map_err(&bad)?;

    // Everything is checked; the parameters (checked again by `load_bytes`) first,
    // which leaves the network unchanged when it fails.
    io::load_bytes(net, &bytes, path)?;
    for (i, s) in rngs {
        if let Some(rng) = net.layers_mut()[i].rng_mut() {
            *rng = s.rng();
        }
    }
    let layouts = io::param_layouts(net)?;
    let (bufs, count) = net.optimizer_state_mut()?;
    let mut saved = state.into_iter();
    for (param, (shape, order)) in bufs.iter_mut().zip(&layouts) {
        for (mine, values) in param.iter_mut().zip(saved.by_ref()) {
            io::set_from_pytorch_order(mine, &values, shape, *order)?;
        }
    }
    *count = steps;
    Ok(Resumed { epoch, history })
}

/// The network's blueprints, batch and sample shape must be the checkpoint's.
fn check_architecture<T: Scalar>(
    net: &Network<T>,
    meta: &HashMap<String, String>,
) -> std::result::Result<(), String> {
    let batch = net.batch().to_string();
    if meta.get("batch") != Some(&batch) {
        return Err(format!(
            "it was written by a network with batch {:?}, this one's is {batch}",
            meta.get("batch")
        ));
    }
    let n = net.blueprints().len();
    for (i, b) in net.blueprints().iter().enumerate() {
        let mine = architecture::spec(b);
        let saved = meta.get(&format!("layers.{i}.spec"));
        if saved != Some(&mine) {
            return Err(format!(
                "layer {i} was {saved:?} in the checkpoint's network, this one's is `{mine}`"
            ));
        }
    }
    if meta.contains_key(&format!("layers.{n}.spec")) {
        return Err(format!(
            "the checkpoint's network has more than this one's {n} layers"
        ));
    }
    Ok(())
}

/// The optimizer's state buffers from the checkpoint, checked against the network's
/// (names, dtype, lengths; no other optimizer tensor).
fn optimizer_tensors<T: Scalar>(
    net: &mut Network<T>,
    st: &SafeTensors<'_>,
) -> std::result::Result<Vec<Vec<T>>, String> {
    let lens: Vec<Vec<usize>> = net
        .optimizer_state_mut()
        .map_err(|e| e.to_string())?
        .0
        .iter()
        .map(|bufs| bufs.iter().map(|b| b.dim()).collect())
        .collect();
    let mut out = vec![];
    for (k, bufs) in lens.iter().enumerate() {
        for (j, &len) in bufs.iter().enumerate() {
            let key = format!("{OPTIMIZER_PREFIX}{k}.{j}");
            let t = st
                .tensor(&key)
                .map_err(|_| format!("the optimizer's state {key} is missing"))?;
            if t.dtype() != safetensors_dtype::<T>() || t.shape() != [len] {
                return Err(format!(
                    "{key} is {:?} {:?}, the optimizer needs {:?} [{len}]",
                    t.dtype(),
                    t.shape(),
                    safetensors_dtype::<T>()
                ));
            }
            out.push(from_le_bytes::<T>(t.data()));
        }
    }
    let saved = st
        .names()
        .iter()
        .filter(|n| n.starts_with(OPTIMIZER_PREFIX))
        .count();
    if saved != out.len() {
        return Err(format!(
            "the checkpoint holds {saved} optimizer tensors, the network's optimizer {}",
            out.len()
        ));
    }
    Ok(out)
}
