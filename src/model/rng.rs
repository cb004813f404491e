//! Random streams: every career, every person in its downline, and every purpose gets its own.
//!
//! A stream is a Xoshiro256++ generator (a named, portable algorithm, so a seed means the same
//! numbers on every platform and rand version) seeded from a 64-bit key:
//!
//! * followed career `k` of a run with seed `s`: `key = mix(mix(s, SALT), k)`;
//! * the `n`-th recruit (0-based, in recruiting order) of a person with key `p`:
//!   `key = mix(p, n + 1) ^ CHILD_SALT`;
//! * the stream for one purpose of a person: `seed_from_u64(mix(key, purpose))`.
//!
//! The company world's members draw from short-lived streams per (person, month, phase,
//! purpose) instead ([`super::step::Streams::for_month`], SplitMix64: seeding is what such a
//! stream costs).
//!
//! Because streams depend only on (seed, career index, position in the downline, purpose),
//! results cannot depend on thread count, chunking or shard boundaries. Separate purposes give
//! **common random numbers** across scenarios: career `k` meets the same life events and the
//! same trait draws whatever the recruiting parameters are, so a parameter change moves only
//! what it should.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator every stream uses.
pub type Stream = Xoshiro256PlusPlus;

const SALT: u64 = 0x6d6c_6d2d_7369_6d31; // "mlm-sim1"
const CHILD_SALT: u64 = 0x9e37_79b9_7f4a_7c15;

/// What a stream is used for. Each purpose is independent of the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Drawing the person's parameters from their distributions.
    Traits = 1,
    /// Recruits joining.
    Recruiting = 2,
    /// Customers won and lost.
    Customers = 3,
    /// Rejections heard.
    Rejections = 4,
    /// Life events (quitting for reasons outside the business).
    LifeEvents = 5,
    /// Drifting away unsupported.
    Neglect = 6,
    /// Drawing the person's kind of participant (issue 12, H2; only when kinds are on).
    Kind = 7,
}

/// SplitMix64 finaliser of `a` combined with `b`: a fast, well-mixed 64-bit hash.
#[inline(always)]
pub fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_mul(0xbf58_476d_1ce4_e5b9).rotate_left(31);
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Key of followed career `index` in a run seeded with `seed`.
#[inline]
pub fn career_key(seed: u64, index: u64) -> u64 {
    mix(mix(seed, SALT), index)
}

/// Key of the `ordinal`-th recruit (0-based) of the person with key `parent`.
#[inline]
pub fn child_key(parent: u64, ordinal: u64) -> u64 {
    mix(parent, ordinal + 1) ^ CHILD_SALT
}

/// The stream for one purpose of the person with `key`.
#[inline]
pub fn stream(key: u64, purpose: Purpose) -> Stream {
    Stream::seed_from_u64(mix(key, purpose as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: u64 = stream(career_key(1, 7), Purpose::Recruiting).random();
        let b: u64 = stream(career_key(1, 7), Purpose::Recruiting).random();
        let c: u64 = stream(career_key(1, 8), Purpose::Recruiting).random();
        let d: u64 = stream(career_key(1, 7), Purpose::LifeEvents).random();
        let e: u64 = stream(career_key(2, 7), Purpose::Recruiting).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert_ne!(a, e);
        assert_ne!(child_key(career_key(1, 7), 0), career_key(1, 8));
    }
}
