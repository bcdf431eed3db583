/**
 * Benjamini–Hochberg false-discovery-rate correction turned into ArcGIS-style `Gi_Bin` values.
 *
 * The exact rule:
 *   m = number of cells tested (every cell, zeros included; a non-finite p counts as p = 1).
 *   Sort the p-values ascending: p(1) ≤ p(2) ≤ … ≤ p(m).
 *   For each α ∈ {0.10, 0.05, 0.01} separately: k*(α) = the largest k with p(k) ≤ k·α/m (step-up:
 *   earlier k may fail); the cutoff is t(α) = p(k*) — or no cutoff if no k qualifies — and a cell
 *   is significant at α when its p ≤ t(α) (so tied p-values share the verdict).
 *   bin = sign(z) · 3 if significant at α = 0.01 (99 %),
 *         sign(z) · 2 else if significant at α = 0.05 (95 %),
 *         sign(z) · 1 else if significant at α = 0.10 (90 %),
 *         0 otherwise (and 0 whenever z = 0).
 * k*(α) never decreases as α grows, so t(0.01) ≤ t(0.05) ≤ t(0.10): the three levels are nested.
 */

/** The confidence levels of `Gi_Bin`: α for bins ±1, ±2, ±3. */
export const FDR_ALPHAS = [0.1, 0.05, 0.01] as const;

/** p-values sorted ascending, non-finite values mapped to 1. */
export function sortedPValues(p: ArrayLike<number>): Float64Array {
  const s = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) s[i] = Number.isFinite(p[i]) ? p[i] : 1;
  return s.sort();
}

/**
 * BH cutoff at level α: the largest p(k) with p(k) ≤ k·α/m, or −Infinity when none qualifies
 * (nothing significant). Pass an already sorted array via {@link sortedPValues} to reuse the sort.
 */
export function bhThreshold(sortedP: Float64Array, alpha: number): number {
  const m = sortedP.length;
  for (let k = m; k >= 1; k--) {
    if (sortedP[k - 1] <= (k * alpha) / m) return sortedP[k - 1];
  }
  return -Infinity;
}

/** `Gi_Bin`-style bins −3…3 from z-scores and their two-sided p-values, with BH-FDR per level. */
export function fdrBins(z: ArrayLike<number>, p: ArrayLike<number>): Int8Array {
  if (z.length !== p.length) throw new RangeError(`${z.length} z-scores for ${p.length} p-values`);
  const sorted = sortedPValues(p);
  const t90 = bhThreshold(sorted, 0.1);
  const t95 = bhThreshold(sorted, 0.05);
  const t99 = bhThreshold(sorted, 0.01);
  const bins = new Int8Array(z.length);
  for (let i = 0; i < z.length; i++) {
    const pi = p[i];
    const sign = z[i] > 0 ? 1 : z[i] < 0 ? -1 : 0;
    if (sign === 0 || !Number.isFinite(pi)) continue;
    const level = pi <= t99 ? 3 : pi <= t95 ? 2 : pi <= t90 ? 1 : 0;
    bins[i] = sign * level;
  }
  return bins;
}
