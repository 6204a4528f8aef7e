//! Metrics on inputs a user can get wrong: empty batches, NaN predictions, mixed
//! factories — an error or a wrong answer counted as wrong, never a panic or a NaN
//! counted as right.

use la_core::prelude::*;
use nn_train::{binary_accuracy, categorical_accuracy, confusion_matrix};

#[test]
fn empty_batches_are_an_error() {
    let f = native_float();
    for (m, n) in [(0, 3), (3, 0), (0, 0)] {
        let p = f.ge(m, n, Layout::ColumnMajor).unwrap();
        let y = f.ge(m, n, Layout::ColumnMajor).unwrap();
        assert!(categorical_accuracy(&p, &y).is_err(), "{m}x{n}");
        assert!(confusion_matrix(&p, &y).is_err(), "{m}x{n}");
        let e = binary_accuracy(&p, &y).unwrap_err();
        assert!(e.to_string().contains("nothing to measure"), "{e}");
    }
}

#[test]
fn nan_predictions_are_never_right() {
    let nan = f64::NAN;
    let p = dge(3, 2, &[nan, nan, nan, 0.1, 0.8, 0.1], Layout::ColumnMajor).unwrap();
    let y = dge(3, 2, &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0], Layout::ColumnMajor).unwrap();
    assert_eq!(categorical_accuracy(&p, &y).unwrap(), 0.5);
    let e = confusion_matrix(&p, &y).unwrap_err();
    assert!(e.to_string().contains("sample 0 holds a NaN"), "{e}");
    let all_nan = dge(3, 2, &[nan; 6], Layout::ColumnMajor).unwrap();
    assert_eq!(categorical_accuracy(&all_nan, &y).unwrap(), 0.0);
    let pb = dge(1, 2, &[nan, 0.2], Layout::ColumnMajor).unwrap();
    let yb = dge(1, 2, &[0.0, 0.0], Layout::ColumnMajor).unwrap();
    assert_eq!(binary_accuracy(&pb, &yb).unwrap(), 0.5);
}

#[test]
fn mixed_factories_are_an_error() {
    if let Some(cl) = la_opencl::test_factory::<f32>() {
        let p = native_float().ge(1, 2, Layout::ColumnMajor).unwrap();
        let y = cl.ge(1, 2, Layout::ColumnMajor).unwrap();
        assert!(binary_accuracy(&p, &y).is_err());
        assert!(categorical_accuracy(&p, &y).is_err());
    }
}
