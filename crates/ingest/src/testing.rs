//! What the unit tests share.

/// Random numbers from a fixed seed (xorshift): the same on every run, so a
/// failing case fails again. Each call gives a number below its argument.
pub(crate) fn random() -> impl FnMut(usize) -> usize {
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    move |below| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % below as u64) as usize
    }
}
