/**
 * Mann–Kendall trend test (normal approximation), as in Gilbert (1987) and R `Kendall::MannKendall`:
 *   S      = Σ_{i<j} sign(x_j − x_i)
 *   Var(S) = [ n(n−1)(2n+5) − Σ_g t_g(t_g−1)(2t_g+5) ] / 18      (t_g = size of the g-th tie group)
 *   z      = (S − 1)/√Var(S) if S > 0,  0 if S = 0,  (S + 1)/√Var(S) if S < 0   (continuity correction)
 *   p      = 2·(1 − Φ(|z|))   (two-sided)
 *   tau    = S / (n(n−1)/2)
 * Non-finite values are treated as missing and skipped (order of the rest kept). With Var(S) = 0
 * (fewer than two values, or all equal) z = 0 and p = 1.
 */
import { twoSidedP } from './normal.ts';

export interface MannKendallResult {
  n: number;
  s: number;
  varS: number;
  z: number;
  p: number;
  tau: number;
  /** Sign of S: +1 increasing, −1 decreasing, 0 none (significance is read from p). */
  trend: -1 | 0 | 1;
}

export function mannKendall(series: ArrayLike<number>): MannKendallResult {
  const xs: number[] = [];
  for (let i = 0; i < series.length; i++) if (Number.isFinite(series[i])) xs.push(series[i]);
  const n = xs.length;
  let s = 0;
  for (let i = 0; i < n - 1; i++) {
    const xi = xs[i];
    for (let j = i + 1; j < n; j++) {
      const d = xs[j] - xi;
      s += d > 0 ? 1 : d < 0 ? -1 : 0;
    }
  }
  // tie groups from the sorted values
  const sorted = Float64Array.from(xs).sort();
  let ties = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && sorted[j] === sorted[i]) j++;
    const t = j - i;
    if (t > 1) ties += t * (t - 1) * (2 * t + 5);
    i = j;
  }
  const varS = (n * (n - 1) * (2 * n + 5) - ties) / 18;
  let z = 0;
  if (varS > 0) z = s > 0 ? (s - 1) / Math.sqrt(varS) : s < 0 ? (s + 1) / Math.sqrt(varS) : 0;
  const pairs = (n * (n - 1)) / 2;
  return {
    n,
    s,
    varS,
    z,
    p: varS > 0 ? twoSidedP(z) : 1,
    tau: pairs > 0 ? s / pairs : 0,
    trend: s > 0 ? 1 : s < 0 ? -1 : 0,
  };
}
