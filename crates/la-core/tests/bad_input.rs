//! Inputs a user can get wrong answer with an error, never a panic (issue: reliability).

use la_core::prelude::*;
use la_core::sparse::CscMatrix;

#[test]
fn uniform_bounds_with_an_infinite_width_are_an_error() {
    let mut v = native_float().vctr(4).unwrap();
    let e = rand_uniform_range(&mut seeded_rng(1), -f32::MAX, f32::MAX, &mut v).unwrap_err();
    assert!(e.to_string().contains("finite width"), "{e}");
    let mut d = native_double().vctr(4).unwrap();
    assert!(rand_uniform_range(&mut seeded_rng(1), -f64::MAX, f64::MAX, &mut d).is_err());
    // a wide but finite range still works
    rand_uniform_range(&mut seeded_rng(1), -1e30f32, 1e30, &mut v).unwrap();
    assert!(v.to_vec().unwrap().iter().all(|x| x.is_finite()));
}

#[test]
fn sparse_capacity_is_a_hint_and_columns_have_a_checked_form() {
    let mut m = CscMatrix::<f32>::with_capacity(3, 2, usize::MAX);
    let m2 = CscMatrix::<f32>::with_capacity(3, usize::MAX, 0);
    assert_eq!(m2.ncols(), 0);
    m.push_col(&[1], &[2.5]).unwrap();
    assert_eq!(m.try_col(0).unwrap(), (&[1u32][..], &[2.5f32][..]));
    let e = m.try_col(1).unwrap_err();
    assert!(
        e.to_string()
            .contains("column 1 is out of range for 1 columns"),
        "{e}"
    );
}
