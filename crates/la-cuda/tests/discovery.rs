//! Device discovery, set-up and the engine contract: errors, never panics, with or
//! without a GPU.

use la_core::prelude::*;

fn require() -> bool {
    std::env::var("DLFP_REQUIRE_CUDA").as_deref() == Ok("1")
}

#[test]
fn without_a_gpu_every_entry_point_is_an_error_that_says_why() {
    let Err(e) = la_cuda::devices() else {
        return; // a GPU host: the tests below cover it
    };
    assert!(!require(), "DLFP_REQUIRE_CUDA=1 but {e}");
    let msg = e.to_string();
    assert!(msg.starts_with("cuda: "), "{msg}");
    assert!(
        msg.contains("libcuda.so") || msg.contains("no CUDA device") || msg.contains("driver"),
        "{msg}"
    );
    assert_eq!(la_cuda::default_setup().unwrap_err().to_string(), msg);
    assert_eq!(la_cuda::setup(3).unwrap_err().to_string(), msg);
    assert_eq!(la_cuda::device_count().unwrap_err().to_string(), msg);
    // The host factories are untouched by CUDA's absence.
    la_cuda::synchronize(&native_float()).unwrap();
    assert_eq!(la_cuda::counts(&native_float()), None);
}

#[test]
fn devices_are_listed_and_setup_picks_one() {
    let Ok(devices) = la_cuda::devices() else {
        return;
    };
    assert!(std::ptr::eq(devices, la_cuda::devices().unwrap()));
    let d = &devices[0];
    assert!(
        !d.name.is_empty() && d.memory > 0 && d.compute_capability.0 >= 5,
        "{d:?}"
    );
    let s = la_cuda::setup(0).unwrap();
    assert_eq!(s.device, *d);
    let e = la_cuda::setup(devices.len()).unwrap_err().to_string();
    assert!(
        e.contains(&format!("no CUDA device {}", devices.len())),
        "{e}"
    );
    let f = la_cuda::cuda_float(&s.context, &s.stream).unwrap();
    assert_eq!(f.name(), "cuda-float");
    // A second factory on the same stream is a different factory: no silent mixing.
    let g = la_cuda::cuda_float(&s.context, &s.stream).unwrap();
    assert!(!f.same(&g));
    let x = f.vctr_from(&[1.0, 2.0]).unwrap();
    let y = g.vctr_from(&[1.0, 2.0]).unwrap();
    assert!(dot(&x, &y).is_err());
}

#[test]
fn launches_and_transfers_are_counted() {
    let Some(f) = la_cuda::test_factory::<f32>() else {
        return;
    };
    let before = la_cuda::counts(&f).unwrap();
    let x = f.vctr_from(&[1.0, -2.0, 3.0]).unwrap();
    assert_eq!(asum(&x).unwrap(), 6.0);
    la_cuda::synchronize(&f).unwrap();
    let after = la_cuda::counts(&f).unwrap();
    assert_eq!(
        (
            after.writes - before.writes,
            after.reads - before.reads,
            after.launches - before.launches
        ),
        (1, 1, 1)
    );
}

#[test]
fn hand_made_regions_cannot_reach_outside_a_buffer() {
    use la_core::engine::Region;
    use la_core::{Dense, DenseMut};
    let Some(f) = la_cuda::test_factory::<f32>() else {
        return;
    };
    let mut v = f.vctr(10).unwrap();
    let mut out = vec![0.0f32; 100];
    let e = f
        .engine()
        .read(v.storage(), Region::vector(0, 100, 1), &mut out)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("reaches past the buffer's 10 elements"),
        "{e}"
    );
    assert!(f
        .engine()
        .write(v.storage_mut(), Region::vector(5, 10, 1), &out[..10])
        .is_err());
    let huge = Region {
        offset: usize::MAX,
        m: 2,
        n: 1,
        rs: 1,
        cs: 2,
    };
    assert!(f.engine().read(v.storage(), huge, &mut out[..2]).is_err());
    f.engine()
        .read(v.storage(), Region::vector(0, 4, 3), &mut out[..4])
        .unwrap();
}

#[test]
fn a_huge_allocation_names_its_size() {
    let Some(f) = la_cuda::test_factory::<f32>() else {
        return;
    };
    let e = f.vctr(1 << 40).unwrap_err().to_string();
    assert!(e.contains("allocating 1099511627776 elements"), "{e}");
}
