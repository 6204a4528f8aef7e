//! nn-train's training tests on the OpenCL factories (PoCL on machines without a GPU).

nn_train::conformance_tests!(opencl_float, f32, la_opencl::test_factory::<f32>());
nn_train::conformance_tests!(opencl_double, f64, la_opencl::test_factory::<f64>());
