//! Without oneDNN, the factory is an error that names the package; no panic. (Its
//! own test binary: the library is probed once per process.)

#[test]
fn a_missing_library_is_an_error_naming_the_package() {
    std::env::set_var("DLFP_DNNL_LIB", "/nonexistent/libdnnl.so.2");
    let e = tensor_dnnl::dnnl_float(&la_core::native_float())
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent/libdnnl.so.2"), "{e}");
    assert!(e.contains("apt-get install libdnnl2"), "{e}");
    assert!(tensor_dnnl::version().is_err());
    assert!(tensor_dnnl::DnnlDnn::new().is_err());
}
