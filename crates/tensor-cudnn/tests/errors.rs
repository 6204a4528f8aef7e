//! cuDNN on anything but a CUDA factory, or without cuDNN, is an error that says why.

use la_core::prelude::*;

#[test]
fn a_host_factory_is_refused_by_name() {
    let e = tensor_cudnn::cudnn_float(&native_float())
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "cudnn: cuDNN runs on a CUDA factory (la_cuda::cuda_float), not on native-float"
    );
    let e = tensor_cudnn::cudnn_double(&native_double())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("la_cuda::cuda_double), not on native-double"),
        "{e}"
    );
}

#[test]
fn a_missing_cudnn_names_the_library() {
    match tensor_cudnn::version() {
        Ok(v) => assert!(v >= 80000, "{v}"),
        Err(e) => assert!(
            e.to_string()
                .contains("libcudnn.so (cuDNN 9) was not found"),
            "{e}"
        ),
    }
}
