/** Cell lattices, hotspot areas, time steps and space-time neighbours of the hotspot API (pure helpers). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bandNeighbors } from '../../api/domain/hotspots/index.ts';
import {
  cellArea,
  cellCentre,
  cellKey,
  cellOf,
  cellRing,
  edgeNeighbours,
  hexIndex,
  roundHalfEven,
  SQRT3,
  sqlKey,
  squareIndex,
} from '../../api/analysis/hotspots/cells.ts';
import { hotComponents, indexCells } from '../../api/analysis/hotspots/components.ts';
import { isEdge, spaceTimeNeighbors, spaceTimePairs } from '../../api/analysis/hotspots/gi.ts';
import { mergeBoxes, monthEdges, monthRange, trendOf } from '../../api/analysis/hotspots/areas.ts';
import { localDate, nextStep, stepStart, stepWindow } from '../../api/analysis/hotspots/steps.ts';

describe('square cells', () => {
  it('cover [col·s, (col+1)·s): edges belong to the cell right / above', () => {
    expect(squareIndex(0, 100)).toBe(0);
    expect(squareIndex(99.999, 100)).toBe(0);
    expect(squareIndex(100, 100)).toBe(1);
    expect(squareIndex(-0.001, 100)).toBe(-1);
    expect(squareIndex(-100, 100)).toBe(-1);
    expect(cellOf('square', 350_000, 2_700_000, 250)).toEqual([1400, 10800]);
  });

  it('satisfy col·s ≤ x < (col+1)·s in double arithmetic, even where x/s rounds across an integer', () => {
    // 0.3 / 0.1 = 2.9999999999999996 but 3 · 0.1 = 0.30000000000000004 > 0.3: the cell is 2
    expect(squareIndex(0.3, 0.1)).toBe(2);
    fc.assert(
      fc.property(fc.double({ min: -1e7, max: 1e7, noNaN: true }), fc.double({ min: 1, max: 5e4, noNaN: true }), (x, s) => {
        const c = squareIndex(x, s);
        return c * s <= x && x < (c + 1) * s;
      }),
      { numRuns: 2000 },
    );
  });

  it('have centroids, rings and areas that agree', () => {
    expect(cellCentre('square', 3, -2, 100)).toEqual([350, -150]);
    expect(cellRing('square', 3, -2, 100)).toEqual([[300, -200], [400, -200], [400, -100], [300, -100], [300, -200]]);
    expect(cellArea('square', 100)).toBe(10_000);
    expect(edgeNeighbours('square', 0, 0)).toHaveLength(4);
  });
});

describe('hexagonal cells (pointy-top, axial q, r)', () => {
  const d = 100;
  it('put adjacent centres d apart: east (q+1), north-east (r+1), north-west (q−1, r+1)', () => {
    const [x0, y0] = cellCentre('hex', 0, 0, d);
    expect([x0, y0]).toEqual([0, 0]);
    for (const [q, r] of edgeNeighbours('hex', 0, 0)) {
      const [x, y] = cellCentre('hex', q, r, d);
      expect(Math.hypot(x - x0, y - y0)).toBeCloseTo(d, 9);
    }
    expect(cellCentre('hex', 0, 1, d)[0]).toBeCloseTo(50, 12);
    expect(cellCentre('hex', 0, 1, d)[1]).toBeCloseTo((SQRT3 / 2) * 100, 12);
    expect(cellArea('hex', d)).toBeCloseTo((SQRT3 / 2) * d * d, 9);
  });

  it('have a vertex pointing north and edge length d/√3', () => {
    const ring = cellRing('hex', 0, 0, d);
    expect(ring).toHaveLength(7);
    expect(ring[1][0]).toBeCloseTo(0, 12);
    expect(ring[1][1]).toBeCloseTo(d / SQRT3, 12);
    for (let k = 0; k < 6; k++) expect(Math.hypot(ring[k + 1][0] - ring[k][0], ring[k + 1][1] - ring[k][1])).toBeCloseTo(d / SQRT3, 9);
  });

  it('assign every point to the hexagon with the nearest centre', () => {
    fc.assert(
      fc.property(fc.double({ min: -5000, max: 5000, noNaN: true }), fc.double({ min: -5000, max: 5000, noNaN: true }), (x, y) => {
        const [q, r] = hexIndex(x, y, d);
        const [cx, cy] = cellCentre('hex', q, r, d);
        const mine = Math.hypot(x - cx, y - cy);
        for (const [nq, nr] of edgeNeighbours('hex', q, r)) {
          const [nx, ny] = cellCentre('hex', nq, nr, d);
          if (Math.hypot(x - nx, y - ny) < mine - 1e-9) return false;
        }
        return mine <= d / SQRT3 + 1e-9;
      }),
      { numRuns: 3000 },
    );
  });

  it('round halves to even like PostgreSQL round(float8)', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map((v) => roundHalfEven(v) + 0)).toEqual([0, 2, 2, 0, -2, 2, 3]);
  });
});

describe('cell keys', () => {
  it('are distinct per cell and match the SQL bigint key', () => {
    expect(cellKey(1, 2)).not.toBe(cellKey(2, 1));
    expect(cellKey(-1, 0)).not.toBe(cellKey(0, -1));
    expect(sqlKey(5, -3)).toBe('13272178802'); // 5 · 2654435761 − 3, as PostgreSQL computes it
    expect(sqlKey(-1, -1)).toBe('-2654435762');
    // unique over the whole index range: a step in a outweighs any b
    expect(BigInt(sqlKey(1, -(2 ** 25) + 1)) > BigInt(sqlKey(0, 2 ** 25 - 1))).toBe(true);
    expect(BigInt(sqlKey(2 ** 26 - 1, 2 ** 25 - 1)) < 2n ** 63n).toBe(true);
    const seen = new Set<number>();
    for (let a = -30; a <= 30; a++) for (let b = -30; b <= 30; b++) seen.add(cellKey(a * 2_000_000, b * 1_000_000)); // |b| ≤ 3·10⁷ < 2^25
    expect(seen.size).toBe(61 * 61);
  });
});

describe('hotspot areas (edge-contiguous cells with bin ≥ 2)', () => {
  it('join cells sharing an edge, not cells touching at a corner', () => {
    // 4×3 squares, row-major: bins
    //   row 2:  2 0 0 3
    //   row 1:  3 0 2 0
    //   row 0:  2 1 0 0
    const a = Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    const b = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    const bin = [2, 1, 0, 0, 3, 0, 2, 0, 2, 0, 0, 3];
    const groups = hotComponents({ kind: 'square', a, b, index: indexCells(a, b) }, bin);
    expect(groups).toEqual([[0, 4, 8], [6], [11]]);
  });

  it('join hexagons across all six edges', () => {
    const cells: [number, number][] = [[0, 0], [1, -1], [-1, 1], [5, 5]];
    const a = Int32Array.from(cells.map((c) => c[0]));
    const b = Int32Array.from(cells.map((c) => c[1]));
    expect(hotComponents({ kind: 'hex', a, b, index: indexCells(a, b) }, [3, 2, 2, 3])).toEqual([[0, 1, 2], [3]]);
  });

  it('flag edge cells: fewer than 8 other cells within the band', () => {
    expect(isEdge(8)).toBe(true); // 7 others + itself
    expect(isEdge(9)).toBe(false);
  });
});

describe('prefilter boxes of hot areas', () => {
  it('are merged west to east down to the limit, covering every box', () => {
    const boxes: [number, number, number, number][] = Array.from({ length: 10 }, (_, i) => [i * 10, i, i * 10 + 5, i + 5]);
    expect(mergeBoxes(boxes, 32)).toBe(boxes);
    const merged = mergeBoxes(boxes, 3);
    expect(merged.length).toBeLessThanOrEqual(3);
    for (const [x0, y0, x1, y1] of boxes) {
      expect(merged.some((m) => m[0] <= x0 && m[1] <= y0 && m[2] >= x1 && m[3] >= y1)).toBe(true);
    }
  });
});

describe('monthly trend of an area', () => {
  it('has month edges at local midnight of the 1st, one more than the months', () => {
    expect(monthEdges(['2025-12', '2026-01']).map((d) => d.toISOString())).toEqual([
      '2025-11-30T16:00:00.000Z',
      '2025-12-31T16:00:00.000Z',
      '2026-01-31T16:00:00.000Z',
    ]);
    expect(monthEdges([])).toEqual([]);
  });

  it('lists every month of the window, zeros included', () => {
    expect(monthRange(new Date('2025-11-30T16:00:00Z'), new Date('2026-02-10T00:00:00Z'))).toEqual(['2025-12', '2026-01', '2026-02']);
    const t = trendOf(['2025-01', '2025-02', '2025-03', '2025-04', '2025-05', '2025-06'], new Map([['2025-02', 1], ['2025-04', 3], ['2025-05', 4], ['2025-06', 9]]));
    expect(t.series.map((s) => s.count)).toEqual([0, 1, 0, 3, 4, 9]);
    expect(t.s).toBe(12);
    expect(t.direction).toBe('increasing');
    expect(trendOf(['2025-01', '2025-02'], new Map()).direction).toBe('none');
  });
});

describe('time steps (Asia/Shanghai)', () => {
  it('start months on the 1st and weeks on Monday, local time', () => {
    // 2025-03-02 17:00Z is Monday 3 March 01:00 in Shanghai
    const t = new Date('2025-03-02T17:00:00Z');
    expect(localDate(stepStart('week', t))).toBe('2025-03-03');
    expect(stepStart('week', t).toISOString()).toBe('2025-03-02T16:00:00.000Z');
    expect(localDate(stepStart('month', t))).toBe('2025-03-01');
    expect(localDate(nextStep('month', stepStart('month', new Date('2025-12-15T00:00:00Z'))))).toBe('2026-01-01');
    expect(localDate(stepStart('week', new Date('2025-03-02T15:59:59Z')))).toBe('2025-02-24'); // still Sunday locally
  });

  it('widen a window to whole steps', () => {
    const w = stepWindow('month', new Date('2025-01-10T00:00:00Z'), new Date('2025-03-01T00:00:00Z'))!;
    expect(w.starts).toEqual(['2025-01-01', '2025-02-01', '2025-03-01']); // 1 March 00:00Z is already 08:00 local on the 1st
    expect(w.from.toISOString()).toBe('2024-12-31T16:00:00.000Z');
    expect(w.to.toISOString()).toBe('2025-03-31T16:00:00.000Z');
    expect(stepWindow('week', new Date('2025-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'), 10)).toBeNull();
  });
});

describe('space-time neighbours', () => {
  it('are the spatial neighbours in the same and the previous step, ascending', () => {
    const coords = [0, 0, 100, 0, 300, 0];
    const spatial = bandNeighbors(coords, 100);
    const st = spaceTimeNeighbors(spatial, 3);
    const list = (k: number) => Array.from(st.indices.subarray(st.offsets[k], st.offsets[k + 1]));
    expect(st.n).toBe(9);
    expect(list(0)).toEqual([0, 1]); // step 0, cell 0: only its own step
    expect(list(3)).toEqual([0, 1, 3, 4]); // step 1, cell 0
    expect(list(5)).toEqual([2, 5]); // step 1, cell 2 (isolated)
    expect(list(7)).toEqual([3, 4, 6, 7]); // step 2, cell 1
    expect(st.offsets[9]).toBe(spaceTimePairs(spatial.offsets[3], 3));
  });
});
