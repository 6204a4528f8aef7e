//! A missing library is one clear error naming what to install, never a panic or a
//! link error. (Its own test binary: the library search runs once per process.)

#[test]
fn missing_mkl_is_one_clear_error() {
    // Point every search location at nothing. (Edition 2021: set_var is safe; this
    // binary has a single test, so no other thread reads the environment.)
    std::env::remove_var("MKLROOT");
    std::env::set_var("DLFP_MKL_DIR", "/nonexistent/dlfp-mkl");
    std::env::set_var("DLFP_MKL_LIB", "/nonexistent/libmkl_rt.so");
    match la_mkl::mkl_float() {
        Ok(f) => println!(
            "SKIP: MKL is on the system loader path ({}); nothing to check",
            f.name()
        ),
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.starts_with("mkl: Intel MKL (libmkl_rt) not found"),
                "{msg}"
            );
            assert!(msg.contains("cargo xtask setup mkl"), "{msg}");
            assert!(
                msg.contains("/nonexistent/libmkl_rt.so"),
                "says where it looked: {msg}"
            );
            // Asking again gives the same error (the search runs once).
            assert_eq!(la_mkl::mkl_double().unwrap_err().to_string(), msg);
        }
    }
}
