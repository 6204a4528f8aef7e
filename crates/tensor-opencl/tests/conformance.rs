//! tensor-core's DNN conformance on tensor-opencl's kernels (PoCL on a CPU machine):
//! bias + activation, activation backward and softmax against f64 on both layouts and
//! a submatrix, Deep Diamond's golden values, and every optimizer's update against an
//! f64 reference. `SKIP` without OpenCL unless `DLFP_REQUIRE_OPENCL=1`.

#[test]
fn dnn_primitives_golden_values_and_updates_on_opencl_float() {
    if let Some(dnn) = tensor_opencl::test_factory::<f32>() {
        assert_eq!(dnn.dnn_name(), "opencl");
        tensor_core::conformance::dnn_primitives_on(&dnn);
        tensor_core::conformance::dnn_golden_values_on(&dnn);
    }
}

#[test]
fn dnn_primitives_golden_values_and_updates_on_opencl_double() {
    if let Some(dnn) = tensor_opencl::test_factory::<f64>() {
        tensor_core::conformance::dnn_primitives_on(&dnn);
        tensor_core::conformance::dnn_golden_values_on(&dnn);
    }
}
