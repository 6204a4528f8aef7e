//! An allocation the device cannot make is an error that says why.

#[test]
fn a_huge_allocation_names_its_size_and_a_cause() {
    let Some(f) = la_opencl::test_factory::<f32>() else {
        return;
    };
    let e = f.vctr(10_000_000_000).unwrap_err().to_string();
    assert!(
        e.contains("allocating 10000000000 elements (40000000000 bytes"),
        "{e}"
    );
    let cause = e.rsplit("): ").next().unwrap_or("");
    assert!(!cause.trim().is_empty(), "empty cause: {e}");
    assert!(!e.contains('\n'), "one line: {e:?}");
    assert!(
        e.contains("CL_INVALID_BUFFER_SIZE") || e.contains("MEM"),
        "{e}"
    );
}
