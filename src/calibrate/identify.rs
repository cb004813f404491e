//! How well a fit pins down each free key: the identification table.
//!
//! A fit that reaches an objective near 0 says nothing about whether *these* key values are
//! the ones the data ask for: two keys may trade off (raise one, lower the other, same
//! figures), or a key may barely move any target and be free to wander. We read this off the
//! **local sensitivity matrix** `J` at the fitted point: `J[i][j]` is the change of target
//! `i`'s standardised miss (miss over its uncertainty) per unit of key `j`, by central
//! differences on the same careers (common random numbers).
//!
//! With `Q = sum_i r_i^2` the objective, `F = J^T J` is the Gauss-Newton approximation of half
//! its Hessian. Then:
//!
//! * the curvature of `Q` along key `j` alone is `2 F_jj`; the key's standard error **if the
//!   other keys were fixed** is `1 / sqrt(F_jj)` (Q rises by 1 one standard error away);
//! * the covariance of the estimates with **all keys free** is `F^-1`, so its diagonal gives
//!   each key's standard error and its off-diagonal the correlations: a correlation near ±1
//!   means the two keys trade off;
//! * the eigenvalues of `F` (in unit-box coordinates, each key scaled by its bounds) say how
//!   many directions the targets pin down: a direction whose standard error exceeds half the
//!   box is not pinned ([`WANDER`]); their ratio is the condition number.
//!
//! These are local, linear statements, honest about what they are: a noisy or flat objective
//! makes them approximate, which is why the table says "approximate standard error".

use std::fmt::Write as _;

use super::targets::FreeKey;
use crate::fmt::compact as fmt_num;

/// A direction (or key) whose standard error exceeds this share of the bounds' width is "free
/// to wander": the fitted targets do not pin it within its range.
pub const WANDER: f64 = 0.5;

/// Keys whose estimates correlate beyond this are said to trade off.
pub const TRADE_OFF: f64 = 0.9;

/// Identification of one free key.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyIdentification {
    /// Scenario key.
    pub key: String,
    /// Fitted value.
    pub value: f64,
    /// Lower bound of the search.
    pub min: f64,
    /// Upper bound of the search.
    pub max: f64,
    /// Curvature of the objective along this key alone, `2 F_jj`, per key unit squared.
    pub curvature: f64,
    /// Standard error if the other keys were fixed, `1 / sqrt(F_jj)` (infinite: no target
    /// moves with the key).
    pub se_alone: f64,
    /// Standard error with every key free, `sqrt((F^-1)_jj)` (infinite: not identified).
    pub se_joint: f64,
}

impl KeyIdentification {
    /// Whether the targets pin the key within [`WANDER`] of its bounds' width.
    pub fn identified(&self) -> bool {
        self.se_joint <= WANDER * (self.max - self.min)
    }
}

/// The identification table of a fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Identification {
    /// One row per free key, in file order.
    pub keys: Vec<KeyIdentification>,
    /// Fitted target names (rows of `sensitivity`).
    pub targets: Vec<String>,
    /// `sensitivity[i][j]`: change of target i's standardised miss per 10% of key j's range.
    pub sensitivity: Vec<Vec<f64>>,
    /// Directions of the key space the targets pin down (out of the number of keys).
    pub rank: usize,
    /// Condition number of `J` in unit-box coordinates, `sqrt(max eigen / min eigen)` of `F`
    /// (infinite when some direction moves no target at all).
    pub condition: f64,
    /// Correlations of the estimates (`F^-1`, slightly regularised so that an unidentified
    /// direction shows as correlations near ±1 rather than as NaN).
    pub correlations: Vec<Vec<f64>>,
    /// Plain-words warnings: keys that trade off, keys free to wander.
    pub warnings: Vec<String>,
}

/// Eigenvalues and eigenvectors (as columns of `v`) of a symmetric matrix, by cyclic Jacobi
/// rotations: exact to rounding for the handful of keys a fit has.
pub fn symmetric_eigen(a: &[Vec<f64>]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = a.len();
    let mut a: Vec<Vec<f64>> = a.to_vec();
    let mut v: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        let scale: f64 = (0..n).map(|i| a[i][i] * a[i][i]).sum::<f64>().max(1e-300);
        if off <= 1e-30 * scale {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[p][q] == 0.0 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for row in a.iter_mut() {
                    let (akp, akq) = (row[p], row[q]);
                    row[p] = c * akp - s * akq;
                    row[q] = s * akp + c * akq;
                }
                let (row_p, row_q) = (a[p].clone(), a[q].clone());
                for (k, (apk, aqk)) in row_p.into_iter().zip(row_q).enumerate() {
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
                for row in v.iter_mut() {
                    let (vkp, vkq) = (row[p], row[q]);
                    row[p] = c * vkp - s * vkq;
                    row[q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i][i]).collect(), v)
}

/// Build the table from the sensitivity matrix `jac` (`jac[i][j]`: change of fitted target
/// i's standardised miss per unit of key j) at the fitted `values`.
pub fn analyse(
    jac: &[Vec<f64>],
    target_names: &[String],
    keys: &[FreeKey],
    values: &[f64],
) -> Identification {
    let k = keys.len();
    let range: Vec<f64> = keys.iter().map(|f| f.max - f.min).collect();
    // Unit-box coordinates: each key scaled by its bounds, so eigenvalues compare.
    let ju: Vec<Vec<f64>> = jac
        .iter()
        .map(|row| row.iter().zip(&range).map(|(d, r)| d * r).collect())
        .collect();
    let fu: Vec<Vec<f64>> = (0..k)
        .map(|a| {
            (0..k)
                .map(|b| ju.iter().map(|row| row[a] * row[b]).sum())
                .collect()
        })
        .collect();
    let (lambda, vecs) = symmetric_eigen(&fu);
    let lmax = lambda.iter().copied().fold(0.0, f64::max);
    let tiny = 1e-12 * lmax.max(1e-300);
    let pinned = |l: f64| l > tiny && 1.0 / l.sqrt() <= WANDER;
    let rank = lambda.iter().filter(|&&l| pinned(l)).count();
    let lmin = lambda.iter().copied().fold(f64::INFINITY, f64::min);
    let condition = if lmin > tiny {
        (lmax / lmin).sqrt()
    } else {
        f64::INFINITY
    };
    // Joint covariance in unit coordinates; a direction with no information makes every key
    // that leans on it (component above 1%) infinitely uncertain.
    let mut var_u = vec![0.0; k];
    for (l, e) in lambda.iter().enumerate() {
        for (j, v) in var_u.iter_mut().enumerate() {
            let c = vecs[j][l];
            if *e > tiny {
                *v += c * c / e;
            } else if c.abs() > 0.01 {
                *v = f64::INFINITY;
            }
        }
    }
    let eps = 1e-6 * lmax.max(1e-12);
    let cov_reg: Vec<Vec<f64>> = (0..k)
        .map(|a| {
            (0..k)
                .map(|b| {
                    (0..k)
                        .map(|l| vecs[a][l] * vecs[b][l] / (lambda[l].max(0.0) + eps))
                        .sum()
                })
                .collect()
        })
        .collect();
    let correlations: Vec<Vec<f64>> = (0..k)
        .map(|a| {
            (0..k)
                .map(|b| cov_reg[a][b] / (cov_reg[a][a] * cov_reg[b][b]).sqrt())
                .collect()
        })
        .collect();
    let rows: Vec<KeyIdentification> = (0..k)
        .map(|j| {
            let fjj: f64 = jac.iter().map(|row| row[j] * row[j]).sum();
            KeyIdentification {
                key: keys[j].id.spec().path.to_string(),
                value: values[j],
                min: keys[j].min,
                max: keys[j].max,
                curvature: 2.0 * fjj,
                se_alone: if fjj > 0.0 {
                    1.0 / fjj.sqrt()
                } else {
                    f64::INFINITY
                },
                se_joint: var_u[j].sqrt() * range[j],
            }
        })
        .collect();
    let mut warnings = Vec::new();
    for a in 0..k {
        for b in a + 1..k {
            let r = correlations[a][b];
            if r.abs() > TRADE_OFF && rows[a].curvature > 0.0 && rows[b].curvature > 0.0 {
                warnings.push(format!(
                    "`{}` and `{}` trade off (correlation {:+.2}): {} one and {} the other fits \
                     about as well, so the targets pin a combination of the two, not each. Fix \
                     one of them, or add a target that only one of them moves.",
                    rows[a].key,
                    rows[b].key,
                    r,
                    "raising",
                    if r < 0.0 { "lowering" } else { "raising" },
                ));
            }
        }
    }
    for r in &rows {
        if r.curvature == 0.0 {
            warnings.push(format!(
                "`{}` moves none of the fitted targets: it is not identified at all and its \
                 fitted value means nothing. Fix it, or add a target it moves.",
                r.key
            ));
        } else if !r.se_joint.is_finite() {
            warnings.push(format!(
                "`{}` is free to wander: with the other keys free the targets do not pin it at \
                 all (moving it together with other keys changes no fitted target).",
                r.key
            ));
        } else if !r.identified() {
            warnings.push(format!(
                "`{}` is free to wander: with the other keys free, the targets pin it only to \
                 ±{} (standard error), more than half its range [{}, {}].",
                r.key,
                show_se(r.se_joint),
                fmt_num(r.min),
                fmt_num(r.max)
            ));
        }
    }
    if rank < k {
        warnings.push(format!(
            "The fitted targets pin down {rank} of {k} directions of the free keys: fix {} \
             key(s) or add independent targets.",
            k - rank
        ));
    }
    let sensitivity = jac
        .iter()
        .map(|row| row.iter().zip(&range).map(|(d, r)| d * 0.1 * r).collect())
        .collect();
    Identification {
        keys: rows,
        targets: target_names.to_vec(),
        sensitivity,
        rank,
        condition,
        correlations,
        warnings,
    }
}

fn show_se(v: f64) -> String {
    if v.is_finite() {
        fmt_num(super::round_sig(v))
    } else {
        "unbounded".into()
    }
}

impl Identification {
    /// The table a person reads.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "  Identification (local, from the sensitivity matrix on the same careers):"
        );
        let _ = writeln!(
            s,
            "  {:<40} {:>11} {:>13} {:>16} {:>16}  identified",
            "key", "fitted", "curvature", "SE others fixed", "SE all free"
        );
        for r in &self.keys {
            let _ = writeln!(
                s,
                "  {:<40} {:>11} {:>13.4e} {:>16} {:>16}  {}",
                r.key,
                fmt_num(r.value),
                r.curvature,
                show_se(r.se_alone),
                show_se(r.se_joint),
                if r.identified() { "yes" } else { "NO" }
            );
        }
        let k = self.keys.len();
        let _ = writeln!(
            s,
            "  directions pinned down: {} of {k}; condition number {}",
            self.rank,
            if self.condition.is_finite() {
                format!("{:.1}", self.condition)
            } else {
                "infinite".into()
            }
        );
        if k > 1 {
            let _ = writeln!(s, "  correlations of the estimates:");
            for (a, row) in self.correlations.iter().enumerate() {
                let cells: Vec<String> = row.iter().map(|c| format!("{c:+.2}")).collect();
                let _ = writeln!(s, "    {:<40} {}", self.keys[a].key, cells.join("  "));
            }
        }
        let _ = writeln!(
            s,
            "  sensitivity (change of each target's miss/uncertainty per +10% of a key's range):"
        );
        for (i, row) in self.sensitivity.iter().enumerate() {
            let cells: Vec<String> = row.iter().map(|c| format!("{c:+8.2}")).collect();
            let _ = writeln!(s, "    {:<40} {}", self.targets[i], cells.join(" "));
        }
        if self.warnings.is_empty() {
            let _ = writeln!(s, "  Every free key is identified.");
        } else {
            for w in &self.warnings {
                let _ = writeln!(s, "  WARNING: {w}");
            }
        }
        s
    }

    /// `identification.csv`: one row per key, with its correlation to every key.
    pub fn to_csv(&self) -> anyhow::Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut head: Vec<String> = [
            "key",
            "fitted",
            "min",
            "max",
            "curvature",
            "se_others_fixed",
            "se_all_free",
            "identified",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        head.extend(self.keys.iter().map(|r| format!("corr_{}", r.key)));
        head.extend(self.targets.iter().map(|t| format!("sens_{t}")));
        w.write_record(&head)?;
        for (j, r) in self.keys.iter().enumerate() {
            let mut rec = vec![
                r.key.clone(),
                r.value.to_string(),
                r.min.to_string(),
                r.max.to_string(),
                r.curvature.to_string(),
                r.se_alone.to_string(),
                r.se_joint.to_string(),
                r.identified().to_string(),
            ];
            rec.extend(self.correlations[j].iter().map(|c| c.to_string()));
            rec.extend(self.sensitivity.iter().map(|row| row[j].to_string()));
            w.write_record(&rec)?;
        }
        w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::ParamId;

    fn keys(n: usize) -> Vec<FreeKey> {
        [
            ParamId::LifeEvents,
            ParamId::Sting,
            ParamId::JoinProbability,
        ][..n]
            .iter()
            .map(|&id| FreeKey {
                id,
                min: 0.0,
                max: 0.1,
            })
            .collect()
    }

    #[test]
    fn jacobi_finds_the_eigenvalues_of_a_known_matrix() {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
        let (mut l, _) = symmetric_eigen(&[vec![2.0, 1.0], vec![1.0, 2.0]]);
        l.sort_by(f64::total_cmp);
        assert!(
            (l[0] - 1.0).abs() < 1e-12 && (l[1] - 3.0).abs() < 1e-12,
            "{l:?}"
        );
    }

    #[test]
    fn a_linear_model_gives_the_textbook_standard_errors() {
        // r1 = 100 k1, r2 = 100 k2 (independent): SE of each = 1/100 whether or not the other
        // is free, curvature 2 x 100^2, no correlation.
        let jac = vec![vec![100.0, 0.0], vec![0.0, 100.0]];
        let id = analyse(&jac, &["a".into(), "b".into()], &keys(2), &[0.05, 0.05]);
        for r in &id.keys {
            assert!((r.se_alone - 0.01).abs() < 1e-12);
            assert!((r.se_joint - 0.01).abs() < 1e-12);
            assert!((r.curvature - 20_000.0).abs() < 1e-6);
            assert!(r.identified());
        }
        assert_eq!(id.rank, 2);
        assert!(id.correlations[0][1].abs() < 1e-9);
        assert!(id.warnings.is_empty(), "{:?}", id.warnings);
    }

    #[test]
    fn keys_that_only_act_through_their_sum_are_flagged_as_trading_off() {
        // Both targets see only k1 + k2: the sum is pinned, the difference is free.
        let jac = vec![vec![100.0, 100.0], vec![50.0, 50.0]];
        let id = analyse(&jac, &["a".into(), "b".into()], &keys(2), &[0.05, 0.05]);
        assert_eq!(id.rank, 1);
        assert!(id.condition.is_infinite());
        assert!(id.correlations[0][1] < -0.99, "{:?}", id.correlations);
        assert!(id.keys.iter().all(|r| !r.identified()));
        let all = id.warnings.join("\n");
        assert!(all.contains("trade off"), "{all}");
        assert!(all.contains("free to wander"), "{all}");
        assert!(id.to_text().contains("NO"));
    }

    #[test]
    fn a_key_that_moves_nothing_is_called_unidentified() {
        let jac = vec![vec![100.0, 0.0]];
        let id = analyse(&jac, &["a".into()], &keys(2), &[0.05, 0.05]);
        assert!(id.keys[0].identified());
        assert!(!id.keys[1].identified());
        assert!(id.warnings.iter().any(|w| w.contains("moves none")));
        let csv = String::from_utf8(id.to_csv().unwrap()).unwrap();
        assert!(csv.starts_with("key,fitted,min,max,curvature"), "{csv}");
    }
}
