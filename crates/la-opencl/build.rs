//! Links CLBlast (Debian: `libclblast-dev`); OpenCL itself is linked by `ocl`.
fn main() {
    println!("cargo:rustc-link-lib=clblast");
}
