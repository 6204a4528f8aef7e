//! nn-train's training tests on the CUDA factories (`SKIP` without a GPU).

#[macro_use]
mod conformance;

conformance_tests!(cuda_float, f32, la_cuda::test_factory::<f32>());
conformance_tests!(cuda_double, f64, la_cuda::test_factory::<f64>());
