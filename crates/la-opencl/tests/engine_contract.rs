//! The engine contract on OpenCL: an allocation the device cannot make says why, and
//! regions made by hand are checked against their buffer before they reach the device.

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

#[test]
fn hand_made_regions_cannot_reach_outside_a_buffer() {
    use la_core::engine::Region;
    use la_core::{Dense, DenseMut};
    let Some(f) = la_opencl::test_factory::<f32>() else {
        return;
    };
    let mut v = f.vctr(10).unwrap();
    let mut out = vec![0.0f32; 100];
    let past = Region::vector(0, 100, 1);
    let e = f.engine().read(v.storage(), past, &mut out).unwrap_err();
    assert!(
        e.to_string()
            .contains("reaches past the buffer's 10 elements"),
        "{e}"
    );
    let shifted = Region::vector(5, 10, 1);
    assert!(f
        .engine()
        .write(v.storage_mut(), shifted, &out[..10])
        .is_err());
    let huge = Region {
        offset: usize::MAX,
        m: 2,
        n: 1,
        rs: 1,
        cs: 2,
    };
    assert!(f.engine().read(v.storage(), huge, &mut out[..2]).is_err());
    let strided = Region::vector(0, 5, 3); // elements 0, 3, ..., 12
    assert!(f
        .engine()
        .read(v.storage(), strided, &mut out[..5])
        .is_err());
    // a region inside still works
    f.engine()
        .read(v.storage(), Region::vector(0, 4, 3), &mut out[..4])
        .unwrap();
}
