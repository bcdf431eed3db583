/**
 * Global Moran's I with binary weights (w_ii = 0) and its z under the randomisation assumption
 * (Cliff & Ord 1981; the same as R spdep `moran.test(randomisation = TRUE)`), plus incremental
 * Moran's I over a series of distance bands and the "first peak" rule used to pick a default band.
 *
 * With c_i = x_i − x̄:
 *   I    = (n / S0) · Σ_i Σ_j w_ij c_i c_j / Σ_i c_i²
 *   E[I] = −1/(n − 1)
 *   S0 = Σ_ij w_ij,  S1 = ½ Σ_ij (w_ij + w_ji)²,  S2 = Σ_i (w_i· + w_·i)²,  b2 = n Σ c⁴ / (Σ c²)²
 *   E[I²] = [ n((n² − 3n + 3) S1 − n S2 + 3 S0²) − b2((n² − n) S1 − 2n S2 + 6 S0²) ]
 *           / ( (n − 1)(n − 2)(n − 3) S0² )
 *   Var[I] = E[I²] − E[I]²,   z = (I − E[I]) / √Var[I]
 * I and z are NaN where undefined (n < 4, no neighbour pairs, or all values equal).
 */
import type KDBush from 'kdbush';
import { bandEpsilon, buildIndex, type Coords, type Neighbors } from './neighbors.ts';
import { twoSidedP } from './normal.ts';

export interface MoranResult {
  I: number;
  expected: number;
  variance: number;
  z: number;
  /** Two-sided p of z. */
  p: number;
  n: number;
  /** S0: number of ordered neighbour pairs. */
  s0: number;
}

/** Sums of the centred values needed by I and b2. */
function moments(values: ArrayLike<number>): { c: Float64Array; m2: number; m4: number; degenerate: boolean } {
  const n = values.length;
  let sum = 0;
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new RangeError(`value ${i} is not finite: ${v}`);
    sum += v;
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  const mean = n > 0 ? sum / n : 0;
  const c = new Float64Array(n);
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    c[i] = d;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  return { c, m2, m4, degenerate: m2 <= n * (1e-13 * maxAbs) ** 2 };
}

/** I, E[I], Var[I] and z from the pieces; shared by the CSR and the streaming (band) paths. */
function assemble(n: number, cross: number, m2: number, m4: number, s0: number, s1: number, s2: number, degenerate: boolean): MoranResult {
  const expected = n > 1 ? -1 / (n - 1) : NaN;
  if (n < 4 || s0 === 0 || degenerate) return { I: NaN, expected, variance: NaN, z: NaN, p: NaN, n, s0 };
  const I = (n / s0) * (cross / m2);
  const b2 = (n * m4) / (m2 * m2);
  const nn = n * n;
  const s02 = s0 * s0;
  const ei2 =
    (n * ((nn - 3 * n + 3) * s1 - n * s2 + 3 * s02) - b2 * ((nn - n) * s1 - 2 * n * s2 + 6 * s02)) /
    ((n - 1) * (n - 2) * (n - 3) * s02);
  const variance = ei2 - expected * expected;
  const z = variance > 0 ? (I - expected) / Math.sqrt(variance) : NaN;
  return { I, expected, variance, z, p: twoSidedP(z), n, s0 };
}

/** Is j in the ascending slice indices[a..b)? */
function contains(indices: Uint32Array, a: number, b: number, j: number): boolean {
  let lo = a;
  let hi = b - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = indices[mid];
    if (v === j) return true;
    if (v < j) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Global Moran's I for binary neighbour lists without self (any lists; symmetry not assumed). */
export function moranI(values: ArrayLike<number>, nb: Neighbors): MoranResult {
  if (values.length !== nb.n) throw new RangeError(`${values.length} values for ${nb.n} neighbour lists`);
  if (nb.includesSelf) throw new RangeError("Moran's I needs neighbour lists without self (w_ii = 0)");
  const n = nb.n;
  const { c, m2, m4, degenerate } = moments(values);
  const { offsets, indices } = nb;
  const inDeg = new Uint32Array(n);
  let cross = 0;
  let reciprocal = 0; // ordered pairs (i, j) with both w_ij and w_ji = 1
  for (let i = 0; i < n; i++) {
    const a = offsets[i];
    const b = offsets[i + 1];
    let lag = 0;
    for (let k = a; k < b; k++) {
      const j = indices[k];
      lag += c[j];
      inDeg[j]++;
      if (contains(indices, offsets[j], offsets[j + 1], i)) reciprocal++;
    }
    cross += c[i] * lag;
  }
  const s0 = offsets[n];
  // binary: (w_ij + w_ji)² is 4 for a reciprocal pair, 1 for a one-way pair
  const s1 = s0 + reciprocal;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const t = offsets[i + 1] - offsets[i] + inDeg[i];
    s2 += t * t;
  }
  return assemble(n, cross, m2, m4, s0, s1, s2, degenerate);
}

export interface MoranBand {
  band: number;
  I: number;
  z: number;
  p: number;
  /** Mean number of neighbours per point at this band (self excluded). */
  meanNeighbors: number;
}

/**
 * Moran's I at each distance band (neighbours 0 < d ≤ band, inclusive with the same tolerance as
 * bandNeighbors). One kdbush query per point at the widest band; each neighbour is dropped into the
 * narrowest band that contains it, and the per-band sums are accumulated outwards — so ten bands
 * cost about as much as the widest one, and no neighbour lists are kept. Band neighbours are
 * symmetric, so S1 = 2·S0 and S2 = 4·Σ k_i². Results come back in the order of `bands`.
 */
export function incrementalMoran(values: ArrayLike<number>, coords: Coords, bands: readonly number[], index?: KDBush): MoranBand[] {
  const n = values.length;
  if (coords.length !== 2 * n) throw new RangeError(`${values.length} values for ${coords.length / 2} points`);
  for (const band of bands) {
    if (!(band >= 0) || !Number.isFinite(band)) throw new RangeError(`band must be a finite number ≥ 0, got ${band}`);
  }
  const nb = bands.length;
  if (nb === 0) return [];
  const { c, m2, m4, degenerate } = moments(values);
  const order = bands.map((_, b) => b).sort((a, b) => bands[a] - bands[b]);
  const r2 = new Float64Array(nb); // squared radii, ascending
  for (let b = 0; b < nb; b++) {
    const band = bands[order[b]];
    const r = band + bandEpsilon(band, coords);
    r2[b] = r * r;
  }
  // a hair wider than the widest band so kdbush never drops a pair the bucket test below would keep
  const maxRadius = Math.sqrt(r2[nb - 1]) * (1 + 1e-12);
  const idx = index ?? buildIndex(coords);
  const scratch = new Uint32Array(Math.max(n, 1));
  const lag = new Float64Array(nb); // per point: Σ c_j of neighbours first reached at band b
  const cnt = new Float64Array(nb);
  const cross = new Float64Array(nb);
  const s0 = new Float64Array(nb);
  const sumK2 = new Float64Array(nb);
  for (let i = 0; i < n; i++) {
    const xi = coords[2 * i];
    const yi = coords[2 * i + 1];
    const found = idx.withinInto(xi, yi, maxRadius, scratch);
    lag.fill(0);
    cnt.fill(0);
    for (let f = 0; f < found; f++) {
      const j = scratch[f];
      if (j === i) continue;
      // same arithmetic as kdbush's own test, so band edges agree with bandNeighbors
      const dx = coords[2 * j] - xi;
      const dy = coords[2 * j + 1] - yi;
      const d2 = dx * dx + dy * dy;
      let b = 0;
      while (b < nb && d2 > r2[b]) b++;
      if (b === nb) continue;
      lag[b] += c[j];
      cnt[b]++;
    }
    let l = 0;
    let k = 0;
    for (let b = 0; b < nb; b++) {
      l += lag[b];
      k += cnt[b];
      cross[b] += c[i] * l;
      s0[b] += k;
      sumK2[b] += k * k;
    }
  }
  const result = new Array<MoranBand>(nb);
  for (let b = 0; b < nb; b++) {
    const r = assemble(n, cross[b], m2, m4, s0[b], 2 * s0[b], 4 * sumK2[b], degenerate);
    result[order[b]] = { band: bands[order[b]], I: r.I, z: r.z, p: r.p, meanNeighbors: n > 0 ? s0[b] / n : 0 };
  }
  return result;
}

/**
 * The first peak of an incremental Moran's I series (bands ascending): the first band whose z
 * exceeds zMin and is a local maximum — strictly higher than the band before it and than the next
 * band that differs (a flat top counts once, at its first band). The first and last bands cannot be
 * peaks (no rise before / fall after can be seen); a NaN z (band with no neighbour pairs) never
 * qualifies and, like the series start, shows no rise after it. No peak → null, and the
 * caller falls back to the k-nearest-neighbour distance.
 */
export function firstPeak<T extends { z: number }>(series: readonly T[], zMin = 1.65): T | null {
  for (let i = 1; i < series.length - 1; i++) {
    const z = series[i].z;
    if (!(z > zMin) || !(z > series[i - 1].z)) continue;
    let j = i + 1;
    while (j < series.length && series[j].z === z) j++;
    if (j < series.length && series[j].z < z) return series[i];
  }
  return null;
}
