//! The tensor/DNN conformance suite on every factory this machine has: native (always),
//! MKL and OpenBLAS (when their libraries load), OpenCL (PoCL on machines without a
//! GPU; `DLFP_REQUIRE_OPENCL=1` makes a missing platform fatal).

tensor_core::tensor_conformance_tests!(native_float, f32, Some(la_core::native_float()));
tensor_core::tensor_conformance_tests!(native_double, f64, Some(la_core::native_double()));
tensor_core::tensor_conformance_tests!(opencl_float, f32, la_opencl::test_factory::<f32>());
tensor_core::tensor_conformance_tests!(opencl_double, f64, la_opencl::test_factory::<f64>());
tensor_core::tensor_conformance_tests!(
    openblas_float,
    f32,
    la_mkl::test_factory(la_mkl::openblas_float, "DLFP_REQUIRE_OPENBLAS")
);
tensor_core::tensor_conformance_tests!(
    mkl_double,
    f64,
    la_mkl::test_factory(la_mkl::mkl_double, "DLFP_REQUIRE_MKL")
);
