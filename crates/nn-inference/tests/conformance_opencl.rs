//! nn-inference's network tests on the OpenCL factories (PoCL on machines without a GPU).

nn_inference::conformance_tests!(opencl_float, f32, la_opencl::test_factory::<f32>());
nn_inference::conformance_tests!(opencl_double, f64, la_opencl::test_factory::<f64>());
