/** Band and k-NN neighbour search on kdbush against brute-force O(n²) searches. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bandEpsilon,
  bandNeighbors,
  kthNeighborDistances,
  meanKthNeighborDistance,
  neighborCounts,
  type Neighbors,
} from '../../api/domain/hotspots/index.ts';

/** Same inclusion rule as bandNeighbors: d² ≤ (band + ε)², computed the way kdbush does. */
function bruteBand(coords: ArrayLike<number>, band: number, includeSelf: boolean): number[][] {
  const n = coords.length / 2;
  const r = band + bandEpsilon(band, coords);
  const r2 = r * r;
  const lists: number[][] = [];
  for (let i = 0; i < n; i++) {
    const list: number[] = [];
    for (let j = 0; j < n; j++) {
      if (j === i && !includeSelf) continue;
      const dx = coords[2 * i] - coords[2 * j];
      const dy = coords[2 * i + 1] - coords[2 * j + 1];
      if (dx * dx + dy * dy <= r2 || j === i) list.push(j);
    }
    lists.push(list);
  }
  return lists;
}

function toLists(nb: Neighbors): number[][] {
  const lists: number[][] = [];
  for (let i = 0; i < nb.n; i++) lists.push(Array.from(nb.indices.subarray(nb.offsets[i], nb.offsets[i + 1])));
  return lists;
}

function bruteKth(coords: ArrayLike<number>, k: number): number[] {
  const n = coords.length / 2;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const d: number[] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      d.push(Math.hypot(coords[2 * i] - coords[2 * j], coords[2 * i + 1] - coords[2 * j + 1]));
    }
    d.sort((a, b) => a - b);
    out.push(d[k - 1]);
  }
  return out;
}

// Points on a coarse lattice (many exact ties and duplicates) or anywhere, around a UTM-like offset.
const pointsArb = fc
  .record({
    pts: fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 1, noNaN: true })), {
      minLength: 2,
      maxLength: 300,
    }),
    lattice: fc.boolean(),
    offsetX: fc.constantFrom(0, 500_000, 435_123.5),
    offsetY: fc.constantFrom(0, 4_300_000, 3_512_345.25),
    scale: fc.constantFrom(1, 25, 100),
  })
  .map(({ pts, lattice, offsetX, offsetY, scale }) => {
    const coords = new Float64Array(2 * pts.length);
    pts.forEach(([a, b, f], i) => {
      coords[2 * i] = offsetX + (a + (lattice ? 0 : f)) * scale;
      coords[2 * i + 1] = offsetY + (b + (lattice ? 0 : 1 - f)) * scale;
    });
    return { coords, scale };
  });

describe('bandNeighbors', () => {
  it('equals a brute-force O(n²) search on random points, self included or not', () => {
    fc.assert(
      fc.property(pointsArb, fc.integer({ min: 0, max: 8 }), fc.boolean(), ({ coords, scale }, steps, includeSelf) => {
        const band = steps * scale * 0.75; // hits exact lattice distances (0.75·4 = 3, …) as well as in-between
        const nb = bandNeighbors(coords, band, { includeSelf });
        expect(nb.includesSelf).toBe(includeSelf);
        expect(toLists(nb)).toEqual(bruteBand(coords, band, includeSelf));
      }),
      { numRuns: 150 },
    );
  });

  it('is inclusive at the band: centroids exactly one cell and one diagonal apart, far from the origin', () => {
    // 3×3 square cells of 250 m with centroids computed as origin + (col + ½)·size at UTM magnitudes
    const size = 250;
    const coords: number[] = [];
    for (let row = 0; row < 3; row++) for (let col = 0; col < 3; col++) coords.push(500_000 + (col + 0.5) * size, 4_300_000 + (row + 0.5) * size);
    const rook = neighborCounts(bandNeighbors(coords, size, { includeSelf: false }));
    expect(Array.from(rook)).toEqual([2, 3, 2, 3, 4, 3, 2, 3, 2]);
    const queen = neighborCounts(bandNeighbors(coords, Math.hypot(size, size), { includeSelf: false }));
    expect(Array.from(queen)).toEqual([3, 5, 3, 5, 8, 5, 3, 5, 3]);
    // just below the diagonal (by far more than the tolerance) the diagonals drop out again
    const below = neighborCounts(bandNeighbors(coords, Math.hypot(size, size) - 0.01, { includeSelf: false }));
    expect(Array.from(below)).toEqual([2, 3, 2, 3, 4, 3, 2, 3, 2]);
  });

  it('lists are symmetric, ascending, and band 0 keeps only coincident points', () => {
    const coords = [0, 0, 0, 0, 1, 0, 5, 5];
    const nb = bandNeighbors(coords, 0, { includeSelf: true });
    expect(toLists(nb)).toEqual([[0, 1], [0, 1], [2], [3]]);
    const wide = toLists(bandNeighbors(coords, 10, { includeSelf: false }));
    for (let i = 0; i < wide.length; i++) for (const j of wide[i]) expect(wide[j]).toContain(i);
    for (const l of wide) expect(l).toEqual([...l].sort((a, b) => a - b));
  });

  it('rejects a negative or non-finite band and odd-length coordinates', () => {
    expect(() => bandNeighbors([0, 0], -1)).toThrow(RangeError);
    expect(() => bandNeighbors([0, 0], Number.NaN)).toThrow(RangeError);
    expect(() => bandNeighbors([0, 0, 1], 1)).toThrow(RangeError);
    expect(bandNeighbors([], 5).n).toBe(0);
  });
});

describe('kthNeighborDistances', () => {
  it('equals brute force on random points (duplicates count at distance 0)', () => {
    fc.assert(
      fc.property(pointsArb, fc.integer({ min: 1, max: 12 }), ({ coords }, kRaw) => {
        const n = coords.length / 2;
        const k = Math.min(kRaw, n - 1);
        const got = Array.from(kthNeighborDistances(coords, k));
        const want = bruteKth(coords, k);
        for (let i = 0; i < n; i++) expect(got[i]).toBeCloseTo(want[i], 9);
      }),
      { numRuns: 100 },
    );
  });

  it('k-th distances on a regular 30 m lattice: k = 1 → spacing; k = 5 → diagonal inside, 60 m at a corner', () => {
    const coords: number[] = [];
    for (let r = 0; r < 10; r++) for (let c = 0; c < 10; c++) coords.push(c * 30, r * 30);
    expect(meanKthNeighborDistance(coords, 1)).toBeCloseTo(30, 12);
    const d5 = kthNeighborDistances(coords, 5);
    expect(d5[5 * 10 + 5]).toBeCloseTo(30 * Math.SQRT2, 12); // interior cell
    expect(d5[0]).toBeCloseTo(60, 12); // corner: 30, 30, 42.4, 60, 60, 67.1, … → 5th = 60
  });

  it('rejects k outside 1…n−1', () => {
    expect(() => kthNeighborDistances([0, 0, 1, 1], 2)).toThrow(RangeError);
    expect(() => kthNeighborDistances([0, 0, 1, 1], 0)).toThrow(RangeError);
  });
});

describe('latticeNeighbors (neighbour lists kept per lattice and band)', () => {
  it('returns the band search of the same coordinates, reused for the same array and band', async () => {
    const { latticeNeighbors } = await import('../../api/analysis/hotspots/gi.ts');
    const coords = Float64Array.from([0, 0, 100, 0, 200, 0, 0, 100, 100, 100, 300, 300]);
    const a = latticeNeighbors(coords, 100);
    expect(Array.from(a.indices)).toEqual(Array.from(bandNeighbors(coords, 100, { includeSelf: true }).indices));
    expect(latticeNeighbors(coords, 100)).toBe(a);
    const wider = latticeNeighbors(coords, 150);
    expect(wider).not.toBe(a);
    expect(wider.offsets[wider.n]).toBeGreaterThan(a.offsets[a.n]);
    // another array with the same values is another lattice: its own lists
    expect(latticeNeighbors(Float64Array.from(coords), 100)).not.toBe(a);
    // at most four bands per lattice: the oldest goes first
    for (const b of [200, 250, 300]) latticeNeighbors(coords, b);
    expect(latticeNeighbors(coords, 100)).not.toBe(a);
  });
});
