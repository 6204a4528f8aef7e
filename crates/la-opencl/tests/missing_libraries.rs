//! Without the OpenCL loader, every entry point is an error that says what to install:
//! no link error, no panic. (Its own test binary: the loader is probed once per process.)

#[test]
fn a_missing_loader_is_an_error_naming_the_packages() {
    std::env::set_var("DLFP_OPENCL_LIB", "/nonexistent/libOpenCL.so.1");
    for e in [
        la_opencl::devices().map(|_| ()).unwrap_err(),
        la_opencl::default_setup().map(|_| ()).unwrap_err(),
        la_opencl::setup(0, 0).map(|_| ()).unwrap_err(),
    ] {
        let m = e.to_string();
        assert!(m.contains("/nonexistent/libOpenCL.so.1"), "{m}");
        assert!(
            m.contains("apt-get install") && m.contains("pocl-opencl-icd"),
            "{m}"
        );
    }
    // the tests' factory skips (or fails when OpenCL is required)
    if std::env::var("DLFP_REQUIRE_OPENCL").as_deref() != Ok("1") {
        assert!(la_opencl::test_factory::<f32>().is_none());
    }
}
