/**
 * Hand-worked fixtures for the hotspot statistics: normal CDF, BH-FDR bins, Moran's I, Mann–Kendall,
 * and the emerging hot spot categories (one test per category and per boundary).
 */
import { describe, expect, it } from 'vitest';
import {
  bandNeighbors,
  bhThreshold,
  emergingCategory,
  emergingHotSpots,
  fdrBins,
  firstPeak,
  incrementalMoran,
  mannKendall,
  moranI,
  normalCdf,
  normalSf,
  sortedPValues,
  twoSidedP,
  type Trend,
} from '../../api/domain/hotspots/index.ts';

/** |got − want| ≤ rel·|want| */
function expectRel(got: number, want: number, rel: number): void {
  expect(Math.abs(got - want)).toBeLessThanOrEqual(rel * Math.abs(want));
}

describe('normal distribution', () => {
  // Reference values from mpmath (50 digits): mpmath.ncdf(x), 2·mpmath.ncdf(−|x|).
  it('Φ at ordinary points', () => {
    expect(normalCdf(0)).toBe(0.5);
    expectRel(normalCdf(-1), 0.15865525393145705, 1e-14);
    expectRel(normalCdf(0.5), 0.6914624612740131, 1e-14);
    expectRel(normalCdf(2), 0.97724986805182079, 1e-14);
    expectRel(normalCdf(3), 0.99865010196836991, 1e-14);
    expect(normalCdf(Infinity)).toBe(1);
    expect(normalCdf(-Infinity)).toBe(0);
    expect(normalCdf(Number.NaN)).toBeNaN();
  });

  it('two-sided p at the critical values 1.645 / 1.960 / 2.576 and across the series/fraction switch at 2', () => {
    expectRel(twoSidedP(1.6448536269514722), 0.1, 1e-13);
    expectRel(twoSidedP(-1.959963984540054), 0.05, 1e-13);
    expectRel(twoSidedP(2.5758293035489004), 0.01, 1e-13);
    expectRel(twoSidedP(2), 0.045500263896358414, 1e-13);
    expectRel(twoSidedP(2.0000001), 0.045500253098166209, 1e-13);
    expect(twoSidedP(0)).toBe(1);
  });

  it('upper tail keeps relative accuracy ~1e-12 far out (|z| up to 37)', () => {
    expectRel(normalSf(1.96), 0.024997895148220436, 1e-13);
    expectRel(normalSf(5), 2.8665157187919391e-7, 1e-13);
    expectRel(twoSidedP(6), 1.9731752900753963e-9, 1e-13);
    expectRel(normalSf(10), 7.6198530241605261e-24, 1e-13);
    expectRel(normalSf(20), 2.7536241186062337e-89, 1e-13);
    expectRel(normalSf(30), 4.9067139271481871e-198, 1e-12);
    expectRel(normalSf(37), 5.7255712225245768e-300, 1e-12);
    expectRel(normalCdf(-37), 5.7255712225245768e-300, 1e-12);
    expect(twoSidedP(40)).toBe(0); // 2·Q(40) ≈ 7e-350 underflows double
  });
});

describe('Benjamini–Hochberg FDR bins', () => {
  // Benjamini & Hochberg (1995), §4.1: m = 15 p-values.
  // Step-up: largest k with p(k) ≤ k·α/m.
  //   α = 0.05 (k·0.00333…): k=4: 0.0095 ≤ 0.01333 ✓; k=5: 0.0201 > 0.01667, and every later p(k) > k·α/m → 4 rejected (as in the paper).
  //   α = 0.10 (k·0.00667…): k=9: 0.0459 ≤ 0.06 ✓; k=10: 0.3240 > 0.0667, later ones too → 9 rejected.
  //   α = 0.01 (k·0.000667…): k=3: 0.0019 ≤ 0.002 ✓; k=4: 0.0095 > 0.00267, later ones too → 3 rejected.
  // So bins (|bin|, in this order): 3,3,3, 2, 1,1,1,1,1, 0,0,0,0,0,0 — signs from z.
  const p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1.0];

  it('reproduces the paper: thresholds and bins at 90/95/99 %', () => {
    const sorted = sortedPValues(p);
    expect(bhThreshold(sorted, 0.05)).toBe(0.0095);
    expect(bhThreshold(sorted, 0.1)).toBe(0.0459);
    expect(bhThreshold(sorted, 0.01)).toBe(0.0019);
    const z = p.map((_, i) => (i % 2 === 0 ? 1 : -1)); // alternate signs
    expect(Array.from(fdrBins(z, p))).toEqual([3, -3, 3, -2, 1, -1, 1, -1, 1, 0, 0, 0, 0, 0, 0]);
  });

  it('input order does not matter', () => {
    const order = [14, 3, 7, 0, 9, 12, 1, 5, 11, 2, 13, 4, 8, 6, 10];
    const bins = fdrBins(order.map(() => 1), order.map((i) => p[i]));
    expect(Array.from(bins)).toEqual(order.map((i) => [3, 3, 3, 2, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0][i]));
  });

  it('is step-up: p = [0.03, 0.04] at α = 0.05 → k=1 fails (0.03 > 0.025) but k=2 passes (0.04 ≤ 0.05), both significant', () => {
    // α = 0.10: k=2: 0.04 ≤ 0.10 ✓ → both;  α = 0.01: 0.03 > 0.005, 0.04 > 0.01 → none.
    expect(Array.from(fdrBins([2, -2], [0.03, 0.04]))).toEqual([2, -2]);
  });

  it('ties share a verdict; z = 0 and NaN p give bin 0 (NaN counts as p = 1 in m)', () => {
    // m = 4, α = 0.05: sorted 0.01, 0.01, 0.2, 1 → k=2: 0.01 ≤ 0.025 ✓ → both 0.01 significant at 95 %;
    // α = 0.01: k=1: 0.01 > 0.0025, k=2: 0.01 > 0.005 → none at 99 %.
    expect(Array.from(fdrBins([3, -3, 1, 5], [0.01, 0.01, 0.2, Number.NaN]))).toEqual([2, -2, 0, 0]);
    expect(Array.from(fdrBins([0], [0.001]))).toEqual([0]);
  });

  it('is stricter than uncorrected p: 20 cells at p = 0.04 and 80 at p = 0.5 → nothing significant', () => {
    // α = 0.10: k=20: 0.04 > 20·0.1/100 = 0.02; k=100: 0.5 > 0.1 → none.
    const pv = [...Array(20).fill(0.04), ...Array(80).fill(0.5)];
    expect(fdrBins(pv.map(() => 1), pv).every((b) => b === 0)).toBe(true);
  });
});

describe("Moran's I", () => {
  // 3×3 lattice at unit spacing, rook neighbours (band 1), values 1…9 row by row.
  //   x̄ = 5, c = −4 −3 −2 / −1 0 1 / 2 3 4;  Σc² = 60;  Σc⁴ = 708.
  //   12 edges → S0 = 24 ordered pairs. Σ_edges c_i c_j: rows 12+6, 0+0, 6+12 = 36; columns 4−2, 0+0, −2+4 = 4 → 40;
  //   Σ_ij w_ij c_i c_j = 80.  I = (9/24)·(80/60) = 0.5.   E[I] = −1/8.
  //   S1 = 2·S0 = 48; degrees 2 (×4 corners), 3 (×4 edges), 4 (centre) → S2 = Σ(2k)² = 4·(16+36+16) = 272.
  //   b2 = 9·708/60² = 1.77.
  //   n((n²−3n+3)S1 − nS2 + 3S0²) = 9·(57·48 − 9·272 + 3·576) = 9·2016 = 18144
  //   b2((n²−n)S1 − 2nS2 + 6S0²)  = 1.77·(72·48 − 18·272 + 6·576) = 1.77·2016 = 3568.32
  //   E[I²] = (18144 − 3568.32) / (8·7·6·576) = 14575.68 / 193536 = 0.0753125
  //   Var[I] = 0.0753125 − 0.015625 = 0.0596875;  z = 0.625/√0.0596875 = 2.5582225504832544
  const coords: number[] = [];
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) coords.push(c, r);
  const values = [1, 2, 3, 4, 5, 6, 7, 8, 9];

  it('matches the hand computation on a 3×3 lattice', () => {
    const m = moranI(values, bandNeighbors(coords, 1, { includeSelf: false }));
    expect(m.s0).toBe(24);
    expect(m.I).toBeCloseTo(0.5, 14);
    expect(m.expected).toBeCloseTo(-0.125, 15);
    expect(m.variance).toBeCloseTo(0.0596875, 14);
    expect(m.z).toBeCloseTo(2.5582225504832544, 12);
    expect(m.p).toBeCloseTo(0.010520873699622695, 12);
  });

  it('incrementalMoran streams the same numbers per band', () => {
    const series = incrementalMoran(values, coords, [1, Math.SQRT2]);
    expect(series[0].band).toBe(1);
    expect(series[0].I).toBeCloseTo(0.5, 14);
    expect(series[0].z).toBeCloseTo(2.5582225504832544, 12);
    expect(series[0].meanNeighbors).toBeCloseTo(24 / 9, 14);
    const queen = moranI(values, bandNeighbors(coords, Math.SQRT2, { includeSelf: false }));
    expect(series[1].I).toBeCloseTo(queen.I, 14);
    expect(series[1].z).toBeCloseTo(queen.z, 12);
  });

  it('is NaN when undefined (all values equal, n < 4) and refuses self-weights', () => {
    expect(moranI([3, 3, 3, 3, 3, 3, 3, 3, 3], bandNeighbors(coords, 1, { includeSelf: false })).I).toBeNaN();
    expect(moranI([1, 2, 3], bandNeighbors([0, 0, 1, 0, 2, 0], 1, { includeSelf: false })).z).toBeNaN();
    expect(() => moranI(values, bandNeighbors(coords, 1))).toThrow(RangeError);
  });

  it('the CSR path equals the streaming path on a line, and one-way lists use S1, S2 with in-degrees', () => {
    const line = [0, 0, 1, 0, 2, 0, 3, 0, 4, 0];
    const v = [1, 3, 2, 5, 4];
    const a = moranI(v, bandNeighbors(line, 1, { includeSelf: false }));
    const b = incrementalMoran(v, line, [1])[0];
    expect(a.I).toBeCloseTo(b.I, 14);
    expect(a.z).toBeCloseTo(b.z, 12);

    // One-way lists 0→1, 1→0, 1→2, 2→3, 3→0, 4→3 against a dense transcription of the formulas.
    const lists = [[1], [0, 2], [3], [0], [3]];
    const nb = {
      n: 5,
      offsets: Uint32Array.from([0, 1, 3, 4, 5, 6]),
      indices: Uint32Array.from(lists.flat()),
      includesSelf: false,
    };
    const n = 5;
    const w = (i: number, j: number) => (lists[i].includes(j) ? 1 : 0);
    const mean = v.reduce((x, y) => x + y) / n;
    const c = v.map((x) => x - mean);
    let s0 = 0, s1 = 0, s2 = 0, cross = 0;
    for (let i = 0; i < n; i++) {
      let out = 0, inn = 0;
      for (let j = 0; j < n; j++) {
        s0 += w(i, j);
        s1 += 0.5 * (w(i, j) + w(j, i)) ** 2;
        cross += w(i, j) * c[i] * c[j];
        out += w(i, j);
        inn += w(j, i);
      }
      s2 += (out + inn) ** 2;
    }
    expect([s0, s1, s2]).toEqual([6, 8, 32]);
    const m2 = c.reduce((x, y) => x + y * y, 0);
    const b2 = (n * c.reduce((x, y) => x + y ** 4, 0)) / m2 ** 2;
    const I = (n / s0) * (cross / m2);
    const ei2 = (n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s0 * s0) - b2 * ((n * n - n) * s1 - 2 * n * s2 + 6 * s0 * s0)) / ((n - 1) * (n - 2) * (n - 3) * s0 * s0);
    const got = moranI(v, nb);
    expect(got.I).toBeCloseTo(I, 14);
    expect(got.variance).toBeCloseTo(ei2 - 1 / 16, 14);
  });
});

describe('firstPeak', () => {
  const s = (...z: number[]) => z.map((v, i) => ({ band: (i + 1) * 100, z: v }));
  it('returns the first local maximum above 1.65', () => {
    expect(firstPeak(s(1, 2, 1.8, 3, 2))?.band).toBe(200);
  });
  it('skips local maxima at or below 1.65', () => {
    expect(firstPeak(s(1.0, 1.65, 1.2, 2.0, 3.0, 2.5))?.band).toBe(500);
  });
  it('a flat top counts at its first band; endpoints and monotone series have no peak', () => {
    expect(firstPeak(s(1, 2, 2, 1))?.band).toBe(200);
    expect(firstPeak(s(1, 2, 2, 3))).toBeNull();
    expect(firstPeak(s(1, 2, 3, 4))).toBeNull();
    expect(firstPeak(s(4, 3, 2, 1))).toBeNull();
    // an undefined (NaN) band neither qualifies nor shows a rise: treated like the series start
    expect(firstPeak(s(1, Number.NaN, 3, 2))).toBeNull();
    expect(firstPeak(s(Number.NaN, 1, 3, 2))?.band).toBe(300);
    expect(firstPeak([])).toBeNull();
  });
  it('honours a custom threshold', () => {
    expect(firstPeak(s(1, 2, 1.8, 3, 2), 2.5)?.band).toBe(400);
  });
});

describe('Mann–Kendall', () => {
  it('without ties: 1, 2, 3, 4, 5', () => {
    // S = 10 (all 10 pairs increase); Var(S) = 5·4·15/18 = 16.667; z = (10 − 1)/√16.667 = 2.2045407685;
    // p = 0.0274863361 (R Kendall::MannKendall(1:5): tau = 1, 2-sided p = 0.0275)
    const r = mannKendall([1, 2, 3, 4, 5]);
    expect(r.s).toBe(10);
    expect(r.varS).toBeCloseTo(50 / 3, 12);
    expect(r.z).toBeCloseTo(2.2045407685048603, 12);
    expect(r.p).toBeCloseTo(0.027486336111510347, 12);
    expect(r.tau).toBe(1);
    expect(r.trend).toBe(1);
    const d = mannKendall([5, 4, 3, 2, 1]);
    expect(d.z).toBeCloseTo(-2.2045407685048603, 12);
    expect(d.trend).toBe(-1);
  });

  it('with ties: 10, 12, 12, 15, 11, 15, 15, 18', () => {
    // Later-greater minus later-smaller for each value:
    //   10: 7−0 = 7;  12: 4−1 = 3;  12: 4−1 = 3;  15: 1−1 = 0;  11: 3−0 = 3;  15: 1−0 = 1;  15: 1−0 = 1  → S = 18
    // n(n−1)(2n+5) = 8·7·21 = 1176; tie groups: 12 ×2 → 2·1·9 = 18, 15 ×3 → 3·2·11 = 66
    // Var(S) = (1176 − 84)/18 = 60.667;  z = 17/√60.667 = 2.1825985118;  p = 0.0290653895
    const r = mannKendall([10, 12, 12, 15, 11, 15, 15, 18]);
    expect(r.s).toBe(18);
    expect(r.varS).toBeCloseTo(1092 / 18, 12);
    expect(r.z).toBeCloseTo(2.182598511805656, 12);
    expect(r.p).toBeCloseTo(0.029065389483077007, 12);
    expect(r.tau).toBeCloseTo(18 / 28, 14);
  });

  it('no trend or no variance: z = 0, p = 1; NaN values are skipped', () => {
    expect(mannKendall([4, 4, 4, 4])).toMatchObject({ s: 0, varS: 0, z: 0, p: 1, trend: 0 });
    expect(mannKendall([1])).toMatchObject({ s: 0, z: 0, p: 1 });
    expect(mannKendall([1, 2, 2, 1])).toMatchObject({ s: 0, z: 0, p: 1, trend: 0 });
    expect(mannKendall([1, Number.NaN, 2, 3, 4, 5]).s).toBe(10);
  });
});

describe('emerging hot spot categories', () => {
  const none: Trend = { s: 3, p: 0.4 };
  const up: Trend = { s: 40, p: 0.001 };
  const down: Trend = { s: -40, p: 0.001 };
  const rep = (b: number, k: number) => Array<number>(k).fill(b);

  it('new: hot only at the final step (cold mirror)', () => {
    expect(emergingCategory([0, 0, 0, 0, 2], none)).toBe('new_hot');
    expect(emergingCategory([0, 0, 0, 0, -1], none)).toBe('new_cold');
  });

  it('new vs oscillating: an earlier cold step makes a final-only hot spot oscillating', () => {
    expect(emergingCategory([-2, 0, 0, 0, 1], none)).toBe('oscillating_hot');
  });

  it('consecutive: one run of ≥ 2 at the end, nothing hot before; a run of 1 is new', () => {
    expect(emergingCategory([0, 0, 0, 1, 3], none)).toBe('consecutive_hot');
    expect(emergingCategory([0, 0, -1, -1], none)).toBe('consecutive_cold');
    expect(emergingCategory([0, 0, 0, 0, 1], none)).toBe('new_hot');
  });

  it('consecutive vs sporadic: a hot step before the final run → sporadic', () => {
    expect(emergingCategory([1, 0, 0, 1, 1], none)).toBe('sporadic_hot');
  });

  it('consecutive at the 90 % boundary: 8 of 10 hot → consecutive; 9 of 10 → persistent', () => {
    expect(emergingCategory([0, 0, ...rep(1, 8)], none)).toBe('consecutive_hot');
    expect(emergingCategory([0, ...rep(1, 9)], none)).toBe('persistent_hot');
  });

  it('intensifying: ≥ 90 % hot incl. the final step with a significant rising z trend', () => {
    expect(emergingCategory(rep(2, 10), up)).toBe('intensifying_hot');
    expect(emergingCategory([0, ...rep(2, 9)], up)).toBe('intensifying_hot'); // exactly 90 %
    expect(emergingCategory([0, 0, ...rep(2, 8)], up)).toBe('consecutive_hot'); // 80 %: not intensifying
    // 18 of 20 is 90 %, 17 of 20 is not (10·17 = 170 < 180)
    expect(emergingCategory([0, 0, ...rep(1, 18)], up)).toBe('intensifying_hot');
    expect(emergingCategory([0, 1, 0, 0, ...rep(1, 16)], up)).toBe('sporadic_hot');
  });

  it('intensifying / diminishing cold: the z trend is falling / rising', () => {
    expect(emergingCategory(rep(-3, 10), down)).toBe('intensifying_cold');
    expect(emergingCategory(rep(-3, 10), up)).toBe('diminishing_cold');
  });

  it('persistent: no significant trend; the trend test is p ≤ α inclusive (α = 0.05 by default)', () => {
    expect(emergingCategory(rep(1, 12), { s: 30, p: 0.06 })).toBe('persistent_hot');
    expect(emergingCategory(rep(1, 12), { s: 30, p: 0.05 })).toBe('intensifying_hot');
    expect(emergingCategory(rep(1, 12), { s: 30, p: 0.05 }, { trendAlpha: 0.01 })).toBe('persistent_hot');
    expect(emergingCategory(rep(1, 12), { s: 0, p: 1 })).toBe('persistent_hot');
    expect(emergingCategory(rep(-1, 12), none)).toBe('persistent_cold');
  });

  it('diminishing: ≥ 90 % hot incl. the final step with a significant falling trend', () => {
    expect(emergingCategory(rep(3, 10), down)).toBe('diminishing_hot');
    expect(emergingCategory([0, ...rep(3, 9)], down)).toBe('diminishing_hot');
  });

  it('diminishing vs historical: final step not significant → historical even with a falling trend', () => {
    expect(emergingCategory([...rep(3, 9), 0], down)).toBe('historical_hot');
  });

  it('historical: final step not hot, ≥ 90 % hot; 80 % → no pattern; a final cold step is still historical hot', () => {
    expect(emergingCategory([...rep(2, 9), 0], none)).toBe('historical_hot');
    expect(emergingCategory([...rep(2, 8), 0, 0], none)).toBe('no_pattern');
    expect(emergingCategory([...rep(2, 9), -1], none)).toBe('historical_hot');
    expect(emergingCategory([...rep(-1, 9), 0], none)).toBe('historical_cold');
  });

  it('sporadic: on and off, final step hot, never cold; not hot at the end → no pattern', () => {
    expect(emergingCategory([1, 0, 1, 0, 1], none)).toBe('sporadic_hot');
    expect(emergingCategory([-1, 0, 0, -2, 0, -1], none)).toBe('sporadic_cold');
    expect(emergingCategory([1, 0, 1, 0, 0], none)).toBe('no_pattern');
  });

  it('oscillating: final step hot (cold) with an earlier cold (hot) step, < 90 %', () => {
    expect(emergingCategory([-1, 0, 1, 0, 1], none)).toBe('oscillating_hot');
    expect(emergingCategory([2, 0, -1], none)).toBe('oscillating_cold');
    // ≥ 90 % hot with one cold step is persistent, not oscillating
    expect(emergingCategory([-1, ...rep(2, 9)], none)).toBe('persistent_hot');
  });

  it('no pattern: never significant, or empty', () => {
    expect(emergingCategory(rep(0, 8), none)).toBe('no_pattern');
    expect(emergingCategory([], none)).toBe('no_pattern');
  });

  it('minBin raises the significance level (e.g. 95 %)', () => {
    expect(emergingCategory(rep(1, 5), none, { minBin: 2 })).toBe('no_pattern');
    expect(emergingCategory([1, 1, 1, 1, 2], none, { minBin: 2 })).toBe('new_hot');
  });

  it('emergingHotSpots runs Mann–Kendall on each cell z series', () => {
    // cell 0: z = 3…12 rising, all 99 % hot → S = 45, Var = 10·9·25/18 = 125, z = 44/√125 → intensifying
    // cell 1: flat zeros → no pattern;  cell 2: z falling, all cold → intensifying cold
    const steps = 10;
    const zByStep = Array.from({ length: steps }, (_, t) => [3 + t, 0, -3 - t]);
    const binByStep = Array.from({ length: steps }, () => [3, 0, -3]);
    const r = emergingHotSpots(zByStep, binByStep);
    expect(r.categories).toEqual(['intensifying_hot', 'no_pattern', 'intensifying_cold']);
    expect(r.trendZ[0]).toBeCloseTo(44 / Math.sqrt(125), 12);
    expect(r.trendP[1]).toBe(1);
    expect(() => emergingHotSpots([[1]], [])).toThrow(RangeError);
  });
});

describe('incrementalMoran over many bands', () => {
  it('equals moranI on explicit band neighbour lists for every band, in the order given', () => {
    const coords: number[] = [];
    const values: number[] = [];
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let r = 0; r < 12; r++) for (let c = 0; c < 12; c++) {
      coords.push(400_000 + c * 50, 3_000_000 + r * 50);
      values.push(Math.floor(rand() * 6 + (r < 4 && c < 4 ? 5 : 0)));
    }
    const bands = [150, 50, 50 * Math.SQRT2, 100, 250, 0];
    const series = incrementalMoran(values, coords, bands);
    expect(series.map((s) => s.band)).toEqual(bands);
    for (const s of series) {
      const m = moranI(values, bandNeighbors(coords, s.band, { includeSelf: false }));
      if (Number.isNaN(m.I)) {
        expect(s.I).toBeNaN(); // band 0: no pairs
        continue;
      }
      expect(s.I).toBeCloseTo(m.I, 12);
      expect(s.z).toBeCloseTo(m.z, 10);
    }
  });
});
