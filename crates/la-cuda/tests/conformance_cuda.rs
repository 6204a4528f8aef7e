//! The la-core conformance suite on the CUDA factories (`SKIP` without a GPU;
//! `DLFP_REQUIRE_CUDA=1` makes that a failure on GPU hosts).

la_core::conformance_tests!(cuda_float, f32, la_cuda::test_factory::<f32>());
la_core::conformance_tests!(cuda_double, f64, la_cuda::test_factory::<f64>());
