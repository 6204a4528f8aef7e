//! The la-core conformance suite on the OpenCL factories (PoCL on machines without a GPU).

la_core::conformance_tests!(opencl_float, f32, la_opencl::test_factory::<f32>());
la_core::conformance_tests!(opencl_double, f64, la_opencl::test_factory::<f64>());
