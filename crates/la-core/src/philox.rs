//! Philox4x32-10 on the host: the counter-based generator the device engines run
//! for [`Engine::random`](crate::engine::Engine::random) (la-cuda's `kernels.cu`,
//! la-opencl's `kernels.cl`), mirrored here for their tests.

/// One Philox4x32-10 block (Salmon, Moraes, Dror and Shaw, SC'11): four 32-bit words
/// from a 128-bit counter and a 64-bit key. The device engines' `random` kernels
/// compute exactly this for element `k` (its column-major position in the region) with
/// counter `[k, k >> 32, 0, 0]` and key `[seed, seed >> 32]`, the seed being one `u64`
/// drawn from the caller's generator; this copy is checked against the authors'
/// known-answer vectors.
///
/// ```
/// assert_eq!(
///     la_core::philox4x32_10([0; 4], [0; 2]),
///     [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
/// );
/// ```
pub fn philox4x32_10(mut ctr: [u32; 4], [mut k0, mut k1]: [u32; 2]) -> [u32; 4] {
    for round in 0..10 {
        if round > 0 {
            k0 = k0.wrapping_add(0x9E37_79B9);
            k1 = k1.wrapping_add(0xBB67_AE85);
        }
        let p0 = u64::from(0xD251_1F53u32) * u64::from(ctr[0]);
        let p1 = u64::from(0xCD9E_8D57u32) * u64::from(ctr[2]);
        let (hi0, lo0) = ((p0 >> 32) as u32, p0 as u32);
        let (hi1, lo1) = ((p1 >> 32) as u32, p1 as u32);
        ctr = [hi1 ^ ctr[1] ^ k0, lo1, hi0 ^ ctr[3] ^ k1, lo0];
    }
    ctr
}
