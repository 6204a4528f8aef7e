//! Saving and loading a network's parameters (safetensors), so a trained network can
//! be kept and used to predict, here or in PyTorch.
//!
//! Tensor names are `layers.{i}.weight` and `layers.{i}.bias` with `i` the layer's
//! index in the network (layers without parameters have none); shapes are PyTorch's
//! (`Conv2d.weight` `[oc, c, kh, kw]`, `Linear.weight` `[out, in]` row-major, biases
//! `[n]`), dtype `F32` or `F64`. The metadata records the sample shape (`input`), the
//! batch (`batch`), each layer's kind and activation (`layers.{i}`, which [`load`]
//! checks when present) and its whole blueprint (`layers.{i}.spec`, e.g. `convo 32 3x3
//! relu strides 1x1 padding 0x0 dilation 1x1`), so [`load_network`] rebuilds the
//! network from the file alone.
//!
//! Which files load: this format (with or without the blueprints: files saved before
//! they were recorded load with [`load`] into a network built in code); nn-train's
//! dense files (the same tensor names and shapes, activations in the metadata) with
//! [`load`] into the equal dense network or with [`load_network`]; PyTorch's
//! `state_dict` of an `nn.Sequential` named `layers` with [`load`].

use std::collections::HashMap;
use std::path::Path;

use la_core::prelude::*;
use nn_core::files::{from_le_bytes, safetensors_dtype, to_le_bytes};
use nn_core::{Error, Result};
use safetensors::tensor::TensorView;
use safetensors::SafeTensors;

use crate::architecture;
use crate::network::{network, Network};
use crate::Blueprint;

pub(crate) fn format_err(op: &'static str, path: &Path, message: impl Into<String>) -> Error {
    Error::Format {
        op,
        path: path.into(),
        message: message.into(),
    }
}

/// What a layer records in the metadata: its kind and activation.
fn layer_tag<T: Scalar>(l: &dyn crate::Layer<T>) -> String {
    match l.activation() {
        Some(nn_core::Activation::Elu(a)) => format!("{} elu({})", l.kind(), a.as_f64()),
        Some(a) => format!("{} {}", l.kind(), a.name()),
        None => l.kind().to_string(),
    }
}

/// Writes the network's parameters to `path` (safetensors; see the module docs),
/// atomically ([`la_core::atomic_file`]): a failed save leaves the old file intact.
///
/// ```
/// use la_core::prelude::*;
/// use nn_dnn::{Activation, Init};
/// use nn_dnn::{convo, dense, network, pooling};
/// use tensor_core::{desc, dnn::PoolAlgo, AsTensor, DataType, TensorLayout};
/// let fac = native_float();
/// let input = desc([8, 1, 6, 6], DataType::Float, TensorLayout::Nchw)?;
/// let layers = [convo(2, [3, 3], Activation::Relu), pooling([2, 2], PoolAlgo::Max), dense(3, Activation::Softmax)];
/// let mut net = network(&fac, input, &layers)?;
/// net.init(&mut seeded_rng(1), Init::He)?;
/// let path = std::env::temp_dir().join("nn_dnn_doc_save.safetensors");
/// nn_dnn::save(&net, &path)?;
/// let mut copy = network(&fac, input, &layers)?;
/// nn_dnn::load(&mut copy, &path)?;
/// let x = tensor_core::tensor(&fac, input)?;
/// let want = net.forward(&x)?.to_vec()?;
/// assert_eq!(copy.forward(&x)?.to_vec()?, want);
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), nn_dnn::Error>(())
/// ```
pub fn save<T: Scalar>(net: &Network<T>, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let (blobs, meta) = model_contents(net)?;
    write_safetensors::<T>("save", path, &blobs, meta)
}

/// A tensor to write: its name, shape and little-endian bytes.
pub(crate) type Blob = (String, Vec<usize>, Vec<u8>);

/// What [`save`] writes: every parameter as a tensor, and the metadata (sample
/// shape, batch, each layer's tag and blueprint).
pub(crate) fn model_contents<T: Scalar>(
    net: &Network<T>,
) -> Result<(Vec<Blob>, HashMap<String, String>)> {
    let mut blobs: Vec<Blob> = Vec::new();
    let mut meta = HashMap::new();
    let dims = |d: &[usize]| {
        d.iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    meta.insert("input".to_string(), dims(&net.input_desc().shape()[1..]));
    meta.insert("batch".to_string(), net.batch().to_string());
    for (i, (l, b)) in net.layers().iter().zip(net.blueprints()).enumerate() {
        meta.insert(format!("layers.{i}"), layer_tag(l.as_ref()));
        meta.insert(format!("layers.{i}.spec"), architecture::spec(b));
        l.param_values(&mut |v, shape, name| {
            let values = pytorch_order(v, shape, l.param_order(name))?;
            blobs.push((
                format!("layers.{i}.{name}"),
                shape.to_vec(),
                to_le_bytes(&values),
            ));
            Ok(())
        })?;
    }
    Ok((blobs, meta))
}

/// Serialises `blobs` (elements of type `T`) and `meta` as safetensors and writes
/// them to `path` atomically; `op` names the caller in errors.
pub(crate) fn write_safetensors<T: Scalar>(
    op: &'static str,
    path: &Path,
    blobs: &[Blob],
    meta: HashMap<String, String>,
) -> Result<()> {
    let views = blobs
        .iter()
        .map(|(name, shape, data)| {
            TensorView::new(safetensors_dtype::<T>(), shape.clone(), data)
                .map(|v| (name.clone(), v))
                .map_err(|e| format_err(op, path, e.to_string()))
        })
        .collect::<Result<Vec<_>>>()?;
    let bytes = safetensors::serialize(views, &Some(meta))
        .map_err(|e| format_err(op, path, e.to_string()))?;
    la_core::atomic_file::write_atomic(path, &bytes).map_err(|source| Error::Io {
        op,
        path: path.into(),
        source,
    })
}

/// Reads parameters written by [`save`] (or by PyTorch with the same names and
/// shapes, or a [checkpoint](crate::Checkpoints)) into `net`, which must have the same
/// layers. A corrupt file, a missing tensor, a wrong shape, dtype or recorded layer,
/// and a NaN or infinite parameter are errors naming it (refused, not warned: such a
/// network predicts nothing); on error the network is left unchanged.
pub fn load<T: Scalar>(net: &mut Network<T>, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        op: "load",
        path: path.into(),
        source,
    })?;
    load_bytes(net, &bytes, path)
}

/// [`load`] from the file's bytes, already read (`path` names it in errors).
pub(crate) fn load_bytes<T: Scalar>(net: &mut Network<T>, bytes: &[u8], path: &Path) -> Result<()> {
    let bad = |m: String| format_err("load", path, m);
    let st = SafeTensors::deserialize(bytes).map_err(|e| {
        bad(format!(
            "truncated or not a safetensors file ({} bytes): {e}",
            bytes.len()
        ))
    })?;
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| bad(e.to_string()))?;
    let meta = header.metadata().clone().unwrap_or_default();
    let mut values: Vec<Vec<T>> = Vec::new();
    let mut expected = 0;
    for (i, l) in net.layers().iter().enumerate() {
        if let Some(tag) = meta.get(&format!("layers.{i}")) {
            let mine = layer_tag(l.as_ref());
            if *tag != mine {
                return Err(bad(format!(
                    "layer {i} was saved as `{tag}` but the network's is `{mine}`"
                )));
            }
        }
        l.param_values(&mut |_, shape, name| {
            let key = format!("layers.{i}.{name}");
            let t = st
                .tensor(&key)
                .map_err(|_| bad(format!("tensor {key} is missing")))?;
            if t.dtype() != safetensors_dtype::<T>() {
                return Err(bad(format!(
                    "{key} is {:?} but the network is {:?}",
                    t.dtype(),
                    safetensors_dtype::<T>()
                )));
            }
            if t.shape() != shape {
                return Err(bad(format!(
                    "{key} has shape {:?} but the network needs {shape:?}",
                    t.shape()
                )));
            }
            let v = from_le_bytes::<T>(t.data());
            if let Some(k) = v.iter().position(|x| !x.is_finite()) {
                return Err(bad(format!(
                    "{key} holds {} at element {k}: a network with non-finite parameters \
                     predicts nothing (was it saved after training diverged?)",
                    v[k]
                )));
            }
            values.push(v);
            expected += 1;
            Ok(())
        })?;
    }
    // a checkpoint's optimizer state rides along; nothing else may
    let tensors = st
        .names()
        .iter()
        .filter(|n| !n.starts_with(crate::checkpoint::OPTIMIZER_PREFIX))
        .count();
    if tensors != expected {
        return Err(bad(format!(
            "the file has {tensors} tensors but the network has {expected} parameters"
        )));
    }
    let mut it = values.into_iter();
    for l in net.layers_mut() {
        let orders = param_orders(l.as_mut())?;
        let mut k = 0;
        l.params(&mut |p| {
            if let Some(v) = it.next() {
                set_from_pytorch_order(p.value, &v, p.shape, orders[k])?;
            }
            k += 1;
            Ok(())
        })?;
    }
    Ok(())
}

/// The layout of each of the layer's parameters, in [`crate::Layer::params`] order.
fn param_orders<T: Scalar>(l: &mut dyn crate::Layer<T>) -> Result<Vec<Layout>> {
    let mut names = Vec::new();
    l.params(&mut |p| {
        names.push(p.name);
        Ok(())
    })?;
    Ok(names.into_iter().map(|n| l.param_order(n)).collect())
}

/// A parameter's values in PyTorch's order (row-major over `shape`) from its flat
/// vector stored in `order`.
pub(crate) fn pytorch_order<T: Scalar>(
    v: &Vector<T>,
    shape: &[usize],
    order: Layout,
) -> Result<Vec<T>> {
    match (order, shape) {
        (Layout::ColumnMajor, &[m, n]) => Ok(v.view_ge(m, n, order)?.to_rows()?.concat()),
        _ => Ok(v.to_vec()?),
    }
}

/// Every parameter's shape and layout, in [`Network::update`]'s order (the order of
/// the optimizer's state): a checkpoint writes that state in PyTorch's order too.
pub(crate) fn param_layouts<T: Scalar>(net: &mut Network<T>) -> Result<Vec<(Vec<usize>, Layout)>> {
    let mut out = Vec::new();
    for l in net.layers_mut() {
        let orders = param_orders(l.as_mut())?;
        let mut k = 0;
        l.params(&mut |p| {
            out.push((p.shape.to_vec(), orders[k]));
            k += 1;
            Ok(())
        })?;
    }
    Ok(out)
}

/// Writes `data`, in PyTorch's order over `shape`, into a parameter's flat vector
/// stored in `order`.
pub(crate) fn set_from_pytorch_order<T: Scalar>(
    value: &mut Vector<T>,
    data: &[T],
    shape: &[usize],
    order: Layout,
) -> Result<()> {
    match (order, shape) {
        (Layout::ColumnMajor, &[m, n]) => {
            let rows = value.factory().ge_from(m, n, data, Layout::RowMajor)?;
            copy_into(&rows, &mut value.view_ge_mut(m, n, order)?)?;
        }
        _ => value.set_from(data)?,
    }
    Ok(())
}

/// Samples per batch of a network read from a file that does not record its batch
/// (files of nn-train's `save`).
pub const DEFAULT_BATCH: usize = 128;

/// The most elements the layers' outputs of a network read from a file may hold
/// together (2^28: 1 GiB of f32): a file is untrusted input, and its architecture must
/// not make the loader allocate without bound before its weights are checked. Build a
/// larger network with [`network`] and [`load`] its parameters.
pub const MAX_LOADED_ELEMENTS: usize = 1 << 28;

/// Builds the network a file of [`save`] describes and reads its parameters into it:
/// the file alone is enough (its metadata holds every layer's blueprint, the sample
/// shape and the batch), on any factory. Files of nn-train's `save` (dense layers
/// with their activations recorded) load too, as a dense network with a batch of
/// [`DEFAULT_BATCH`]. A file without an architecture (written by PyTorch, say), a user
/// layer ([`custom`](crate::custom): its code is not in the file), or an architecture
/// that does not match the file's tensors is an error that says so; nothing is
/// allocated for a layer before its tensors are checked against the file.
///
/// ```
/// use la_core::prelude::*;
/// use nn_dnn::{convo, dense, dropout, load_network, network, pooling, Activation, Init};
/// use tensor_core::{desc, dnn::PoolAlgo, tensor, AsTensor, DataType, TensorLayout};
/// let fac = native_float();
/// let input = desc([8, 1, 6, 6], DataType::Float, TensorLayout::Nchw)?;
/// let mut net = network(&fac, input, &[
///     convo(2, [3, 3], Activation::Relu).padding([1, 1]),
///     pooling([2, 2], PoolAlgo::Max),
///     dropout(),
///     dense(3, Activation::Softmax),
/// ])?;
/// net.init(&mut seeded_rng(1), Init::He)?;
/// let path = std::env::temp_dir().join("nn_dnn_doc_load_network.safetensors");
/// nn_dnn::save(&net, &path)?;
/// let mut copy = load_network(&fac, &path)?; // no architecture in code
/// assert_eq!(copy.to_string(), net.to_string());
/// let x = tensor(&fac, input)?;
/// let want = net.forward(&x)?.to_vec()?;
/// assert_eq!(copy.forward(&x)?.to_vec()?, want);
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), nn_dnn::Error>(())
/// ```
pub fn load_network<T: Scalar>(
    dnn: impl Into<tensor_core::DnnFactory<T>>,
    path: impl AsRef<Path>,
) -> Result<Network<T>> {
    let path = path.as_ref();
    let bad = |m: String| format_err("load_network", path, m);
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        op: "load_network",
        path: path.into(),
        source,
    })?;
    let describe = |e: safetensors::SafeTensorError| nn_core::files::describe(&e, bytes.len());
    let st = SafeTensors::deserialize(&bytes).map_err(|e| bad(describe(e)))?;
    let (_, header) = SafeTensors::read_metadata(&bytes).map_err(|e| bad(describe(e)))?;
    let meta = header.metadata().clone().unwrap_or_default();
    let (sample, batch, lines) = if meta.contains_key("layers.0.spec") {
        let sample = meta
            .get("input")
            .ok_or_else(|| bad("the file records its layers but not its input shape".into()))?
            .split_whitespace()
            .map(|d| {
                d.parse::<usize>()
                    .ok()
                    .filter(|v| (1..=MAX_LOADED_ELEMENTS).contains(v))
            })
            .collect::<Option<Vec<_>>>()
            .filter(|s| matches!(s.len(), 1 | 3))
            .ok_or_else(|| {
                bad(format!(
                    "the input shape {:?} is not 1 or 3 dimensions",
                    meta["input"]
                ))
            })?;
        let batch = match meta.get("batch") {
            None => DEFAULT_BATCH,
            Some(b) => b
                .parse::<usize>()
                .ok()
                .filter(|v| (1..=MAX_LOADED_ELEMENTS).contains(v))
                .ok_or_else(|| bad(format!("the batch {b:?} is not a positive number")))?,
        };
        let lines: Vec<String> = (0..)
            .map_while(|i| meta.get(&format!("layers.{i}.spec")).cloned())
            .collect();
        (sample, batch, lines)
    } else if meta.contains_key("layers.0.activation") {
        // nn-train's files: dense layers `layers.{i}.weight` [outputs, inputs]
        let mut lines = Vec::new();
        let mut sample = vec![];
        for i in 0.. {
            let Ok(w) = st.tensor(&format!("layers.{i}.weight")) else {
                break;
            };
            let &[outputs, inputs] = w.shape() else {
                return Err(bad(format!(
                    "layers.{i}.weight has shape {:?}, not [outputs, inputs]",
                    w.shape()
                )));
            };
            if i == 0 {
                sample = vec![inputs];
            }
            let act = meta
                .get(&format!("layers.{i}.activation"))
                .ok_or_else(|| bad(format!("layer {i}'s activation is not recorded")))?;
            let act = match act.as_str() {
                "elu" => format!(
                    "elu({})",
                    meta.get(&format!("layers.{i}.elu_alpha"))
                        .ok_or_else(|| bad(format!(
                            "layer {i} is elu but its alpha is not recorded"
                        )))?
                ),
                other => other.to_string(),
            };
            lines.push(format!("dense {outputs} {act}"));
        }
        (sample, DEFAULT_BATCH, lines)
    } else {
        return Err(bad(
            "the file records no architecture (not written by dlfp's save?): build the \
             network with network(..) and call load"
                .into(),
        ));
    };
    if lines.is_empty() || sample.is_empty() {
        return Err(bad("the file records no layers".into()));
    }
    let blueprints = lines
        .iter()
        .enumerate()
        .map(|(i, l)| architecture::parse(l).map_err(|e| bad(format!("layer {i} ({l:?}): {e}"))))
        .collect::<Result<Vec<Blueprint<T>>>>()?;
    let mut shape = vec![batch];
    shape.extend(&sample);
    let input = tensor_core::desc(
        &shape,
        tensor_core::DataType::of::<T>(),
        tensor_core::TensorLayout::default_for(shape.len()),
    )?;
    check_sizes(&st, input, &blueprints).map_err(bad)?;
    let mut net = network(dnn, input, &blueprints)?;
    load_bytes(&mut net, &bytes, path)?;
    Ok(net)
}

/// Walks the architecture's shapes without allocating: the layers' outputs within
/// [`MAX_LOADED_ELEMENTS`] together, every layer's weights shaped as the file's.
fn check_sizes<T: Scalar>(
    st: &SafeTensors<'_>,
    input: tensor_core::Desc,
    blueprints: &[Blueprint<T>],
) -> std::result::Result<(), String> {
    use crate::blueprint::Kind;
    use tensor_core::dnn::{Convolution, Pooling};
    let mut total = 0usize;
    let mut too_big = |d: &tensor_core::Desc| {
        let size = d.shape().iter().try_fold(1usize, |a, &v| a.checked_mul(v));
        total = size
            .and_then(|s| total.checked_add(s))
            .unwrap_or(usize::MAX);
        total > MAX_LOADED_ELEMENTS
    };
    let weights = |i: usize, want: &[usize]| -> std::result::Result<(), String> {
        let key = format!("layers.{i}.weight");
        let t = st
            .tensor(&key)
            .map_err(|_| format!("tensor {key} is missing"))?;
        if t.shape() != want {
            return Err(format!(
                "{key} has shape {:?} but layer {i} of the recorded architecture needs {want:?}",
                t.shape()
            ));
        }
        Ok(())
    };
    let mut below = input;
    for (i, b) in blueprints.iter().enumerate() {
        if too_big(&below) {
            return Err(format!(
                "layer {i}'s input {below} takes the network past {MAX_LOADED_ELEMENTS} elements"
            ));
        }
        below = match b.spec() {
            &Kind::Convo {
                channels,
                kernel,
                strides,
                padding,
                dilation,
                ..
            } => {
                let g = Convolution::new(&below, channels, kernel, strides, padding, dilation)
                    .map_err(|e| format!("layer {i}: {e}"))?;
                weights(i, g.weights_desc().shape())?;
                g.output_desc()
            }
            &Kind::Pooling {
                kernel,
                strides,
                padding,
                algo,
            } => Pooling::new(&below, algo, kernel, strides, padding)
                .map_err(|e| format!("layer {i}: {e}"))?
                .output_desc(),
            &Kind::Dense { outputs, .. } => {
                let n = below.shape()[0];
                weights(i, &[outputs, below.size() / n])?;
                tensor_core::desc([n, outputs], below.dtype(), tensor_core::TensorLayout::Nc)
                    .map_err(|e| format!("layer {i}: {e}"))?
            }
            Kind::Dropout(_) | Kind::Custom(..) => below,
        };
    }
    if too_big(&below) {
        return Err(format!(
            "the output {below} takes the network past {MAX_LOADED_ELEMENTS} elements"
        ));
    }
    Ok(())
}
