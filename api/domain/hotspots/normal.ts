/**
 * Standard normal distribution without dependencies, accurate to ~1e-14 relative in both tails
 * (so two-sided p-values stay meaningful for |z| up to ~38, where they underflow double precision).
 *
 * Two regimes, both free of subtractive cancellation in the tail:
 *  - |x| ≤ 2: Φ(x) − ½ = φ(x) · Σ_k x^(2k+1) / (1·3·5···(2k+1))  (all terms positive).
 *  - |x| > 2: upper tail Q(x) = φ(x) / (x + 1/(x + 2/(x + 3/(x + …))))  (Laplace's continued
 *    fraction, evaluated with the modified Lentz algorithm).
 * φ(x) = exp(−x²/2)/√(2π) is evaluated with x split into a short head and a tail so that x² is not
 * rounded before the exponential (the rounding would cost ~x²·1e-16 relative error far out).
 */

const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)

/** Standard normal density, with exp(−x²/2) computed without rounding x² first. */
export function normalPdf(x: number): number {
  const ax = Math.abs(x);
  // head has ≤ 5 significant bits after the binary point, so head·head is exact.
  const head = Math.round(ax * 16) / 16;
  const tail = ax - head;
  return INV_SQRT_2PI * Math.exp(-0.5 * head * head) * Math.exp(-0.5 * tail * (ax + head));
}

/** Upper tail Q(x) = 1 − Φ(x) for x ≥ 0. */
function upperTail(x: number): number {
  if (x <= 2) {
    // Series for Φ(x) − ½; Q = ½ − that. At x = 2 the subtraction loses < 6 bits.
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let k = 1; k < 200; k++) {
      term *= x2 / (2 * k + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 0.5 - normalPdf(x) * sum;
  }
  // Continued fraction  x + 1/(x + 2/(x + 3/(x + …)))  by modified Lentz.
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 5000; k++) {
    d = x + k * d;
    if (Math.abs(d) < tiny) d = tiny;
    d = 1 / d;
    c = x + k / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return normalPdf(x) / f;
}

/** Φ(x), the standard normal CDF. */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  return x >= 0 ? 1 - upperTail(x) : upperTail(-x);
}

/** 1 − Φ(x), computed directly so the upper tail keeps its relative accuracy. */
export function normalSf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return 0;
  if (x === -Infinity) return 1;
  return x >= 0 ? upperTail(x) : 1 - upperTail(-x);
}

/** Two-sided p-value 2·Q(|z|) (capped at 1; NaN stays NaN). */
export function twoSidedP(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const az = Math.abs(z);
  if (az === Infinity) return 0;
  return Math.min(1, 2 * upperTail(az));
}

/** Two-sided p-values for a vector of z-scores. */
export function twoSidedPValues(z: ArrayLike<number>): Float64Array {
  const p = new Float64Array(z.length);
  for (let i = 0; i < z.length; i++) p[i] = twoSidedP(z[i]);
  return p;
}
