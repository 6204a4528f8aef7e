//! The la-core conformance suite on the MKL and OpenBLAS factories.

la_core::conformance_tests!(
    mkl_float,
    f32,
    la_mkl::test_factory(la_mkl::mkl_float, "DLFP_REQUIRE_MKL")
);
la_core::conformance_tests!(
    mkl_double,
    f64,
    la_mkl::test_factory(la_mkl::mkl_double, "DLFP_REQUIRE_MKL")
);
la_core::conformance_tests!(
    openblas_float,
    f32,
    la_mkl::test_factory(la_mkl::openblas_float, "DLFP_REQUIRE_OPENBLAS")
);
la_core::conformance_tests!(
    openblas_double,
    f64,
    la_mkl::test_factory(la_mkl::openblas_double, "DLFP_REQUIRE_OPENBLAS")
);
