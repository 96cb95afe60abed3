//! Source ids and random streams derived from the seed.
//!
//! Ids must be unique without coordination between the parallel chunks, and
//! must not reveal who is who (two cards of one person must not get
//! neighbouring numbers). An affine map `x ↦ (a·x + b) mod 10^k` with `a`
//! prime to 10 is a bijection of `0..10^k`, so distinct `x` give distinct ids,
//! and with `a` large consecutive `x` land far apart.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// SplitMix64's finalizer: a bijective 64-bit mix, used to derive seeds and
/// hash-like values from counters.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// What a random stream is used for; each purpose gets independent streams.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Purpose {
    Population = 1,
    Records = 2,
    Events = 3,
    Stores = 4,
    Dedup = 5,
}

/// The random stream of one chunk for one purpose.
pub(crate) fn stream(seed: u64, purpose: Purpose, chunk: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(mix(seed ^ mix(purpose as u64)));
    rng.set_stream(chunk);
    rng
}

/// A bijection of `0..10^digits`, keyed by the seed and a purpose.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scrambler {
    a: u128,
    b: u128,
    m: u128,
    digits: usize,
}

impl Scrambler {
    pub fn new(seed: u64, purpose: u64, digits: u32) -> Self {
        let m = 10u128.pow(digits);
        let key = mix(seed ^ mix(purpose.wrapping_mul(0x51_7CC1_B727_220A)));
        // Last digit 1, 3, 7 or 9 makes `a` prime to 10^k; the high part keeps
        // it large so that neighbours are scattered.
        let last = [1u128, 3, 7, 9][(key & 3) as usize];
        let a = (u128::from(key >> 2) % (m / 10)) * 10 + last;
        let b = u128::from(mix(key)) % m;
        Scrambler {
            a,
            b,
            m,
            digits: digits as usize,
        }
    }

    /// The image of `x` (taken modulo `10^digits`).
    pub fn apply(&self, x: u64) -> u64 {
        // Below 10^19 for the digit counts used, so it fits a u64.
        ((self.a * (u128::from(x) % self.m) + self.b) % self.m) as u64
    }

    /// The image of `x`, zero-padded to the scrambler's width.
    pub fn padded(&self, x: u64) -> String {
        format!("{:0width$}", self.apply(x), width = self.digits)
    }
}

/// A UUID-shaped string (version 4 layout) from two 64-bit values.
pub(crate) fn uuid(hi: u64, lo: u64, upper: bool) -> String {
    let hi = (hi & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
    let lo = (lo & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    let s = format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    );
    if upper { s.to_ascii_uppercase() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrambler_is_a_bijection_on_a_small_range() {
        let s = Scrambler::new(42, 7, 3);
        let mut seen = [false; 1000];
        for x in 0..1000 {
            let y = s.apply(x) as usize;
            assert!(!seen[y], "collision at {x}");
            seen[y] = true;
        }
        assert_eq!(s.padded(0).len(), 3);
        assert_ne!(s.apply(1).abs_diff(s.apply(0)), 1);
    }

    #[test]
    fn uuid_shape() {
        let u = uuid(mix(1), mix(2), false);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(uuid(1, 2, true).chars().all(|c| !c.is_ascii_lowercase()));
    }
}
