//! With OpenCL but without CLBlast, making a factory is an error that says what to
//! install. (Its own test binary: CLBlast is probed once per process.)

#[test]
fn a_missing_clblast_is_an_error_naming_the_package() {
    std::env::set_var("DLFP_CLBLAST_LIB", "/nonexistent/libclblast.so.1");
    let Ok(cl) = la_opencl::default_setup() else {
        println!("SKIP: no OpenCL platform");
        return;
    };
    let e = la_opencl::opencl_float(&cl.context, &cl.queue).unwrap_err();
    let m = e.to_string();
    assert!(m.contains("CLBlast") && m.contains("libclblast1"), "{m}");
}
