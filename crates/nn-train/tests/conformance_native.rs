//! The training tests on the native factories.

nn_train::conformance_tests!(native_float, f32, Some(la_core::native_float()));
nn_train::conformance_tests!(native_double, f64, Some(la_core::native_double()));
