//! Device discovery and set-up: errors, never panics.

fn require() -> bool {
    std::env::var("DLFP_REQUIRE_OPENCL").as_deref() == Ok("1")
}

#[test]
fn devices_are_listed_once_and_setup_picks_one() {
    let devices = match la_opencl::devices() {
        Ok(d) => d,
        Err(e) => {
            assert!(!require(), "DLFP_REQUIRE_OPENCL=1 but {e}");
            println!("SKIP: {e}");
            return;
        }
    };
    assert!(!devices.is_empty());
    // The enumeration is cached: the same slice comes back.
    assert!(std::ptr::eq(devices, la_opencl::devices().unwrap()));
    let d = &devices[0];
    assert!(!d.device_name.is_empty() && d.compute_units > 0, "{d:?}");
    let cl = la_opencl::setup(d.platform_index, d.device_index).unwrap();
    assert_eq!(cl.device.device_name, d.device_name);
    let best = la_opencl::default_setup().unwrap();
    assert!(devices
        .iter()
        .any(|e| e.device_name == best.device.device_name));
}

#[test]
fn a_missing_device_is_an_error() {
    if la_opencl::devices().is_err() {
        return; // covered by the test above
    }
    let e = la_opencl::setup(99, 0).unwrap_err();
    assert!(e.to_string().contains("no OpenCL device (99, 0)"), "{e}");
}

#[test]
fn factories_on_an_explicit_queue() {
    let Ok(cl) = la_opencl::default_setup() else {
        return;
    };
    let f = la_opencl::opencl_float(&cl.context, &cl.queue).unwrap();
    assert_eq!(f.name(), "opencl-float");
    // A second factory on the same queue is a different factory: no silent mixing.
    let g = la_opencl::opencl_float(&cl.context, &cl.queue).unwrap();
    assert!(!f.same(&g));
    if la_opencl::devices().unwrap()[0].fp64 {
        assert_eq!(
            la_opencl::opencl_double(&cl.context, &cl.queue)
                .unwrap()
                .name(),
            "opencl-double"
        );
    }
}
