//! nn-train's training tests on the OpenCL factories (PoCL on machines without a GPU).

nn_train::conformance_tests!(opencl_float, f32, la_opencl::test_factory::<f32>());
nn_train::conformance_tests!(opencl_double, f64, la_opencl::test_factory::<f64>());

/// Sparse inputs are a host-memory path: on a device factory the products and a sparse
/// training step say so (`Unsupported`, naming the operation and the backend).
#[test]
fn sparse_input_is_unsupported_on_device() {
    use la_core::prelude::*;
    use la_core::sparse::{sparse_mm_into, CscMatrix};
    use nn_inference::{fully_connected, inference_network, Activation};
    let Some(f) = la_opencl::test_factory::<f32>() else {
        return;
    };
    let b = CscMatrix::new(3, vec![0, 1], vec![2], vec![1.0f32]).unwrap();
    let a = f.ge(2, 3, Layout::ColumnMajor).unwrap();
    let mut c = f.ge(2, 1, Layout::ColumnMajor).unwrap();
    let e = sparse_mm_into(1.0, &a, &b, 0.0, &mut c).unwrap_err();
    assert!(
        matches!(
            e,
            la_core::Error::Unsupported {
                op: "sparse_mm",
                ..
            }
        ),
        "{e}"
    );
    let mut net = inference_network(&f, 3, &[fully_connected(1, Activation::Sigmoid)]).unwrap();
    let mut t = nn_train::training_network_sparse(&mut net, &b, nn_train::Adam::default()).unwrap();
    let y = f.ge(1, 1, Layout::ColumnMajor).unwrap();
    let e = t
        .step(&y, nn_train::Cost::SigmoidCrossEntropy, 0.1)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("sparse_mm is not supported by the opencl"),
        "{e}"
    );
}
