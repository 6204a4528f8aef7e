//! nn-train's training tests on the MKL and OpenBLAS factories.

#[macro_use]
mod conformance;

conformance_tests!(
    mkl_float,
    f32,
    la_mkl::test_factory(la_mkl::mkl_float, "DLFP_REQUIRE_MKL")
);
conformance_tests!(
    mkl_double,
    f64,
    la_mkl::test_factory(la_mkl::mkl_double, "DLFP_REQUIRE_MKL")
);
conformance_tests!(
    openblas_float,
    f32,
    la_mkl::test_factory(la_mkl::openblas_float, "DLFP_REQUIRE_OPENBLAS")
);
conformance_tests!(
    openblas_double,
    f64,
    la_mkl::test_factory(la_mkl::openblas_double, "DLFP_REQUIRE_OPENBLAS")
);
