//! Saving and loading a network's parameters in the safetensors format.
//!
//! Tensor names and shapes follow PyTorch's `nn.Linear` stacked in a `layers` list:
//! `layers.{i}.weight` is `[outputs, inputs]` (row-major, as PyTorch and candle store
//! it) and `layers.{i}.bias` is `[outputs]`; dtype `F32` or `F64` as the network's.
//! The activations are recorded in the metadata (`layers.{i}.activation`, and
//! `layers.{i}.elu_alpha` for ELU); [`load`] checks them against the network when the
//! file has them (files written by PyTorch or candle usually do not).

use std::collections::HashMap;
use std::path::Path;

use la_core::prelude::*;
use nn_core::files::{describe, from_le_bytes, safetensors_dtype, to_le_bytes};
use nn_inference::{fully_connected, inference_network, Activation, InferenceNetwork};
use safetensors::tensor::TensorView;
use safetensors::SafeTensors;

use nn_core::{Error, Result};

/// The activation recorded for layer `i` must be the network's (ELU with its α).
fn check_activation<T: Scalar>(
    meta: &HashMap<String, String>,
    i: usize,
    act: Activation<T>,
) -> std::result::Result<(), String> {
    let Some(name) = meta.get(&format!("layers.{i}.activation")) else {
        return Ok(());
    };
    if name != act.name() {
        return Err(format!(
            "layer {i} was saved with activation {name} but the network's is {}",
            act.name()
        ));
    }
    if let Activation::Elu(alpha) = act {
        let saved = meta.get(&format!("layers.{i}.elu_alpha"));
        let same = saved
            .and_then(|s| s.parse::<f64>().ok())
            .is_some_and(|a| (a - alpha.as_f64()).abs() <= 1e-6 * a.abs().max(1.0));
        if !same {
            return Err(format!(
                "layer {i} was saved as elu with alpha {} but the network's alpha is {}",
                saved.map_or("(not recorded)", |s| s.as_str()),
                alpha.as_f64()
            ));
        }
    }
    Ok(())
}

/// Writes the network's weights and biases to `path` (safetensors), atomically
/// ([`la_core::atomic_file`]): a failed save leaves the old file intact.
///
/// ```
/// use la_core::prelude::*;
/// use nn_inference::{fully_connected, inference_network, Activation, Init};
/// let fac = native_float();
/// let mut net = inference_network(&fac, 3, &[fully_connected(2, Activation::Tanh)])?;
/// net.init(&mut seeded_rng(7), Init::Glorot)?;
/// let path = std::env::temp_dir().join("nn_train_doc_save.safetensors");
/// nn_train::save(&net, &path)?;
/// let mut copy = inference_network(&fac, 3, &[fully_connected(2, Activation::Tanh)])?;
/// nn_train::load(&mut copy, &path)?;
/// assert_eq!(copy.layers()[0].weights().to_vec()?, net.layers()[0].weights().to_vec()?);
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), nn_train::Error>(())
/// ```
pub fn save<T: Scalar>(net: &InferenceNetwork<T>, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let mut blobs = Vec::new();
    let mut meta = HashMap::new();
    for (i, l) in net.layers().iter().enumerate() {
        let w = l.weights();
        blobs.push((
            format!("layers.{i}.weight"),
            vec![w.mrows(), w.ncols()],
            to_le_bytes(&w.to_rows()?.concat()),
        ));
        blobs.push((
            format!("layers.{i}.bias"),
            vec![l.bias().dim()],
            to_le_bytes(&l.bias().to_vec()?),
        ));
        meta.insert(
            format!("layers.{i}.activation"),
            l.activation().name().to_string(),
        );
        if let Activation::Elu(alpha) = l.activation() {
            meta.insert(
                format!("layers.{i}.elu_alpha"),
                format!("{}", alpha.as_f64()),
            );
        }
    }
    let views = blobs
        .iter()
        .map(|(name, shape, data)| {
            TensorView::new(safetensors_dtype::<T>(), shape.clone(), data)
                .map(|v| (name.clone(), v))
                .map_err(|e| Error::Format {
                    op: "save",
                    path: path.into(),
                    message: e.to_string(),
                })
        })
        .collect::<Result<Vec<_>>>()?;
    let bytes = safetensors::serialize(views, &Some(meta)).map_err(|e| Error::Format {
        op: "save",
        path: path.into(),
        message: e.to_string(),
    })?;
    la_core::atomic_file::write_atomic(path, &bytes).map_err(|source| Error::Io {
        op: "save",
        path: path.into(),
        source,
    })
}

/// Reads parameters written by [`save`] (or by PyTorch/candle with the same names and
/// shapes) into `net`, which must have the same architecture. A corrupt file, a
/// missing tensor, a wrong shape or dtype is an [`Error::Format`] naming it; on error
/// the network is left unchanged.
pub fn load<T: Scalar>(net: &mut InferenceNetwork<T>, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        op: "load",
        path: path.into(),
        source,
    })?;
    let bad = |message: String| Error::Format {
        op: "load",
        path: path.into(),
        message,
    };
    let st = SafeTensors::deserialize(&bytes).map_err(|e| bad(describe(&e, bytes.len())))?;
    let (_, header) =
        SafeTensors::read_metadata(&bytes).map_err(|e| bad(describe(&e, bytes.len())))?;
    if let Some(meta) = header.metadata() {
        for (i, l) in net.layers().iter().enumerate() {
            check_activation(meta, i, l.activation()).map_err(&bad)?;
        }
    }
    let mut values = Vec::with_capacity(net.layers().len());
    for (i, l) in net.layers().iter().enumerate() {
        let want = [
            (
                format!("layers.{i}.weight"),
                vec![l.weights().mrows(), l.weights().ncols()],
            ),
            (format!("layers.{i}.bias"), vec![l.bias().dim()]),
        ];
        let mut pair = Vec::with_capacity(2);
        for (name, shape) in want {
            let t = st
                .tensor(&name)
                .map_err(|_| bad(format!("tensor {name} is missing")))?;
            if t.dtype() != safetensors_dtype::<T>() {
                return Err(bad(format!(
                    "{name} is {:?} but the network is {:?}",
                    t.dtype(),
                    safetensors_dtype::<T>()
                )));
            }
            if t.shape() != shape.as_slice() {
                return Err(bad(format!(
                    "{name} has shape {:?} but the network needs {shape:?}",
                    t.shape()
                )));
            }
            pair.push(from_le_bytes::<T>(t.data()));
        }
        values.push(pair);
    }
    let extra = st.len() - 2 * net.layers().len();
    if extra > 0 {
        return Err(bad(format!(
            "the file has {} tensors, {extra} more than this {}-layer network",
            st.len(),
            net.layers().len()
        )));
    }
    for (l, pair) in net.layers_mut().iter_mut().zip(values) {
        let w = l.weights_mut();
        let mut wt = w.factory().ge(w.ncols(), w.mrows(), Layout::ColumnMajor)?;
        wt.set_from(&pair[0])?; // column-major of Wᵀ is row-major of W
        copy_into(&wt.trans(), w)?;
        l.bias_mut().set_from(&pair[1])?;
    }
    Ok(())
}

/// Builds the network a file written by [`save`] describes — layer widths from the
/// tensors' shapes, activations (ELU with its α) from the metadata — on `factory`,
/// and loads its parameters: running a saved model needs no knowledge of its
/// architecture. A file without recorded activations (PyTorch's, candle's) is an
/// error that says to build the network and call [`load`].
///
/// ```
/// use la_core::prelude::*;
/// use nn_inference::{fully_connected, inference_network, Activation, Init};
/// let fac = native_float();
/// let mut net = inference_network(&fac, 3, &[
///     fully_connected(4, Activation::Elu(0.5)),
///     fully_connected(2, Activation::Softmax),
/// ])?;
/// net.init(&mut seeded_rng(7), Init::Glorot)?;
/// let path = std::env::temp_dir().join("nn_train_doc_load_network.safetensors");
/// nn_train::save(&net, &path)?;
/// let mut copy = nn_train::load_network(&fac, &path)?;
/// assert_eq!(copy.layers()[0].activation(), Activation::Elu(0.5));
/// let x = fge(3, 1, &[0.1, -0.2, 0.3], Layout::ColumnMajor)?;
/// let want = net.infer(&x)?.to_vec()?;
/// assert_eq!(copy.infer(&x)?.to_vec()?, want);
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), nn_train::Error>(())
/// ```
pub fn load_network<T: Scalar>(
    factory: &Factory<T>,
    path: impl AsRef<Path>,
) -> Result<InferenceNetwork<T>> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        op: "load_network",
        path: path.into(),
        source,
    })?;
    let bad = |message: String| Error::Format {
        op: "load_network",
        path: path.into(),
        message,
    };
    let st = SafeTensors::deserialize(&bytes).map_err(|e| bad(describe(&e, bytes.len())))?;
    let (_, header) =
        SafeTensors::read_metadata(&bytes).map_err(|e| bad(describe(&e, bytes.len())))?;
    let meta = header.metadata().clone().unwrap_or_default();
    let mut specs = Vec::new();
    let mut inputs = 0;
    for i in 0.. {
        let Ok(w) = st.tensor(&format!("layers.{i}.weight")) else {
            break;
        };
        let &[out, inp] = w.shape() else {
            return Err(bad(format!(
                "layers.{i}.weight has shape {:?}, not [outputs, inputs]",
                w.shape()
            )));
        };
        if i == 0 {
            inputs = inp;
        }
        let name = meta.get(&format!("layers.{i}.activation")).ok_or_else(|| {
            bad(format!(
                "the file does not record layer {i}'s activation (not written by save?): \
                 build the network and call load"
            ))
        })?;
        let act = match name.as_str() {
            "linear" => Activation::Linear,
            "relu" => Activation::Relu,
            "sigmoid" => Activation::Sigmoid,
            "tanh" => Activation::Tanh,
            "softmax" => Activation::Softmax,
            "elu" => {
                let alpha = meta
                    .get(&format!("layers.{i}.elu_alpha"))
                    .and_then(|a| a.parse::<f64>().ok())
                    .ok_or_else(|| {
                        bad(format!("layer {i} is elu but its alpha is not recorded"))
                    })?;
                Activation::Elu(T::of(alpha))
            }
            other => {
                return Err(bad(format!(
                    "layer {i} has an unknown activation {other:?}"
                )))
            }
        };
        specs.push(fully_connected(out, act));
    }
    if specs.is_empty() {
        return Err(bad("the file holds no layers.0.weight".into()));
    }
    let mut net = inference_network(factory, inputs, &specs)?;
    load(&mut net, path)?;
    Ok(net)
}
