/**
 * Getis–Ord local statistics with binary weights, as z-scores — the Ord & Getis (1995) form with
 * the population variance (n in the denominator), i.e. exactly R spdep `localG` with
 * `style = "B"` (and `include.self()` for G*), and ArcGIS Hot Spot Analysis.
 *
 * G*_i (self included, x̄ and S over all n values, W_i = Σ_j w_ij counting i itself):
 *   z_i = (Σ_j w_ij x_j − x̄ W_i) / ( S · √((n W_i − W_i²)/(n − 1)) ),   S² = Σ x²/n − x̄²
 * G_i (self excluded, x̄_i and S_i over the n − 1 other values):
 *   z_i = (Σ_{j≠i} w_ij x_j − x̄_i W_i) / ( S_i · √(((n−1) W_i − W_i²)/(n − 2)) )
 * (binary weights make S1_i = Σ w_ij² equal to W_i.)
 *
 * Everything is computed on values centred at the global mean, so large counts do not cancel.
 * Where the statistic is undefined — all values equal (S = 0), or a cell whose neighbourhood is
 * empty or is the whole study area (zero denominator) — z is 0: no evidence of clustering.
 */
import type { Neighbors } from './neighbors.ts';

/** Centred values and their sum of squares, plus a scale for "is the variance zero?". */
function centre(values: ArrayLike<number>): { c: Float64Array; ss: number; tol: number } {
  const n = values.length;
  let sum = 0;
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new RangeError(`value ${i} is not finite: ${v}`);
    sum += v;
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
  }
  const mean = sum / n;
  const c = new Float64Array(n);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    c[i] = d;
    ss += d * d;
  }
  // Rounding leaves each centred value within ~1e-16·max|x| of its true value; treat anything
  // below a generous multiple of that as a zero sum of squares.
  const tol = n * (1e-13 * maxAbs) ** 2;
  return { c, ss, tol };
}

function checkSize(values: ArrayLike<number>, nb: Neighbors): void {
  if (values.length !== nb.n) throw new RangeError(`${values.length} values for ${nb.n} neighbour lists`);
}

/** Gi* z-scores (self included). `nb` must list each cell as its own neighbour. */
export function giStar(values: ArrayLike<number>, nb: Neighbors): Float64Array {
  checkSize(values, nb);
  if (!nb.includesSelf) throw new RangeError('Gi* needs neighbour lists that include self (bandNeighbors includeSelf: true)');
  const n = nb.n;
  const z = new Float64Array(n);
  if (n < 2) return z;
  const { c, ss, tol } = centre(values);
  if (ss <= tol) return z;
  const s = Math.sqrt(ss / n);
  const { offsets, indices } = nb;
  for (let i = 0; i < n; i++) {
    const a = offsets[i];
    const b = offsets[i + 1];
    let lag = 0; // Σ_j w_ij (x_j − x̄) = Σ_j w_ij x_j − x̄ W_i
    for (let k = a; k < b; k++) lag += c[indices[k]];
    const w = b - a;
    const v = (n * w - w * w) / (n - 1);
    z[i] = v > 0 ? lag / (s * Math.sqrt(v)) : 0;
  }
  return z;
}

/** G z-scores (self excluded). `nb` must not list a cell as its own neighbour. */
export function localG(values: ArrayLike<number>, nb: Neighbors): Float64Array {
  checkSize(values, nb);
  if (nb.includesSelf) throw new RangeError('G needs neighbour lists without self (bandNeighbors includeSelf: false)');
  const n = nb.n;
  const z = new Float64Array(n);
  if (n < 3) return z;
  const { c, ss, tol } = centre(values);
  if (ss <= tol) return z;
  const { offsets, indices } = nb;
  const m = n - 1;
  for (let i = 0; i < n; i++) {
    const a = offsets[i];
    const b = offsets[i + 1];
    let lag = 0;
    for (let k = a; k < b; k++) lag += c[indices[k]];
    const w = b - a;
    // Mean of the others relative to the global mean: x̄_i − x̄ = −c_i/(n−1).
    const d = -c[i] / m;
    // Σ_{j≠i} (x_j − x̄_i)² = Σc² − c_i² − (n−1)·d²   (since Σ_{j≠i} c_j = −c_i = (n−1)·d)
    const ssi = ss - c[i] * c[i] - m * d * d;
    const v = (m * w - w * w) / (n - 2);
    if (!(ssi > tol) || !(v > 0)) continue;
    const si = Math.sqrt(ssi / m);
    z[i] = (lag - w * d) / (si * Math.sqrt(v));
  }
  return z;
}
