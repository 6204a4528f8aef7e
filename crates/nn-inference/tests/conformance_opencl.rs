//! nn-inference's network tests on the OpenCL factories (PoCL on machines without a GPU).

#[macro_use]
mod conformance;

conformance_tests!(opencl_float, f32, la_opencl::test_factory::<f32>());
conformance_tests!(opencl_double, f64, la_opencl::test_factory::<f64>());
