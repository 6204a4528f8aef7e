//! The device generator's algorithm, Philox4x32-10, against the known-answer vectors
//! of its authors (Random123's kat_vectors), and the device samples (on a GPU) against
//! the distribution they claim.

use la_cuda::philox4x32_10;

#[test]
fn philox_matches_the_known_answer_vectors() {
    assert_eq!(
        philox4x32_10([0; 4], [0; 2]),
        [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
    );
    assert_eq!(
        philox4x32_10([u32::MAX; 4], [u32::MAX; 2]),
        [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]
    );
    assert_eq!(
        philox4x32_10(
            [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
            [0xa4093822, 0x299f31d0]
        ),
        [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]
    );
}

#[test]
fn device_samples_follow_their_distribution_and_their_key() {
    use la_core::prelude::*;
    use la_core::{rand_normal_fast, rand_uniform_fast};
    let Some(f) = la_cuda::test_factory::<f32>() else {
        return;
    };
    let before = la_cuda::counts(&f).unwrap();
    let mut x = f.vctr(100_000).unwrap();
    rand_uniform_fast(&mut seeded_rng(3), -1.0, 2.0, &mut x).unwrap();
    let after = la_cuda::counts(&f).unwrap();
    assert_eq!(
        after.writes, before.writes,
        "drawn on the device, not copied"
    );
    let v = x.to_vec().unwrap();
    assert!(v.iter().all(|u| (-1.0..2.0).contains(u)));
    let mean = v.iter().map(|&u| f64::from(u)).sum::<f64>() / v.len() as f64;
    assert!((mean - 0.5).abs() < 0.02, "{mean}");
    // element 0 is the first word of Philox block 0 under the key drawn from the seed
    use la_core::rand::RngCore;
    let key = seeded_rng(3).next_u64();
    let w = philox4x32_10([0; 4], [key as u32, (key >> 32) as u32]);
    let want = -1.0 + 3.0 * ((w[0] >> 8) as f32 * 2f32.powi(-24));
    assert!(
        (v[0] - want).abs() <= 4.0 * f32::EPSILON,
        "{} vs {want}",
        v[0]
    );
    let mut y = f.vctr(100_000).unwrap();
    rand_uniform_fast(&mut seeded_rng(3), -1.0, 2.0, &mut y).unwrap();
    assert_eq!(v, y.to_vec().unwrap(), "same seed, same numbers");
    rand_normal_fast(&mut seeded_rng(4), 1.0, 2.0, &mut y).unwrap();
    let v: Vec<f64> = y.to_vec().unwrap().into_iter().map(f64::from).collect();
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
    assert!(
        (mean - 1.0).abs() < 0.03 && (sd - 2.0).abs() < 0.03,
        "{mean} {sd}"
    );
}
