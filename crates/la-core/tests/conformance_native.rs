//! The conformance suite on the native factories.

la_core::conformance_tests!(native_float, f32, Some(la_core::native_float()));
la_core::conformance_tests!(native_double, f64, Some(la_core::native_double()));
