//! The training tests on the native factories.

#[macro_use]
mod conformance;

conformance_tests!(native_float, f32, Some(la_core::native_float()));
conformance_tests!(native_double, f64, Some(la_core::native_double()));
