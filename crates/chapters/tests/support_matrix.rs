//! Pins each backend's support matrix against the table in `docs/support-matrix.md`:
//! every probe below runs on every available backend, and its outcome (`yes` or
//! `Unsupported`) must be what the table says. A backend whose library is missing is
//! skipped unless its `DLFP_REQUIRE_*` variable is `1`.

use std::collections::BTreeMap;

use la_core::prelude::*;
use la_core::sparse::{sparse_mm_into, sparse_mm_t_into, CscMatrix};
use nn_dnn::{convo, dense, network, pooling};
use nn_inference::{fully_connected, inference_network, Activation};
use nn_train::{training_network, training_network_sparse, Adam, Cost};
use tensor_core::dnn::{DnnFactory, PoolAlgo};
use tensor_core::{desc, tensor, DataType, TensorLayout};

/// What a probe found.
type Outcome = &'static str;

fn outcome<E: std::fmt::Display>(
    op: &str,
    backend: &str,
    r: std::result::Result<(), E>,
) -> Outcome {
    match r {
        Ok(()) => "yes",
        Err(e) => {
            let msg = e.to_string();
            // `Error::Unsupported` reads "<op> is not supported by the <backend> backend".
            assert!(
                msg.contains("is not supported by"),
                "{op} on {backend}: expected Ok or Unsupported, got: {msg}"
            );
            "Unsupported"
        }
    }
}

fn csc() -> CscMatrix<f32> {
    // [[1,0],[0,2],[1,0]]
    CscMatrix::new(3, vec![0, 2, 3], vec![0, 2, 1], vec![1.0, 1.0, 2.0]).unwrap()
}

fn probes(f: &Factory<f32>, double_ok: bool) -> BTreeMap<&'static str, Outcome> {
    let name = f.name();
    let mut m = BTreeMap::new();
    let mut put = |key: &'static str, r: Outcome| {
        m.insert(key, r);
    };
    put(
        "`fmap_inplace` (a Rust closure per element)",
        outcome("fmap", &name, {
            let mut x = f.vctr(3).unwrap();
            fmap_inplace(&mut x, |v| v + 1.0)
        }),
    );
    let a = f.ge(2, 3, Layout::ColumnMajor).unwrap();
    put(
        "`sparse_mm_into` (dense × CSC)",
        outcome("sparse_mm", &name, {
            let mut c = f.ge(2, 2, Layout::ColumnMajor).unwrap();
            sparse_mm_into(1.0, &a, &csc(), 0.0, &mut c)
        }),
    );
    put(
        "`sparse_mm_t_into` (dense × CSCᵀ)",
        outcome("sparse_mm_t", &name, {
            let e = f.ge(1, 2, Layout::ColumnMajor).unwrap();
            let mut c = f.ge(1, 3, Layout::ColumnMajor).unwrap();
            sparse_mm_t_into(1.0, &e, &csc(), 0.0, &mut c)
        }),
    );
    let layers = [
        fully_connected(4, Activation::Relu),
        fully_connected(1, Activation::Sigmoid),
    ];
    let y = f.ge(1, 2, Layout::ColumnMajor).unwrap();
    put(
        "`training_network_sparse` + `step`",
        outcome("training_network_sparse", &name, {
            let mut net = inference_network(f, 3, &layers).unwrap();
            training_network_sparse(&mut net, &csc(), Adam::default())
                .and_then(|mut t| t.step(&y, Cost::SigmoidCrossEntropy, 0.01).map(drop))
        }),
    );
    put(
        "`training_network` + `step` (dense)",
        outcome("training_network", &name, {
            let mut net = inference_network(f, 3, &layers).unwrap();
            let x = f.ge(3, 2, Layout::ColumnMajor).unwrap();
            training_network(&mut net, &x, Adam::default())
                .and_then(|mut t| t.step(&y, Cost::SigmoidCrossEntropy, 0.01).map(drop))
        }),
    );
    let dnn = DnnFactory::new(f);
    put(
        "`DnnFactory::mlp_gradients` (the fused MLP pass)",
        if dnn.has_fused_mlp() {
            "yes"
        } else {
            "Unsupported"
        },
    );
    put(
        "`nn_dnn` network forward (convolution, pooling, dense)",
        outcome("network forward", &name, {
            let input = desc([2, 1, 6, 6], DataType::Float, TensorLayout::Nchw).unwrap();
            let mut net = network(
                &dnn,
                input,
                &[
                    convo(3, [3, 3], Activation::Relu),
                    pooling([2, 2], PoolAlgo::Max),
                    dense(2, Activation::Softmax),
                ],
            )
            .unwrap();
            let x = tensor(f, input).unwrap();
            net.forward(&x).map(drop)
        }),
    );
    put("f64 factory", if double_ok { "yes" } else { "Unsupported" });
    m
}

/// The checked table of `docs/support-matrix.md`: operation → backend → cell.
fn documented() -> (Vec<String>, BTreeMap<String, Vec<String>>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/support-matrix.md");
    let text = std::fs::read_to_string(path).unwrap();
    let begin = text
        .find("<!-- support-matrix:begin -->")
        .expect("begin marker");
    let end = text
        .find("<!-- support-matrix:end -->")
        .expect("end marker");
    let cells = |line: &str| -> Vec<String> {
        line.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect()
    };
    let mut lines = text[begin..end].lines().skip(1);
    let header = cells(lines.next().unwrap());
    let mut rows = BTreeMap::new();
    for line in lines.skip(1).filter(|l| l.starts_with('|')) {
        let c = cells(line);
        assert_eq!(c.len(), header.len(), "row {line}");
        rows.insert(c[0].clone(), c[1..].to_vec());
    }
    (header[1..].to_vec(), rows)
}

fn check(column: &str, f: &Factory<f32>, double_ok: bool) {
    let (backends, rows) = documented();
    let col = backends
        .iter()
        .position(|b| b == column)
        .unwrap_or_else(|| panic!("no column {column} in {backends:?}"));
    let found = probes(f, double_ok);
    let doc_ops: Vec<&String> = rows.keys().collect();
    let probed: Vec<String> = found.keys().map(|k| k.to_string()).collect();
    assert_eq!(
        doc_ops,
        probed.iter().collect::<Vec<_>>(),
        "the table's operations and the probes differ"
    );
    let mut wrong = vec![];
    for (op, got) in found {
        let want = &rows[op][col];
        if want != got {
            wrong.push(format!("{op}: docs say {want}, {column} gives {got}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    println!("{column}: matches docs/support-matrix.md");
}

#[test]
fn native_matches_the_table() {
    check(
        "native",
        &native_float(),
        native_double().name() == "native-double",
    );
}

#[test]
fn mkl_matches_the_table() {
    if let Some(f) = la_mkl::test_factory(la_mkl::mkl_float, "DLFP_REQUIRE_MKL") {
        check("mkl", &f, la_mkl::mkl_double().is_ok());
    }
}

#[test]
fn openblas_matches_the_table() {
    if let Some(f) = la_mkl::test_factory(la_mkl::openblas_float, "DLFP_REQUIRE_OPENBLAS") {
        check("openblas", &f, la_mkl::openblas_double().is_ok());
    }
}

#[test]
fn opencl_matches_the_table() {
    if let Some(f) = la_opencl::test_factory::<f32>() {
        let double = la_opencl::default_setup()
            .map_err(|e| e.to_string())
            .and_then(|cl| {
                la_opencl::opencl_double(&cl.context, &cl.queue).map_err(|e| e.to_string())
            });
        if let Err(e) = &double {
            assert!(e.contains("is not supported by"), "opencl_double: {e}");
        }
        check("opencl", &f, double.is_ok());
    }
}
