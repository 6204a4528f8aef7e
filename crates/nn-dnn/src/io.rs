//! Saving and loading a network's parameters (safetensors), so a trained network can
//! be kept and used to predict, here or in PyTorch.
//!
//! Tensor names are `layers.{i}.weight` and `layers.{i}.bias` with `i` the layer's
//! index in the network (layers without parameters have none); shapes are PyTorch's
//! (`Conv2d.weight` `[oc, c, kh, kw]`, `Linear.weight` `[out, in]` row-major, biases
//! `[n]`), dtype `F32` or `F64`. The metadata records each layer's kind and activation
//! and the input shape; [`load`] checks them when present.

use std::collections::HashMap;
use std::path::Path;

use la_core::prelude::*;
use nn_core::files::{from_le_bytes, safetensors_dtype, to_le_bytes};
use nn_core::{Error, Result};
use safetensors::tensor::TensorView;
use safetensors::SafeTensors;

use crate::network::Network;

fn format_err(op: &'static str, path: &Path, message: impl Into<String>) -> Error {
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

/// Writes the network's parameters to `path` (safetensors; see the module docs).
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
    let mut blobs: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    let mut meta = HashMap::new();
    let dims = |d: &[usize]| {
        d.iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    meta.insert("input".to_string(), dims(&net.input_desc().shape()[1..]));
    for (i, l) in net.layers().iter().enumerate() {
        meta.insert(format!("layers.{i}"), layer_tag(l.as_ref()));
        l.param_values(&mut |v, shape, name| {
            blobs.push((
                format!("layers.{i}.{name}"),
                shape.to_vec(),
                to_le_bytes(&v.to_vec()?),
            ));
            Ok(())
        })?;
    }
    let views = blobs
        .iter()
        .map(|(name, shape, data)| {
            TensorView::new(safetensors_dtype::<T>(), shape.clone(), data)
                .map(|v| (name.clone(), v))
                .map_err(|e| format_err("save", path, e.to_string()))
        })
        .collect::<Result<Vec<_>>>()?;
    let bytes = safetensors::serialize(views, &Some(meta))
        .map_err(|e| format_err("save", path, e.to_string()))?;
    std::fs::write(path, bytes).map_err(|source| Error::Io {
        op: "save",
        path: path.into(),
        source,
    })
}

/// Reads parameters written by [`save`] (or by PyTorch with the same names and
/// shapes) into `net`, which must have the same layers. A corrupt file, a missing
/// tensor, a wrong shape, dtype or recorded layer is an error naming it; on error the
/// network is left unchanged.
pub fn load<T: Scalar>(net: &mut Network<T>, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let bad = |m: String| format_err("load", path, m);
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        op: "load",
        path: path.into(),
        source,
    })?;
    let st = SafeTensors::deserialize(&bytes).map_err(|e| {
        bad(format!(
            "truncated or not a safetensors file ({} bytes): {e}",
            bytes.len()
        ))
    })?;
    let (_, header) = SafeTensors::read_metadata(&bytes).map_err(|e| bad(e.to_string()))?;
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
            values.push(from_le_bytes::<T>(t.data()));
            expected += 1;
            Ok(())
        })?;
    }
    if st.len() != expected {
        return Err(bad(format!(
            "the file has {} tensors but the network has {expected} parameters",
            st.len()
        )));
    }
    let mut it = values.into_iter();
    for l in net.layers_mut() {
        l.params(&mut |p| {
            if let Some(v) = it.next() {
                p.value.set_from(&v)?;
            }
            Ok(())
        })?;
    }
    Ok(())
}
