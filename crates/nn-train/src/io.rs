//! Saving and loading: nn-dnn's one file format (safetensors, PyTorch's names and
//! shapes, the architecture in the metadata) for the book's networks.

use std::path::Path;

use la_core::prelude::*;
use nn_core::{Error, Result};
use nn_inference::InferenceNetwork;
use tensor_core::DnnFactory;

/// Writes the network's weights and biases to `path` ([`nn_dnn::save`]: safetensors,
/// `layers.{i}.weight` `[outputs, inputs]` as PyTorch's `Linear`), atomically: a
/// failed save leaves the old file intact.
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
/// assert_eq!(copy.layers()[0].weights()?.to_vec()?, net.layers()[0].weights()?.to_vec()?);
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), nn_train::Error>(())
/// ```
pub fn save<T: Scalar>(net: &InferenceNetwork<T>, path: impl AsRef<Path>) -> Result<()> {
    nn_dnn::save(net.network(), path)
}

/// Reads parameters written by [`save`] (or [`nn_dnn::save`], or PyTorch's
/// `state_dict` of an `nn.Sequential` named `layers`) into `net`, which must have the
/// same layers ([`nn_dnn::load`]: every mismatch is an error naming it, and the
/// network is left unchanged).
pub fn load<T: Scalar>(net: &mut InferenceNetwork<T>, path: impl AsRef<Path>) -> Result<()> {
    nn_dnn::load(net.network_mut(), path)
}

/// Builds the network a file of [`save`] describes, from the file alone
/// ([`nn_dnn::load_network`]); a file of a network with other layers than fully
/// connected ones (a CNN) is an error that points to `nn_dnn::load_network`.
pub fn load_network<T: Scalar>(
    factory: impl Into<DnnFactory<T>>,
    path: impl AsRef<Path>,
) -> Result<InferenceNetwork<T>> {
    let path = path.as_ref();
    let net = nn_dnn::load_network(factory, path)?;
    InferenceNetwork::from_network(net).map_err(|net| Error::Format {
        op: "load_network",
        path: path.into(),
        message: format!(
            "the file holds a network of {} layers, not only fully connected ones: \
             load it with nn_dnn::load_network",
            net.blueprints()
                .iter()
                .map(|b| b.kind())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}
