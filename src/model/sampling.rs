//! Small, fast samplers for the counts drawn every simulated month.
//!
//! The Poisson mean changes every month (effort decays), so a sampler object cannot be built
//! once; these functions take the mean directly and are cheap for the small means that
//! dominate (a few recruits or customers a month).

use rand::{Rng, RngExt};
use rand_distr::{Binomial, Distribution, Poisson};

/// Below this mean, Poisson draws use sequential inversion (one uniform, about `lambda`
/// multiplications); above it, rand_distr's PTRS rejection sampler.
const INVERSION_LIMIT: f64 = 20.0;

/// One Poisson(`lambda`) draw. `lambda <= 0` gives 0 without consuming randomness.
// Always inlined: it is the innermost call of the monthly loop, and a call per draw showed up
// as a measurable share of the engine's time on the reduced benchmark.
#[inline(always)]
pub fn poisson<R: Rng + ?Sized>(rng: &mut R, lambda: f64) -> u64 {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda < INVERSION_LIMIT {
        let u: f64 = rng.random();
        // Most months draw small means, and most of their draws are 0: `1 - lambda` is below
        // `exp(-lambda)` = P(0) by at least `lambda^2 / 3` (for lambda <= 1), which for
        // lambda > 1e-6 is a thousand times the rounding of either side, so a `u` below it is
        // a 0 without computing the exponential (the same draw, exactly).
        if u <= 1.0 - lambda && lambda > 1e-6 {
            return 0;
        }
        let mut p = (-lambda).exp();
        let mut cdf = p;
        let mut k = 0u64;
        // The tail beyond 10*lambda + 50 has probability far below 2^-53.
        let cap = (10.0 * lambda + 50.0) as u64;
        while u > cdf && k < cap {
            k += 1;
            p *= lambda / k as f64;
            cdf += p;
        }
        k
    } else {
        match Poisson::new(lambda) {
            Ok(d) => {
                let x: f64 = d.sample(rng);
                x as u64
            }
            // Only reachable for absurd means, which validation rules out.
            Err(_) => lambda.round() as u64,
        }
    }
}

/// One Binomial(`n`, `p`) draw; `n == 0` or `p <= 0` gives 0 without consuming randomness.
#[inline]
pub fn binomial<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    if n <= 16 {
        (0..n).filter(|_| rng.random::<f64>() < p).count() as u64
    } else {
        match Binomial::new(n, p) {
            Ok(d) => d.sample(rng),
            Err(_) => (n as f64 * p).round() as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rng::{stream, Purpose};

    fn moments(samples: &[u64]) -> (f64, f64) {
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<u64>() as f64 / n;
        let var = samples
            .iter()
            .map(|&x| (x as f64 - mean).powi(2))
            .sum::<f64>()
            / (n - 1.0);
        (mean, var)
    }

    #[test]
    fn poisson_mean_and_variance_match_lambda_on_both_paths() {
        let mut rng = stream(42, Purpose::Recruiting);
        for &lambda in &[0.3, 4.0, 19.5, 25.0, 120.0] {
            let n = 40_000;
            let xs: Vec<u64> = (0..n).map(|_| poisson(&mut rng, lambda)).collect();
            let (mean, var) = moments(&xs);
            // SE of the mean is sqrt(lambda/n); of the variance about lambda*sqrt(2/n).
            let se_mean = (lambda / n as f64).sqrt();
            let se_var = lambda * (2.0 / n as f64).sqrt() + (lambda / n as f64).sqrt();
            assert!(
                (mean - lambda).abs() < 5.0 * se_mean,
                "lambda {lambda}: mean {mean}"
            );
            assert!(
                (var - lambda).abs() < 5.0 * se_var,
                "lambda {lambda}: var {var}"
            );
        }
        assert_eq!(poisson(&mut rng, 0.0), 0);
    }

    /// The zero shortcut changes no draw: on the same uniforms, `poisson` gives exactly the
    /// plain inversion's count, for means from below the shortcut's threshold to the
    /// inversion limit, and with uniforms right at `1 - lambda` and `exp(-lambda)`.
    #[test]
    fn zero_shortcut_gives_the_plain_inversion() {
        fn plain(u: f64, lambda: f64) -> u64 {
            let mut p = (-lambda).exp();
            let mut cdf = p;
            let mut k = 0u64;
            let cap = (10.0 * lambda + 50.0) as u64;
            while u > cdf && k < cap {
                k += 1;
                p *= lambda / k as f64;
                cdf += p;
            }
            k
        }
        /// A generator that hands out the given uniform (as `random::<f64>` reads it).
        struct Fixed(u64);
        impl rand::TryRng for Fixed {
            type Error = std::convert::Infallible;
            fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
                Ok((self.0 >> 32) as u32)
            }
            fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
                Ok(self.0)
            }
            fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Self::Error> {
                dest.fill(0);
                Ok(())
            }
        }
        // `random::<f64>()` takes the top 53 bits: u = (x >> 11) * 2^-53.
        let word = |u: f64| ((u * (1u64 << 53) as f64) as u64) << 11;
        let mut rng = stream(44, Purpose::Recruiting);
        let lambdas: [f64; 11] = [
            1e-9, 1e-7, 1e-6, 2e-6, 1e-3, 0.05, 0.5, 0.999, 1.0, 3.0, 19.9,
        ];
        for lambda in lambdas {
            let edges = [1.0 - lambda, (-lambda).exp()];
            let mut us: Vec<f64> = (0..20_000).map(|_| rng.random::<f64>()).collect();
            for e in edges {
                for step in -3i64..=3 {
                    let u = f64::from_bits((e.max(0.0).to_bits() as i64 + step).max(0) as u64);
                    if (0.0..1.0).contains(&u) {
                        us.push(u);
                    }
                }
            }
            for u in us {
                let mut fixed = Fixed(word(u));
                let drawn_u: f64 = Fixed(word(u)).random();
                assert_eq!(
                    poisson(&mut fixed, lambda),
                    plain(drawn_u, lambda),
                    "lambda {lambda:e}, u {drawn_u:e}"
                );
            }
        }
    }

    #[test]
    fn binomial_mean_matches_np_on_both_paths() {
        let mut rng = stream(43, Purpose::Customers);
        for &(n_trials, p) in &[(5u64, 0.3), (200u64, 0.07)] {
            let n = 40_000;
            let xs: Vec<u64> = (0..n).map(|_| binomial(&mut rng, n_trials, p)).collect();
            let (mean, _) = moments(&xs);
            let expect = n_trials as f64 * p;
            let se = (n_trials as f64 * p * (1.0 - p) / n as f64).sqrt();
            assert!(
                (mean - expect).abs() < 5.0 * se,
                "n {n_trials} p {p}: mean {mean}"
            );
        }
    }
}
