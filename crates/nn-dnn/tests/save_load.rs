//! A trained CNN saved and loaded predicts the same; files that do not match the
//! network are refused with a reason.

use la_core::prelude::*;
use nn_dnn::{convo, dense, dropout, load, network, pooling, save, Blueprint};
use nn_dnn::{Activation, Init};
use tensor_core::dnn::PoolAlgo;
use tensor_core::{desc, tensor_from, AsTensor, DataType, TensorLayout};

fn path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("nn_dnn_{}_{name}", std::process::id()))
}

fn layers(act: Activation<f64>) -> Vec<Blueprint<f64>> {
    vec![
        convo(3, [3, 3], act).padding([1, 1]),
        pooling([2, 2], PoolAlgo::Max),
        dropout(),
        dense(4, Activation::Softmax),
    ]
}

#[test]
fn saved_networks_predict_the_same() {
    let f = native_double();
    let xd = desc([5, 2, 6, 6], DataType::Double, TensorLayout::Nchw).unwrap();
    let mut net = network(&f, xd, &layers(Activation::Elu(0.3))).unwrap();
    net.init(&mut seeded_rng(4), Init::Glorot).unwrap();
    let mut v = f.vctr(xd.size()).unwrap();
    rand_uniform(&mut seeded_rng(5), &mut v).unwrap();
    let x = tensor_from(&f, xd, &v.to_vec().unwrap()).unwrap();
    let want = net.forward(&x).unwrap().to_vec().unwrap();
    let p = path("cnn.safetensors");
    save(&net, &p).unwrap();

    let mut copy = network(&f, xd, &layers(Activation::Elu(0.3))).unwrap();
    load(&mut copy, &p).unwrap();
    assert_eq!(copy.forward(&x).unwrap().to_vec().unwrap(), want);

    // PyTorch's shapes: Conv2d [oc, c, kh, kw], Linear [out, in]
    let bytes = std::fs::read(&p).unwrap();
    let header = String::from_utf8_lossy(&bytes[8..]).to_string();
    assert!(
        header.contains("\"layers.0.weight\":{\"dtype\":\"F64\",\"shape\":[3,2,3,3]"),
        "{header}"
    );
    assert!(
        header.contains("\"layers.3.weight\":{\"dtype\":\"F64\",\"shape\":[4,27]"),
        "{header}"
    );

    let e = load(&mut network(&f, xd, &layers(Activation::Relu)).unwrap(), &p)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("saved as `convo elu(0.3)` but the network's is `convo relu`"),
        "{e}"
    );
    let other = vec![
        convo(4, [3, 3], Activation::Elu(0.3)),
        dense(4, Activation::Softmax),
    ];
    let e = load(&mut network(&f, xd, &other).unwrap(), &p)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("shape [3, 2, 3, 3] but the network needs [4, 2, 3, 3]"),
        "{e}"
    );
    let t = path("truncated.safetensors");
    std::fs::write(&t, &bytes[..bytes.len() - 10]).unwrap();
    let e = load(&mut copy, &t).unwrap_err().to_string();
    assert!(
        e.contains("truncated") && e.contains(t.to_str().unwrap()),
        "{e}"
    );
    assert_eq!(
        copy.forward(&x).unwrap().to_vec().unwrap(),
        want,
        "a failed load changed the network"
    );
    std::fs::remove_file(p).ok();
    std::fs::remove_file(t).ok();
}

/// The file alone rebuilds the network (`load_network`): every layer kind and option,
/// on f64, predicts what the saved network predicts, with its batch and summary.
#[test]
fn a_file_alone_rebuilds_its_network() {
    let f = native_double();
    let xd = desc([3, 2, 9, 8], DataType::Double, TensorLayout::Nchw).unwrap();
    let bps = vec![
        convo(3, [3, 2], Activation::Elu(0.3))
            .strides([2, 1])
            .padding([1, 1])
            .dilation([1, 2]),
        pooling([3, 3], PoolAlgo::AvgIncludePadding)
            .strides([1, 2])
            .padding([1, 1]),
        convo(2, [2, 2], Activation::Tanh),
        pooling([2, 2], PoolAlgo::AvgExcludePadding),
        nn_dnn::gaussian_dropout(0.2),
        dense(5, Activation::Sigmoid),
        nn_dnn::dropout_keep(0.8),
        dense(3, Activation::Linear),
    ];
    let mut net = network(&f, xd, &bps).unwrap();
    net.init(&mut seeded_rng(8), Init::Glorot).unwrap();
    let p = path("rebuild.safetensors");
    save(&net, &p).unwrap();
    let mut copy = nn_dnn::load_network(&f, &p).unwrap();
    std::fs::remove_file(&p).ok();
    assert_eq!(copy.input_desc(), net.input_desc());
    assert_eq!(copy.to_string(), net.to_string());
    let mut v = f.vctr(xd.size()).unwrap();
    rand_uniform(&mut seeded_rng(2), &mut v).unwrap();
    let x = tensor_from(&f, xd, &v.to_vec().unwrap()).unwrap();
    let want = net.forward(&x).unwrap().to_vec().unwrap();
    assert_eq!(copy.forward(&x).unwrap().to_vec().unwrap(), want);
}

/// A tensor to write: name, shape, values.
type Named = (&'static str, Vec<usize>, Vec<f32>);

/// A file's tensors, its metadata, and the error it must give.
type Case = (Vec<Named>, Vec<(&'static str, &'static str)>, &'static str);

/// Writes a safetensors file by hand: tensors and metadata.
fn write_file(p: &std::path::Path, tensors: &[Named], meta: &[(&str, &str)]) {
    let bytes: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, _, v)| v.iter().flat_map(|x| x.to_le_bytes()).collect())
        .collect();
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
        .iter()
        .zip(&bytes)
        .map(|((n, s, _), b)| {
            (
                n.to_string(),
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, s.clone(), b)
                    .unwrap(),
            )
        })
        .collect();
    let meta = meta
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    std::fs::write(p, safetensors::serialize(views, &Some(meta)).unwrap()).unwrap();
}

/// A file of nn-train's `save` (the book's Part IV-V dense networks: activations in
/// the metadata, `layers.{i}.weight` `[outputs, inputs]` row-major) loads as a dense
/// network and computes `tanh(W x + b)` then `sigmoid(...)`.
#[test]
fn a_file_of_the_dense_api_loads_as_a_network() {
    let p = path("nn_train_format.safetensors");
    write_file(
        &p,
        &[
            (
                "layers.0.weight",
                vec![2, 3],
                vec![0.5, -1.0, 0.0, 1.0, 1.0, 1.0],
            ),
            ("layers.0.bias", vec![2], vec![0.1, -0.2]),
            ("layers.1.weight", vec![1, 2], vec![2.0, -3.0]),
            ("layers.1.bias", vec![1], vec![0.5]),
        ],
        &[
            ("layers.0.activation", "tanh"),
            ("layers.1.activation", "elu"),
            ("layers.1.elu_alpha", "0.5"),
        ],
    );
    let f = native_float();
    let mut net = nn_dnn::load_network(&f, &p).unwrap();
    std::fs::remove_file(&p).ok();
    assert_eq!(net.batch(), nn_dnn::DEFAULT_BATCH);
    assert_eq!(net.input_desc().shape(), &[nn_dnn::DEFAULT_BATCH, 3]);
    let x = [1.0f32, 2.0, -1.0];
    let h0 = (0.5 * 1.0 - 1.0 * 2.0 + 0.1f32).tanh();
    let h1 = (1.0 + 2.0 - 1.0 - 0.2f32).tanh();
    let z = 2.0 * h0 - 3.0 * h1 + 0.5;
    let want = if z > 0.0 { z } else { 0.5 * z.exp_m1() };
    let xt = tensor_from(
        &f,
        desc([1, 3], DataType::Float, TensorLayout::Nc).unwrap(),
        &x,
    )
    .unwrap();
    let got = net.forward(&xt).unwrap().to_vec().unwrap();
    assert!((got[0] - want).abs() < 1e-6, "{got:?} vs {want}");
}

/// Hostile or foreign files are refused with a reason, before anything large is
/// allocated: no architecture, a user layer, a damaged line, an architecture whose
/// shapes disagree with the tensors, one that would allocate beyond the bound.
#[test]
fn files_that_do_not_describe_a_network_are_refused() {
    let p = path("hostile.safetensors");
    let w = |n: usize| vec![0.5f32; n];
    let cases: Vec<Case> = vec![
        (
            vec![("weight", vec![2], w(2))],
            vec![],
            "records no architecture",
        ),
        (
            vec![],
            vec![("input", "4"), ("layers.0.spec", "custom gain")],
            "user layer (gain)",
        ),
        (
            vec![],
            vec![("input", "4"), ("layers.0.spec", "dense 3 swish")],
            "layer 0 (\"dense 3 swish\"): unknown activation",
        ),
        (
            vec![("layers.0.weight", vec![3, 5], w(15)), ("layers.0.bias", vec![3], w(3))],
            vec![("input", "4"), ("layers.0.spec", "dense 3 relu")],
            "layers.0.weight has shape [3, 5] but layer 0 of the recorded architecture needs [3, 4]",
        ),
        (
            // 16M outputs of 16M inputs: refused by the tensors' shapes, never allocated
            vec![("layers.0.weight", vec![1, 1], w(1))],
            vec![
                ("input", "16777216"),
                ("batch", "1"),
                ("layers.0.spec", "dense 16777216 relu"),
            ],
            "needs [16777216, 16777216]",
        ),
        (
            // a huge batch of small samples, no parameters at all
            vec![],
            vec![
                ("input", "1 64 64"),
                ("batch", "1000000"),
                ("layers.0.spec", "pooling max 2x2 strides 2x2 padding 0x0"),
            ],
            "past 268435456 elements",
        ),
        (
            vec![],
            vec![("input", "4 x"), ("layers.0.spec", "dense 3 relu")],
            "is not 1 or 3 dimensions",
        ),
        (
            vec![],
            vec![("input", "4"), ("batch", "0"), ("layers.0.spec", "dense 3 relu")],
            "the batch \"0\" is not a positive number",
        ),
    ];
    for (tensors, meta, want) in cases {
        write_file(&p, &tensors, &meta);
        let e = nn_dnn::load_network(native_float(), &p)
            .map(drop)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(want) && e.starts_with("load_network") && e.contains("hostile"),
            "{e} (want {want})"
        );
    }
    std::fs::remove_file(&p).ok();
}

/// A dense layer keeps its weights as the book's column-major `out x in` matrix; the
/// file holds PyTorch's `[out, in]`, row-major (what `torch.nn.Linear.weight` reads),
/// and loading puts every element back where it was.
#[test]
fn dense_weights_are_saved_in_pytorch_order() {
    let f = native_float();
    let input = desc([2, 3], DataType::Float, TensorLayout::Nc).unwrap();
    let mut net = network(&f, input, &[dense(2, Activation::Linear)]).unwrap();
    // W = [[1 2 3] [4 5 6]]: column-major in memory is 1 4 2 5 3 6
    let w = f
        .ge_from(2, 3, &[1., 2., 3., 4., 5., 6.], Layout::RowMajor)
        .unwrap();
    let layer = net.layers_mut()[0].as_dense_mut().unwrap();
    copy_into(&w, &mut layer.weights_mut().unwrap()).unwrap();
    assert_eq!(
        layer.weights().unwrap().to_vec().unwrap(),
        [1., 4., 2., 5., 3., 6.]
    );
    let p = path("pytorch_order.safetensors");
    save(&net, &p).unwrap();
    let bytes = std::fs::read(&p).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let t = st.tensor("layers.0.weight").unwrap();
    assert_eq!(t.shape(), [2, 3]);
    let values: Vec<f32> = t
        .data()
        .chunks(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert_eq!(values, [1., 2., 3., 4., 5., 6.]);
    let mut back = network(&f, input, &[dense(2, Activation::Linear)]).unwrap();
    load(&mut back, &p).unwrap();
    let got = back.layers()[0].as_dense().unwrap().weights().unwrap();
    assert_eq!(got.to_vec().unwrap(), [1., 4., 2., 5., 3., 6.]);
    std::fs::remove_file(p).ok();
}
