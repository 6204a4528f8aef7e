//! tensor-core's conformance suite on the CUDA factories (tensors, reorders, batches
//! and the composed DNN defaults on la-cuda), and its DNN primitives with Deep
//! Diamond's golden values on cuDNN. `SKIP` without a GPU; `DLFP_REQUIRE_CUDA=1`
//! makes that a failure on GPU hosts.

tensor_core::tensor_conformance_tests!(cuda_float, f32, la_cuda::test_factory::<f32>());
tensor_core::tensor_conformance_tests!(cuda_double, f64, la_cuda::test_factory::<f64>());

#[test]
fn dnn_primitives_and_golden_values_on_cudnn_float() {
    if let Some(dnn) = tensor_cudnn::test_factory::<f32>() {
        assert!(dnn.dnn_name().starts_with("cudnn "), "{}", dnn.dnn_name());
        tensor_core::conformance::dnn_primitives_on(&dnn);
        tensor_core::conformance::dnn_golden_values_on(&dnn);
    }
}

#[test]
fn dnn_primitives_and_golden_values_on_cudnn_double() {
    if let Some(dnn) = tensor_cudnn::test_factory::<f64>() {
        tensor_core::conformance::dnn_primitives_on(&dnn);
        tensor_core::conformance::dnn_golden_values_on(&dnn);
    }
}
